// Scoring re-lists the registry instead of resuming from a cursor that no
// longer means anything: down past the registry feed's retention, it gets
// OUT_OF_RANGE, lists the registry's current state through its inbox, and
// ends with the scores and tiers of a scoring that never stopped, deletions
// made while it was away included. It then tails on.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace kam::scoring_test {
namespace {

using grpc::StatusCode;

// The registry keeps 2 events, trimmed every 50 ms.
class TrimmedRelistTest : public ScoringTest {
 protected:
  TrimmedRelistTest() {
    setenv("KAM_FEED_MAX_EVENTS", "2", 1);
    setenv("KAM_FEED_TRIM_INTERVAL", "50ms", 1);
  }
  ~TrimmedRelistTest() override {
    unsetenv("KAM_FEED_MAX_EVENTS");
    unsetenv("KAM_FEED_TRIM_INTERVAL");
  }

  // A second kam-scoring on its own data directory that follows the same
  // peers and never stops: what the re-listed one must end equal to.
  void StartWitness() {
    test_support::ServiceProcess::Options options;
    options.binary = ScoringBinary();
    options.data_dir = dir_.Sub("witness/data");
    options.run_dir = dir_.Sub("witness");
    std::filesystem::create_directories(options.run_dir);
    options.extra_args = {"--registry_addr=" + registry_->grpc_address(),
                          "--engagement_addr=" + engagement_->grpc_address(),
                          std::string("--fixed_time=") + kFixedTime,
                          "--rescore_interval=20ms"};
    auto started = test_support::ServiceProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    witness_ = std::move(started).value();
    witness_client_ = std::make_unique<ScoringClient>(witness_->grpc_address());
  }

  // What a caller sees of an account on `client`: its score, or the code.
  // Not the previous score and trend: they tell the way there, and a
  // listing brings where things are, not every step (an account created and
  // then given its facts while scoring was away has no earlier score).
  static std::string Seen(ScoringClient& client, const std::string& id) {
    sv1::Score score;
    grpc::Status status = client.GetScore(AccountName(id), &score);
    if (!status.ok()) return CodeName(status.error_code());
    score.clear_previous_score();
    score.clear_trend();
    return score.ShortDebugString();
  }

  double Relists() {
    for (const auto& sample : ScrapeScoring()) {
      if (sample.name == "kam_feed_consumer_relists_total" &&
          sample.labels.count("reason") > 0 &&
          sample.labels.at("reason") == "trimmed" &&
          sample.labels.at("feed") == "registry") {
        return sample.value;
      }
    }
    return 0;
  }

  std::unique_ptr<test_support::ServiceProcess> witness_;
  std::unique_ptr<ScoringClient> witness_client_;
};

TEST_F(TrimmedRelistTest, DownPastTheRetentionItEndsEqualToOneThatStayed) {
  StartWitness();
  ASSERT_FALSE(HasFatalFailure());
  SeedPortfolio();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return Seen(*witness_client_, "alpha") == Seen(scoring(), "alpha"); },
      kWaitTimeout));

  KillScoring();
  // While scoring is down: an account deleted, one created with facts, a
  // larger year recorded for another, one renamed.
  ASSERT_TRUE(IsOk(registry().DeleteAccount(AccountName("zeta"))));
  ASSERT_TRUE(IsOk(registry().CreateAccount(NewAccount("late"), nullptr)));
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("late"), EurFact("2025", 80'000'000, 30'000'000, 2'000'000))));
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("gamma"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  rv1::Account renamed;
  renamed.set_name(AccountName("beta"));
  renamed.set_display_name("Beta Group");
  ASSERT_TRUE(
      IsOk(registry().UpdateAccount(renamed, {"display_name"}, nullptr)));
  absl::SleepFor(absl::Milliseconds(300));  // trimmed past its cursor

  StartScoring();
  ASSERT_FALSE(HasFatalFailure());
  std::vector<std::string> ids = PortfolioIds();
  ids.push_back("late");
  // Both have seen everything once each shows the last change.
  for (ScoringClient* client : {&scoring(), witness_client_.get()}) {
    ASSERT_TRUE(test_support::WaitUntil(
        [&] {
          return Seen(*client, "zeta") == "NOT_FOUND" &&
                 Seen(*client, "late") != "NOT_FOUND" &&
                 Seen(*client, "beta").find("Beta Group") != std::string::npos;
        },
        kWaitTimeout))
        << Seen(*client, "zeta") << "\n" << Seen(*client, "late");
  }
  EXPECT_GE(Relists(), 1);
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return Seen(scoring(), "gamma") == Seen(*witness_client_, "gamma"); },
      kWaitTimeout));
  for (const std::string& id : ids) {
    EXPECT_EQ(Seen(scoring(), id), Seen(*witness_client_, id)) << id;
  }
  // zeta's tier ended as a deleted account's does.
  std::vector<sv1::TierChange> history;
  ASSERT_TRUE(IsOk(scoring().ListTierHistory(AccountName("zeta"), &history)));
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().reason(), sv1::ACCOUNT_DELETED);

  // And it tails on from the snapshot.
  ASSERT_TRUE(IsOk(registry().CreateAccount(NewAccount("later"), nullptr)));
  ASSERT_TRUE(WaitForTier("later", [](const sv1::AccountTier&) { return true; }));
}

}  // namespace
}  // namespace kam::scoring_test
