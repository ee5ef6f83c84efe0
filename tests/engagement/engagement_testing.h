#ifndef KAM_TESTS_ENGAGEMENT_ENGAGEMENT_TESTING_H_
#define KAM_TESTS_ENGAGEMENT_ENGAGEMENT_TESTING_H_

// Shared pieces of the engagement integration tests: a client that puts a
// deadline on every call, builders, a seeded buying center, and a fixture
// that runs a real kam-registry and a real kam-engagement following it, each
// in its own temporary directory on 127.0.0.1 port 0.
//
// The registry side (RegistryClient, NewAccount, NewContact, status
// assertions) is reused from tests/registry/registry_testing.h.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace kam::engagement_test {

namespace ev1 = ::kam::engagement::v1;
namespace rv1 = ::kam::registry::v1;
namespace cv1 = ::kam::common::v1;

using registry_test::AccountName;
using registry_test::CodeName;
using registry_test::ContactName;
using registry_test::HasCode;
using registry_test::IsInvalidArgumentFor;
using registry_test::IsOk;
using registry_test::kCallTimeout;
using registry_test::NewAccount;
using registry_test::NewContact;
using registry_test::RegistryClient;
using registry_test::SetDeadline;

// The kam-engagement binary under test (from the build).
std::string EngagementBinary();

// The instant the engagement clock reads in these tests (--fixed_time), so
// cadence, coverage, NPS windows and summaries have hand-computable answers.
inline constexpr char kFixedTime[] = "2026-06-01T00:00:00Z";
absl::Time FixedNow();

// A UTC instant, e.g. At(2026, 4, 1, 10) is 2026-04-01T10:00:00Z.
absl::Time At(int year, int month, int day, int hour = 0, int minute = 0);
google::protobuf::Timestamp Proto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// --- Builders ---------------------------------------------------------------

// An interaction of `account_id` with the given contacts (IDs within the
// account) as participants.
ev1::Interaction NewInteraction(
    const std::string& account_id, ev1::InteractionType type,
    absl::Time occurred_at, const std::vector<std::string>& contact_ids = {});
// An account that is a customer (lifecycle ACTIVE), as key accounts are.
rv1::Account NewCustomer(const std::string& account_id,
                         const std::string& display_name = "");
ev1::CreateInteractionRequest NewCreateRequest(
    const ev1::Interaction& interaction, const std::string& request_id = "");
// A survey answer; nps -1 / csat 0 mean "not asked".
ev1::SurveyResponse NewSurvey(const std::string& account_id, int nps, int csat,
                              absl::Time responded_at);
ev1::RelationshipStage NewStage(const std::string& account_id, ev1::Stage stage,
                                absl::Time effective, const std::string& why);

// The `names` of interactions, in order, for readable comparisons.
std::vector<std::string> Names(const std::vector<ev1::Interaction>& list);
// The interaction IDs, in order.
std::vector<std::string> Ids(const std::vector<ev1::Interaction>& list);

// --- Client -----------------------------------------------------------------

// EngagementClient talks to one kam-engagement over a real channel. Every
// call carries a deadline (kCallTimeout unless the method says otherwise).
class EngagementClient {
 public:
  explicit EngagementClient(const std::string& address);

  // Any unary Engagement method.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (ev1::Engagement::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    SetDeadline(&context, timeout);
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status Create(const ev1::Interaction& interaction,
                      ev1::Interaction* out = nullptr,
                      const std::string& request_id = "");
  grpc::Status BatchCreate(
      const std::vector<ev1::CreateInteractionRequest>& items,
      ev1::BatchCreateInteractionsResponse* out);
  grpc::Status Get(const std::string& name, ev1::Interaction* out = nullptr);
  grpc::Status List(const ev1::ListInteractionsRequest& request,
                    ev1::ListInteractionsResponse* out);
  // Every page of an account's timeline (at most 1000 pages).
  grpc::Status ListAll(ev1::ListInteractionsRequest request,
                       std::vector<ev1::Interaction>* out);
  grpc::Status ListContact(const ev1::ListContactInteractionsRequest& request,
                           ev1::ListInteractionsResponse* out);
  grpc::Status ListAllContact(ev1::ListContactInteractionsRequest request,
                              std::vector<ev1::Interaction>* out);
  grpc::Status Update(const ev1::Interaction& interaction,
                      const std::vector<std::string>& paths,
                      ev1::Interaction* out = nullptr,
                      const std::string& etag = "");
  grpc::Status Delete(const std::string& name, const std::string& etag = "");

  grpc::Status RecordSurvey(const ev1::SurveyResponse& response,
                            ev1::SurveyResponse* out = nullptr,
                            const std::string& request_id = "");
  grpc::Status GetSatisfaction(const std::string& account, int window_days,
                               ev1::Satisfaction* out);
  grpc::Status ListPolicies(ev1::ListCadencePoliciesResponse* out);
  grpc::Status SetPolicy(const ev1::CadencePolicy& policy,
                         ev1::CadencePolicy* out = nullptr);
  grpc::Status ListOverdue(cv1::Tier tier, int limit,
                           ev1::ListOverdueAccountsResponse* out);
  grpc::Status GetCoverage(const std::string& account, int days,
                           ev1::Coverage* out);
  grpc::Status SetStage(const ev1::RelationshipStage& stage,
                        ev1::RelationshipStage* out = nullptr);
  grpc::Status GetStage(const std::string& account,
                        ev1::RelationshipStageHistory* out);
  grpc::Status GetSummary(const std::string& account,
                          ev1::EngagementSummary* out);

  // The head sequence of engagement's own ChangeFeed (first response of a
  // WatchChanges).
  absl::StatusOr<uint64_t> FeedHead();
  // Reads engagement's ChangeFeed after `after_sequence` until an event's
  // resource is an EngagementSummary for which `match` is true, or
  // `timeout` passes (DEADLINE_EXCEEDED, with what was seen).
  absl::StatusOr<ev1::EngagementSummary> WaitForSummaryEvent(
      uint64_t after_sequence,
      const std::function<bool(const ev1::EngagementSummary&)>& match,
      absl::Duration timeout = absl::Seconds(10));

  ev1::Engagement::Stub& stub() { return *stub_; }
  cv1::ChangeFeed::Stub& feed() { return *feed_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ev1::Engagement::Stub> stub_;
  std::unique_ptr<cv1::ChangeFeed::Stub> feed_;
};

// --- Fixture ----------------------------------------------------------------

// EngagementTest starts a fresh kam-registry and a kam-engagement following
// it (--registry_addr) before each test, each with its own data and run
// directory, and kills both after. On a failed test both logs are printed.
class EngagementTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Set in a derived fixture's constructor, before SetUp runs.
  // --default_tier (empty: the service's default, maintain).
  std::string default_tier_;
  // --fixed_time (empty: the real clock).
  std::string fixed_time_ = kFixedTime;
  // Any further engagement flags.
  std::vector<std::string> engagement_args_;

  EngagementClient& engagement() { return *engagement_client_; }
  RegistryClient& registry() { return *registry_client_; }
  test_support::ServiceProcess& engagement_process() { return *engagement_; }
  test_support::ServiceProcess& registry_process() { return *registry_; }

  // Starts kam-engagement (again, after a Kill) on the same data directory,
  // pointing at the registry's current address (the registry may be down),
  // and reconnects the client. The port usually changes.
  void StartEngagement();
  // SIGKILL (kill -9) of engagement; the client is dropped.
  void KillEngagement();
  // SIGKILL of the registry; the client is dropped.
  void KillRegistry();
  // Starts the registry again on its data directory (new port) and
  // reconnects the registry client. Engagement still points at the old
  // address until StartEngagement() after a KillEngagement().
  void RestartRegistry();

  // Imports accounts and contacts into the registry in one ImportRecords
  // call and fails the test unless every item was created.
  void SeedRegistry(
      const std::vector<rv1::Account>& accounts,
      const std::vector<std::pair<std::string, rv1::Contact>>& contacts);
  // Waits (bounded) until engagement's projection knows `account_id` with
  // exactly `contacts` contacts: GetCoverage answers and lists that many.
  ::testing::AssertionResult WaitForAccount(
      const std::string& account_id, int contacts,
      absl::Duration timeout = absl::Seconds(15));

  // The portfolio most tests use (ACTIVE customers), seeded and waited for:
  //   acme:    ann (BUYER, OPERATIONAL), bob (DECIDER, EXECUTIVE),
  //            cid (USER + INFLUENCER, MANAGEMENT), dee (AMBASSADOR,
  //            MANAGEMENT)
  //   globex:  gus (AMBASSADOR, EXECUTIVE)
  //   initech: no contacts
  //   umbrella: una (BUYER, MANAGEMENT)
  void SeedPortfolio();

  // Creates an interaction (failing the test on error) and returns it.
  ev1::Interaction MustCreate(const ev1::Interaction& interaction,
                              const std::string& request_id = "");
  // The account's whole timeline (failing the test on error).
  std::vector<ev1::Interaction> MustListAll(const std::string& account_id);

  // Everything the tests can see of engagement for these accounts: each
  // account's timeline, every contact's interactions, satisfaction, stage
  // history, and the cadence policies. Equal snapshots mean nothing changed.
  std::string Snapshot(const std::vector<std::string>& account_ids);

  // /metrics of engagement, parsed (empty on error, with a test failure).
  std::vector<test_support::MetricSample> ScrapeEngagement();

  test_support::TempDir dir_;
  std::unique_ptr<test_support::ServiceProcess> registry_;
  std::unique_ptr<test_support::ServiceProcess> engagement_;
  std::unique_ptr<RegistryClient> registry_client_;
  std::unique_ptr<EngagementClient> engagement_client_;
  // The address engagement was last started with.
  std::string registry_address_;
};

}  // namespace kam::engagement_test

#endif  // KAM_TESTS_ENGAGEMENT_ENGAGEMENT_TESTING_H_
