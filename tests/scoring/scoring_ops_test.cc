// What operators rely on: scores, tiers, overrides and history survive
// kill -9 of kam-scoring and it keeps following the feeds afterwards,
// catching up on what it missed; with the registry down it keeps answering
// tier lookups; SIGTERM ends tier streams with UNAVAILABLE and exits 0;
// /metrics tells what it scored, changed, looked up and ran, and how far
// behind each feed it is.

#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/wait.h"

namespace kam::scoring_test {
namespace {

using test_support::CountMetrics;
using test_support::FindMetric;
using test_support::MetricSample;
using test_support::WaitUntil;

// The tier feed has sequences 1..n without a gap or a repeat.
void ExpectFeedWithoutGaps(const std::vector<cv1::ChangeEvent>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence(), i + 1) << events[i].ShortDebugString();
  }
}

class DurabilityTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedAcme();
  }
};

TEST_F(DurabilityTest, ScoresTiersAndOverridesSurviveKill9) {
  // strategic-fit 9: 57.5 + 8 = 65.5; then an override to KEY.
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 9))));
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("acme", cv1::KEY))));
  sv1::ScoreModel draft;
  ASSERT_TRUE(IsOk(scoring().GetModel(kDefaultModel, &draft)));
  draft.set_model_id("next-year");
  sv1::CreateScoreModelRequest create;
  *create.mutable_model() = draft;
  ASSERT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, create, &draft)));
  const std::string before = Snapshot({"acme"});
  const std::vector<sv1::TierChange> history = MustTierHistory("acme");

  RestartScoring();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Snapshot({"acme"}), before);
  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.tier(), cv1::KEY);
  EXPECT_EQ(tier.source(), sv1::OVERRIDE);
  EXPECT_EQ(tier.override().author(), "head-of-sales@supplier.example");
  EXPECT_DOUBLE_EQ(tier.score(), kAcmeScore + 8);

  // It keeps following: a new fact in the registry still rescores acme
  // (revenue 90M, see the feed test: +14.5), under the override.
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  sv1::Score score;
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore + 8 + 14.5, &score));
  EXPECT_EQ(score.computed_tier(), cv1::KEY);
  EXPECT_EQ(score.tier(), cv1::KEY);
  EXPECT_EQ(MustGetTier("acme").source(), sv1::OVERRIDE);
  // The tier in force did not move, so there is no new tier change.
  EXPECT_EQ(Moves(MustTierHistory("acme")), Moves(history));
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed();
  ASSERT_TRUE(events.ok()) << events.status();
  ExpectFeedWithoutGaps(*events);
  EXPECT_EQ(events->size(), history.size());
}

TEST_F(DurabilityTest, ARestartedScoringCatchesUpOnWhatItMissed) {
  const std::vector<sv1::TierChange> history = MustTierHistory("acme");
  KillScoring();

  // While scoring is down: acme grows past key's line, and a new account
  // appears.
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  ASSERT_TRUE(IsOk(
      registry().CreateAccount(NewAccount("initech", "Initech"), nullptr)));

  StartScoring();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForScoreOf("acme", 72));
  ASSERT_TRUE(WaitForScoreOf("initech", 15));
  // Each missed event applied once: one promotion of acme on top of what
  // was there, and no change repeated.
  std::vector<std::string> expected = Moves(history);
  expected.insert(expected.begin(), "accounts/acme POTENTIAL_KEY->KEY (SCORE)");
  EXPECT_EQ(Moves(MustTierHistory("acme")), expected);
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed();
  ASSERT_TRUE(events.ok()) << events.status();
  ExpectFeedWithoutGaps(*events);
  int acme_events = 0;
  for (const cv1::ChangeEvent& event : *events) {
    acme_events += event.resource_name() == "accounts/acme";
  }
  EXPECT_EQ(acme_events, static_cast<int>(expected.size()));
}

TEST_F(DurabilityTest, TiersAreServedWhileTheRegistryIsDown) {
  KillRegistry();

  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.tier(), cv1::POTENTIAL_KEY);
  sv1::BatchGetTiersResponse batch;
  ASSERT_TRUE(IsOk(scoring().BatchGetTiers(
      {AccountName("acme"), AccountName("nobody")}, &batch)));
  ASSERT_EQ(batch.tiers_size(), 2);
  EXPECT_TRUE(batch.tiers(0).found());
  EXPECT_DOUBLE_EQ(MustGetScore("acme").score(), kAcmeScore);
  // Ratings need nothing from the registry either.
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 9))));
  EXPECT_DOUBLE_EQ(MustGetTier("acme").score(), kAcmeScore + 8);

  // The registry comes back (on a new port): scoring, pointed at it, picks
  // up where it stopped.
  RestartRegistry();
  ASSERT_FALSE(HasFatalFailure());
  RestartScoring();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore + 8 + 14.5));
}

TEST_F(DurabilityTest, SigtermEndsTierStreamsAndStopsCleanly) {
  const std::string before = Snapshot({"acme"});
  {
    // A tier reader with its stream open, on its own channel.
    ScoringClient watcher(scoring_process().grpc_address());
    grpc::ClientContext context;
    watcher.Prepare(&context, kWaitTimeout);
    auto reader =
        watcher.stub().WatchTiers(&context, cv1::WatchChangesRequest());
    cv1::WatchChangesResponse response;
    ASSERT_TRUE(reader->Read(&response));

    // An idle channel would only notice the server going away at its next
    // poll (5 s); drop the fixture's so the drain is not held up.
    scoring_client_.reset();
    ASSERT_TRUE(scoring_process().Signal(SIGTERM).ok());
    while (reader->Read(&response)) {
    }
    EXPECT_TRUE(HasCode(reader->Finish(), grpc::StatusCode::UNAVAILABLE))
        << "a draining server tells tier readers to reconnect";
  }
  absl::StatusOr<int> exit_code = scoring_process().Wait(absl::Seconds(15));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);

  StartScoring();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Snapshot({"acme"}), before);
}

class MetricsTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedAcme();
  }

  double Metric(const std::vector<MetricSample>& samples,
                const std::string& name,
                const std::map<std::string, std::string>& labels = {}) {
    std::optional<double> value = FindMetric(samples, name, labels);
    EXPECT_TRUE(value.has_value()) << "no sample " << name;
    return value.value_or(-1);
  }

  double Sum(const std::vector<MetricSample>& samples,
             const std::string& name) {
    double sum = 0;
    for (const MetricSample& sample : samples) {
      if (sample.name == name) sum += sample.value;
    }
    return sum;
  }
};

TEST_F(MetricsTest, ScoringExportsWhatItScoredChangedLookedUpAndRan) {
  const std::vector<MetricSample> before = ScrapeScoring();
  ASSERT_FALSE(before.empty());
  EXPECT_GE(Metric(before, "kam_scoring_accounts_scored_total",
                   {{"trigger", "event"}}),
            1);
  EXPECT_EQ(Metric(before, "kam_scoring_accounts_scored_total",
                   {{"trigger", "rating"}}),
            0);
  // One gauge per tier; acme is the only account.
  EXPECT_EQ(Metric(before, "kam_scoring_accounts", {{"tier", "potential_key"}}),
            1);
  EXPECT_EQ(Metric(before, "kam_scoring_accounts", {{"tier", "key"}}), 0);
  EXPECT_EQ(CountMetrics(before, "kam_scoring_accounts", {}), 4);
  // Every tier change counted once: as many as the tier feed holds.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed();
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(Sum(before, "kam_scoring_tier_changes_total"),
            static_cast<double>(events->size()));
  // Both feeds are followed, and caught up.
  EXPECT_EQ(
      Metric(before, "kam_feed_consumer_lag_events", {{"feed", "registry"}}),
      0);
  EXPECT_EQ(
      Metric(before, "kam_feed_consumer_lag_events", {{"feed", "engagement"}}),
      0);

  // Lookups: GetTier (found), GetTier (unknown), BatchGetTiers of three
  // (two found, one not).
  sv1::AccountTier tier;
  ASSERT_TRUE(IsOk(scoring().GetTier(AccountName("acme"), &tier)));
  EXPECT_FALSE(scoring().GetTier(AccountName("nobody"), &tier).ok());
  sv1::BatchGetTiersResponse batch;
  ASSERT_TRUE(IsOk(scoring().BatchGetTiers(
      {AccountName("acme"), AccountName("nobody"), AccountName("acme")},
      &batch)));
  // A rating, and a rejected one.
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 9))));
  EXPECT_FALSE(scoring().SetRating(NewRating("acme", "strategic-fit", 0)).ok());
  // A full run.
  sv1::StartRescoringRequest start;
  sv1::RescoringRun run;
  ASSERT_TRUE(
      IsOk(scoring().Call(&sv1::Scoring::Stub::StartRescoring, start, &run)));
  absl::StatusOr<sv1::RescoringRun> ended = scoring().WaitForRun(run.name());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), sv1::SUCCEEDED);

  // The run's duration is observed just after its end is recorded.
  std::vector<MetricSample> after;
  EXPECT_TRUE(WaitUntil(
      [&] {
        after = ScrapeScoring();
        return FindMetric(after, "kam_scoring_run_duration_seconds_count", {})
                   .value_or(0) == 1;
      },
      absl::Seconds(10), absl::Milliseconds(50)));
  EXPECT_EQ(Metric(after, "kam_scoring_run_duration_seconds_count"), 1);
  EXPECT_GE(Metric(after, "kam_scoring_run_duration_seconds_sum"), 0);
  EXPECT_EQ(Metric(after, "kam_scoring_runs_total", {{"outcome", "succeeded"}}),
            1);
  EXPECT_EQ(
      Metric(after, "kam_scoring_tier_lookups_total", {{"result", "found"}}) -
          Metric(before, "kam_scoring_tier_lookups_total",
                 {{"result", "found"}}),
      3);
  EXPECT_EQ(Metric(after, "kam_scoring_tier_lookups_total",
                   {{"result", "not_found"}}) -
                Metric(before, "kam_scoring_tier_lookups_total",
                       {{"result", "not_found"}}),
            2);
  EXPECT_EQ(Metric(after, "kam_scoring_accounts_scored_total",
                   {{"trigger", "rating"}}),
            1);
  EXPECT_EQ(
      Metric(after, "kam_scoring_accounts_scored_total", {{"trigger", "run"}}),
      1);
  EXPECT_EQ(Metric(after, "kam_grpc_server_handled_total",
                   {{"grpc_service", "kam.scoring.v1.Scoring"},
                    {"grpc_method", "SetRating"},
                    {"grpc_code", "OK"}}),
            1);
  EXPECT_EQ(Metric(after, "kam_grpc_server_handled_total",
                   {{"grpc_service", "kam.scoring.v1.Scoring"},
                    {"grpc_method", "SetRating"},
                    {"grpc_code", "INVALID_ARGUMENT"}}),
            1);

  // A promotion by score is counted with its from and to.
  const double promotions_before =
      Metric(after, "kam_scoring_tier_changes_total",
             {{"from", "potential_key"}, {"to", "key"}});
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore + 8 + 14.5));
  std::vector<MetricSample> promoted = ScrapeScoring();
  EXPECT_EQ(Metric(promoted, "kam_scoring_tier_changes_total",
                   {{"from", "potential_key"}, {"to", "key"}}),
            promotions_before + 1);
  EXPECT_EQ(Metric(promoted, "kam_scoring_accounts", {{"tier", "key"}}), 1);
  EXPECT_EQ(
      Metric(promoted, "kam_scoring_accounts", {{"tier", "potential_key"}}), 0);
}

}  // namespace
}  // namespace kam::scoring_test
