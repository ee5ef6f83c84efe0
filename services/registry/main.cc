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

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "kam-registry: %s\n", status.ToString().c_str());
  return 1;
}

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

  kam::ServiceHost host("kam-registry", flags);
  if (absl::Status s = host.Init(); !s.ok()) return Fail(s);

  kam::Store::Options store_options;
  store_options.path = flags.data_dir;
  store_options.column_families = kam::registry::AccountRegistry::ColumnFamilies();
  store_options.sync_writes = flags.sync_writes;
  auto store = kam::Store::Open(store_options);
  if (!store.ok()) return Fail(store.status());
  kam::StoreMetrics store_metrics(&host.metrics(), store->get());

  kam::registry::AccountRegistry registry(store->get(), host.clock());
  kam::WorkerPool pool(4);
  kam::AdminService admin_service(store->get(), &host.authorizer(),
                                  host.clock(), &pool);
  host.Register(&admin_service, kam::common::v1::Admin::service_full_name());
  kam::registry::RegistryService registry_service(&registry, &host.authorizer(),
                                                  &pool);
  kam::ChangeFeedService feed_service(&registry.feed(), &host.authorizer(),
                                      absl::Seconds(5), kam::Role::kViewer,
                                      &host.metrics().registry());
  host.Register(&registry_service,
                kam::registry::v1::Registry::service_full_name());
  host.Register(&feed_service,
                kam::common::v1::ChangeFeed::service_full_name());
  host.AddDrainHook([&feed_service] { feed_service.Drain(); });

  if (absl::Status s = host.Start(); !s.ok()) return Fail(s);
  host.RunUntilSignal();
  if (absl::Status s = (*store)->Flush(); !s.ok()) return Fail(s);
  return 0;
}
