#include "common/registry_projection.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kam/registry/v1/registry.pb.h"

namespace kam::registry_projection {

using kam::common::v1::ChangeEvent;
namespace reg = kam::registry::v1;

absl::Status StageEvent(const Store& store, const ChangeEvent& event,
                        rocksdb::WriteBatch* batch, std::string* account_id) {
  account_id->clear();
  if (event.resource().Is<reg::Account>()) {
    reg::Account account;
    if (!event.resource().UnpackTo(&account)) {
      return absl::DataLossError("undecodable account event");
    }
    const std::string& id = account.account_id();
    if (event.kind() == ChangeEvent::DELETED) {
      batch->Put(store.Family(kDeleted), id, "");
    } else {
      batch->Delete(store.Family(kDeleted), id);
    }
    PutProto(batch, store.Family(kAccounts), id, account);
    *account_id = id;
    return absl::OkStatus();
  }
  if (event.resource().Is<reg::Contact>()) {
    reg::Contact contact;
    if (!event.resource().UnpackTo(&contact)) {
      return absl::DataLossError("undecodable contact event");
    }
    std::vector<std::string> parts = absl::StrSplit(contact.name(), '/');
    if (parts.size() != 4) {
      return absl::DataLossError("contact event without a contact name");
    }
    const std::string key = absl::StrCat(parts[1], "/", parts[3]);
    if (event.kind() == ChangeEvent::DELETED) {
      batch->Delete(store.Family(kContacts), key);
    } else {
      PutProto(batch, store.Family(kContacts), key, contact);
    }
  }
  return absl::OkStatus();
}

absl::Status StageClear(const Store& store, rocksdb::WriteBatch* batch,
                        const std::function<void(const std::string&)>&
                            on_account) {
  auto it = store.NewIterator(store.Family(kAccounts));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch->Put(store.Family(kDeleted), it->key(), "");
    if (on_account) on_account(it->key().ToString());
  }
  if (!it->status().ok()) {
    return absl::InternalError(absl::StrCat("clearing the registry projection: ",
                                            it->status().ToString()));
  }
  // Contact keys are "<account>/<contact>": printable, below \xff.
  batch->DeleteRange(store.Family(kContacts), "", "\xff");
  return absl::OkStatus();
}

}  // namespace kam::registry_projection
