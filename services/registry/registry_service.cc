#include "services/registry/registry_service.h"

namespace kam::registry {

// Point reads run inline; writes run on the write pool, scans on the read
// pool, so neither an fsync nor a scan ever holds a callback thread.

grpc::ServerUnaryReactor* RegistryService::CreateAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountRequest* request, v1::Account* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->CreateAccount(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::GetAccount(
    grpc::CallbackServerContext* context, const v1::GetAccountRequest* request,
    v1::Account* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return registry_->GetAccount(*request, response); });
}

grpc::ServerUnaryReactor* RegistryService::ListAccounts(
    grpc::CallbackServerContext* context,
    const v1::ListAccountsRequest* request,
    v1::ListAccountsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return registry_->ListAccounts(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::UpdateAccount(
    grpc::CallbackServerContext* context,
    const v1::UpdateAccountRequest* request, v1::Account* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->UpdateAccount(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::DeleteAccount(
    grpc::CallbackServerContext* context,
    const v1::DeleteAccountRequest* request,
    v1::DeleteAccountResponse* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->DeleteAccount(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::GetAccountHierarchy(
    grpc::CallbackServerContext* context,
    const v1::GetAccountHierarchyRequest* request,
    v1::AccountHierarchy* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_, [this, request, response] {
        return registry_->GetAccountHierarchy(*request, response);
      });
}

grpc::ServerUnaryReactor* RegistryService::CreateContact(
    grpc::CallbackServerContext* context,
    const v1::CreateContactRequest* request, v1::Contact* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->CreateContact(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::GetContact(
    grpc::CallbackServerContext* context, const v1::GetContactRequest* request,
    v1::Contact* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return registry_->GetContact(*request, response); });
}

grpc::ServerUnaryReactor* RegistryService::ListContacts(
    grpc::CallbackServerContext* context,
    const v1::ListContactsRequest* request,
    v1::ListContactsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return registry_->ListContacts(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::UpdateContact(
    grpc::CallbackServerContext* context,
    const v1::UpdateContactRequest* request, v1::Contact* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->UpdateContact(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::DeleteContact(
    grpc::CallbackServerContext* context,
    const v1::DeleteContactRequest* request,
    v1::DeleteContactResponse* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->DeleteContact(*request, response);
                        });
}

grpc::ServerUnaryReactor* RegistryService::RecordFinancialFact(
    grpc::CallbackServerContext* context,
    const v1::RecordFinancialFactRequest* request,
    v1::FinancialFact* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_, [this, request, response] {
        return registry_->RecordFinancialFact(*request, response);
      });
}

grpc::ServerUnaryReactor* RegistryService::ListFinancialFacts(
    grpc::CallbackServerContext* context,
    const v1::ListFinancialFactsRequest* request,
    v1::ListFinancialFactsResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_, [this, request, response] {
        return registry_->ListFinancialFacts(*request, response);
      });
}

grpc::ServerUnaryReactor* RegistryService::ImportRecords(
    grpc::CallbackServerContext* context,
    const v1::ImportRecordsRequest* request,
    v1::ImportRecordsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return registry_->ImportRecords(*request, response);
                        });
}

}  // namespace kam::registry
