#ifndef KAM_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
#define KAM_SERVICES_REGISTRY_REGISTRY_SERVICE_H_

#include "common/auth.h"
#include "common/handler.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "services/registry/account_registry.h"

namespace kam::registry {

// RegistryService translates kam.registry.v1.Registry calls into
// AccountRegistry calls: it checks the caller's role, runs point reads
// inline on gRPC's callback threads, every write (they wait on an fsync) on
// the write pool, and scans and hierarchy reads on the read pool.
class RegistryService final : public v1::Registry::CallbackService {
 public:
  // All outlive the service.
  RegistryService(AccountRegistry* registry, const Authorizer* auth,
                  HandlerPools pools)
      : registry_(registry),
        auth_(*auth),
        reads_(*pools.read),
        writes_(*pools.write) {}

  grpc::ServerUnaryReactor* CreateAccount(
      grpc::CallbackServerContext* context,
      const v1::CreateAccountRequest* request, v1::Account* response) override;
  grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* context,
                                       const v1::GetAccountRequest* request,
                                       v1::Account* response) override;
  grpc::ServerUnaryReactor* ListAccounts(
      grpc::CallbackServerContext* context,
      const v1::ListAccountsRequest* request,
      v1::ListAccountsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateAccount(
      grpc::CallbackServerContext* context,
      const v1::UpdateAccountRequest* request, v1::Account* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(
      grpc::CallbackServerContext* context,
      const v1::DeleteAccountRequest* request,
      v1::DeleteAccountResponse* response) override;
  grpc::ServerUnaryReactor* GetAccountHierarchy(
      grpc::CallbackServerContext* context,
      const v1::GetAccountHierarchyRequest* request,
      v1::AccountHierarchy* response) override;
  grpc::ServerUnaryReactor* CreateContact(
      grpc::CallbackServerContext* context,
      const v1::CreateContactRequest* request, v1::Contact* response) override;
  grpc::ServerUnaryReactor* GetContact(grpc::CallbackServerContext* context,
                                       const v1::GetContactRequest* request,
                                       v1::Contact* response) override;
  grpc::ServerUnaryReactor* ListContacts(
      grpc::CallbackServerContext* context,
      const v1::ListContactsRequest* request,
      v1::ListContactsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateContact(
      grpc::CallbackServerContext* context,
      const v1::UpdateContactRequest* request, v1::Contact* response) override;
  grpc::ServerUnaryReactor* DeleteContact(
      grpc::CallbackServerContext* context,
      const v1::DeleteContactRequest* request,
      v1::DeleteContactResponse* response) override;
  grpc::ServerUnaryReactor* RecordFinancialFact(
      grpc::CallbackServerContext* context,
      const v1::RecordFinancialFactRequest* request,
      v1::FinancialFact* response) override;
  grpc::ServerUnaryReactor* ListFinancialFacts(
      grpc::CallbackServerContext* context,
      const v1::ListFinancialFactsRequest* request,
      v1::ListFinancialFactsResponse* response) override;
  grpc::ServerUnaryReactor* ImportRecords(
      grpc::CallbackServerContext* context,
      const v1::ImportRecordsRequest* request,
      v1::ImportRecordsResponse* response) override;

 private:
  AccountRegistry* const registry_;
  const Authorizer& auth_;
  WorkerPool& reads_;
  WorkerPool& writes_;
};

}  // namespace kam::registry

#endif  // KAM_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
