// kam-engagement: interactions, satisfaction, cadence, coverage and
// relationship stages. Wiring only; the rules live in EngagementLedger and
// engagement_rules.
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/notification.h"
#include "common/admin_service.h"
#include "common/change_feed_service.h"
#include "common/clock.h"
#include "common/feed_consumer.h"
#include "common/handler.h"
#include "common/runtime_metrics.h"
#include "common/server.h"
#include "common/store.h"
#include "grpcpp/create_channel.h"
#include "prometheus/gauge.h"
#include "services/engagement/engagement_ledger.h"
#include "services/engagement/engagement_service.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of kam-registry, whose change feed engagement follows. "
          "Env: KAM_REGISTRY_ADDR");
ABSL_FLAG(std::string, registry_token, "",
          "Bearer token (viewer role) for the registry's feed, if it requires "
          "auth. Env: KAM_REGISTRY_TOKEN");
ABSL_FLAG(std::string, scoring_addr, "",
          "host:port of kam-scoring, whose tier feed sets each account's tier "
          "(and so its cadence targets); empty: every account has "
          "--default_tier. Env: KAM_SCORING_ADDR");
ABSL_FLAG(std::string, scoring_token, "",
          "Bearer token (tier-reader role or above) for scoring's tier feed, "
          "if it requires auth. Env: KAM_SCORING_TOKEN");
ABSL_FLAG(std::string, default_tier, "maintain",
          "Tier of accounts not tiered by the scoring service: key, "
          "potential_key, maintain or transactional. Env: KAM_DEFAULT_TIER");
ABSL_FLAG(absl::Duration, summary_interval, absl::Milliseconds(200),
          "How often changed accounts' engagement summaries are published on "
          "the change feed. Env: KAM_SUMMARY_INTERVAL");

namespace {

constexpr char kProgram[] = "kam-engagement";

absl::StatusOr<kam::common::v1::Tier> ParseTier(std::string name) {
  name = absl::AsciiStrToUpper(name);
  kam::common::v1::Tier tier;
  if (!kam::common::v1::Tier_Parse(name, &tier) ||
      tier == kam::common::v1::TIER_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "--default_tier: must be key, potential_key, maintain or "
        "transactional");
  }
  return tier;
}

}  // namespace

int main(int argc, char** argv) {
  kam::InitProgram(
      argc, argv,
      "kam-engagement: interactions, satisfaction, cadence, coverage and "
      "relationship stages of key accounts.\n\n"
      "Usage: kam-engagement [--listen=127.0.0.1:50062] "
      "[--metrics_listen=127.0.0.1:9462] [--data_dir=./data/engagement] "
      "[--registry_addr=127.0.0.1:50061] ...\n"
      "Every flag can also be set as KAM_<FLAG> in the environment.");
  const kam::ServerFlags flags = kam::ReadServerFlags(
      {"127.0.0.1:50062", "127.0.0.1:9462", "./data/engagement"});
  auto tier = ParseTier(absl::GetFlag(FLAGS_default_tier));
  if (!tier.ok()) {
    std::fprintf(stderr, "%s: %s\n", kProgram,
                 std::string(tier.status().message()).c_str());
    return 2;
  }

  kam::ServiceHost host(kProgram, flags);
  if (absl::Status s = host.Init(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  auto store =
      host.OpenStore(kam::engagement::EngagementLedger::ColumnFamilies());
  if (!store.ok()) return kam::CannotStart(kProgram, store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  kam::engagement::EngagementLedger ledger(store->get(), host.clock(), {*tier});

  rocksdb::ColumnFamilyHandle* cursors =
      (*store)->Family(kam::engagement::EngagementLedger::kCursorFamily);
  auto registry_options = kam::FeedConsumer::Options::ForPeer(
      "registry", absl::GetFlag(FLAGS_registry_addr),
      absl::GetFlag(FLAGS_registry_token), store->get(), cursors,
      &host.metrics().registry());
  registry_options.clear = [&ledger](rocksdb::WriteBatch* batch) {
    return ledger.ClearRegistryProjection(batch);
  };
  kam::FeedConsumer registry_feed(
      registry_options,
      [&ledger](const kam::common::v1::ChangeEvent& event,
                rocksdb::WriteBatch* batch) {
        return ledger.ApplyRegistryEvent(event, batch);
      });

  // Scoring's tier feed, when configured.
  std::unique_ptr<kam::FeedConsumer> scoring_feed;
  if (const std::string scoring = absl::GetFlag(FLAGS_scoring_addr);
      !scoring.empty()) {
    scoring_feed = std::make_unique<kam::FeedConsumer>(
        kam::FeedConsumer::Options::ForPeer(
            "scoring", scoring, absl::GetFlag(FLAGS_scoring_token),
            store->get(), cursors, &host.metrics().registry()),
        [&ledger](const kam::common::v1::ChangeEvent& event,
                  rocksdb::WriteBatch* batch) {
          return ledger.ApplyScoringEvent(event, batch);
        });
  }

  // Publishes changed summaries, and keeps the overdue gauge current.
  auto& overdue_family = prometheus::BuildGauge()
                             .Name("kam_engagement_overdue_accounts")
                             .Help("Accounts behind their tier's cadence")
                             .Register(host.metrics().registry());
  std::vector<prometheus::Gauge*> overdue_by_tier(5, nullptr);
  for (auto t : kam::engagement::AllTiers()) {
    std::string label = absl::AsciiStrToLower(kam::common::v1::Tier_Name(t));
    overdue_by_tier[t] = &overdue_family.Add({{"tier", label}});
  }
  absl::Notification stop_background;
  auto publish_loop = [&] {
    const absl::Duration interval = absl::GetFlag(FLAGS_summary_interval);
    absl::Time next_gauge = absl::InfinitePast();
    while (!stop_background.WaitForNotificationWithTimeout(interval)) {
      auto published = ledger.PublishDirtySummaries(500);
      if (!published.ok()) {
        std::fprintf(stderr, "kam-engagement: publishing summaries: %s\n",
                     published.status().ToString().c_str());
      }
      if (absl::Now() >= next_gauge) {
        next_gauge = absl::Now() + absl::Seconds(30);
        auto counts = ledger.CountOverdueByTier();
        if (counts.ok()) {
          for (auto t : kam::engagement::AllTiers()) {
            overdue_by_tier[t]->Set((*counts)[t]);
          }
        }
      }
    }
  };

  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), host.pools().read);
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  kam::engagement::EngagementService engagement_service(
      &ledger, &host.authorizer(), host.pools(), &host.metrics().registry());
  ledger.feed().ExportMetrics(&host.metrics().registry());
  kam::ChangeFeedService feed_service(&ledger.feed(), &host.authorizer(),
                                      absl::Seconds(5), kam::Role::kViewer,
                                      &host.metrics().registry());
  host.Register(&engagement_service,
                kam::engagement::v1::Engagement::service_full_name());
  host.Register(&feed_service,
                kam::common::v1::ChangeFeed::service_full_name());
  host.AddDrainHook([&feed_service] { feed_service.Drain(); });
  host.AddDrainHook([&registry_feed] { registry_feed.Stop(); });
  if (scoring_feed)
    host.AddDrainHook([&scoring_feed] { scoring_feed->Stop(); });

  // Threads start once serving: a failed start has nothing to stop.
  if (absl::Status s = host.Start(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  registry_feed.Start();
  if (scoring_feed) scoring_feed->Start();
  std::thread background(publish_loop);
  host.RunUntilSignal();
  stop_background.Notify();
  background.join();
  if (absl::Status s = (*store)->Flush(); !s.ok()) {
    std::fprintf(stderr, "%s: flushing the store at shutdown: %s\n", kProgram,
                 s.ToString().c_str());
    return 1;
  }
  return 0;
}
