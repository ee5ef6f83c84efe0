#ifndef KAM_SERVICES_REGISTRY_ACCOUNT_REGISTRY_H_
#define KAM_SERVICES_REGISTRY_ACCOUNT_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/change_feed.h"
#include "common/clock.h"
#include "common/request_log.h"
#include "common/store.h"
#include "kam/registry/v1/registry.pb.h"

namespace kam::registry {

// AccountRegistry is the registry's domain: accounts, their hierarchy,
// contacts and financial facts, kept in the service's Store, with every
// change appended to the change feed in the same batch.
//
// Methods take the request messages of the contract (plain data) and return
// absl::Status with the codes documented in registry.proto. A method that
// fails changes nothing. Writes are serialised by the feed's writer lock;
// reads run concurrently with them.
//
// Thread-safe.
class AccountRegistry {
 public:
  // The column families a registry store needs.
  static const std::vector<std::string>& ColumnFamilies();

  // `store` must have ColumnFamilies(); both outlive the registry.
  AccountRegistry(Store* store, Clock* clock);
  ~AccountRegistry();

  ChangeFeed& feed() { return *feed_; }

  absl::Status CreateAccount(const v1::CreateAccountRequest& request,
                             v1::Account* account);
  absl::Status GetAccount(const v1::GetAccountRequest& request,
                          v1::Account* account) const;
  absl::Status ListAccounts(const v1::ListAccountsRequest& request,
                            v1::ListAccountsResponse* response) const;
  absl::Status UpdateAccount(const v1::UpdateAccountRequest& request,
                             v1::Account* account);
  absl::Status DeleteAccount(const v1::DeleteAccountRequest& request,
                             v1::DeleteAccountResponse* response);
  absl::Status GetAccountHierarchy(const v1::GetAccountHierarchyRequest& request,
                                   v1::AccountHierarchy* hierarchy) const;

  absl::Status CreateContact(const v1::CreateContactRequest& request,
                             v1::Contact* contact);
  absl::Status GetContact(const v1::GetContactRequest& request,
                          v1::Contact* contact) const;
  absl::Status ListContacts(const v1::ListContactsRequest& request,
                            v1::ListContactsResponse* response) const;
  absl::Status UpdateContact(const v1::UpdateContactRequest& request,
                             v1::Contact* contact);
  absl::Status DeleteContact(const v1::DeleteContactRequest& request,
                             v1::DeleteContactResponse* response);

  absl::Status RecordFinancialFact(const v1::RecordFinancialFactRequest& request,
                                   v1::FinancialFact* fact);
  absl::Status ListFinancialFacts(const v1::ListFinancialFactsRequest& request,
                                  v1::ListFinancialFactsResponse* response) const;

  absl::Status ImportRecords(const v1::ImportRecordsRequest& request,
                             v1::ImportRecordsResponse* response);

  // The most items ImportRecords takes in one request.
  static constexpr int kMaxImportItems = 5000;

 private:
  class Txn;

  Store* const store_;
  Clock* const clock_;
  std::unique_ptr<ChangeFeed> feed_;
  RequestLog requests_;
};

}  // namespace kam::registry

#endif  // KAM_SERVICES_REGISTRY_ACCOUNT_REGISTRY_H_
