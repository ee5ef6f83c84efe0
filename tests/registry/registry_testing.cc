#include "tests/registry/registry_testing.h"

#include <chrono>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"

#ifndef KAM_REGISTRY_BINARY
#define KAM_REGISTRY_BINARY ""
#endif

namespace kam::registry_test {

std::string RegistryBinary() { return KAM_REGISTRY_BINARY; }

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

cv1::Money Money(const std::string& currency, int64_t minor_units) {
  cv1::Money money;
  money.set_currency_code(currency);
  money.set_minor_units(minor_units);
  return money;
}

rv1::Account NewAccount(const std::string& account_id,
                        const std::string& display_name) {
  rv1::Account account;
  account.set_account_id(account_id);
  account.set_display_name(display_name.empty() ? "Account " + account_id
                                                : display_name);
  return account;
}

rv1::Contact NewContact(const std::string& contact_id,
                        std::vector<rv1::BuyingRole> roles,
                        rv1::OrgLevel level) {
  rv1::Contact contact;
  contact.set_contact_id(contact_id);
  contact.set_display_name("Contact " + contact_id);
  for (rv1::BuyingRole role : roles) contact.add_roles(role);
  contact.set_level(level);
  return contact;
}

rv1::FinancialFact NewFact(const std::string& period,
                           const std::string& currency, int64_t revenue,
                           int64_t gross_margin, int64_t cost_to_serve) {
  rv1::FinancialFact fact;
  fact.set_period(period);
  *fact.mutable_revenue() = Money(currency, revenue);
  *fact.mutable_gross_margin() = Money(currency, gross_margin);
  *fact.mutable_cost_to_serve() = Money(currency, cost_to_serve);
  return fact;
}

std::string AccountName(const std::string& id) { return "accounts/" + id; }

std::string ContactName(const std::string& account_id,
                        const std::string& contact_id) {
  return "accounts/" + account_id + "/contacts/" + contact_id;
}

std::string CodeName(grpc::StatusCode code) {
  // gRPC and absl share code numbers and names.
  const std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", static_cast<int>(code)) : name;
}

namespace {
std::string Describe(const grpc::Status& status) {
  return absl::StrCat(CodeName(status.error_code()), ": \"",
                      status.error_message(), "\"");
}
}  // namespace

::testing::AssertionResult IsOk(const grpc::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected OK, got " << Describe(status);
}

::testing::AssertionResult HasCode(const grpc::Status& status,
                                   grpc::StatusCode code) {
  if (status.error_code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << CodeName(code) << ", got " << Describe(status);
}

::testing::AssertionResult IsInvalidArgumentFor(const grpc::Status& status,
                                                absl::string_view field) {
  if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
    return ::testing::AssertionFailure()
           << "expected INVALID_ARGUMENT naming " << field << ", got "
           << Describe(status);
  }
  if (!absl::StartsWith(status.error_message(), field)) {
    return ::testing::AssertionFailure()
           << "expected the message to start with the field path \"" << field
           << "\", got " << Describe(status);
  }
  return ::testing::AssertionSuccess();
}

// --- RegistryClient ---------------------------------------------------------

absl::StatusOr<uint64_t> StreamHead(const FeedOpener& open) {
  grpc::ClientContext context;
  cv1::WatchChangesRequest request;
  request.set_after_sequence(0);
  request.set_max_batch_size(1);
  auto reader = open(&context, request);
  cv1::WatchChangesResponse response;
  const bool got = reader->Read(&response);
  context.TryCancel();
  grpc::Status finished = reader->Finish();
  if (!got) {
    return absl::UnavailableError(absl::StrCat(
        "the change stream gave no first response: ", Describe(finished)));
  }
  return response.head_sequence();
}

absl::StatusOr<std::vector<cv1::ChangeEvent>> ReadStreamToHead(
    const FeedOpener& open, uint64_t after) {
  grpc::ClientContext context;
  cv1::WatchChangesRequest request;
  request.set_after_sequence(after);
  auto reader = open(&context, request);
  std::vector<cv1::ChangeEvent> events;
  uint64_t target = 0;
  bool first = true;
  uint64_t last = after;
  cv1::WatchChangesResponse response;
  while (first || last < target) {
    if (!reader->Read(&response)) {
      grpc::Status finished = reader->Finish();
      return absl::UnavailableError(
          absl::StrCat("the change stream ended after sequence ", last,
                       " before reaching ", target, ": ", Describe(finished)));
    }
    if (first) {
      target = response.head_sequence();
      first = false;
    }
    for (const cv1::ChangeEvent& event : response.events()) {
      events.push_back(event);
      last = event.sequence();
    }
  }
  context.TryCancel();
  reader->Finish().IgnoreError();
  return events;
}

RegistryClient::RegistryClient(const std::string& address)
    : channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      registry_(rv1::Registry::NewStub(channel_)),
      feed_(cv1::ChangeFeed::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

grpc::Status RegistryClient::CreateAccount(const rv1::Account& account,
                                           rv1::Account* out,
                                           const std::string& request_id) {
  rv1::CreateAccountRequest request;
  *request.mutable_account() = account;
  request.set_request_id(request_id);
  rv1::Account ignored;
  return Call(&rv1::Registry::Stub::CreateAccount, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::GetAccount(const std::string& name,
                                        rv1::Account* out) {
  rv1::GetAccountRequest request;
  request.set_name(name);
  rv1::Account ignored;
  return Call(&rv1::Registry::Stub::GetAccount, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::UpdateAccount(
    const rv1::Account& account, const std::vector<std::string>& paths,
    rv1::Account* out, const std::string& etag) {
  rv1::UpdateAccountRequest request;
  *request.mutable_account() = account;
  for (const std::string& path : paths)
    request.mutable_update_mask()->add_paths(path);
  request.set_etag(etag);
  rv1::Account ignored;
  return Call(&rv1::Registry::Stub::UpdateAccount, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::DeleteAccount(const std::string& name,
                                           rv1::DeleteAccountResponse* out,
                                           const std::string& etag) {
  rv1::DeleteAccountRequest request;
  request.set_name(name);
  request.set_etag(etag);
  rv1::DeleteAccountResponse ignored;
  return Call(&rv1::Registry::Stub::DeleteAccount, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::ListAccounts(
    const rv1::ListAccountsRequest& request, rv1::ListAccountsResponse* out) {
  return Call(&rv1::Registry::Stub::ListAccounts, request, out);
}

grpc::Status RegistryClient::ListAllAccounts(rv1::ListAccountsRequest request,
                                             std::vector<rv1::Account>* out) {
  out->clear();
  for (int page = 0; page < 1000; ++page) {
    rv1::ListAccountsResponse response;
    grpc::Status status = ListAccounts(request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.accounts().begin(),
                response.accounts().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListAllAccounts: more than 1000 pages");
}

grpc::Status RegistryClient::GetHierarchy(const std::string& name,
                                          int max_depth,
                                          rv1::AccountHierarchy* out) {
  rv1::GetAccountHierarchyRequest request;
  request.set_name(name);
  request.set_max_depth(max_depth);
  return Call(&rv1::Registry::Stub::GetAccountHierarchy, request, out);
}

grpc::Status RegistryClient::CreateContact(const std::string& parent,
                                           const rv1::Contact& contact,
                                           rv1::Contact* out,
                                           const std::string& request_id) {
  rv1::CreateContactRequest request;
  request.set_parent(parent);
  *request.mutable_contact() = contact;
  request.set_request_id(request_id);
  rv1::Contact ignored;
  return Call(&rv1::Registry::Stub::CreateContact, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::GetContact(const std::string& name,
                                        rv1::Contact* out) {
  rv1::GetContactRequest request;
  request.set_name(name);
  rv1::Contact ignored;
  return Call(&rv1::Registry::Stub::GetContact, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::UpdateContact(
    const rv1::Contact& contact, const std::vector<std::string>& paths,
    rv1::Contact* out, const std::string& etag) {
  rv1::UpdateContactRequest request;
  *request.mutable_contact() = contact;
  for (const std::string& path : paths)
    request.mutable_update_mask()->add_paths(path);
  request.set_etag(etag);
  rv1::Contact ignored;
  return Call(&rv1::Registry::Stub::UpdateContact, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::DeleteContact(const std::string& name,
                                           const std::string& etag) {
  rv1::DeleteContactRequest request;
  request.set_name(name);
  request.set_etag(etag);
  rv1::DeleteContactResponse response;
  return Call(&rv1::Registry::Stub::DeleteContact, request, &response);
}

grpc::Status RegistryClient::ListContacts(
    const rv1::ListContactsRequest& request, rv1::ListContactsResponse* out) {
  return Call(&rv1::Registry::Stub::ListContacts, request, out);
}

grpc::Status RegistryClient::ListAllContacts(rv1::ListContactsRequest request,
                                             std::vector<rv1::Contact>* out) {
  out->clear();
  for (int page = 0; page < 1000; ++page) {
    rv1::ListContactsResponse response;
    grpc::Status status = ListContacts(request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.contacts().begin(),
                response.contacts().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListAllContacts: more than 1000 pages");
}

grpc::Status RegistryClient::RecordFact(const std::string& parent,
                                        const rv1::FinancialFact& fact,
                                        rv1::FinancialFact* out) {
  rv1::RecordFinancialFactRequest request;
  request.set_parent(parent);
  *request.mutable_fact() = fact;
  rv1::FinancialFact ignored;
  return Call(&rv1::Registry::Stub::RecordFinancialFact, request,
              out != nullptr ? out : &ignored);
}

grpc::Status RegistryClient::ListFacts(const std::string& parent,
                                       std::vector<rv1::FinancialFact>* out) {
  rv1::ListFinancialFactsRequest request;
  request.set_parent(parent);
  rv1::ListFinancialFactsResponse response;
  grpc::Status status =
      Call(&rv1::Registry::Stub::ListFinancialFacts, request, &response);
  out->assign(response.facts().begin(), response.facts().end());
  return status;
}

grpc::Status RegistryClient::Import(const rv1::ImportRecordsRequest& request,
                                    rv1::ImportRecordsResponse* out) {
  return Call(&rv1::Registry::Stub::ImportRecords, request, out,
              absl::Seconds(30));
}

FeedOpener RegistryClient::ChangeStream() {
  return [this](grpc::ClientContext* context,
                const cv1::WatchChangesRequest& request) {
    SetDeadline(context);
    return feed_->WatchChanges(context, request);
  };
}

absl::StatusOr<uint64_t> RegistryClient::FeedHead() {
  return StreamHead(ChangeStream());
}

absl::StatusOr<std::vector<cv1::ChangeEvent>> RegistryClient::ReadFeed(
    uint64_t after) {
  return ReadStreamToHead(ChangeStream(), after);
}

grpc::Status RegistryClient::HealthCheck(
    const std::string& service, grpc::health::v1::HealthCheckResponse* out) {
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return health_->Check(&context, request, out);
}

// --- RegistryTest -----------------------------------------------------------

void RegistryTest::SetUp() {
  ASSERT_FALSE(RegistryBinary().empty())
      << "KAM_REGISTRY_BINARY is not set: the kam-registry target did not "
         "exist when CMake configured the tests";
  test_support::ServiceProcess::Options options;
  options.binary = RegistryBinary();
  options.data_dir = dir_.Sub("data");
  options.run_dir = dir_.path();
  options.extra_args = extra_args_;
  auto process = test_support::ServiceProcess::Start(options);
  ASSERT_TRUE(process.ok()) << process.status();
  process_ = std::move(process).value();
  client_ = std::make_unique<RegistryClient>(process_->grpc_address());
}

void RegistryTest::TearDown() {
  if (process_ != nullptr && HasFailure()) {
    std::fprintf(stderr, "---- kam-registry log (%s) ----\n%s\n----\n",
                 process_->log_path().c_str(), process_->LogTail().c_str());
  }
  client_.reset();
  if (process_ != nullptr) process_->Kill();
}

void RegistryTest::RestartRegistry() {
  client_.reset();
  absl::Status restarted = process_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  client_ = std::make_unique<RegistryClient>(process_->grpc_address());
}

absl::StatusOr<int> RegistryTest::TerminateRegistry() {
  client_.reset();
  return process_->Terminate();
}

std::string RegistryTest::Snapshot() {
  std::string snapshot;
  std::vector<rv1::Account> accounts;
  grpc::Status status = client_->ListAllAccounts({}, &accounts);
  if (!status.ok()) return "ListAccounts failed: " + Describe(status);
  for (const rv1::Account& account : accounts) {
    absl::StrAppend(&snapshot, "account ", account.ShortDebugString(), "\n");
    rv1::ListContactsRequest contacts_request;
    contacts_request.set_parent(account.name());
    std::vector<rv1::Contact> contacts;
    status = client_->ListAllContacts(contacts_request, &contacts);
    if (!status.ok()) return "ListContacts failed: " + Describe(status);
    for (const rv1::Contact& contact : contacts) {
      absl::StrAppend(&snapshot, "  contact ", contact.ShortDebugString(),
                      "\n");
    }
    std::vector<rv1::FinancialFact> facts;
    status = client_->ListFacts(account.name(), &facts);
    if (!status.ok()) return "ListFinancialFacts failed: " + Describe(status);
    for (const rv1::FinancialFact& fact : facts) {
      absl::StrAppend(&snapshot, "  fact ", fact.ShortDebugString(), "\n");
    }
  }
  absl::StatusOr<uint64_t> head = client_->FeedHead();
  absl::StrAppend(&snapshot, "feed head ",
                  head.ok() ? absl::StrCat(*head) : head.status().ToString(),
                  "\n");
  return snapshot;
}

rv1::Account RegistryTest::MustCreateAccount(const rv1::Account& account,
                                             const std::string& request_id) {
  rv1::Account created;
  grpc::Status status = client_->CreateAccount(account, &created, request_id);
  EXPECT_TRUE(IsOk(status)) << "creating " << account.ShortDebugString();
  return created;
}

rv1::Contact RegistryTest::MustCreateContact(const std::string& account_id,
                                             const rv1::Contact& contact) {
  rv1::Contact created;
  grpc::Status status =
      client_->CreateContact(AccountName(account_id), contact, &created);
  EXPECT_TRUE(IsOk(status)) << "creating " << contact.ShortDebugString();
  return created;
}

rv1::FinancialFact RegistryTest::MustRecordFact(
    const std::string& account_id, const rv1::FinancialFact& fact) {
  rv1::FinancialFact recorded;
  grpc::Status status =
      client_->RecordFact(AccountName(account_id), fact, &recorded);
  EXPECT_TRUE(IsOk(status)) << "recording " << fact.ShortDebugString();
  return recorded;
}

uint64_t RegistryTest::MustFeedHead() {
  absl::StatusOr<uint64_t> head = client_->FeedHead();
  EXPECT_TRUE(head.ok()) << head.status();
  return head.ok() ? *head : 0;
}

}  // namespace kam::registry_test
