// kam-planning: strategic, tactical and operational key account plans.
// Wiring only; the rules live in PlanBook and planning_rules.
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/notification.h"
#include "common/admin_service.h"
#include "common/feed_consumer.h"
#include "common/handler.h"
#include "common/runtime_metrics.h"
#include "common/server.h"
#include "common/store.h"
#include "grpcpp/create_channel.h"
#include "prometheus/gauge.h"
#include "services/planning/plan_book.h"
#include "services/planning/planning_service.h"
#include "services/planning/score_client.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of kam-registry, whose change feed gives planning its "
          "accounts and contacts. Env: KAM_REGISTRY_ADDR");
ABSL_FLAG(std::string, registry_token, "",
          "Bearer token (viewer role) for the registry's feed, if it requires "
          "auth. Env: KAM_REGISTRY_TOKEN");
ABSL_FLAG(std::string, scoring_addr, "127.0.0.1:50063",
          "host:port of kam-scoring: its tier feed says which accounts are "
          "key (coverage, snapshots), and snapshots ask it for the score and "
          "ABC class; empty: no tiers, scores or ABC classes. "
          "Env: KAM_SCORING_ADDR");
ABSL_FLAG(std::string, scoring_token, "",
          "Bearer token (viewer role) for scoring, if it requires auth. "
          "Env: KAM_SCORING_TOKEN");
ABSL_FLAG(std::string, engagement_addr, "127.0.0.1:50062",
          "host:port of kam-engagement, whose feed gives the NPS and "
          "relationship stage of snapshots; empty: none. "
          "Env: KAM_ENGAGEMENT_ADDR");
ABSL_FLAG(std::string, engagement_token, "",
          "Bearer token (viewer role) for engagement's feed, if it requires "
          "auth. Env: KAM_ENGAGEMENT_TOKEN");
ABSL_FLAG(absl::Duration, gauge_interval, absl::Seconds(30),
          "How often the plan gauges (plans by status, overdue actions, "
          "reviews due, key accounts without a plan) are recomputed; each "
          "pass scans the plans. Env: KAM_GAUGE_INTERVAL");

namespace {

constexpr char kProgram[] = "kam-planning";

namespace v1 = ::kam::planning::v1;

// The plan gauges, built once; Publish sets them from a PlanBook pass.
class PlanGauges {
 public:
  explicit PlanGauges(prometheus::Registry& registry) {
    auto& plans = prometheus::BuildGauge()
                      .Name("kam_planning_plans")
                      .Help("Account plans by horizon and status")
                      .Register(registry);
    auto& overdue = prometheus::BuildGauge()
                        .Name("kam_planning_overdue_actions")
                        .Help(
                            "Open actions past their due time in plans in "
                            "force")
                        .Register(registry);
    auto& due = prometheus::BuildGauge()
                    .Name("kam_planning_plans_due_for_review")
                    .Help("Plans in force whose next review time has passed")
                    .Register(registry);
    auto& uncovered = prometheus::BuildGauge()
                          .Name("kam_planning_key_accounts_without_plan")
                          .Help(
                              "Key accounts (by scoring's tier feed) without "
                              "a plan in force")
                          .Register(registry);
    for (v1::PlanHorizon h : {v1::STRATEGIC, v1::TACTICAL, v1::OPERATIONAL}) {
      const std::string horizon = kam::planning::HorizonLabel(h);
      for (v1::PlanStatus s :
           {v1::DRAFT, v1::ACTIVE, v1::UNDER_REVIEW, v1::CLOSED}) {
        plans_[h][s] = &plans.Add(
            {{"horizon", horizon}, {"status", kam::planning::StatusLabel(s)}});
      }
      overdue_[h] = &overdue.Add({{"horizon", horizon}});
      due_[h] = &due.Add({{"horizon", horizon}});
      uncovered_[h] = &uncovered.Add({{"horizon", horizon}});
    }
  }

  void Publish(const kam::planning::PlanBook::Gauges& g) {
    for (int h = 1; h <= 3; ++h) {
      for (int s = 1; s <= 4; ++s) plans_[h][s]->Set(g.plans[h][s]);
      overdue_[h]->Set(g.overdue_actions[h]);
      due_[h]->Set(g.due_for_review[h]);
      uncovered_[h]->Set(g.key_accounts_without_plan[h]);
    }
  }

 private:
  std::array<std::array<prometheus::Gauge*, 5>, 4> plans_{};
  std::array<prometheus::Gauge*, 4> overdue_{};
  std::array<prometheus::Gauge*, 4> due_{};
  std::array<prometheus::Gauge*, 4> uncovered_{};
};

}  // namespace

int main(int argc, char** argv) {
  kam::InitProgram(
      argc, argv,
      "kam-planning: strategic, tactical and operational key account plans "
      "with objectives, strategy, actions, joint planning and reviews.\n\n"
      "Usage: kam-planning [--listen=127.0.0.1:50064] "
      "[--metrics_listen=127.0.0.1:9464] [--data_dir=./data/planning] "
      "[--registry_addr=127.0.0.1:50061] [--scoring_addr=127.0.0.1:50063] "
      "[--engagement_addr=127.0.0.1:50062] ...\n"
      "Every flag can also be set as KAM_<FLAG> in the environment.");
  const kam::ServerFlags flags = kam::ReadServerFlags(
      {"127.0.0.1:50064", "127.0.0.1:9464", "./data/planning"});

  kam::ServiceHost host(kProgram, flags);
  if (absl::Status s = host.Init(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  auto store = host.OpenStore(kam::planning::PlanBook::ColumnFamilies());
  if (!store.ok()) return kam::CannotStart(kProgram, store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  const std::string scoring = absl::GetFlag(FLAGS_scoring_addr);
  const std::string engagement = absl::GetFlag(FLAGS_engagement_addr);
  std::unique_ptr<kam::planning::ScoringScoreSource> scores;
  if (!scoring.empty()) {
    scores = std::make_unique<kam::planning::ScoringScoreSource>(
        grpc::CreateChannel(scoring, grpc::InsecureChannelCredentials()),
        absl::GetFlag(FLAGS_scoring_token), absl::Seconds(2));
  }
  kam::planning::PlanBook book(store->get(), host.clock(), scores.get());

  rocksdb::ColumnFamilyHandle* cursors =
      (*store)->Family(kam::planning::PlanBook::kCursorFamily);
  std::vector<std::unique_ptr<kam::FeedConsumer>> feeds;
  feeds.push_back(std::make_unique<kam::FeedConsumer>(
      kam::FeedConsumer::Options::ForPeer(
          "registry", absl::GetFlag(FLAGS_registry_addr),
          absl::GetFlag(FLAGS_registry_token), store->get(), cursors,
          &host.metrics().registry()),
      [&book](const kam::common::v1::ChangeEvent& event,
              rocksdb::WriteBatch* batch) {
        return book.ApplyRegistryEvent(event, batch);
      }));
  if (!scoring.empty()) {
    feeds.push_back(std::make_unique<kam::FeedConsumer>(
        kam::FeedConsumer::Options::ForPeer(
            "scoring", scoring, absl::GetFlag(FLAGS_scoring_token),
            store->get(), cursors, &host.metrics().registry()),
        [&book](const kam::common::v1::ChangeEvent& event,
                rocksdb::WriteBatch* batch) {
          return book.ApplyScoringEvent(event, batch);
        }));
  }
  if (!engagement.empty()) {
    feeds.push_back(std::make_unique<kam::FeedConsumer>(
        kam::FeedConsumer::Options::ForPeer(
            "engagement", engagement, absl::GetFlag(FLAGS_engagement_token),
            store->get(), cursors, &host.metrics().registry()),
        [&book](const kam::common::v1::ChangeEvent& event,
                rocksdb::WriteBatch* batch) {
          return book.ApplyEngagementEvent(event, batch);
        }));
  }

  // The gauges, set before serving and kept current in the background.
  PlanGauges gauges(host.metrics().registry());
  auto refresh = [&book, &gauges] {
    auto computed = book.ComputeGauges();
    if (computed.ok()) {
      gauges.Publish(*computed);
    } else {
      std::fprintf(stderr, "kam-planning: computing gauges: %s\n",
                   computed.status().ToString().c_str());
    }
  };
  refresh();
  absl::Notification stop_background;
  auto gauge_loop = [&] {
    const absl::Duration interval = absl::GetFlag(FLAGS_gauge_interval);
    while (!stop_background.WaitForNotificationWithTimeout(interval)) refresh();
  };

  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), host.pools().read);
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  kam::planning::PlanningService planning_service(&book, &host.authorizer(),
                                                  host.pools());
  host.Register(&planning_service, v1::Planning::service_full_name());
  for (auto& feed : feeds) host.AddDrainHook([&feed] { feed->Stop(); });

  // Threads start once serving: a failed start has nothing to stop.
  if (absl::Status s = host.Start(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  for (auto& feed : feeds) feed->Start();
  std::thread background(gauge_loop);
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
