#include "tests/planning/planning_testing.h"

#include <cstdio>
#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/http_get.h"
#include "tests/support/wait.h"

#ifndef KAM_PLANNING_BINARY
#define KAM_PLANNING_BINARY ""
#endif

namespace kam::planning_test {

std::string PlanningBinary() { return KAM_PLANNING_BINARY; }

// --- Names and labels -------------------------------------------------------

std::string PlanName(const std::string& account_id,
                     const std::string& plan_id) {
  return absl::StrCat("accounts/", account_id, "/plans/", plan_id);
}

std::string RevisionName(const std::string& plan_name, int64_t revision) {
  return absl::StrCat(plan_name, "/revisions/", revision);
}

std::string HorizonLabel(pv1::PlanHorizon horizon) {
  return absl::AsciiStrToLower(pv1::PlanHorizon_Name(horizon));
}

std::string StatusLabel(pv1::PlanStatus status) {
  return absl::AsciiStrToLower(pv1::PlanStatus_Name(status));
}

// --- Builders ---------------------------------------------------------------

absl::Time OpStart() { return At(2026, 1, 1); }
absl::Time OpEnd() { return At(2027, 1, 1); }

pv1::Objective NewObjective(const std::string& id, pv1::ObjectiveMetric metric,
                            int64_t baseline, int64_t target, absl::Time due,
                            const std::string& statement) {
  pv1::Objective objective;
  objective.set_id(id);
  objective.set_statement(
      statement.empty()
          ? absl::StrCat("Move ", id, " from ", baseline, " to ", target)
          : statement);
  objective.set_metric(metric);
  if (metric == pv1::REVENUE || metric == pv1::GROSS_MARGIN) {
    objective.set_unit("EUR");
  } else if (metric == pv1::CUSTOM) {
    objective.set_custom_metric("workshops");
    objective.set_unit("sessions");
  }
  objective.set_baseline(baseline);
  objective.set_target(target);
  *objective.mutable_due_time() = Proto(due);
  return objective;
}

pv1::Action NewAction(const std::string& id, const std::string& title,
                      absl::Time due, const std::string& objective) {
  pv1::Action action;
  action.set_id(id);
  action.set_title(title);
  action.set_owner("kam@supplier.example");
  *action.mutable_due_time() = Proto(due);
  action.set_objective(objective);
  return action;
}

pv1::Participant NewParticipant(const std::string& account_id,
                                const std::string& contact_id,
                                const std::string& role) {
  pv1::Participant participant;
  participant.set_contact(ContactName(account_id, contact_id));
  participant.set_role(role);
  return participant;
}

pv1::AccountPlan NewPlan(pv1::PlanHorizon horizon, const std::string& title,
                         absl::Time start, absl::Time end) {
  pv1::AccountPlan plan;
  plan.set_horizon(horizon);
  plan.set_title(title);
  plan.set_summary(
      "Grow the account by bundling sensors with service contracts.");
  *plan.mutable_period_start() = Proto(start);
  *plan.mutable_period_end() = Proto(end);
  pv1::Strategy* strategy = plan.mutable_strategy();
  auto dimension = [](pv1::StrategyDimension* out, const std::string& text,
                      const std::string& choice) {
    out->set_text(text);
    out->add_key_choices(choice);
  };
  dimension(strategy->mutable_product(),
            "Lead with the sensor line; bundle calibration service.",
            "Sensor bundle");
  dimension(strategy->mutable_price(), "Volume rebate instead of list cuts.",
            "Tiered rebate");
  dimension(strategy->mutable_distribution(), "Direct delivery to both plants.",
            "Direct");
  dimension(strategy->mutable_communication(),
            "Quarterly business reviews with the executive sponsor.", "QBR");
  dimension(strategy->mutable_service(), "Named service engineer on site.",
            "On-site engineer");
  dimension(strategy->mutable_relationship(),
            "Build an executive bridge to the CFO.", "Executive bridge");
  return plan;
}

pv1::AccountPlan NewOperationalPlan(const std::string& title) {
  pv1::AccountPlan plan = NewPlan(pv1::OPERATIONAL, title, OpStart(), OpEnd());
  *plan.add_objectives() =
      NewObjective("revenue", pv1::REVENUE, 5'000'000, 6'000'000, OpEnd(),
                   "Grow revenue with Acme by a fifth");
  *plan.add_actions() = NewAction("qbr", "Hold the Q3 business review",
                                  At(2026, 9, 15), "revenue");
  return plan;
}

pv1::AccountPlan NewTacticalPlan(const std::string& title) {
  pv1::AccountPlan plan =
      NewPlan(pv1::TACTICAL, title, At(2026, 1, 1), At(2028, 1, 1));
  *plan.add_objectives() =
      NewObjective("grow", pv1::REVENUE, 5'000'000, 8'000'000, At(2028, 1, 1),
                   "Reach eight million in two years");
  *plan.add_actions() =
      NewAction("exec-review", "Executive review", At(2026, 10, 1), "grow");
  return plan;
}

pv1::AccountPlan NewStrategicPlan(const std::string& title) {
  pv1::AccountPlan plan =
      NewPlan(pv1::STRATEGIC, title, At(2026, 1, 1), At(2030, 1, 1));
  *plan.add_objectives() =
      NewObjective("grow", pv1::REVENUE, 5'000'000, 15'000'000, At(2030, 1, 1),
                   "Become their first supplier");
  *plan.add_actions() =
      NewAction("exec-review", "Executive review", At(2026, 10, 1), "grow");
  return plan;
}

std::vector<std::string> Names(const std::vector<pv1::AccountPlan>& plans) {
  std::vector<std::string> names;
  for (const pv1::AccountPlan& plan : plans) names.push_back(plan.name());
  return names;
}

const pv1::Objective* FindObjective(const pv1::AccountPlan& plan,
                                    const std::string& id) {
  for (const pv1::Objective& objective : plan.objectives()) {
    if (objective.id() == id) return &objective;
  }
  return nullptr;
}

const pv1::Action* FindAction(const pv1::AccountPlan& plan,
                              const std::string& id) {
  for (const pv1::Action& action : plan.actions()) {
    if (action.id() == id) return &action;
  }
  return nullptr;
}

const pv1::HorizonCoverage* FindHorizon(const pv1::PlanCoverage& coverage,
                                        pv1::PlanHorizon horizon) {
  for (const pv1::HorizonCoverage& entry : coverage.horizons()) {
    if (entry.horizon() == horizon) return &entry;
  }
  return nullptr;
}

std::vector<std::string> UncoveredNames(const pv1::HorizonCoverage& horizon) {
  std::vector<std::string> names;
  for (const pv1::UncoveredAccount& account : horizon.uncovered()) {
    names.push_back(account.account());
  }
  return names;
}

// --- PlanningClient ---------------------------------------------------------

PlanningClient::PlanningClient(const std::string& address)
    : channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(pv1::Planning::NewStub(channel_)) {}

grpc::Status PlanningClient::Create(const std::string& account_id,
                                    const pv1::AccountPlan& plan,
                                    pv1::AccountPlan* out,
                                    const std::string& plan_id,
                                    const std::string& request_id) {
  pv1::CreateAccountPlanRequest request;
  request.set_parent(AccountName(account_id));
  request.set_plan_id(plan_id);
  *request.mutable_plan() = plan;
  request.set_request_id(request_id);
  return Call(&pv1::Planning::Stub::CreateAccountPlan, request, out);
}

grpc::Status PlanningClient::Get(const std::string& name,
                                 pv1::AccountPlan* out) {
  pv1::GetAccountPlanRequest request;
  request.set_name(name);
  return Call(&pv1::Planning::Stub::GetAccountPlan, request, out);
}

grpc::Status PlanningClient::List(const pv1::ListAccountPlansRequest& request,
                                  pv1::ListAccountPlansResponse* out) {
  return Call(&pv1::Planning::Stub::ListAccountPlans, request, out);
}

grpc::Status PlanningClient::ListAll(const std::string& parent,
                                     pv1::PlanHorizon horizon,
                                     pv1::PlanStatus status, int page_size,
                                     std::vector<pv1::AccountPlan>* out) {
  out->clear();
  pv1::ListAccountPlansRequest request;
  request.set_parent(parent);
  request.set_horizon(horizon);
  request.set_status(status);
  request.set_page_size(page_size);
  for (int page = 0; page < 1000; ++page) {
    pv1::ListAccountPlansResponse response;
    grpc::Status result = List(request, &response);
    if (!result.ok()) return result;
    out->insert(out->end(), response.plans().begin(), response.plans().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListAccountPlans: more than 1000 pages");
}

grpc::Status PlanningClient::Update(const pv1::AccountPlan& plan,
                                    const std::vector<std::string>& paths,
                                    pv1::AccountPlan* out) {
  pv1::UpdateAccountPlanRequest request;
  *request.mutable_plan() = plan;
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  return Call(&pv1::Planning::Stub::UpdateAccountPlan, request, out);
}

grpc::Status PlanningClient::Delete(const std::string& name,
                                    const std::string& etag) {
  pv1::DeleteAccountPlanRequest request;
  request.set_name(name);
  request.set_etag(etag);
  pv1::DeleteAccountPlanResponse response;
  return Call(&pv1::Planning::Stub::DeleteAccountPlan, request, &response);
}

grpc::Status PlanningClient::Activate(const std::string& name,
                                      const std::string& etag,
                                      pv1::AccountPlan* out) {
  pv1::ActivateAccountPlanRequest request;
  request.set_name(name);
  request.set_etag(etag);
  return Call(&pv1::Planning::Stub::ActivateAccountPlan, request, out);
}

grpc::Status PlanningClient::StartReview(const std::string& name,
                                         const std::string& etag,
                                         pv1::AccountPlan* out) {
  pv1::StartPlanReviewRequest request;
  request.set_name(name);
  request.set_etag(etag);
  return Call(&pv1::Planning::Stub::StartPlanReview, request, out);
}

grpc::Status PlanningClient::RecordReview(const std::string& name,
                                          const std::string& etag,
                                          const pv1::PlanReview& review,
                                          pv1::AccountPlan* out) {
  pv1::RecordPlanReviewRequest request;
  request.set_name(name);
  request.set_etag(etag);
  *request.mutable_review() = review;
  return Call(&pv1::Planning::Stub::RecordPlanReview, request, out);
}

grpc::Status PlanningClient::Close(const std::string& name,
                                   const std::string& etag,
                                   const std::string& reason,
                                   pv1::AccountPlan* out) {
  pv1::CloseAccountPlanRequest request;
  request.set_name(name);
  request.set_etag(etag);
  request.set_reason(reason);
  return Call(&pv1::Planning::Stub::CloseAccountPlan, request, out);
}

grpc::Status PlanningClient::RecordProgress(const std::string& plan,
                                            const std::string& objective_id,
                                            const std::string& etag,
                                            const pv1::ProgressUpdate& progress,
                                            pv1::AccountPlan* out) {
  pv1::RecordObjectiveProgressRequest request;
  request.set_plan(plan);
  request.set_objective_id(objective_id);
  request.set_etag(etag);
  *request.mutable_progress() = progress;
  return Call(&pv1::Planning::Stub::RecordObjectiveProgress, request, out);
}

grpc::Status PlanningClient::UpdateAction(const std::string& plan,
                                          const std::string& etag,
                                          const pv1::Action& action,
                                          const std::vector<std::string>& paths,
                                          pv1::AccountPlan* out) {
  pv1::UpdatePlanActionRequest request;
  request.set_plan(plan);
  request.set_etag(etag);
  *request.mutable_action() = action;
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  return Call(&pv1::Planning::Stub::UpdatePlanAction, request, out);
}

grpc::Status PlanningClient::RecordAgreement(
    const std::string& plan, const std::string& etag,
    const pv1::CustomerAgreement& agreement, pv1::AccountPlan* out) {
  pv1::RecordCustomerAgreementRequest request;
  request.set_plan(plan);
  request.set_etag(etag);
  *request.mutable_agreement() = agreement;
  return Call(&pv1::Planning::Stub::RecordCustomerAgreement, request, out);
}

grpc::Status PlanningClient::ListRevisions(
    const pv1::ListPlanRevisionsRequest& request,
    pv1::ListPlanRevisionsResponse* out) {
  return Call(&pv1::Planning::Stub::ListPlanRevisions, request, out);
}

grpc::Status PlanningClient::ListAllRevisions(
    const std::string& plan, bool omit_plans,
    std::vector<pv1::PlanRevision>* out, int page_size) {
  out->clear();
  pv1::ListPlanRevisionsRequest request;
  request.set_plan(plan);
  request.set_omit_plans(omit_plans);
  request.set_page_size(page_size);
  for (int page = 0; page < 1000; ++page) {
    pv1::ListPlanRevisionsResponse response;
    grpc::Status status = ListRevisions(request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.revisions().begin(),
                response.revisions().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListPlanRevisions: more than 1000 pages");
}

grpc::Status PlanningClient::GetRevision(const std::string& name,
                                         pv1::PlanRevision* out) {
  pv1::GetPlanRevisionRequest request;
  request.set_name(name);
  return Call(&pv1::Planning::Stub::GetPlanRevision, request, out);
}

grpc::Status PlanningClient::ListOverdue(const std::string& parent, int limit,
                                         pv1::ListOverdueActionsResponse* out) {
  pv1::ListOverdueActionsRequest request;
  request.set_parent(parent);
  request.set_limit(limit);
  return Call(&pv1::Planning::Stub::ListOverdueActions, request, out);
}

grpc::Status PlanningClient::ListDueForReview(
    int within_days, int limit, pv1::ListPlansDueForReviewResponse* out) {
  pv1::ListPlansDueForReviewRequest request;
  request.set_within_days(within_days);
  request.set_limit(limit);
  return Call(&pv1::Planning::Stub::ListPlansDueForReview, request, out);
}

grpc::Status PlanningClient::GetCoverage(pv1::PlanHorizon horizon,
                                         pv1::PlanCoverage* out) {
  pv1::GetPlanCoverageRequest request;
  request.set_horizon(horizon);
  return Call(&pv1::Planning::Stub::GetPlanCoverage, request, out);
}

grpc::Status PlanningClient::Export(const std::string& name, int64_t revision,
                                    pv1::ExportAccountPlanResponse* out) {
  pv1::ExportAccountPlanRequest request;
  request.set_name(name);
  request.set_revision(revision);
  return Call(&pv1::Planning::Stub::ExportAccountPlan, request, out);
}

// --- PlanningTest -----------------------------------------------------------

void PlanningTest::SetUp() {
  ASSERT_FALSE(PlanningBinary().empty())
      << "KAM_PLANNING_BINARY is not set: the kam-planning target did not "
         "exist when CMake configured the tests";
  ScoringTest::SetUp();
  if (HasFatalFailure()) return;
  std::filesystem::create_directories(dir_.Sub("planning"));
  StartPlanning();
}

void PlanningTest::TearDown() {
  if (HasFailure() && planning_ != nullptr) {
    std::fprintf(stderr, "---- log %s ----\n%s\n----\n",
                 planning_->log_path().c_str(), planning_->LogTail().c_str());
  }
  planning_client_.reset();
  if (planning_ != nullptr) planning_->Kill();
  ScoringTest::TearDown();
}

void PlanningTest::StartPlanning() {
  planning_client_.reset();
  if (planning_ != nullptr) planning_->Kill();
  test_support::ServiceProcess::Options options;
  options.binary = PlanningBinary();
  options.data_dir = dir_.Sub("planning/data");
  options.run_dir = dir_.Sub("planning");
  options.extra_args = {"--registry_addr=" + registry_->grpc_address(),
                        "--scoring_addr=" + scoring_->grpc_address(),
                        "--engagement_addr=" + engagement_->grpc_address(),
                        "--fixed_time=" + planning_fixed_time_,
                        std::string("--gauge_interval=") + kGaugeInterval};
  options.extra_args.insert(options.extra_args.end(), planning_args_.begin(),
                            planning_args_.end());
  // A new ServiceProcess (not Restart) so the peers' addresses can change;
  // it appends to the same log in the same run directory.
  auto started = test_support::ServiceProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  planning_ = std::move(started).value();
  planning_client_ =
      std::make_unique<PlanningClient>(planning_->grpc_address());
}

void PlanningTest::KillPlanning() {
  planning_client_.reset();
  planning_->Kill();
}

void PlanningTest::RestartPlanning() {
  KillPlanning();
  StartPlanning();
}

absl::StatusOr<int> PlanningTest::TerminatePlanning() {
  planning_client_.reset();
  return planning_->Terminate();
}

::testing::AssertionResult PlanningTest::WaitForPlanningFeeds(
    absl::Duration timeout) {
  absl::StatusOr<uint64_t> registry_head = registry().FeedHead();
  if (!registry_head.ok()) {
    return ::testing::AssertionFailure()
           << "registry feed head: " << registry_head.status();
  }
  absl::StatusOr<uint64_t> scoring_head = scoring().FeedHead();
  if (!scoring_head.ok()) {
    return ::testing::AssertionFailure()
           << "scoring tier feed head: " << scoring_head.status();
  }
  absl::StatusOr<uint64_t> engagement_head = engagement().FeedHead();
  if (!engagement_head.ok()) {
    return ::testing::AssertionFailure()
           << "engagement feed head: " << engagement_head.status();
  }
  const std::map<std::string, uint64_t> heads = {
      {kRegistryFeed, *registry_head},
      {kScoringFeed, *scoring_head},
      {kEngagementFeed, *engagement_head}};
  std::string last;
  const bool caught_up = test_support::WaitUntil(
      [&] {
        absl::StatusOr<std::string> body =
            test_support::HttpGet(planning_->metrics_address(), "/metrics");
        if (!body.ok()) {
          last = body.status().ToString();
          return false;
        }
        const std::vector<test_support::MetricSample> samples =
            test_support::ParsePrometheusText(*body);
        last.clear();
        bool all = true;
        for (const auto& [feed, head] : heads) {
          std::optional<double> cursor = test_support::FindMetric(
              samples, "kam_feed_consumer_cursor", {{"feed", feed}});
          absl::StrAppend(&last, feed, ": cursor ",
                          cursor.has_value() ? absl::StrCat(*cursor) : "none",
                          " head ", head, "; ");
          if (!cursor.has_value() || *cursor < static_cast<double>(head)) {
            all = false;
          }
        }
        return all;
      },
      timeout, absl::Milliseconds(20));
  if (caught_up) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "planning did not catch up with its peers' feeds within "
         << absl::FormatDuration(timeout) << "; last seen: " << last;
}

void PlanningTest::SeedCustomers() {
  auto contact = [](const std::string& id, const std::string& display_name,
                    const std::string& title, rv1::BuyingRole role,
                    rv1::OrgLevel level) {
    rv1::Contact out = NewContact(id, {role}, level);
    out.set_display_name(display_name);
    out.set_title(title);
    return out;
  };
  SeedRegistry(
      {NewCustomer("acme", "Acme Industries"), NewCustomer("globex", "Globex"),
       NewCustomer("initech", "Initech")},
      {{"acme", contact("eve", "Eve Adams", "Chief Procurement Officer",
                        rv1::DECIDER, rv1::EXECUTIVE)},
       {"acme", contact("max", "Max Mustermann", "Head of Operations",
                        rv1::USER, rv1::MANAGEMENT)},
       {"acme",
        contact("bob", "Bob Baker", "Buyer", rv1::BUYER, rv1::OPERATIONAL)},
       {"globex",
        contact("gus", "Gus Grant", "CEO", rv1::AMBASSADOR, rv1::EXECUTIVE)}},
      {});
  if (HasFatalFailure()) return;
  ASSERT_TRUE(WaitForPlanningFeeds());
}

::testing::AssertionResult PlanningTest::WaitForCoverage(
    const std::function<bool(const pv1::PlanCoverage&)>& condition,
    pv1::PlanCoverage* out, absl::Duration timeout) {
  pv1::PlanCoverage coverage;
  grpc::Status last;
  const bool held = test_support::WaitUntil(
      [&] {
        coverage.Clear();
        last = planning().GetCoverage(pv1::PLAN_HORIZON_UNSPECIFIED, &coverage);
        return last.ok() && condition(coverage);
      },
      timeout, absl::Milliseconds(20));
  if (out != nullptr) *out = coverage;
  if (held) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the plan coverage did not reach the expected state within "
         << absl::FormatDuration(timeout)
         << "; last GetPlanCoverage: " << Describe(last) << "\n"
         << coverage.DebugString();
}

pv1::AccountPlan PlanningTest::MustCreate(const std::string& account_id,
                                          const pv1::AccountPlan& plan,
                                          const std::string& plan_id) {
  pv1::AccountPlan created;
  grpc::Status status = planning().Create(account_id, plan, &created, plan_id);
  EXPECT_TRUE(IsOk(status)) << "creating " << plan.ShortDebugString();
  return created;
}

pv1::AccountPlan PlanningTest::MustGet(const std::string& name) {
  pv1::AccountPlan plan;
  EXPECT_TRUE(IsOk(planning().Get(name, &plan))) << "GetAccountPlan " << name;
  return plan;
}

pv1::AccountPlan PlanningTest::MustActivate(const std::string& name) {
  const pv1::AccountPlan current = MustGet(name);
  pv1::AccountPlan activated;
  EXPECT_TRUE(IsOk(planning().Activate(name, current.etag(), &activated)))
      << "activating " << name;
  return activated;
}

std::vector<pv1::PlanRevision> PlanningTest::MustListRevisions(
    const std::string& name, bool omit_plans) {
  std::vector<pv1::PlanRevision> revisions;
  EXPECT_TRUE(IsOk(planning().ListAllRevisions(name, omit_plans, &revisions)))
      << "ListPlanRevisions " << name;
  return revisions;
}

std::string PlanningTest::PlanState(const std::vector<std::string>& names) {
  std::string state;
  for (const std::string& name : names) {
    pv1::AccountPlan plan;
    grpc::Status status = planning().Get(name, &plan);
    absl::StrAppend(&state, "plan ", name, ": ",
                    status.ok() ? plan.ShortDebugString() : Describe(status),
                    "\n");
    std::vector<pv1::PlanRevision> revisions;
    status = planning().ListAllRevisions(name, false, &revisions);
    absl::StrAppend(&state, "revisions ", name, ": ", Describe(status), "\n");
    for (const pv1::PlanRevision& revision : revisions) {
      absl::StrAppend(&state, "  ", revision.ShortDebugString(), "\n");
    }
  }
  return state;
}

std::string PlanningTest::AllPlans() {
  std::vector<pv1::AccountPlan> plans;
  grpc::Status status =
      planning().ListAll("accounts/-", pv1::PLAN_HORIZON_UNSPECIFIED,
                         pv1::PLAN_STATUS_UNSPECIFIED, 100, &plans);
  std::string out = absl::StrCat("all plans: ", Describe(status), "\n");
  for (const pv1::AccountPlan& plan : plans) {
    absl::StrAppend(&out, "  ", plan.ShortDebugString(), "\n");
  }
  return out;
}

std::vector<test_support::MetricSample> PlanningTest::ScrapePlanning() {
  absl::StatusOr<std::string> body =
      test_support::HttpGet(planning_->metrics_address(), "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? test_support::ParsePrometheusText(*body)
                   : std::vector<test_support::MetricSample>{};
}

::testing::AssertionResult PlanningTest::WaitForMetrics(
    const std::vector<ExpectedSample>& expected, absl::Duration timeout) {
  std::vector<std::string> differences;
  const bool held = test_support::WaitUntil(
      [&] {
        differences.clear();
        absl::StatusOr<std::string> body =
            test_support::HttpGet(planning_->metrics_address(), "/metrics");
        if (!body.ok()) {
          differences.push_back(body.status().ToString());
          return false;
        }
        const std::vector<test_support::MetricSample> samples =
            test_support::ParsePrometheusText(*body);
        for (const ExpectedSample& sample : expected) {
          std::optional<double> value =
              test_support::FindMetric(samples, sample.name, sample.labels);
          if (value.has_value() && *value == sample.value) continue;
          std::vector<std::string> labels;
          for (const auto& [key, label] : sample.labels) {
            labels.push_back(absl::StrCat(key, "=\"", label, "\""));
          }
          differences.push_back(absl::StrCat(
              sample.name, "{", absl::StrJoin(labels, ","), "}: expected ",
              sample.value, ", got ",
              value.has_value() ? absl::StrCat(*value) : "no sample"));
        }
        return differences.empty();
      },
      timeout, absl::Milliseconds(50));
  if (held) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "/metrics of planning did not show the expected values within "
         << absl::FormatDuration(timeout) << ":\n  "
         << absl::StrJoin(differences, "\n  ");
}

}  // namespace kam::planning_test
