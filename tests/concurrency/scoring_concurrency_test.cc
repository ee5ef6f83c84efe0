// Scoring under many simultaneous writers, through a real kam-scoring (with
// the registry and engagement it follows): ratings set at once on many
// accounts and on one contended account, while tier overrides are set and
// cleared. Afterwards each account's rating is the last one acknowledged
// (one writer per account) or one of those written (the contended account),
// its score is the one that rating gives, the in-memory tier agrees with the
// stored score, and the tier feed is gap-free with, per account, a chain of
// changes whose last one is the tier GetTier answers.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/concurrency/concurrent_callers.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

using concurrency_test::RunConcurrently;
using concurrency_test::StatusTally;

constexpr char kCriterion[] = "strategic-fit";

// The portfolio's scores without a strategic-fit rating (see
// ScoringTest::SeedPortfolio). The criterion weighs 10 and counts a missing
// rating as 1, so a rating r adds r - 1 points.
const std::map<std::string, double>& BaseScores() {
  static const auto* const kScores = new std::map<std::string, double>{
      {"alpha", 73.5}, {"beta", 60.5},  {"gamma", 47},
      {"delta", 41},   {"epsilon", 33}, {"zeta", 15}};
  return *kScores;
}

class ScoringConcurrencyTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }
};

TEST_F(ScoringConcurrencyTest, RatingsAndOverridesAtOnceKeepTiersConsistent) {
  const std::vector<std::string> solo = {"alpha", "beta", "gamma", "delta",
                                         "epsilon"};
  const std::string contended = "zeta";
  constexpr int kSoloRatings = 8;
  constexpr int kContendedCallers = 8;
  constexpr int kContendedRatings = 6;
  constexpr int kOverrideRounds = 5;
  // Override callers: two on the contended account, one on alpha, one on
  // beta, each setting and clearing in turn.
  const std::vector<std::string> overridden = {contended, contended, "alpha",
                                               "beta"};
  const int solo_end = static_cast<int>(solo.size());
  const int contended_end = solo_end + kContendedCallers;
  const int callers = contended_end + static_cast<int>(overridden.size());

  absl::Mutex mu;
  std::map<std::string, int> last_acknowledged;
  std::set<int> contended_values;
  StatusTally ratings;
  StatusTally overrides;
  RunConcurrently(callers, [&](int caller) {
    if (caller < solo_end) {
      // One writer per account: its calls are sequential, so the last one
      // acknowledged is the last one sent.
      const std::string& account_id = solo[caller];
      for (int k = 0; k < kSoloRatings; ++k) {
        const int value = 1 + (caller * 3 + k * 7) % 10;
        grpc::Status status =
            scoring().SetRating(NewRating(account_id, kCriterion, value));
        ratings.Add(status);
        EXPECT_TRUE(IsOk(status)) << account_id << " = " << value;
        if (status.ok()) {
          absl::MutexLock lock(&mu);
          last_acknowledged[account_id] = value;
        }
      }
    } else if (caller < contended_end) {
      for (int k = 0; k < kContendedRatings; ++k) {
        const int value = 1 + (caller + k * 3) % 10;
        grpc::Status status =
            scoring().SetRating(NewRating(contended, kCriterion, value));
        ratings.Add(status);
        EXPECT_TRUE(IsOk(status)) << contended << " = " << value;
        if (status.ok()) {
          absl::MutexLock lock(&mu);
          contended_values.insert(value);
        }
      }
    } else {
      const std::string& account_id = overridden[caller - contended_end];
      for (int k = 0; k < kOverrideRounds; ++k) {
        const cv1::Tier tier =
            (caller + k) % 2 == 0 ? cv1::KEY : cv1::TRANSACTIONAL;
        grpc::Status set = scoring().SetOverride(NewOverride(account_id, tier));
        overrides.Add(set);
        EXPECT_TRUE(IsOk(set)) << account_id;
        grpc::Status cleared = scoring().ClearOverride(AccountName(account_id),
                                                       "kam@supplier.example");
        overrides.Add(cleared);
        // Another caller on the same account may have cleared it first.
        EXPECT_TRUE(cleared.ok() ||
                    cleared.error_code() == grpc::StatusCode::NOT_FOUND)
            << CodeName(cleared.error_code()) << ": "
            << cleared.error_message();
      }
    }
  });
  EXPECT_EQ(ratings.count(grpc::StatusCode::OK),
            solo_end * kSoloRatings + kContendedCallers * kContendedRatings)
      << ratings.ToString();

  std::vector<std::string> accounts = solo;
  accounts.push_back(contended);
  for (const std::string& account_id : accounts) {
    SCOPED_TRACE(account_id);
    sv1::ListRatingsResponse listed;
    ASSERT_TRUE(IsOk(scoring().ListRatings(AccountName(account_id), &listed)));
    ASSERT_EQ(listed.ratings_size(), 1) << listed.ShortDebugString();
    const int rating = listed.ratings(0).value();
    if (account_id == contended) {
      EXPECT_TRUE(contended_values.count(rating))
          << rating << " was never written";
    } else {
      EXPECT_EQ(rating, last_acknowledged[account_id])
          << "the last acknowledged rating";
    }
    // The score is the one the stored rating gives: no rescoring from an
    // older rating committed last.
    const sv1::Score score = MustGetScore(account_id);
    const sv1::CriterionScore* fit = FindCriterion(score, kCriterion);
    ASSERT_NE(fit, nullptr);
    EXPECT_EQ(fit->rating(), rating);
    EXPECT_DOUBLE_EQ(score.score(), BaseScores().at(account_id) + rating - 1);
    const sv1::AccountTier tier = MustGetTier(account_id);
    EXPECT_DOUBLE_EQ(tier.score(), score.score())
        << "the in-memory tier table has another score than the store";
    EXPECT_EQ(tier.source() == sv1::OVERRIDE, tier.has_override())
        << tier.ShortDebugString();
    if (tier.has_override()) {
      EXPECT_EQ(tier.tier(), tier.override().tier()) << tier.ShortDebugString();
    }
  }

  // The tier feed: 1..head without gap, and per account a chain (each
  // change starts from the tier the one before ended in) whose end is the
  // tier in force; the account's tier history is the same chain.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), MustFeedHead());
  for (size_t i = 0; i < events->size(); ++i) {
    ASSERT_EQ((*events)[i].sequence(), i + 1) << "gap or duplicate";
  }
  std::map<std::string, std::vector<sv1::TierChange>> chains;
  for (sv1::TierChange& change : TierChanges(*events)) {
    chains[change.account()].push_back(std::move(change));
  }
  for (const std::string& account_id : accounts) {
    SCOPED_TRACE(account_id);
    const std::vector<sv1::TierChange>& chain = chains[AccountName(account_id)];
    ASSERT_FALSE(chain.empty());
    EXPECT_EQ(chain.front().previous_tier(), cv1::TIER_UNSPECIFIED);
    for (size_t i = 1; i < chain.size(); ++i) {
      EXPECT_EQ(chain[i].previous_tier(), chain[i - 1].tier())
          << "change " << i << " of " << chain.size() << ": "
          << chain[i].ShortDebugString() << " after "
          << chain[i - 1].ShortDebugString();
    }
    EXPECT_EQ(chain.back().tier(), MustGetTier(account_id).tier());

    std::vector<sv1::TierChange> history = MustTierHistory(account_id);
    std::reverse(history.begin(), history.end());
    ASSERT_EQ(history.size(), chain.size());
    for (size_t i = 0; i < chain.size(); ++i) {
      EXPECT_EQ(history[i].tier(), chain[i].tier()) << i;
      EXPECT_EQ(history[i].previous_tier(), chain[i].previous_tier()) << i;
      EXPECT_EQ(history[i].reason(), chain[i].reason()) << i;
    }
  }
}

}  // namespace
}  // namespace kam::scoring_test
