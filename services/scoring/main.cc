// kam-scoring: score models, ratings, scores, tiers, ABC and portfolio
// analysis, and the tier lookups other services make at high rate. Wiring
// only; the rules live in scoring_rules and ScoreBook.
#include <cstdio>
#include <functional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/admin_service.h"
#include "common/change_feed_service.h"
#include "common/feed_consumer.h"
#include "common/handler.h"
#include "common/runtime_metrics.h"
#include "common/server.h"
#include "common/store.h"
#include "grpcpp/create_channel.h"
#include "services/scoring/score_book.h"
#include "services/scoring/scoring_service.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of kam-registry, whose change feed (accounts, contacts, "
          "financial facts) scoring follows. Env: KAM_REGISTRY_ADDR");
ABSL_FLAG(std::string, registry_token, "",
          "Bearer token (viewer role) for the registry's feed, if it requires "
          "auth. Env: KAM_REGISTRY_TOKEN");
ABSL_FLAG(std::string, engagement_addr, "127.0.0.1:50062",
          "host:port of kam-engagement, whose change feed (engagement "
          "summaries) scoring follows. Env: KAM_ENGAGEMENT_ADDR");
ABSL_FLAG(std::string, engagement_token, "",
          "Bearer token (viewer role) for engagement's feed, if it requires "
          "auth. Env: KAM_ENGAGEMENT_TOKEN");
ABSL_FLAG(absl::Duration, rescore_interval, absl::Milliseconds(50),
          "How often feed changes waiting in the inbox are folded in and the "
          "accounts they touch rescored. Env: KAM_RESCORE_INTERVAL");
ABSL_FLAG(
    std::string, follow_primary, "",
    "Run as a read-only follower of this kam-scoring primary (host:port): "
    "follow its tier feed and serve only GetTier, BatchGetTiers and "
    "WatchTiers, for scaling lookups out. Empty: run as the primary. "
    "Env: KAM_FOLLOW_PRIMARY");
ABSL_FLAG(std::string, follow_token, "",
          "Bearer token (tier-reader role or above) for the primary's tier "
          "feed, if it requires auth. Env: KAM_FOLLOW_TOKEN");
ABSL_FLAG(int, run_chunk_size, 4096,
          "Accounts per batch in a full rescoring run (writes wait at most "
          "one batch). Env: KAM_RUN_CHUNK_SIZE");

namespace {

constexpr char kProgram[] = "kam-scoring";

// Reports a failure after the service has served (at shutdown).
int FailAtShutdown(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s: %s\n", kProgram, what,
               status.ToString().c_str());
  return 1;
}

// Folds in staged feed events, 1000 at a time, until fewer are waiting or
// the service is stopping.
absl::Status DrainInbox(const std::function<absl::StatusOr<int>(int)>& apply,
                        const absl::Notification& stop) {
  constexpr int kBatch = 1000;
  while (true) {
    absl::StatusOr<int> applied = apply(kBatch);
    if (!applied.ok()) return applied.status();
    if (*applied < kBatch || stop.HasBeenNotified()) return absl::OkStatus();
  }
}

}  // namespace

// The primary: follows the registry and engagement, scores, serves it all.
int RunPrimary(const kam::ServerFlags& flags, kam::ServiceHost& host,
               int chunk) {
  auto store = host.OpenStore(kam::scoring::ScoreBook::ColumnFamilies());
  if (!store.ok()) return kam::CannotStart(kProgram, store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  kam::scoring::ScoreBook book(store->get(), host.clock(),
                               &host.metrics().registry(), {chunk});
  if (absl::Status s = book.Load(); !s.ok()) {
    return kam::CannotStart(
        kProgram, absl::Status(s.code(), absl::StrCat("loading the scores in ",
                                                      flags.data_dir, ": ",
                                                      s.message())));
  }

  auto follow = [&](const char* name, const std::string& address,
                    const std::string& token) {
    auto options = kam::FeedConsumer::Options::ForPeer(
        name, address, token, store->get(),
        (*store)->Family(kam::scoring::ScoreBook::kCursorFamily),
        &host.metrics().registry());
    // Re-lists go through the inbox too (ScoreBook::StageRelistStart).
    const kam::Store* s = store->get();
    options.clear = [s, name](rocksdb::WriteBatch* batch) {
      return kam::scoring::ScoreBook::StageRelistStart(*s, name, batch);
    };
    options.listed = [s, name](rocksdb::WriteBatch* batch) {
      return kam::scoring::ScoreBook::StageRelistEnd(*s, name, batch);
    };
    return options;
  };
  kam::FeedConsumer registry_feed(
      follow("registry", absl::GetFlag(FLAGS_registry_addr),
             absl::GetFlag(FLAGS_registry_token)),
      [&book](const kam::common::v1::ChangeEvent& event,
              rocksdb::WriteBatch* batch) {
        return book.StageRegistryEvent(event, batch);
      });
  kam::FeedConsumer engagement_feed(
      follow("engagement", absl::GetFlag(FLAGS_engagement_addr),
             absl::GetFlag(FLAGS_engagement_token)),
      [&book](const kam::common::v1::ChangeEvent& event,
              rocksdb::WriteBatch* batch) {
        return book.StageEngagementEvent(event, batch);
      });

  // Folds feed changes into the facts and rescores; ends expired overrides.
  absl::Notification stop_background;
  auto rescore_loop = [&] {
    const absl::Duration interval = absl::GetFlag(FLAGS_rescore_interval);
    absl::Time next_expiry = absl::InfinitePast();
    while (!stop_background.WaitForNotificationWithTimeout(interval)) {
      if (absl::Status s =
              DrainInbox([&book](int max) { return book.ApplyInbox(max); },
                         stop_background);
          !s.ok()) {
        std::fprintf(stderr, "kam-scoring: applying feed changes: %s\n",
                     s.ToString().c_str());
      }
      if (absl::Now() >= next_expiry) {
        next_expiry = absl::Now() + absl::Seconds(1);
        auto expired = book.ExpireOverrides();
        if (!expired.ok()) {
          std::fprintf(stderr, "kam-scoring: ending expired overrides: %s\n",
                       expired.status().ToString().c_str());
        }
      }
    }
  };

  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), host.pools().read);
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  book.feed().ExportMetrics(&host.metrics().registry());
  kam::ChangeFeedService tier_feed(&book.feed(), &host.authorizer(),
                                   absl::Seconds(5), kam::Role::kTierReader,
                                   &host.metrics().registry());
  kam::scoring::ScoringService scoring_service(&book, &host.authorizer(),
                                               host.pools(), &tier_feed);
  host.Register(&scoring_service,
                kam::scoring::v1::Scoring::service_full_name());
  host.Register(&tier_feed, kam::common::v1::ChangeFeed::service_full_name());
  host.AddDrainHook([&tier_feed] { tier_feed.Drain(); });
  host.AddDrainHook([&registry_feed] { registry_feed.Stop(); });
  host.AddDrainHook([&engagement_feed] { engagement_feed.Stop(); });

  // Threads start once serving: a failed start has nothing to stop.
  if (absl::Status s = host.Start(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  registry_feed.Start();
  engagement_feed.Start();
  std::thread background(rescore_loop);
  host.RunUntilSignal();
  stop_background.Notify();
  background.join();
  if (absl::Status s = (*store)->Flush(); !s.ok()) {
    return FailAtShutdown("flushing the store", s);
  }
  return 0;
}

// A read-only follower: mirrors the primary's tier feed and serves lookups.
int RunFollower(const kam::ServerFlags& flags, kam::ServiceHost& host,
                const std::string& primary) {
  auto store = host.OpenStore(kam::scoring::TierReplica::ColumnFamilies());
  if (!store.ok()) return kam::CannotStart(kProgram, store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  kam::scoring::TierReplica replica(store->get(), host.clock(),
                                    &host.metrics().registry());
  if (absl::Status s = replica.Load(); !s.ok()) {
    return kam::CannotStart(
        kProgram, absl::Status(s.code(), absl::StrCat("loading the tiers in ",
                                                      flags.data_dir, ": ",
                                                      s.message())));
  }

  auto options = kam::FeedConsumer::Options::ForPeer(
      "scoring", primary, absl::GetFlag(FLAGS_follow_token), store->get(),
      (*store)->Family(kam::scoring::TierReplica::kCursorFamily),
      &host.metrics().registry());
  // The mirrored feed carries the primary's sequences, so it also carries
  // its incarnation: a WatchTiers cursor stays good on either.
  options.on_incarnation = [&replica](const std::string& incarnation) {
    replica.feed().AdoptIncarnation(incarnation);
  };
  kam::FeedConsumer primary_feed(
      options, [&replica](const kam::common::v1::ChangeEvent& event,
                          rocksdb::WriteBatch* batch) {
        return replica.StageEvent(event, batch);
      });

  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), host.pools().read);
  replica.feed().ExportMetrics(&host.metrics().registry());
  kam::ChangeFeedService tier_feed(&replica.feed(), &host.authorizer(),
                                   absl::Seconds(5), kam::Role::kTierReader,
                                   &host.metrics().registry());
  kam::scoring::TierReplicaService service(&replica, &host.authorizer(),
                                           &tier_feed);
  host.Register(&service, kam::scoring::v1::Scoring::service_full_name());
  host.Register(&tier_feed, kam::common::v1::ChangeFeed::service_full_name());
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  host.AddDrainHook([&tier_feed] { tier_feed.Drain(); });
  host.AddDrainHook([&primary_feed] { primary_feed.Stop(); });

  // Not ready (the Scoring health name NOT_SERVING, so Kubernetes sends it
  // no lookups) until it has caught up with the primary once: before that
  // it would answer "no tier" for accounts the primary has tiered.
  const std::string ready_name = kam::scoring::v1::Scoring::service_full_name();
  absl::Notification stop_background;
  auto follow_loop = [&] {
    const absl::Duration interval = absl::GetFlag(FLAGS_rescore_interval);
    bool ready = false;
    while (!stop_background.WaitForNotificationWithTimeout(interval)) {
      // Read before folding in: what was staged by then is applied below.
      const bool caught_up =
          primary_feed.connected() &&
          primary_feed.cursor() >= primary_feed.producer_head();
      const absl::Status drained =
          DrainInbox([&replica](int max) { return replica.ApplyInbox(max); },
                     stop_background);
      if (!drained.ok()) {
        std::fprintf(stderr, "kam-scoring follower: applying tiers: %s\n",
                     drained.ToString().c_str());
      }
      if (!ready && caught_up && drained.ok()) {
        ready = true;
        host.SetServing(ready_name, true);
      }
    }
  };

  // Threads start once serving: a failed start has nothing to stop.
  if (absl::Status s = host.Start(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  host.SetServing(ready_name, false);
  primary_feed.Start();
  std::thread background(follow_loop);
  host.RunUntilSignal();
  stop_background.Notify();
  background.join();
  if (absl::Status s = (*store)->Flush(); !s.ok()) {
    return FailAtShutdown("flushing the store", s);
  }
  return 0;
}

int main(int argc, char** argv) {
  kam::InitProgram(
      argc, argv,
      "kam-scoring: score matrix, tiers, ABC and portfolio analysis of key "
      "accounts, and fast tier lookups.\n\n"
      "Usage: kam-scoring [--listen=127.0.0.1:50063] "
      "[--metrics_listen=127.0.0.1:9463] [--data_dir=./data/scoring] "
      "[--registry_addr=127.0.0.1:50061] [--engagement_addr=127.0.0.1:50062] "
      "...\n       kam-scoring --follow_primary=HOST:PORT ...   (a read-only "
      "follower serving tier lookups)\nEvery flag can also be set as "
      "KAM_<FLAG> in the environment.");
  const kam::ServerFlags flags = kam::ReadServerFlags(
      {"127.0.0.1:50063", "127.0.0.1:9463", "./data/scoring"});
  const int chunk = absl::GetFlag(FLAGS_run_chunk_size);
  if (chunk < 1 || chunk > 1000000) {
    std::fprintf(stderr, "%s: --run_chunk_size: must be 1-1000000\n", kProgram);
    return 2;
  }

  kam::ServiceHost host(kProgram, flags);
  if (absl::Status s = host.Init(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  const std::string primary = absl::GetFlag(FLAGS_follow_primary);
  return primary.empty() ? RunPrimary(flags, host, chunk)
                         : RunFollower(flags, host, primary);
}
