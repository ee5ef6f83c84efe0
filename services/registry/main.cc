// kam-registry: the account registry service. Wiring only; the rules live in
// AccountRegistry and registry_rules.
#include <cstdio>

#include "common/admin_service.h"
#include "common/change_feed_service.h"
#include "common/clock.h"
#include "common/handler.h"
#include "common/runtime_metrics.h"
#include "common/server.h"
#include "common/store.h"
#include "services/registry/account_registry.h"
#include "services/registry/registry_service.h"

namespace {

constexpr char kProgram[] = "kam-registry";

}  // namespace

int main(int argc, char** argv) {
  kam::InitProgram(
      argc, argv,
      "kam-registry: accounts, hierarchy, contacts and their buying-center "
      "roles, financial facts and account teams.\n\n"
      "Usage: kam-registry [--listen=127.0.0.1:50061] "
      "[--metrics_listen=127.0.0.1:9461] [--data_dir=./data/registry] ...\n"
      "Every flag can also be set as KAM_<FLAG> in the environment.");
  const kam::ServerFlags flags = kam::ReadServerFlags(
      {"127.0.0.1:50061", "127.0.0.1:9461", "./data/registry"});

  kam::ServiceHost host(kProgram, flags);
  if (absl::Status s = host.Init(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  auto store = host.OpenStore(kam::registry::AccountRegistry::ColumnFamilies());
  if (!store.ok()) return kam::CannotStart(kProgram, store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  kam::registry::AccountRegistry registry(store->get(), host.clock());
  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), host.pools().read);
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  kam::registry::RegistryService registry_service(&registry, &host.authorizer(),
                                                  host.pools());
  registry.feed().ExportMetrics(&host.metrics().registry());
  kam::ChangeFeedService feed_service(&registry.feed(), &host.authorizer(),
                                      absl::Seconds(5), kam::Role::kViewer,
                                      &host.metrics().registry());
  // What its consumers re-list; also lets the feed be trimmed.
  feed_service.SetSnapshotSource(kam::ChangeFeedService::FamiliesSource(
      {{"accounts", &kam::registry::v1::Account::default_instance()},
       {"contacts", &kam::registry::v1::Contact::default_instance()},
       {"financials", &kam::registry::v1::FinancialFact::default_instance()}}));
  host.Register(&registry_service,
                kam::registry::v1::Registry::service_full_name());
  host.Register(&feed_service,
                kam::common::v1::ChangeFeed::service_full_name());
  host.AddDrainHook([&feed_service] { feed_service.Drain(); });

  if (absl::Status s = host.Start(); !s.ok()) {
    return kam::CannotStart(kProgram, s);
  }
  host.RunUntilSignal();
  if (absl::Status s = (*store)->Flush(); !s.ok()) {
    std::fprintf(stderr, "%s: flushing the store at shutdown: %s\n", kProgram,
                 s.ToString().c_str());
    return 1;
  }
  return 0;
}
