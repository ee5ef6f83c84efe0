#ifndef KAM_TESTS_REGISTRY_REGISTRY_TESTING_H_
#define KAM_TESTS_REGISTRY_REGISTRY_TESTING_H_

// Shared pieces of the registry integration tests: a client that puts a
// deadline on every call, builders for valid resources, status assertions,
// and a fixture that runs a real kam-registry in a temporary directory.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace kam::registry_test {

namespace rv1 = ::kam::registry::v1;
namespace cv1 = ::kam::common::v1;

// The kam-registry binary under test (from the build).
std::string RegistryBinary();

// Every client call in these tests carries this deadline unless it says
// otherwise; far above what a healthy local server needs.
inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);

void SetDeadline(grpc::ClientContext* context,
                 absl::Duration timeout = kCallTimeout);

// --- Builders of valid resources --------------------------------------------

cv1::Money Money(const std::string& currency, int64_t minor_units);
rv1::Account NewAccount(const std::string& account_id,
                        const std::string& display_name = "");
rv1::Contact NewContact(const std::string& contact_id,
                        std::vector<rv1::BuyingRole> roles = {rv1::BUYER},
                        rv1::OrgLevel level = rv1::MANAGEMENT);
// A fact with all three amounts in one currency.
rv1::FinancialFact NewFact(const std::string& period,
                           const std::string& currency, int64_t revenue,
                           int64_t gross_margin, int64_t cost_to_serve);
std::string AccountName(const std::string& id);
std::string ContactName(const std::string& account_id,
                        const std::string& contact_id);

// --- Assertions -------------------------------------------------------------

// The status is OK; prints code and message otherwise.
::testing::AssertionResult IsOk(const grpc::Status& status);
// The status has `code`.
::testing::AssertionResult HasCode(const grpc::Status& status,
                                   grpc::StatusCode code);
// INVALID_ARGUMENT whose message starts with `field` (the field path), as
// the API conventions promise.
::testing::AssertionResult IsInvalidArgumentFor(const grpc::Status& status,
                                                absl::string_view field);
std::string CodeName(grpc::StatusCode code);

// --- Change streams ---------------------------------------------------------

// Opens a WatchChanges-shaped stream (ChangeFeed.WatchChanges, or scoring's
// WatchTiers) on `context`, which the opener prepares (deadline, token).
using FeedOpener = std::function<
    std::unique_ptr<grpc::ClientReader<cv1::WatchChangesResponse>>(
        grpc::ClientContext* context, const cv1::WatchChangesRequest& request)>;

// The head sequence the stream reports in its first response.
absl::StatusOr<uint64_t> StreamHead(const FeedOpener& open);
// The events with sequence > after, up to the head as of the first response.
absl::StatusOr<std::vector<cv1::ChangeEvent>> ReadStreamToHead(
    const FeedOpener& open, uint64_t after);

// --- Client -----------------------------------------------------------------

// RegistryClient talks to one registry process over a real channel. Every
// method sets a deadline (kCallTimeout).
class RegistryClient {
 public:
  explicit RegistryClient(const std::string& address);

  // Any unary Registry method, e.g.
  //   client.Call(&rv1::Registry::Stub::GetAccount, request, &account);
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (rv1::Registry::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    SetDeadline(&context, timeout);
    return (registry_.get()->*method)(&context, request, response);
  }

  grpc::Status CreateAccount(const rv1::Account& account, rv1::Account* out,
                             const std::string& request_id = "");
  grpc::Status GetAccount(const std::string& name, rv1::Account* out);
  grpc::Status UpdateAccount(const rv1::Account& account,
                             const std::vector<std::string>& paths,
                             rv1::Account* out, const std::string& etag = "");
  grpc::Status DeleteAccount(const std::string& name,
                             rv1::DeleteAccountResponse* out = nullptr,
                             const std::string& etag = "");
  grpc::Status ListAccounts(const rv1::ListAccountsRequest& request,
                            rv1::ListAccountsResponse* out);
  // Follows next_page_token to the end (at most 1000 pages).
  grpc::Status ListAllAccounts(rv1::ListAccountsRequest request,
                               std::vector<rv1::Account>* out);
  grpc::Status GetHierarchy(const std::string& name, int max_depth,
                            rv1::AccountHierarchy* out);

  grpc::Status CreateContact(const std::string& parent,
                             const rv1::Contact& contact, rv1::Contact* out,
                             const std::string& request_id = "");
  grpc::Status GetContact(const std::string& name, rv1::Contact* out);
  grpc::Status UpdateContact(const rv1::Contact& contact,
                             const std::vector<std::string>& paths,
                             rv1::Contact* out, const std::string& etag = "");
  grpc::Status DeleteContact(const std::string& name,
                             const std::string& etag = "");
  grpc::Status ListContacts(const rv1::ListContactsRequest& request,
                            rv1::ListContactsResponse* out);
  grpc::Status ListAllContacts(rv1::ListContactsRequest request,
                               std::vector<rv1::Contact>* out);

  grpc::Status RecordFact(const std::string& parent,
                          const rv1::FinancialFact& fact,
                          rv1::FinancialFact* out = nullptr);
  grpc::Status ListFacts(const std::string& parent,
                         std::vector<rv1::FinancialFact>* out);

  grpc::Status Import(const rv1::ImportRecordsRequest& request,
                      rv1::ImportRecordsResponse* out);

  // Opens the registry's WatchChanges with a deadline.
  FeedOpener ChangeStream();
  // The feed's head sequence, from the first response of a WatchChanges.
  absl::StatusOr<uint64_t> FeedHead();
  // The events with sequence > after, up to the head as of the call.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> ReadFeed(uint64_t after = 0);

  // grpc.health.v1 Check.
  grpc::Status HealthCheck(const std::string& service,
                           grpc::health::v1::HealthCheckResponse* out);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  rv1::Registry::Stub& registry() { return *registry_; }
  cv1::ChangeFeed::Stub& feed() { return *feed_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rv1::Registry::Stub> registry_;
  std::unique_ptr<cv1::ChangeFeed::Stub> feed_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// --- Fixture ----------------------------------------------------------------

// RegistryTest starts a fresh kam-registry (own temp dir, own data dir, port
// 0) before each test and kills it after. On a failed test the server's log
// is printed.
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Flags besides the harness's own; override before SetUp runs (in the
  // derived fixture's constructor).
  std::vector<std::string> extra_args_;

  // Starts the registry again on the same data dir after Kill/Terminate
  // (new port) and reconnects the client.
  void RestartRegistry();

  // Closes the client's channel, then SIGTERM and wait (see
  // ServiceProcess::Terminate). An idle client channel would otherwise answer
  // the server's GOAWAY only at its next backup poll (5 s) and make every
  // graceful stop look slow.
  absl::StatusOr<int> TerminateRegistry();

  RegistryClient& client() { return *client_; }
  test_support::ServiceProcess& process() { return *process_; }

  // Everything a client can see: every account (all pages), each one's
  // contacts and facts, and the feed head. Two equal snapshots mean nothing
  // changed in between.
  std::string Snapshot();

  // Creates an account (failing the test on error) and returns it.
  rv1::Account MustCreateAccount(const rv1::Account& account,
                                 const std::string& request_id = "");
  rv1::Contact MustCreateContact(const std::string& account_id,
                                 const rv1::Contact& contact);
  rv1::FinancialFact MustRecordFact(const std::string& account_id,
                                    const rv1::FinancialFact& fact);
  uint64_t MustFeedHead();

  test_support::TempDir dir_;
  std::unique_ptr<test_support::ServiceProcess> process_;
  std::unique_ptr<RegistryClient> client_;
};

}  // namespace kam::registry_test

#endif  // KAM_TESTS_REGISTRY_REGISTRY_TESTING_H_
