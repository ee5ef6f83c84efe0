#ifndef KAM_TESTS_PLANNING_PLANNING_TESTING_H_
#define KAM_TESTS_PLANNING_PLANNING_TESTING_H_

// Shared pieces of the planning integration tests: a client that puts a
// deadline on every call, builders of valid plans, and a fixture that runs a
// real kam-registry, kam-engagement and kam-scoring (the scoring fixture,
// reused whole) plus a real kam-planning following all three, each in its
// own temporary directory on 127.0.0.1 port 0, all with the same fixed
// clock (2026-06-01T00:00:00Z).
//
// The registry, engagement and scoring sides (clients, builders, status
// assertions, seeded accounts) come from tests/registry, tests/engagement
// and tests/scoring.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kam/planning/v1/planning.grpc.pb.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/service_process.h"

namespace kam::planning_test {

namespace pv1 = ::kam::planning::v1;
namespace sv1 = ::kam::scoring::v1;
namespace rv1 = ::kam::registry::v1;
namespace ev1 = ::kam::engagement::v1;
namespace cv1 = ::kam::common::v1;

using engagement_test::At;
using engagement_test::FixedNow;
using engagement_test::FromProto;
using engagement_test::kFixedTime;
using engagement_test::NewCustomer;
using engagement_test::Proto;
using registry_test::AccountName;
using registry_test::CodeName;
using registry_test::ContactName;
using registry_test::HasCode;
using registry_test::IsInvalidArgumentFor;
using registry_test::IsOk;
using registry_test::kCallTimeout;
using registry_test::SetDeadline;
using scoring_test::Describe;
using scoring_test::NewContact;
using scoring_test::NewOverride;

// The kam-planning binary under test (from the build).
std::string PlanningBinary();

// How long a test waits for a feed to carry a change into planning (or a
// gauge to refresh). The services need well under a second; the margin is
// for a loaded machine.
inline constexpr absl::Duration kWaitTimeout = absl::Seconds(15);
// --gauge_interval of kam-planning in these tests.
inline constexpr char kGaugeInterval[] = "200ms";

// The feed names kam-planning's consumers use (the `feed` label of the
// kam_feed_consumer_* metrics).
inline constexpr char kRegistryFeed[] = "registry";
inline constexpr char kScoringFeed[] = "scoring";
inline constexpr char kEngagementFeed[] = "engagement";

// --- Names and labels -------------------------------------------------------

// "accounts/{account_id}/plans/{plan_id}".
std::string PlanName(const std::string& account_id, const std::string& plan_id);
// "accounts/{a}/plans/{p}/revisions/{n}".
std::string RevisionName(const std::string& plan_name, int64_t revision);
// The label values of the planning gauges: "operational", "active".
std::string HorizonLabel(pv1::PlanHorizon horizon);
std::string StatusLabel(pv1::PlanStatus status);

// --- Builders ---------------------------------------------------------------

// The operational period most tests use: 2026-01-01 to 2027-01-01 (365
// days); the fixed clock stands 151 days into it.
absl::Time OpStart();
absl::Time OpEnd();

// An objective with a metric; REVENUE/GROSS_MARGIN get unit "EUR", CUSTOM
// gets custom_metric "workshops" and unit "sessions".
pv1::Objective NewObjective(const std::string& id, pv1::ObjectiveMetric metric,
                            int64_t baseline, int64_t target, absl::Time due,
                            const std::string& statement = "");
// An open action owned by the account team, serving `objective` (every
// action serves an objective of its plan).
pv1::Action NewAction(const std::string& id, const std::string& title,
                      absl::Time due, const std::string& objective);
pv1::Participant NewParticipant(const std::string& account_id,
                                const std::string& contact_id,
                                const std::string& role);
// A plan of `horizon` over [start, end) with a title, a summary and a
// strategy text in every dimension, but no objective, action or
// participant.
pv1::AccountPlan NewPlan(pv1::PlanHorizon horizon, const std::string& title,
                         absl::Time start, absl::Time end);
// An operational plan over OpStart()..OpEnd() that can be activated as it
// is: objective "revenue" (REVENUE EUR 5,000,000 -> 6,000,000 minor units,
// due OpEnd()), action "qbr" (due 2026-09-15, serving "revenue").
pv1::AccountPlan NewOperationalPlan(const std::string& title);
// Tactical 2026-01-01..2028-01-01 (730 days) and strategic
// 2026-01-01..2030-01-01 (1461 days), each with one objective "grow"
// (REVENUE, due at the end) and one action "exec-review" (due 2026-10-01).
pv1::AccountPlan NewTacticalPlan(const std::string& title);
pv1::AccountPlan NewStrategicPlan(const std::string& title);

// The plan names of a list, in order.
std::vector<std::string> Names(const std::vector<pv1::AccountPlan>& plans);
// The objective of `id`, or null.
const pv1::Objective* FindObjective(const pv1::AccountPlan& plan,
                                    const std::string& id);
const pv1::Action* FindAction(const pv1::AccountPlan& plan,
                              const std::string& id);
// The coverage of one horizon, or null.
const pv1::HorizonCoverage* FindHorizon(const pv1::PlanCoverage& coverage,
                                        pv1::PlanHorizon horizon);
// The uncovered accounts' names, in order.
std::vector<std::string> UncoveredNames(const pv1::HorizonCoverage& horizon);

// --- Client -----------------------------------------------------------------

// PlanningClient talks to one kam-planning over a real channel. Every call
// carries a deadline (kCallTimeout unless the method says otherwise).
class PlanningClient {
 public:
  explicit PlanningClient(const std::string& address);

  // Any unary Planning method, e.g.
  //   client.Call(&pv1::Planning::Stub::GetAccountPlan, request, &plan);
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (pv1::Planning::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    SetDeadline(&context, timeout);
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status Create(const std::string& account_id,
                      const pv1::AccountPlan& plan, pv1::AccountPlan* out,
                      const std::string& plan_id = "",
                      const std::string& request_id = "");
  grpc::Status Get(const std::string& name, pv1::AccountPlan* out);
  grpc::Status List(const pv1::ListAccountPlansRequest& request,
                    pv1::ListAccountPlansResponse* out);
  // Every page (at most 1000) of `parent` with the filters, `page_size` a
  // page.
  grpc::Status ListAll(const std::string& parent, pv1::PlanHorizon horizon,
                       pv1::PlanStatus status, int page_size,
                       std::vector<pv1::AccountPlan>* out);
  // `plan` carries name and etag.
  grpc::Status Update(const pv1::AccountPlan& plan,
                      const std::vector<std::string>& paths,
                      pv1::AccountPlan* out);
  grpc::Status Delete(const std::string& name, const std::string& etag);
  grpc::Status Activate(const std::string& name, const std::string& etag,
                        pv1::AccountPlan* out);
  grpc::Status StartReview(const std::string& name, const std::string& etag,
                           pv1::AccountPlan* out);
  grpc::Status RecordReview(const std::string& name, const std::string& etag,
                            const pv1::PlanReview& review,
                            pv1::AccountPlan* out);
  grpc::Status Close(const std::string& name, const std::string& etag,
                     const std::string& reason, pv1::AccountPlan* out);
  grpc::Status RecordProgress(const std::string& plan,
                              const std::string& objective_id,
                              const std::string& etag,
                              const pv1::ProgressUpdate& progress,
                              pv1::AccountPlan* out);
  grpc::Status UpdateAction(const std::string& plan, const std::string& etag,
                            const pv1::Action& action,
                            const std::vector<std::string>& paths,
                            pv1::AccountPlan* out);
  grpc::Status RecordAgreement(const std::string& plan, const std::string& etag,
                               const pv1::CustomerAgreement& agreement,
                               pv1::AccountPlan* out);
  grpc::Status ListRevisions(const pv1::ListPlanRevisionsRequest& request,
                             pv1::ListPlanRevisionsResponse* out);
  // Every page (at most 1000), newest first.
  grpc::Status ListAllRevisions(const std::string& plan, bool omit_plans,
                                std::vector<pv1::PlanRevision>* out,
                                int page_size = 0);
  grpc::Status GetRevision(const std::string& name, pv1::PlanRevision* out);
  grpc::Status ListOverdue(const std::string& parent, int limit,
                           pv1::ListOverdueActionsResponse* out);
  grpc::Status ListDueForReview(int within_days, int limit,
                                pv1::ListPlansDueForReviewResponse* out);
  grpc::Status GetCoverage(pv1::PlanHorizon horizon, pv1::PlanCoverage* out);
  grpc::Status Export(const std::string& name, int64_t revision,
                      pv1::ExportAccountPlanResponse* out);

  pv1::Planning::Stub& stub() { return *stub_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pv1::Planning::Stub> stub_;
};

// One sample a test expects on /metrics.
struct ExpectedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// --- Fixture ----------------------------------------------------------------

// PlanningTest starts what ScoringTest starts (a fresh kam-registry, a
// kam-engagement following it and a kam-scoring following both) and then a
// kam-planning with --registry_addr, --scoring_addr and --engagement_addr
// pointing at them, --fixed_time=kFixedTime and
// --gauge_interval=kGaugeInterval, in its own data and run directory. All
// four are killed after the test; on a failure their logs are printed.
class PlanningTest : public scoring_test::ScoringTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Set in a derived fixture's constructor, before SetUp runs: further
  // kam-planning flags.
  std::vector<std::string> planning_args_;
  // planning's --fixed_time from the next StartPlanning on. A test that
  // needs a plan activated in the past (a review before today, a review
  // overdue today) starts planning earlier, acts, and restarts it at
  // kFixedTime; the peers' clocks stay at kFixedTime.
  std::string planning_fixed_time_ = kFixedTime;

  PlanningClient& planning() { return *planning_client_; }
  test_support::ServiceProcess& planning_process() { return *planning_; }

  // Starts kam-planning (again, after a kill or stop) on the same data
  // directory, pointed at the peers' current addresses, and reconnects the
  // client. The port usually changes.
  void StartPlanning();
  // SIGKILL (kill -9) of planning; the client is dropped.
  void KillPlanning();
  // KillPlanning, then StartPlanning.
  void RestartPlanning();
  // Drops the client (so its channel does not hold the drain up), SIGTERM,
  // and waits; the exit code, as ServiceProcess::Terminate reports it.
  absl::StatusOr<int> TerminatePlanning();

  // Waits (bounded) until planning has applied each peer's feed up to the
  // head the peer reports now: kam_feed_consumer_cursor{feed} >= head.
  ::testing::AssertionResult WaitForPlanningFeeds(
      absl::Duration timeout = kWaitTimeout);

  // The customers most tests use, imported into the registry and waited for
  // until planning knows them:
  //   acme    "Acme Industries": eve "Eve Adams" (Chief Procurement
  //           Officer), max "Max Mustermann" (Head of Operations), bob
  //           "Bob Baker" (Buyer)
  //   globex  "Globex": gus "Gus Grant" (CEO)
  //   initech "Initech": no contacts
  void SeedCustomers();

  // Waits (bounded, polling GetPlanCoverage for all horizons) until
  // `condition` holds; the last coverage seen goes to `out`.
  ::testing::AssertionResult WaitForCoverage(
      const std::function<bool(const pv1::PlanCoverage&)>& condition,
      pv1::PlanCoverage* out = nullptr, absl::Duration timeout = kWaitTimeout);

  // Creates a plan (failing the test on error) and returns it.
  pv1::AccountPlan MustCreate(const std::string& account_id,
                              const pv1::AccountPlan& plan,
                              const std::string& plan_id = "");
  pv1::AccountPlan MustGet(const std::string& name);
  // Activates the plan as it is now (failing the test on error).
  pv1::AccountPlan MustActivate(const std::string& name);
  std::vector<pv1::PlanRevision> MustListRevisions(const std::string& name,
                                                   bool omit_plans = false);

  // Everything a client can see of these plans: each plan (or its error)
  // and all its revisions with their plan copies. Equal snapshots mean
  // nothing changed.
  std::string PlanState(const std::vector<std::string>& names);
  // Every plan of every account (all pages), in list order.
  std::string AllPlans();

  // /metrics of planning, parsed (empty on error, with a test failure).
  std::vector<test_support::MetricSample> ScrapePlanning();
  // Waits (bounded, scraping) until every expected sample is there with
  // its value. On timeout the failure shows what differed.
  ::testing::AssertionResult WaitForMetrics(
      const std::vector<ExpectedSample>& expected,
      absl::Duration timeout = kWaitTimeout);

  std::unique_ptr<test_support::ServiceProcess> planning_;
  std::unique_ptr<PlanningClient> planning_client_;
};

}  // namespace kam::planning_test

#endif  // KAM_TESTS_PLANNING_PLANNING_TESTING_H_
