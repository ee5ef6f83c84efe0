// What operators rely on: an acknowledged write survives kill -9 of
// kam-engagement, and /metrics tells how much was ingested, how long batches
// took, how many accounts are overdue per tier, and how far behind the
// registry feed the projection is.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/wait.h"

namespace kam::engagement_test {
namespace {

using test_support::CountMetrics;
using test_support::FindMetric;
using test_support::MetricSample;
using test_support::WaitUntil;

constexpr char kService[] = "kam.engagement.v1.Engagement";

class DurabilityTest : public EngagementTest {
 protected:
  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }
};

TEST_F(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  // 300 interactions across three accounts in one batch, plus one of each
  // other kind of write.
  const std::vector<std::pair<std::string, std::string>> who = {
      {"acme", "ann"}, {"acme", "bob"}, {"globex", "gus"}, {"umbrella", "una"}};
  std::vector<ev1::CreateInteractionRequest> items;
  for (int i = 0; i < 300; ++i) {
    const auto& [account, contact] = who[i % who.size()];
    ev1::Interaction interaction =
        NewInteraction(account, static_cast<ev1::InteractionType>(1 + i % 7),
                       At(2026, 1, 1) + absl::Minutes(30 * i), {contact});
    interaction.set_sentiment(i % 5 - 2);
    items.push_back(NewCreateRequest(interaction, absl::StrCat("sync-", i)));
  }
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &batch)));
  ASSERT_EQ(batch.created(), 300);
  const ev1::Interaction single =
      MustCreate(NewInteraction("initech", ev1::CALL, At(2026, 5, 1)), "one");
  ev1::Interaction patch;
  patch.set_name(batch.results(0).interaction().name());
  patch.set_outcome("Updated before the crash");
  ASSERT_TRUE(IsOk(engagement().Update(patch, {"outcome"})));
  ASSERT_TRUE(IsOk(engagement().Delete(batch.results(1).interaction().name())));
  ASSERT_TRUE(
      IsOk(engagement().RecordSurvey(NewSurvey("acme", 9, 5, At(2026, 5, 1)))));
  ASSERT_TRUE(IsOk(engagement().SetStage(
      NewStage("acme", ev1::BASIC, At(2026, 2, 1), "Regular orders"))));
  ev1::CadencePolicy policy;
  policy.set_tier(cv1::MAINTAIN);
  policy.set_visit_interval_days(45);
  ASSERT_TRUE(IsOk(engagement().SetPolicy(policy)));

  const std::vector<std::string> accounts = {"acme", "globex", "initech",
                                             "umbrella"};
  const std::string before = Snapshot(accounts);
  size_t total = 0;
  for (const std::string& account : accounts) {
    total += MustListAll(account).size();
  }
  EXPECT_EQ(total, 300u);  // 300 + 1 - 1 deleted

  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Snapshot(accounts), before);

  // The idempotency records survived too: the batch is replayed, not
  // written again (the deleted item's retry does not bring it back either:
  // it is FAILED_PRECONDITION, "already created ..., since deleted").
  ev1::BatchCreateInteractionsResponse again;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &again)));
  ASSERT_EQ(again.results_size(), 300);
  int replayed = 0;
  for (const auto& result : again.results()) replayed += result.replayed();
  EXPECT_EQ(replayed, 299);
  EXPECT_EQ(again.results(1).code(),
            static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  ev1::Interaction single_again;
  ASSERT_TRUE(IsOk(
      engagement().Create(NewInteraction("initech", ev1::CALL, At(2026, 5, 1)),
                          &single_again, "one")));
  EXPECT_EQ(single_again.name(), single.name());
  EXPECT_EQ(Snapshot(accounts), before);
}

// Metrics, on an account set where two key accounts are overdue.
class MetricsTest : public EngagementTest {
 protected:
  MetricsTest() { default_tier_ = "key"; }

  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }

  std::optional<double> Handled(const std::string& method,
                                const std::string& code) {
    return FindMetric(ScrapeEngagement(), "kam_grpc_server_handled_total",
                      {{"grpc_service", kService},
                       {"grpc_method", method},
                       {"grpc_code", code}});
  }

  // Waits (bounded) for a sample to reach `want`: the server may count just
  // after the client has its answer, or refresh a gauge a little later.
  void ExpectMetric(const std::string& name,
                    const std::map<std::string, std::string>& labels,
                    double want) {
    std::optional<double> got;
    WaitUntil(
        [&] {
          got = FindMetric(ScrapeEngagement(), name, labels);
          return got.has_value() && *got == want;
        },
        absl::Seconds(10), absl::Milliseconds(50));
    ASSERT_TRUE(got.has_value()) << "no sample " << name;
    EXPECT_EQ(*got, want) << name;
  }
};

TEST_F(MetricsTest, CountIngestBatchesOverdueAccountsAndFeedLag) {
  // Accepted: 3 single creates and 3 of a batch of 5; rejected: one create,
  // two batch items. Retries of both kinds write nothing and ingest nothing.
  const ev1::Interaction visit =
      NewInteraction("acme", ev1::VISIT, At(2026, 4, 1, 10), {"ann"});
  MustCreate(visit, "visit-1");
  MustCreate(NewInteraction("acme", ev1::CALL, At(2026, 5, 25), {"bob"}));
  MustCreate(NewInteraction("globex", ev1::VISIT, At(2025, 12, 1), {"gus"}));
  ev1::Interaction bad = NewInteraction("acme", ev1::CALL, At(2026, 5, 1));
  bad.set_sentiment(9);
  EXPECT_TRUE(
      IsInvalidArgumentFor(engagement().Create(bad), "interaction.sentiment"));
  const std::vector<ev1::CreateInteractionRequest> items = {
      NewCreateRequest(
          NewInteraction("umbrella", ev1::VISIT, At(2026, 5, 15), {"una"}),
          "m-0"),
      NewCreateRequest(bad, "m-1"),
      NewCreateRequest(NewInteraction("umbrella", ev1::BUSINESS_REVIEW,
                                      At(2026, 4, 1), {"una"}),
                       "m-2"),
      NewCreateRequest(NewInteraction("ghost", ev1::CALL, At(2026, 5, 1)),
                       "m-3"),
      NewCreateRequest(
          NewInteraction("globex", ev1::MEETING, At(2026, 5, 25), {"gus"}),
          "m-4")};
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &batch)));
  ASSERT_EQ(batch.created(), 3);
  ASSERT_EQ(batch.failed(), 2);
  MustCreate(visit, "visit-1");  // replayed
  ASSERT_TRUE(IsOk(engagement().BatchCreate({items[0]}, &batch)));
  ASSERT_TRUE(batch.results(0).replayed());

  // The counter may carry an outcome label; what was written is "created".
  std::vector<MetricSample> samples = ScrapeEngagement();
  const bool by_outcome =
      CountMetrics(samples, "kam_engagement_interactions_ingested_total",
                   {{"outcome", "created"}}) > 0;
  ExpectMetric("kam_engagement_interactions_ingested_total",
               by_outcome
                   ? std::map<std::string, std::string>{{"outcome", "created"}}
                   : std::map<std::string, std::string>{},
               6);

  ExpectMetric("kam_grpc_server_handled_total",
               {{"grpc_service", kService},
                {"grpc_method", "CreateInteraction"},
                {"grpc_code", "OK"}},
               4);
  ExpectMetric("kam_grpc_server_handled_total",
               {{"grpc_service", kService},
                {"grpc_method", "CreateInteraction"},
                {"grpc_code", "INVALID_ARGUMENT"}},
               1);
  ExpectMetric("kam_grpc_server_handled_total",
               {{"grpc_service", kService},
                {"grpc_method", "BatchCreateInteractions"},
                {"grpc_code", "OK"}},
               2);

  samples = ScrapeEngagement();
  const std::optional<double> batches =
      FindMetric(samples, "kam_engagement_ingest_batch_seconds_count", {});
  ASSERT_TRUE(batches.has_value())
      << "no kam_engagement_ingest_batch_seconds histogram";
  EXPECT_GE(*batches, 1);
  EXPECT_TRUE(FindMetric(samples, "kam_engagement_ingest_batch_seconds_sum", {})
                  .has_value());
  EXPECT_GT(
      CountMetrics(samples, "kam_engagement_ingest_batch_seconds_bucket", {}),
      2)
      << "the batch latency histogram should have several buckets";
  // No call failed internally.
  for (const MetricSample& sample : samples) {
    if (sample.name != "kam_grpc_server_handled_total") continue;
    auto code = sample.labels.find("grpc_code");
    if (code != sample.labels.end() &&
        (code->second == "INTERNAL" || code->second == "UNKNOWN")) {
      EXPECT_EQ(sample.value, 0) << sample.labels.at("grpc_method");
    }
  }

  // The projection has everything the registry committed.
  ExpectMetric("kam_feed_consumer_lag_events", {{"feed", "registry"}}, 0);

  // Overdue key accounts on the fixed clock: acme (visit of 04-01, 30 days
  // overdue; its executive was met on 05-25) and globex (visit 2025-12-01).
  // umbrella is on time, initech never engaged (counted from now). The gauge
  // is refreshed periodically (every 30 s) and at start: restart to read it
  // without waiting. The tier label's spelling is the server's; find it.
  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  std::map<std::string, double> by_tier;
  WaitUntil(
      [&] {
        by_tier.clear();
        for (const MetricSample& sample : ScrapeEngagement()) {
          auto tier = sample.labels.find("tier");
          if (sample.name == "kam_engagement_overdue_accounts" &&
              tier != sample.labels.end()) {
            by_tier[absl::AsciiStrToLower(tier->second)] = sample.value;
          }
        }
        return by_tier["key"] == 2.0;
      },
      absl::Seconds(10), absl::Milliseconds(50));
  EXPECT_EQ(by_tier["key"], 2) << "kam_engagement_overdue_accounts{tier=key}";
  EXPECT_EQ(by_tier["maintain"], 0);
}

}  // namespace
}  // namespace kam::engagement_test
