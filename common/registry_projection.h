#ifndef KAM_COMMON_REGISTRY_PROJECTION_H_
#define KAM_COMMON_REGISTRY_PROJECTION_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/store.h"
#include "kam/common/v1/feed.pb.h"
#include "rocksdb/write_batch.h"

// The copy of the registry's accounts and contacts that a service following
// the registry's change feed keeps in its own RocksDB (engagement, planning),
// so it validates names without calling the registry.
namespace kam::registry_projection {

// The column families the projection needs in the service's store.
inline constexpr char kAccounts[] = "registry_accounts";  // a -> Account
inline constexpr char kDeleted[] = "registry_deleted";    // a -> ""
inline constexpr char kContacts[] = "registry_contacts";  // a/c -> Contact

// StageEvent stages one registry change into `batch`: an account is stored
// (and marked deleted on DELETED, unmarked otherwise: its history stays
// readable); a contact is stored, or removed on DELETED; other resources
// (financial facts, teams) are ignored. `*account_id` is set to the
// account's ID for an account event and cleared otherwise. DATA_LOSS for an
// undecodable event.
absl::Status StageEvent(const Store& store,
                        const kam::common::v1::ChangeEvent& event,
                        rocksdb::WriteBatch* batch, std::string* account_id);

// StageClear stages, before a re-list of the registry: every projected
// account marked deleted (the listing unmarks those that still exist, so an
// account deleted meanwhile ends marked deleted, as if its DELETED event had
// been applied) and every contact removed. Calls `on_account` with each
// projected account's ID (e.g. to mark its summary for recomputing).
absl::Status StageClear(const Store& store, rocksdb::WriteBatch* batch,
                        const std::function<void(const std::string&)>&
                            on_account);

}  // namespace kam::registry_projection

#endif  // KAM_COMMON_REGISTRY_PROJECTION_H_
