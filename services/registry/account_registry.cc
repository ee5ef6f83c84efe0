#include "services/registry/account_registry.h"

#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/resource.h"
#include "common/validation.h"
#include "services/registry/registry_rules.h"

namespace kam::registry {

using kam::common::v1::ChangeEvent;
using v1::Account;
using v1::Contact;
using v1::FinancialFact;

namespace {

constexpr char kAccounts[] = "accounts";
constexpr char kContacts[] = "contacts";
constexpr char kFinancials[] = "financials";
constexpr char kChildren[] = "account_children";
constexpr char kRequests[] = "requests";
constexpr char kOutbox[] = "outbox";

constexpr int kMaxHierarchyDepth = 32;

// Taken by every change of an existing account's parent (LockTable key).
constexpr char kHierarchyLock[] = "hierarchy";

// True if an update with `mask` (checked by ValidateMask) writes `path`.
bool MaskTouches(const google::protobuf::FieldMask& mask,
                 absl::string_view path) {
  for (const auto& p : mask.paths()) {
    if (p == path) return true;
  }
  return false;
}

std::string ContactName(const std::string& account_id,
                        const std::string& contact_id) {
  return absl::StrCat("accounts/", account_id, "/contacts/", contact_id);
}
std::string FactName(const std::string& account_id, const std::string& period) {
  return absl::StrCat("accounts/", account_id, "/financials/", period);
}
// Child keys: "<parent>/<child>". IDs never contain '/', so a prefix scan of
// "<id>/" finds exactly that account's rows.
std::string ChildKey(const std::string& parent, const std::string& child) {
  return absl::StrCat(parent, "/", child);
}

// Fact keys: "<account>/<period sort key>", so a scan lists oldest first.
std::string FactKey(const std::string& account_id, const std::string& period) {
  return ChildKey(account_id, PeriodSortKey(period));
}

std::string ParentIdOf(const Account& account) {
  absl::string_view parent = account.parent();
  absl::ConsumePrefix(&parent, "accounts/");
  return std::string(parent);
}


}  // namespace

// Txn stages one logical change: reads see the store plus what the Txn
// itself has staged (so an import can name a parent created earlier in the
// same request), writes go into one WriteBatch with their feed events, and
// nothing is visible until Commit. Holds the locks of `keys` (resource
// names, see LockTable) throughout; without keys, the whole table.
class AccountRegistry::Txn {
 public:
  Txn(AccountRegistry* registry, const std::vector<std::string>& keys)
      : registry_(registry), writer_(registry->feed_.get(), keys) {}
  explicit Txn(AccountRegistry* registry)
      : registry_(registry), writer_(registry->feed_.get()) {}

  absl::Time now() const { return writer_.now(); }
  rocksdb::WriteBatch* batch() { return &batch_; }

  absl::StatusOr<bool> GetAccount(const std::string& id, Account* account) {
    if (auto it = accounts_.find(id); it != accounts_.end()) {
      if (!it->second.has_value()) return false;
      *account = *it->second;
      return true;
    }
    return registry_->store_->GetProto(Family(kAccounts), id, account);
  }

  absl::StatusOr<bool> GetContact(const std::string& account_id,
                                  const std::string& contact_id,
                                  Contact* contact) {
    const std::string key = ChildKey(account_id, contact_id);
    if (auto it = contacts_.find(key); it != contacts_.end()) {
      if (!it->second.has_value()) return false;
      *contact = *it->second;
      return true;
    }
    return registry_->store_->GetProto(Family(kContacts), key, contact);
  }

  absl::StatusOr<bool> GetFact(const std::string& account_id,
                               const std::string& period, FinancialFact* fact) {
    const std::string key = FactKey(account_id, period);
    if (auto it = facts_.find(key); it != facts_.end()) {
      *fact = it->second;
      return true;
    }
    return registry_->store_->GetProto(Family(kFinancials), key, fact);
  }

  // Stages `account` as the new state; `previous` is the stored state or
  // null for a create. Keeps the children index in step with the parent.
  void PutAccount(const Account& account, const Account* previous) {
    const std::string& id = account.account_id();
    PutProto(&batch_, Family(kAccounts), id, account);
    const std::string old_parent = previous ? ParentIdOf(*previous) : "";
    const std::string new_parent = ParentIdOf(account);
    if (old_parent != new_parent) {
      if (!old_parent.empty()) {
        batch_.Delete(Family(kChildren), ChildKey(old_parent, id));
      }
      if (!new_parent.empty()) {
        batch_.Put(Family(kChildren), ChildKey(new_parent, id), "");
      }
    }
    writer_.Append(&batch_, previous ? ChangeEvent::UPDATED : ChangeEvent::CREATED,
                   account.name(), account);
    accounts_[id] = account;
  }

  void DeleteAccount(const Account& account) {
    const std::string& id = account.account_id();
    batch_.Delete(Family(kAccounts), id);
    const std::string parent = ParentIdOf(account);
    if (!parent.empty()) batch_.Delete(Family(kChildren), ChildKey(parent, id));
    writer_.Append(&batch_, ChangeEvent::DELETED, account.name(), account);
    accounts_[id] = std::nullopt;
  }

  void PutContact(const std::string& account_id, const Contact& contact,
                  bool created) {
    const std::string key = ChildKey(account_id, contact.contact_id());
    PutProto(&batch_, Family(kContacts), key, contact);
    writer_.Append(&batch_, created ? ChangeEvent::CREATED : ChangeEvent::UPDATED,
                   contact.name(), contact);
    contacts_[key] = contact;
  }

  void DeleteContact(const std::string& account_id, const Contact& contact) {
    const std::string key = ChildKey(account_id, contact.contact_id());
    batch_.Delete(Family(kContacts), key);
    writer_.Append(&batch_, ChangeEvent::DELETED, contact.name(), contact);
    contacts_[key] = std::nullopt;
  }

  void PutFact(const std::string& account_id, const FinancialFact& fact,
               bool created) {
    const std::string key = FactKey(account_id, fact.period());
    PutProto(&batch_, Family(kFinancials), key, fact);
    writer_.Append(&batch_, created ? ChangeEvent::CREATED : ChangeEvent::UPDATED,
                   fact.name(), fact);
    facts_[key] = fact;
  }

  void DeleteFact(const std::string& account_id, const FinancialFact& fact) {
    batch_.Delete(Family(kFinancials), FactKey(account_id, fact.period()));
    writer_.Append(&batch_, ChangeEvent::DELETED, fact.name(), fact);
  }

  // The parent chain as this Txn sees it, for cycle checks.
  std::string ParentOf(const std::string& id) {
    Account account;
    auto found = GetAccount(id, &account);
    if (!found.ok() || !*found) return "";
    return ParentIdOf(account);
  }

  std::string ReportsToOf(const std::string& account_id,
                          const std::string& contact_id) {
    Contact contact;
    auto found = GetContact(account_id, contact_id, &contact);
    if (!found.ok() || !*found || contact.reports_to().empty()) return "";
    std::vector<std::string> parts = absl::StrSplit(contact.reports_to(), '/');
    return parts.size() == 4 ? parts[3] : "";
  }

  absl::Status Commit() { return writer_.Commit(&batch_); }

  rocksdb::ColumnFamilyHandle* Family(const char* name) const {
    return registry_->store_->Family(name);
  }

 private:
  AccountRegistry* const registry_;
  ChangeFeed::Writer writer_;
  rocksdb::WriteBatch batch_;
  std::map<std::string, std::optional<Account>> accounts_;
  std::map<std::string, std::optional<Contact>> contacts_;
  std::map<std::string, FinancialFact> facts_;
};

namespace {

// Checks account.parent against the Txn's view: well-formed, not itself,
// existing, and not closing a cycle.
absl::Status CheckParent(const Account& account, const std::string& field,
                         const std::function<absl::StatusOr<bool>(
                             const std::string&)>& exists,
                         const std::function<std::string(const std::string&)>&
                             parent_of) {
  if (account.parent().empty()) return absl::OkStatus();
  KAM_ASSIGN_OR_RETURN(std::string parent_id,
                       ParseName(field + ".parent", account.parent(), kAccounts));
  if (parent_id == account.account_id()) {
    return InvalidField(field + ".parent",
                        "an account cannot be its own parent");
  }
  KAM_ASSIGN_OR_RETURN(bool found, exists(parent_id));
  if (!found) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ".parent: ", account.parent(), " does not exist"));
  }
  if (WouldCycle(account.account_id(), parent_id, parent_of)) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ".parent: making ", account.parent(), " the parent of ",
        AccountName(account.account_id()),
        " would create a cycle in the hierarchy"));
  }
  return absl::OkStatus();
}

void ClearOutputOnly(Account* account) {
  account->clear_name();
  account->clear_create_time();
  account->clear_update_time();
  account->clear_etag();
}

void ClearOutputOnly(Contact* contact) {
  contact->clear_name();
  contact->clear_create_time();
  contact->clear_update_time();
  contact->clear_etag();
}

void ApplyContactDefaults(Contact* contact) {
  if (contact->attitude() == v1::ATTITUDE_UNSPECIFIED) {
    contact->set_attitude(v1::NEUTRAL);
  }
  if (contact->influence() == 0) contact->set_influence(3);
}

// Stamps times, name and etag on a state about to be stored.
template <typename Resource>
void Stamp(Resource* resource, const std::string& name, absl::Time now,
           bool created) {
  resource->set_name(name);
  if (created) *resource->mutable_create_time() = ToProtoTime(now);
  *resource->mutable_update_time() = ToProtoTime(now);
  resource->clear_etag();
  resource->set_etag(Etag(*resource));
}


}  // namespace

const std::vector<std::string>& AccountRegistry::ColumnFamilies() {
  static const auto* const families = new std::vector<std::string>{
      kAccounts, kContacts, kFinancials, kChildren, kRequests, kOutbox};
  return *families;
}

AccountRegistry::AccountRegistry(Store* store, Clock* clock)
    : store_(store),
      clock_(clock),
      feed_(std::make_unique<ChangeFeed>(store, store->Family(kOutbox), clock)),
      requests_(store, store->Family(kRequests), clock) {}

AccountRegistry::~AccountRegistry() = default;

// ---------------------------------------------------------------- accounts

absl::Status AccountRegistry::CreateAccount(
    const v1::CreateAccountRequest& request, Account* out) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  Account account = request.account();
  ClearOutputOnly(&account);
  if (account.account_id().empty()) account.set_account_id(GenerateId());
  KAM_RETURN_IF_ERROR(ValidateId("account.account_id", account.account_id()));
  if (account.lifecycle_status() == v1::LIFECYCLE_STATUS_UNSPECIFIED) {
    account.set_lifecycle_status(v1::PROSPECT);
  }
  KAM_RETURN_IF_ERROR(ValidateAccount(account, "account"));

  // The new account and its parent: a concurrent delete of the parent must
  // not miss its new child. A new account closes no cycle (nothing can name
  // it as a parent before it exists), so the hierarchy lock is not needed.
  Txn txn(this, {AccountName(account.account_id()), account.parent(),
                 RequestLog::LockKey("CreateAccount", request.request_id())});
  KAM_ASSIGN_OR_RETURN(
      bool replay,
      requests_.LookupCreate(
          "CreateAccount", request,
          [&](const std::string& name, google::protobuf::Message* found) {
            v1::GetAccountRequest get;
            get.set_name(name);
            return RequestLog::Exists(
                GetAccount(get, static_cast<Account*>(found)));
          },
          out));
  if (replay) return absl::OkStatus();
  Account existing;
  KAM_ASSIGN_OR_RETURN(bool taken, txn.GetAccount(account.account_id(), &existing));
  if (taken) {
    return absl::AlreadyExistsError(absl::StrCat(
        AccountName(account.account_id()), " already exists"));
  }
  KAM_RETURN_IF_ERROR(CheckParent(
      account, "account",
      [&](const std::string& id) { return txn.GetAccount(id, &existing); },
      [&](const std::string& id) { return txn.ParentOf(id); }));
  Stamp(&account, AccountName(account.account_id()), txn.now(), true);
  txn.PutAccount(account, nullptr);
  requests_.RecordCreate(txn.batch(), "CreateAccount", request, account);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(account);
  return absl::OkStatus();
}

absl::Status AccountRegistry::GetAccount(const v1::GetAccountRequest& request,
                                         Account* account) const {
  KAM_ASSIGN_OR_RETURN(std::string id, ParseName("name", request.name(), kAccounts));
  KAM_ASSIGN_OR_RETURN(bool found,
                       store_->GetProto(store_->Family(kAccounts), id, account));
  if (!found) return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  return absl::OkStatus();
}

absl::Status AccountRegistry::ListAccounts(
    const v1::ListAccountsRequest& request,
    v1::ListAccountsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  std::string parent_id;
  if (!request.parent().empty()) {
    KAM_ASSIGN_OR_RETURN(parent_id,
                         ParseName("parent", request.parent(), kAccounts));
  }
  if (!request.tag().empty()) KAM_RETURN_IF_ERROR(ValidateId("tag", request.tag()));
  if (!v1::LifecycleStatus_IsValid(request.lifecycle_status())) {
    return InvalidField("lifecycle_status", "is not a known status");
  }
  const std::string filters = absl::StrCat(
      request.key_account_manager(), "\x1f", request.segment(), "\x1f",
      parent_id, "\x1f", request.tag(), "\x1f", request.lifecycle_status());
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));

  auto matches = [&](const Account& account) {
    if (!request.key_account_manager().empty() &&
        account.key_account_manager() != request.key_account_manager()) {
      return false;
    }
    if (!request.segment().empty() && account.segment() != request.segment()) {
      return false;
    }
    if (!request.tag().empty() &&
        std::find(account.tags().begin(), account.tags().end(),
                  request.tag()) == account.tags().end()) {
      return false;
    }
    if (request.lifecycle_status() != v1::LIFECYCLE_STATUS_UNSPECIFIED &&
        account.lifecycle_status() != request.lifecycle_status()) {
      return false;
    }
    return true;
  };

  // With a parent filter, walk that parent's children index; otherwise all
  // accounts in ID order.
  const bool by_parent = !parent_id.empty();
  auto it = store_->NewIterator(store_->Family(by_parent ? kChildren : kAccounts));
  const std::string prefix = by_parent ? parent_id + "/" : "";
  it->Seek(after.empty() ? prefix : prefix + after + std::string(1, '\0'));
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string id = it->key().ToString().substr(prefix.size());
    Account account;
    if (by_parent) {
      KAM_ASSIGN_OR_RETURN(bool found,
                           store_->GetProto(store_->Family(kAccounts), id, &account));
      if (!found) continue;
    } else if (!ParseProto(it->value(), &account)) {
      return absl::InternalError(absl::StrCat("corrupt account ", id));
    }
    if (!matches(account)) continue;
    if (response->accounts_size() == page_size) {
      response->set_next_page_token(MakePageToken(
          filters, response->accounts(page_size - 1).account_id()));
      break;
    }
    *response->add_accounts() = std::move(account);
  }
  if (!it->status().ok()) {
    return absl::InternalError(it->status().ToString());
  }
  return absl::OkStatus();
}

absl::Status AccountRegistry::UpdateAccount(
    const v1::UpdateAccountRequest& request, Account* out) {
  KAM_ASSIGN_OR_RETURN(std::string id, ParseName("account.name",
                                                 request.account().name(), kAccounts));
  KAM_RETURN_IF_ERROR(ValidateMask(request.update_mask(), AccountMutablePaths()));

  // A change of parent also takes the new parent (see CreateAccount) and the
  // hierarchy: two moves that each close half of a cycle would otherwise
  // both pass their check.
  std::vector<std::string> keys = {AccountName(id)};
  if (MaskTouches(request.update_mask(), "parent")) {
    keys.push_back(kHierarchyLock);
    keys.push_back(request.account().parent());
  }
  Txn txn(this, keys);
  Account current;
  KAM_ASSIGN_OR_RETURN(bool found, txn.GetAccount(id, &current));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(request.account().name(), " not found"));
  }
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), current.name()));
  Account next = current;
  ApplyMask(request.account(), request.update_mask(), &next);
  if (next.lifecycle_status() == v1::LIFECYCLE_STATUS_UNSPECIFIED) {
    return InvalidField("account.lifecycle_status", "must be set to a status");
  }
  KAM_RETURN_IF_ERROR(ValidateAccount(next, "account"));
  if (next.parent() != current.parent()) {
    Account scratch;
    KAM_RETURN_IF_ERROR(CheckParent(
        next, "account",
        [&](const std::string& pid) { return txn.GetAccount(pid, &scratch); },
        [&](const std::string& aid) { return txn.ParentOf(aid); }));
  }
  if (SameContent(next, current)) {
    *out = std::move(current);
    return absl::OkStatus();
  }
  Stamp(&next, current.name(), txn.now(), false);
  txn.PutAccount(next, &current);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(next);
  return absl::OkStatus();
}

absl::Status AccountRegistry::DeleteAccount(
    const v1::DeleteAccountRequest& request,
    v1::DeleteAccountResponse* response) {
  KAM_ASSIGN_OR_RETURN(std::string id, ParseName("name", request.name(), kAccounts));
  // Children name their parent under the parent's lock, so holding this
  // account's lock makes the "no children" check hold until the commit.
  Txn txn(this, {AccountName(id)});
  Account account;
  KAM_ASSIGN_OR_RETURN(bool found, txn.GetAccount(id, &account));
  if (!found) return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), account.etag(), account.name()));

  const std::string prefix = id + "/";
  {
    auto children = store_->NewIterator(store_->Family(kChildren));
    int count = 0;
    std::string first;
    for (children->Seek(prefix);
         children->Valid() && children->key().starts_with(prefix);
         children->Next()) {
      if (count++ == 0) first = children->key().ToString().substr(prefix.size());
    }
    if (count > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          request.name(), " has ", count, " child account(s) (e.g. accounts/",
          first, "); move or delete them first"));
    }
  }
  auto contacts = store_->NewIterator(store_->Family(kContacts));
  for (contacts->Seek(prefix);
       contacts->Valid() && contacts->key().starts_with(prefix);
       contacts->Next()) {
    Contact contact;
    if (!ParseProto(contacts->value(), &contact)) {
      return absl::InternalError("corrupt contact " + contacts->key().ToString());
    }
    txn.DeleteContact(id, contact);
    response->set_contacts_deleted(response->contacts_deleted() + 1);
  }
  auto facts = store_->NewIterator(store_->Family(kFinancials));
  for (facts->Seek(prefix); facts->Valid() && facts->key().starts_with(prefix);
       facts->Next()) {
    FinancialFact fact;
    if (!ParseProto(facts->value(), &fact)) {
      return absl::InternalError("corrupt fact " + facts->key().ToString());
    }
    txn.DeleteFact(id, fact);
    response->set_financial_facts_deleted(response->financial_facts_deleted() + 1);
  }
  txn.DeleteAccount(account);
  return txn.Commit();
}

absl::Status AccountRegistry::GetAccountHierarchy(
    const v1::GetAccountHierarchyRequest& request,
    v1::AccountHierarchy* hierarchy) const {
  KAM_ASSIGN_OR_RETURN(std::string root, ParseName("name", request.name(), kAccounts));
  if (request.max_depth() < 0 || request.max_depth() > kMaxHierarchyDepth) {
    return InvalidField("max_depth", "must be between 0 (all) and 32");
  }
  const int max_depth =
      request.max_depth() == 0 ? kMaxHierarchyDepth : request.max_depth();
  // One snapshot so the tree and its sums agree.
  const rocksdb::Snapshot* snapshot = store_->db()->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{store_->db(), snapshot};
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;

  std::function<absl::Status(const std::string&, int, v1::AccountHierarchy*,
                             std::vector<FactOfAccount>*)>
      build = [&](const std::string& id, int depth, v1::AccountHierarchy* node,
                  std::vector<FactOfAccount>* subtree_facts) -> absl::Status {
    std::string value;
    rocksdb::Status s =
        store_->db()->Get(read, store_->Family(kAccounts), id, &value);
    if (s.IsNotFound()) {
      return depth == 0 ? absl::NotFoundError(request.name() + " not found")
                        : absl::OkStatus();  // deleted concurrently: skip
    }
    if (!s.ok() || !node->mutable_account()->ParseFromString(value)) {
      return absl::InternalError("cannot read account " + id);
    }
    node->set_depth(depth);
    std::vector<FactOfAccount> mine;
    const std::string prefix = id + "/";
    std::unique_ptr<rocksdb::Iterator> facts(
        store_->db()->NewIterator(read, store_->Family(kFinancials)));
    for (facts->Seek(prefix); facts->Valid() && facts->key().starts_with(prefix);
         facts->Next()) {
      FactOfAccount& fact = mine.emplace_back();
      fact.account_id = id;
      if (!ParseProto(facts->value(), &fact.fact)) {
        return absl::InternalError("corrupt fact " + facts->key().ToString());
      }
      *node->add_own_financials() = fact.fact;
    }
    std::unique_ptr<rocksdb::Iterator> children(
        store_->db()->NewIterator(read, store_->Family(kChildren)));
    for (children->Seek(prefix);
         children->Valid() && children->key().starts_with(prefix);
         children->Next()) {
      const std::string child = children->key().ToString().substr(prefix.size());
      if (depth >= kMaxHierarchyDepth) break;
      // Below max_depth the child is still summed, just not returned.
      v1::AccountHierarchy scratch;
      v1::AccountHierarchy* child_node =
          depth < max_depth ? node->add_children() : &scratch;
      KAM_RETURN_IF_ERROR(build(child, depth + 1, child_node, &mine));
      if (child_node != &scratch && !child_node->has_account()) {
        node->mutable_children()->RemoveLast();
      }
    }
    for (auto& rollup : RollUp(mine)) *node->add_rolled_up() = std::move(rollup);
    subtree_facts->insert(subtree_facts->end(), mine.begin(), mine.end());
    return absl::OkStatus();
  };
  std::vector<FactOfAccount> all;
  return build(root, 0, hierarchy, &all);
}

// ---------------------------------------------------------------- contacts

namespace {

// Checks contact.reports_to: a contact of the same account, existing, not
// itself, not closing a reporting cycle.
absl::Status CheckReportsTo(
    const std::string& account_id, const Contact& contact,
    const std::string& field,
    const std::function<absl::StatusOr<bool>(const std::string&)>& exists,
    const std::function<std::string(const std::string&)>& reports_to_of) {
  if (contact.reports_to().empty()) return absl::OkStatus();
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName(field + ".reports_to",
                                                contact.reports_to(), kAccounts,
                                                kContacts));
  if (ids.first != account_id) {
    return InvalidField(field + ".reports_to",
                        absl::StrCat("must name a contact of the same account "
                                     "(accounts/",
                                     account_id, "/contacts/...)"));
  }
  if (ids.second == contact.contact_id()) {
    return InvalidField(field + ".reports_to",
                        "a contact cannot report to itself");
  }
  KAM_ASSIGN_OR_RETURN(bool found, exists(ids.second));
  if (!found) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ".reports_to: ", contact.reports_to(), " does not exist"));
  }
  if (WouldCycle(contact.contact_id(), ids.second, reports_to_of)) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ".reports_to: ", contact.reports_to(),
                     " already reports (indirectly) to this contact"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AccountRegistry::CreateContact(
    const v1::CreateContactRequest& request, Contact* out) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), kAccounts));
  Contact contact = request.contact();
  ClearOutputOnly(&contact);
  if (contact.contact_id().empty()) contact.set_contact_id(GenerateId());
  KAM_RETURN_IF_ERROR(ValidateId("contact.contact_id", contact.contact_id()));
  ApplyContactDefaults(&contact);
  KAM_RETURN_IF_ERROR(ValidateContact(contact, "contact"));

  // Contacts, their reporting lines and facts live under their account: its
  // lock covers them.
  Txn txn(this, {AccountName(account_id),
                 RequestLog::LockKey("CreateContact", request.request_id())});
  KAM_ASSIGN_OR_RETURN(
      bool replay,
      requests_.LookupCreate(
          "CreateContact", request,
          [&](const std::string& name, google::protobuf::Message* found) {
            v1::GetContactRequest get;
            get.set_name(name);
            return RequestLog::Exists(
                GetContact(get, static_cast<Contact*>(found)));
          },
          out));
  if (replay) return absl::OkStatus();
  Account account;
  KAM_ASSIGN_OR_RETURN(bool account_found, txn.GetAccount(account_id, &account));
  if (!account_found) {
    return absl::NotFoundError(absl::StrCat(request.parent(), " not found"));
  }
  Contact existing;
  KAM_ASSIGN_OR_RETURN(bool taken,
                       txn.GetContact(account_id, contact.contact_id(), &existing));
  if (taken) {
    return absl::AlreadyExistsError(absl::StrCat(
        ContactName(account_id, contact.contact_id()), " already exists"));
  }
  KAM_RETURN_IF_ERROR(CheckReportsTo(
      account_id, contact, "contact",
      [&](const std::string& cid) { return txn.GetContact(account_id, cid, &existing); },
      [&](const std::string& cid) { return txn.ReportsToOf(account_id, cid); }));
  Stamp(&contact, ContactName(account_id, contact.contact_id()), txn.now(), true);
  txn.PutContact(account_id, contact, /*created=*/true);
  requests_.RecordCreate(txn.batch(), "CreateContact", request, contact);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(contact);
  return absl::OkStatus();
}

absl::Status AccountRegistry::GetContact(const v1::GetContactRequest& request,
                                         Contact* contact) const {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("name", request.name(),
                                                kAccounts, kContacts));
  KAM_ASSIGN_OR_RETURN(bool found,
                       store_->GetProto(store_->Family(kContacts),
                                        ChildKey(ids.first, ids.second), contact));
  if (!found) return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  return absl::OkStatus();
}

absl::Status AccountRegistry::ListContacts(
    const v1::ListContactsRequest& request,
    v1::ListContactsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), kAccounts));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  if (!v1::BuyingRole_IsValid(request.role())) {
    return InvalidField("role", "is not a buying-center role");
  }
  if (!v1::OrgLevel_IsValid(request.level())) {
    return InvalidField("level", "is not an organisational level");
  }
  const std::string filters = absl::StrCat(account_id, "\x1f", request.role(),
                                           "\x1f", request.level());
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));
  Account account;
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kAccounts),
                                                    account_id, &account));
  if (!found) return absl::NotFoundError(absl::StrCat(request.parent(), " not found"));

  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kContacts));
  it->Seek(after.empty() ? prefix : prefix + after + std::string(1, '\0'));
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Contact contact;
    if (!ParseProto(it->value(), &contact)) {
      return absl::InternalError("corrupt contact " + it->key().ToString());
    }
    if (request.role() != v1::BUYING_ROLE_UNSPECIFIED &&
        std::find(contact.roles().begin(), contact.roles().end(),
                  request.role()) == contact.roles().end()) {
      continue;
    }
    if (request.level() != v1::ORG_LEVEL_UNSPECIFIED &&
        contact.level() != request.level()) {
      continue;
    }
    if (response->contacts_size() == page_size) {
      response->set_next_page_token(MakePageToken(
          filters, response->contacts(page_size - 1).contact_id()));
      break;
    }
    *response->add_contacts() = std::move(contact);
  }
  return absl::OkStatus();
}

absl::Status AccountRegistry::UpdateContact(
    const v1::UpdateContactRequest& request, Contact* out) {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("contact.name",
                                                request.contact().name(),
                                                kAccounts, kContacts));
  KAM_RETURN_IF_ERROR(ValidateMask(request.update_mask(), ContactMutablePaths()));
  const std::string& account_id = ids.first;

  Txn txn(this, {AccountName(account_id)});
  Contact current;
  KAM_ASSIGN_OR_RETURN(bool found, txn.GetContact(account_id, ids.second, &current));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(request.contact().name(), " not found"));
  }
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), current.name()));
  Contact next = current;
  ApplyMask(request.contact(), request.update_mask(), &next);
  KAM_RETURN_IF_ERROR(ValidateContact(next, "contact"));
  if (next.reports_to() != current.reports_to()) {
    Contact scratch;
    KAM_RETURN_IF_ERROR(CheckReportsTo(
        account_id, next, "contact",
        [&](const std::string& cid) { return txn.GetContact(account_id, cid, &scratch); },
        [&](const std::string& cid) { return txn.ReportsToOf(account_id, cid); }));
  }
  if (SameContent(next, current)) {
    *out = std::move(current);
    return absl::OkStatus();
  }
  Stamp(&next, current.name(), txn.now(), false);
  txn.PutContact(account_id, next, /*created=*/false);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(next);
  return absl::OkStatus();
}

absl::Status AccountRegistry::DeleteContact(
    const v1::DeleteContactRequest& request, v1::DeleteContactResponse*) {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("name", request.name(),
                                                kAccounts, kContacts));
  const std::string& account_id = ids.first;
  Txn txn(this, {AccountName(account_id)});
  Contact contact;
  KAM_ASSIGN_OR_RETURN(bool found, txn.GetContact(account_id, ids.second, &contact));
  if (!found) return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), contact.etag(), contact.name()));
  // Whoever reported to this contact now reports to no one.
  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kContacts));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Contact report;
    if (!ParseProto(it->value(), &report)) {
      return absl::InternalError("corrupt contact " + it->key().ToString());
    }
    if (report.reports_to() != contact.name()) continue;
    report.clear_reports_to();
    Stamp(&report, report.name(), txn.now(), false);
    txn.PutContact(account_id, report, /*created=*/false);
  }
  txn.DeleteContact(account_id, contact);
  return txn.Commit();
}

// -------------------------------------------------------------- financials

absl::Status AccountRegistry::RecordFinancialFact(
    const v1::RecordFinancialFactRequest& request, FinancialFact* out) {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), kAccounts));
  FinancialFact fact = request.fact();
  fact.clear_name();
  fact.clear_update_time();
  KAM_RETURN_IF_ERROR(ValidateFinancialFact(fact, "fact"));

  Txn txn(this, {AccountName(account_id)});
  Account account;
  KAM_ASSIGN_OR_RETURN(bool account_found, txn.GetAccount(account_id, &account));
  if (!account_found) {
    return absl::NotFoundError(absl::StrCat(request.parent(), " not found"));
  }
  fact.set_name(FactName(account_id, fact.period()));
  FinancialFact current;
  KAM_ASSIGN_OR_RETURN(bool exists, txn.GetFact(account_id, fact.period(), &current));
  if (exists && SameContent(fact, current)) {
    *out = std::move(current);
    return absl::OkStatus();
  }
  *fact.mutable_update_time() = ToProtoTime(txn.now());
  txn.PutFact(account_id, fact, !exists);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(fact);
  return absl::OkStatus();
}

absl::Status AccountRegistry::ListFinancialFacts(
    const v1::ListFinancialFactsRequest& request,
    v1::ListFinancialFactsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), kAccounts));
  Account account;
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kAccounts),
                                                    account_id, &account));
  if (!found) return absl::NotFoundError(absl::StrCat(request.parent(), " not found"));
  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kFinancials));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!ParseProto(it->value(), response->add_facts())) {
      return absl::InternalError("corrupt fact " + it->key().ToString());
    }
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ import

absl::Status AccountRegistry::ImportRecords(
    const v1::ImportRecordsRequest& request,
    v1::ImportRecordsResponse* response) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  const int items = request.accounts_size() + request.contacts_size() +
                    request.financials_size();
  if (items > kMaxImportItems) {
    return InvalidField("accounts",
                        absl::StrCat("an import takes at most ",
                                     kMaxImportItems, " items in all, got ",
                                     items, "; split it into batches"));
  }
  using Outcome = v1::ImportResult;
  // An import may touch any account and move any parent: it runs alone.
  Txn txn(this);
  if (!request.validate_only()) {
    KAM_ASSIGN_OR_RETURN(bool replay,
                         requests_.Lookup("ImportRecords", request, response));
    // The record leaves out what the (same) request gives again: each
    // result's kind and index, by its position, and the counts. A record of
    // the old format has them all.
    if (replay && response->results_size() > 0 &&
        response->results(0).kind().empty()) {
      const int accounts = request.accounts_size();
      const int contacts = request.contacts_size();
      for (int i = 0; i < response->results_size(); ++i) {
        v1::ImportResult* result = response->mutable_results(i);
        if (i < accounts) {
          result->set_kind("accounts");
          result->set_index(i);
        } else if (i < accounts + contacts) {
          result->set_kind("contacts");
          result->set_index(i - accounts);
        } else {
          result->set_kind("financials");
          result->set_index(i - accounts - contacts);
        }
        switch (result->outcome()) {
          case v1::ImportResult::CREATED:
            response->set_created(response->created() + 1);
            break;
          case v1::ImportResult::UPDATED:
            response->set_updated(response->updated() + 1);
            break;
          case v1::ImportResult::UNCHANGED:
            response->set_unchanged(response->unchanged() + 1);
            break;
          case v1::ImportResult::FAILED:
            response->set_failed(response->failed() + 1);
            break;
          default:
            break;
        }
      }
    }
    if (replay) return absl::OkStatus();
  }
  auto report = [&](const char* kind, int index, const std::string& name,
                    absl::Status status, Outcome::Outcome outcome) {
    v1::ImportResult* result = response->add_results();
    result->set_kind(kind);
    result->set_index(index);
    result->set_name(name);
    if (!status.ok()) {
      result->set_outcome(Outcome::FAILED);
      result->set_error_code(static_cast<int>(status.code()));
      result->set_error_message(std::string(status.message()));
      response->set_failed(response->failed() + 1);
      return;
    }
    result->set_outcome(outcome);
    if (outcome == Outcome::CREATED) response->set_created(response->created() + 1);
    if (outcome == Outcome::UPDATED) response->set_updated(response->updated() + 1);
    if (outcome == Outcome::UNCHANGED) {
      response->set_unchanged(response->unchanged() + 1);
    }
  };

  // Accounts: upsert by ID; all mutable fields come from the import.
  for (int i = 0; i < request.accounts_size(); ++i) {
    const std::string field = absl::StrCat("accounts[", i, "]");
    Account account = request.accounts(i);
    ClearOutputOnly(&account);
    Outcome::Outcome outcome = Outcome::CREATED;
    absl::Status status = [&]() -> absl::Status {
      KAM_RETURN_IF_ERROR(ValidateId(field + ".account_id", account.account_id()));
      if (account.lifecycle_status() == v1::LIFECYCLE_STATUS_UNSPECIFIED) {
        account.set_lifecycle_status(v1::PROSPECT);
      }
      KAM_RETURN_IF_ERROR(ValidateAccount(account, field));
      Account current, scratch;
      KAM_ASSIGN_OR_RETURN(bool exists, txn.GetAccount(account.account_id(), &current));
      KAM_RETURN_IF_ERROR(CheckParent(
          account, field,
          [&](const std::string& id) { return txn.GetAccount(id, &scratch); },
          [&](const std::string& id) { return txn.ParentOf(id); }));
      if (exists) {
        Account next = current;
        google::protobuf::FieldMask all;
        for (const auto& path : AccountMutablePaths()) all.add_paths(path);
        ApplyMask(account, all, &next);
        if (SameContent(next, current)) {
          outcome = Outcome::UNCHANGED;
          return absl::OkStatus();
        }
        outcome = Outcome::UPDATED;
        Stamp(&next, current.name(), txn.now(), false);
        txn.PutAccount(next, &current);
        return absl::OkStatus();
      }
      Stamp(&account, AccountName(account.account_id()), txn.now(), true);
      txn.PutAccount(account, nullptr);
      return absl::OkStatus();
    }();
    report("accounts", i,
           account.account_id().empty() ? "" : AccountName(account.account_id()),
           status, outcome);
  }

  // Contacts: upsert by (account, contact_id).
  for (int i = 0; i < request.contacts_size(); ++i) {
    const std::string field = absl::StrCat("contacts[", i, "]");
    const auto& item = request.contacts(i);
    Contact contact = item.contact();
    ClearOutputOnly(&contact);
    std::string account_id;
    Outcome::Outcome outcome = Outcome::CREATED;
    absl::Status status = [&]() -> absl::Status {
      KAM_ASSIGN_OR_RETURN(account_id,
                           ParseName(field + ".parent", item.parent(), kAccounts));
      KAM_RETURN_IF_ERROR(
          ValidateId(field + ".contact.contact_id", contact.contact_id()));
      ApplyContactDefaults(&contact);
      KAM_RETURN_IF_ERROR(ValidateContact(contact, field + ".contact"));
      Account account;
      KAM_ASSIGN_OR_RETURN(bool account_found, txn.GetAccount(account_id, &account));
      if (!account_found) {
        return absl::NotFoundError(absl::StrCat(field, ".parent: ", item.parent(),
                                                " not found"));
      }
      Contact current, scratch;
      KAM_ASSIGN_OR_RETURN(bool exists,
                           txn.GetContact(account_id, contact.contact_id(), &current));
      KAM_RETURN_IF_ERROR(CheckReportsTo(
          account_id, contact, field + ".contact",
          [&](const std::string& cid) {
            return txn.GetContact(account_id, cid, &scratch);
          },
          [&](const std::string& cid) { return txn.ReportsToOf(account_id, cid); }));
      if (exists) {
        Contact next = current;
        google::protobuf::FieldMask all;
        for (const auto& path : ContactMutablePaths()) all.add_paths(path);
        ApplyMask(contact, all, &next);
        if (SameContent(next, current)) {
          outcome = Outcome::UNCHANGED;
          return absl::OkStatus();
        }
        outcome = Outcome::UPDATED;
        Stamp(&next, current.name(), txn.now(), false);
        txn.PutContact(account_id, next, /*created=*/false);
        return absl::OkStatus();
      }
      Stamp(&contact, ContactName(account_id, contact.contact_id()), txn.now(),
            true);
      txn.PutContact(account_id, contact, /*created=*/true);
      return absl::OkStatus();
    }();
    report("contacts", i,
           account_id.empty() || contact.contact_id().empty()
               ? ""
               : ContactName(account_id, contact.contact_id()),
           status, outcome);
  }

  // Financial facts: upsert by (account, period).
  for (int i = 0; i < request.financials_size(); ++i) {
    const std::string field = absl::StrCat("financials[", i, "]");
    const auto& item = request.financials(i);
    FinancialFact fact = item.fact();
    fact.clear_name();
    fact.clear_update_time();
    std::string account_id;
    Outcome::Outcome outcome = Outcome::CREATED;
    absl::Status status = [&]() -> absl::Status {
      KAM_ASSIGN_OR_RETURN(account_id,
                           ParseName(field + ".parent", item.parent(), kAccounts));
      KAM_RETURN_IF_ERROR(ValidateFinancialFact(fact, field + ".fact"));
      Account account;
      KAM_ASSIGN_OR_RETURN(bool account_found, txn.GetAccount(account_id, &account));
      if (!account_found) {
        return absl::NotFoundError(absl::StrCat(field, ".parent: ", item.parent(),
                                                " not found"));
      }
      fact.set_name(FactName(account_id, fact.period()));
      FinancialFact current;
      KAM_ASSIGN_OR_RETURN(bool exists,
                           txn.GetFact(account_id, fact.period(), &current));
      if (exists && SameContent(fact, current)) {
        outcome = Outcome::UNCHANGED;
        return absl::OkStatus();
      }
      outcome = exists ? Outcome::UPDATED : Outcome::CREATED;
      *fact.mutable_update_time() = ToProtoTime(txn.now());
      txn.PutFact(account_id, fact, !exists);
      return absl::OkStatus();
    }();
    report("financials", i, fact.name(), status, outcome);
  }

  if (request.validate_only()) return absl::OkStatus();
  v1::ImportRecordsResponse kept = *response;
  kept.clear_created();
  kept.clear_updated();
  kept.clear_unchanged();
  kept.clear_failed();
  for (v1::ImportResult& result : *kept.mutable_results()) {
    result.clear_kind();
    result.clear_index();
  }
  requests_.Record(txn.batch(), "ImportRecords", request, kept);
  return txn.Commit();
}

}  // namespace kam::registry
