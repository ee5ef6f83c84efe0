// Tiers as other services and people see them: lookups one at a time or up
// to 1000 at once, and manual overrides that pin a tier until cleared,
// with their trace in the tier history and on the tier feed.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

class TiersTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedAcme();
  }
};

TEST_F(TiersTest, GetTierAnswersForScoredAccountsOnly) {
  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.account(), "accounts/acme");
  EXPECT_EQ(tier.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(tier.source(), sv1::COMPUTED);
  EXPECT_EQ(FromProto(tier.effective_time()), FixedNow());
  EXPECT_DOUBLE_EQ(tier.score(), kAcmeScore);

  sv1::AccountTier unknown;
  EXPECT_TRUE(HasCode(scoring().GetTier(AccountName("nobody"), &unknown),
                      grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(
      IsInvalidArgumentFor(scoring().GetTier("acme", &unknown), "account"));
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().GetTier("", &unknown), "account"));
}

TEST_F(TiersTest, BatchGetTiersAnswersInRequestOrder) {
  sv1::BatchGetTiersResponse response;
  ASSERT_TRUE(IsOk(scoring().BatchGetTiers(
      {AccountName("acme"), AccountName("nobody"), AccountName("acme")},
      &response)));
  ASSERT_EQ(response.tiers_size(), 3);
  EXPECT_EQ(response.tiers(0).account(), "accounts/acme");
  EXPECT_TRUE(response.tiers(0).found());
  EXPECT_EQ(response.tiers(0).tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(response.tiers(0).source(), sv1::COMPUTED);
  EXPECT_DOUBLE_EQ(response.tiers(0).score(), kAcmeScore);
  EXPECT_EQ(response.tiers(1).account(), "accounts/nobody");
  EXPECT_FALSE(response.tiers(1).found());
  EXPECT_EQ(response.tiers(1).tier(), cv1::TIER_UNSPECIFIED);
  EXPECT_EQ(response.tiers(2).ShortDebugString(),
            response.tiers(0).ShortDebugString());

  // 1000 is the most one call may ask for.
  std::vector<std::string> names;
  names.push_back(AccountName("acme"));
  for (int i = 1; i < 1000; ++i) {
    names.push_back(AccountName(absl::StrCat("unknown-", i)));
  }
  ASSERT_TRUE(IsOk(scoring().BatchGetTiers(names, &response)));
  ASSERT_EQ(response.tiers_size(), 1000);
  EXPECT_TRUE(response.tiers(0).found());
  EXPECT_EQ(response.tiers(999).account(), "accounts/unknown-999");
  EXPECT_FALSE(response.tiers(999).found());

  names.push_back(AccountName("one-too-many"));
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().BatchGetTiers(names, &response),
                                   "accounts"));
  EXPECT_TRUE(
      IsInvalidArgumentFor(scoring().BatchGetTiers({}, &response), "accounts"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().BatchGetTiers(
          {AccountName("acme"), AccountName("nobody"), "accounts/Not Valid"},
          &response),
      "accounts[2]"));
}

TEST_F(TiersTest, AnOverridePinsTheTierUntilItIsCleared) {
  const uint64_t head = MustFeedHead();
  sv1::AccountTier set;
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("acme", cv1::KEY), &set)));
  EXPECT_EQ(set.tier(), cv1::KEY);
  EXPECT_EQ(set.source(), sv1::OVERRIDE);
  EXPECT_EQ(FromProto(set.effective_time()), FixedNow());
  EXPECT_EQ(set.override().tier(), cv1::KEY);
  EXPECT_EQ(set.override().author(), "head-of-sales@supplier.example");
  EXPECT_EQ(FromProto(set.override().expire_time()), At(2026, 9, 1));
  EXPECT_EQ(FromProto(set.override().create_time()), FixedNow());

  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.tier(), cv1::KEY);
  EXPECT_EQ(tier.source(), sv1::OVERRIDE);
  EXPECT_EQ(tier.override().reason(),
            "Board decision: strategic partner for 2027");
  EXPECT_DOUBLE_EQ(tier.score(), kAcmeScore);
  // The score still says what the numbers give.
  sv1::Score score = MustGetScore("acme");
  EXPECT_EQ(score.tier(), cv1::KEY);
  EXPECT_EQ(score.computed_tier(), cv1::POTENTIAL_KEY);

  std::vector<sv1::TierChange> history = MustTierHistory("acme");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().reason(), sv1::OVERRIDE_SET);
  EXPECT_EQ(history.front().previous_tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(history.front().tier(), cv1::KEY);
  EXPECT_TRUE(absl::StrContains(history.front().detail(),
                                "Board decision: strategic partner"))
      << history.front().detail();

  // While the override holds, a new score moves the computed tier only.
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 5))));
  score = MustGetScore("acme");
  EXPECT_DOUBLE_EQ(score.score(), kAcmeScore + 4);
  EXPECT_EQ(score.tier(), cv1::KEY);
  EXPECT_EQ(score.computed_tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(MustGetTier("acme").source(), sv1::OVERRIDE);
  EXPECT_EQ(MustTierHistory("acme").size(), history.size());

  sv1::AccountTier cleared;
  ASSERT_TRUE(IsOk(scoring().ClearOverride(
      AccountName("acme"), "head-of-sales@supplier.example", &cleared)));
  EXPECT_EQ(cleared.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(cleared.source(), sv1::COMPUTED);
  EXPECT_FALSE(cleared.has_override());
  const sv1::AccountTier after = MustGetTier("acme");
  EXPECT_EQ(after.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(after.source(), sv1::COMPUTED);
  EXPECT_FALSE(after.has_override());
  EXPECT_DOUBLE_EQ(after.score(), kAcmeScore + 4);
  score = MustGetScore("acme");
  EXPECT_EQ(score.tier(), cv1::POTENTIAL_KEY);

  history = MustTierHistory("acme");
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history[0].reason(), sv1::OVERRIDE_CLEARED);
  EXPECT_EQ(history[0].previous_tier(), cv1::KEY);
  EXPECT_EQ(history[0].tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(history[1].reason(), sv1::OVERRIDE_SET);

  // Both changes went out on the tier feed, in order.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed(head);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(Moves(TierChanges(*events)),
            (std::vector<std::string>{
                "accounts/acme POTENTIAL_KEY->KEY (OVERRIDE_SET)",
                "accounts/acme KEY->POTENTIAL_KEY (OVERRIDE_CLEARED)"}));

  // The history pages: one change a page gives the same list.
  std::vector<sv1::TierChange> paged;
  sv1::ListTierHistoryRequest page_request;
  page_request.set_account(AccountName("acme"));
  page_request.set_page_size(1);
  for (int page = 0; page < 20; ++page) {
    sv1::ListTierHistoryResponse response;
    ASSERT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::ListTierHistory,
                                    page_request, &response)));
    ASSERT_LE(response.changes_size(), 1);
    paged.insert(paged.end(), response.changes().begin(),
                 response.changes().end());
    if (response.next_page_token().empty()) break;
    page_request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(Moves(paged), Moves(history));

  // Nothing left to clear.
  EXPECT_TRUE(HasCode(scoring().ClearOverride(AccountName("acme"),
                                              "head-of-sales@supplier.example"),
                      grpc::StatusCode::NOT_FOUND));
}

TEST_F(TiersTest, BadOverridesAreRefusedAndChangeNothing) {
  const std::string before = Snapshot({"acme"});

  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetOverride(NewOverride("acme", cv1::KEY, At(2026, 5, 31))),
      "expire_time"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetOverride(NewOverride("acme", cv1::KEY, FixedNow())),
      "expire_time"));
  // 366 days ahead is the limit; a day more is refused.
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetOverride(
          NewOverride("acme", cv1::KEY, FixedNow() + absl::Hours(24 * 367))),
      "expire_time"));
  sv1::SetTierOverrideRequest no_expiry = NewOverride("acme", cv1::KEY);
  no_expiry.clear_expire_time();
  EXPECT_TRUE(
      IsInvalidArgumentFor(scoring().SetOverride(no_expiry), "expire_time"));
  sv1::SetTierOverrideRequest no_reason = NewOverride("acme", cv1::KEY);
  no_reason.clear_reason();
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().SetOverride(no_reason), "reason"));
  sv1::SetTierOverrideRequest no_author = NewOverride("acme", cv1::KEY);
  no_author.clear_author();
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().SetOverride(no_author), "author"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetOverride(NewOverride("acme", cv1::TIER_UNSPECIFIED)),
      "tier"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetOverride(NewOverride("acme", static_cast<cv1::Tier>(9))),
      "tier"));
  sv1::SetTierOverrideRequest bad_name = NewOverride("acme", cv1::KEY);
  bad_name.set_account("acme");
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().SetOverride(bad_name), "account"));
  EXPECT_TRUE(HasCode(scoring().SetOverride(NewOverride("nobody", cv1::KEY)),
                      grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().ClearOverride(AccountName("acme"), ""), "author"));
  EXPECT_TRUE(HasCode(scoring().ClearOverride(AccountName("acme"),
                                              "head-of-sales@supplier.example"),
                      grpc::StatusCode::NOT_FOUND));

  EXPECT_EQ(Snapshot({"acme"}), before);

  // Exactly 366 days ahead is allowed.
  EXPECT_TRUE(IsOk(scoring().SetOverride(
      NewOverride("acme", cv1::KEY, FixedNow() + absl::Hours(24 * 366)))));
}

}  // namespace
}  // namespace kam::scoring_test
