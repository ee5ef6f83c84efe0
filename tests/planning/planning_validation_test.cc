// Bad input gets a clear error and changes nothing: INVALID_ARGUMENT names
// the field (as a path into the request, e.g. "plan.objectives[0].due_time")
// and the rule; an account or contact planning does not know is
// FAILED_PRECONDITION; after every rejected request every plan reads as it
// did before, same revision, same etag.

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using ::testing::HasSubstr;

class ValidationTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }
};

// One bad create: how the valid plan is spoiled, and the field the error
// must name (its message starts with the path).
struct BadCreate {
  std::string what;
  std::function<void(pv1::CreateAccountPlanRequest*)> spoil;
  std::string field;
};

TEST_F(ValidationTest, BadCreatesNameTheFieldAndCreateNothing) {
  // One plan exists already, to show it stays as it is.
  const pv1::AccountPlan existing =
      MustCreate("acme", NewOperationalPlan("Acme 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  const std::string before = AllPlans() + PlanState({existing.name()});

  auto plan = [](pv1::CreateAccountPlanRequest* r) {
    return r->mutable_plan();
  };
  const std::string long_text(201, 'x');
  const std::vector<BadCreate> cases = {
      {"no horizon",
       [&](auto* r) { plan(r)->set_horizon(pv1::PLAN_HORIZON_UNSPECIFIED); },
       "plan.horizon"},
      {"unknown horizon",
       [&](auto* r) { plan(r)->set_horizon(static_cast<pv1::PlanHorizon>(9)); },
       "plan.horizon"},
      {"no title", [&](auto* r) { plan(r)->set_title(""); }, "plan.title"},
      {"title of 201 characters",
       [&](auto* r) { plan(r)->set_title(long_text); }, "plan.title"},
      {"summary of 2001 characters",
       [&](auto* r) { plan(r)->set_summary(std::string(2001, 's')); },
       "plan.summary"},
      {"no period start", [&](auto* r) { plan(r)->clear_period_start(); },
       "plan.period_start"},
      // 424 days: too long for an operational plan (335-396).
      {"period too long for the horizon",
       [&](auto* r) { *plan(r)->mutable_period_end() = Proto(At(2027, 3, 1)); },
       "plan.period_end"},
      // 304 days: too short.
      {"period too short for the horizon",
       [&](auto* r) {
         *plan(r)->mutable_period_end() = Proto(At(2026, 11, 1));
       },
       "plan.period_end"},
      {"period ends before it starts",
       [&](auto* r) { *plan(r)->mutable_period_end() = Proto(At(2025, 1, 1)); },
       "plan.period_end"},
      // 730 days is tactical, not strategic (1095-1827).
      {"strategic period of two years",
       [&](auto* r) {
         plan(r)->set_horizon(pv1::STRATEGIC);
         *plan(r)->mutable_period_end() = Proto(At(2028, 1, 1));
         *plan(r)->mutable_objectives(0)->mutable_due_time() =
             Proto(At(2028, 1, 1));
       },
       "plan.period_end"},
      {"objective due after the period",
       [&](auto* r) {
         *plan(r)->mutable_objectives(0)->mutable_due_time() =
             Proto(At(2027, 2, 1));
       },
       "plan.objectives[0].due_time"},
      {"objective due at the period's start",
       [&](auto* r) {
         *plan(r)->mutable_objectives(0)->mutable_due_time() = Proto(OpStart());
       },
       "plan.objectives[0].due_time"},
      {"second objective due before the period",
       [&](auto* r) {
         *plan(r)->add_objectives() =
             NewObjective("nps", pv1::NPS, 10, 30, At(2025, 12, 1));
       },
       "plan.objectives[1].due_time"},
      {"objective without a statement",
       [&](auto* r) { plan(r)->mutable_objectives(0)->set_statement(""); },
       "plan.objectives[0].statement"},
      {"objective without a metric",
       [&](auto* r) {
         plan(r)->mutable_objectives(0)->set_metric(
             pv1::OBJECTIVE_METRIC_UNSPECIFIED);
       },
       "plan.objectives[0].metric"},
      {"revenue objective in no currency",
       [&](auto* r) { plan(r)->mutable_objectives(0)->set_unit("euros"); },
       "plan.objectives[0].unit"},
      {"custom objective without a metric name",
       [&](auto* r) {
         pv1::Objective custom =
             NewObjective("workshops", pv1::CUSTOM, 0, 4, OpEnd());
         custom.set_custom_metric("");
         *plan(r)->add_objectives() = custom;
       },
       "plan.objectives[1].custom_metric"},
      {"baseline equal to the target",
       [&](auto* r) { plan(r)->mutable_objectives(0)->set_target(5'000'000); },
       "plan.objectives[0]"},
      {"NPS target beyond 100",
       [&](auto* r) {
         *plan(r)->add_objectives() =
             NewObjective("nps", pv1::NPS, 10, 130, OpEnd());
       },
       "plan.objectives[1]"},
      {"two objectives with one id",
       [&](auto* r) {
         *plan(r)->add_objectives() =
             NewObjective("revenue", pv1::NPS, 10, 30, OpEnd());
       },
       "plan.objectives[1].id"},
      {"21 objectives",
       [&](auto* r) {
         for (int i = 0; i < 20; ++i) {
           *plan(r)->add_objectives() =
               NewObjective(absl::StrCat("o", i), pv1::NPS, 10, 30, OpEnd());
         }
       },
       "plan.objectives"},
      {"action due after the period",
       [&](auto* r) {
         *plan(r)->mutable_actions(0)->mutable_due_time() =
             Proto(At(2027, 6, 1));
       },
       "plan.actions[0].due_time"},
      {"action without an owner",
       [&](auto* r) { plan(r)->mutable_actions(0)->set_owner(""); },
       "plan.actions[0].owner"},
      {"action without a title",
       [&](auto* r) { plan(r)->mutable_actions(0)->set_title(""); },
       "plan.actions[0].title"},
      {"action serving an objective the plan does not have",
       [&](auto* r) { plan(r)->mutable_actions(0)->set_objective("nope"); },
       "plan.actions[0].objective"},
      {"review interval of 6 days",
       [&](auto* r) { plan(r)->set_review_interval_days(6); },
       "plan.review_interval_days"},
      {"review interval of 731 days",
       [&](auto* r) { plan(r)->set_review_interval_days(731); },
       "plan.review_interval_days"},
      {"11 key choices",
       [&](auto* r) {
         auto* product = plan(r)->mutable_strategy()->mutable_product();
         for (int i = 0; i < 10; ++i) product->add_key_choices("choice");
       },
       "plan.strategy.product.key_choices"},
      {"strategy text of 1001 characters",
       [&](auto* r) {
         plan(r)->mutable_strategy()->mutable_price()->set_text(
             std::string(1001, 'p'));
       },
       "plan.strategy.price.text"},
      {"participant that is not a contact name",
       [&](auto* r) {
         pv1::Participant* participant = plan(r)->add_participants();
         participant->set_contact("eve");
       },
       "plan.participants[0].contact"},
      {"participant role of 101 characters",
       [&](auto* r) {
         *plan(r)->add_participants() =
             NewParticipant("acme", "eve", std::string(101, 'r'));
       },
       "plan.participants[0].role"},
      {"plan id that is not URL-safe",
       [&](auto* r) { r->set_plan_id("Acme Plan!"); }, "plan_id"},
      {"plan id of 64 characters",
       [&](auto* r) { r->set_plan_id(std::string(64, 'a')); }, "plan_id"},
      {"parent that is not an account name",
       [&](auto* r) { r->set_parent("acme"); }, "parent"},
  };
  for (const BadCreate& bad : cases) {
    SCOPED_TRACE(bad.what);
    pv1::CreateAccountPlanRequest request;
    request.set_parent(AccountName("acme"));
    *request.mutable_plan() = NewOperationalPlan("Acme 2026, second try");
    bad.spoil(&request);
    pv1::AccountPlan ignored;
    EXPECT_TRUE(IsInvalidArgumentFor(
        planning().Call(&pv1::Planning::Stub::CreateAccountPlan, request,
                        &ignored),
        bad.field));
  }

  // What planning does not know: FAILED_PRECONDITION.
  pv1::AccountPlan ignored;
  grpc::Status status = planning().Create(
      "nobody", NewOperationalPlan("A plan for no one"), &ignored);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(), HasSubstr("accounts/nobody"));
  pv1::AccountPlan with_stranger = NewOperationalPlan("Acme 2026");
  *with_stranger.add_participants() =
      NewParticipant("acme", "zoe", "executive sponsor");
  status = planning().Create("acme", with_stranger, &ignored);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(), HasSubstr("accounts/acme/contacts/zoe"));
  // Globex's CEO is a contact, but not of Acme: the name alone says so.
  pv1::AccountPlan with_other = NewOperationalPlan("Acme 2026");
  *with_other.add_participants() =
      NewParticipant("globex", "gus", "executive sponsor");
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Create("acme", with_other, &ignored),
                           "plan.participants[0].contact"));
  pv1::AccountPlan orphan = NewOperationalPlan("Acme 2026");
  orphan.set_parent_plan(PlanName("acme", "no-such-plan"));
  EXPECT_TRUE(HasCode(planning().Create("acme", orphan, &ignored),
                      grpc::StatusCode::FAILED_PRECONDITION));

  EXPECT_EQ(AllPlans() + PlanState({existing.name()}), before);
}

TEST_F(ValidationTest, BadChangesAreRefusedAndTheTargetPlanStaysAsItWas) {
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  *plan.add_participants() = NewParticipant("acme", "eve", "executive sponsor");
  const pv1::AccountPlan draft = MustCreate("acme", plan, "draft");
  pv1::AccountPlan active =
      MustCreate("globex", NewOperationalPlan("Globex 2026"), "active");
  ASSERT_FALSE(HasFailure());
  active = MustActivate(active.name());
  ASSERT_FALSE(HasFailure());
  const std::vector<std::string> names = {draft.name(), active.name()};
  const std::string before = PlanState(names);
  auto unchanged = [&](const std::string& what) {
    EXPECT_EQ(PlanState(names), before) << "after " << what;
  };
  pv1::AccountPlan ignored;

  // UpdateAccountPlan.
  pv1::AccountPlan change = draft;
  change.set_title("");
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Update(change, {"title"}, &ignored), "plan.title"));
  unchanged("an empty title");
  change = draft;
  *change.mutable_objectives(0)->mutable_due_time() = Proto(At(2027, 2, 1));
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Update(change, {"objectives"}, &ignored),
                           "plan.objectives[0].due_time"));
  unchanged("an objective due after the period");
  change = draft;
  *change.mutable_actions(0)->mutable_due_time() = Proto(At(2025, 12, 1));
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Update(change, {"actions"}, &ignored),
                           "plan.actions[0].due_time"));
  unchanged("an action due before the period");
  change = draft;
  *change.mutable_period_end() = Proto(At(2027, 3, 1));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Update(change, {"period"}, &ignored), "plan.period_end"));
  unchanged("a period too long");
  change = draft;
  change.set_review_interval_days(3);
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Update(change, {"review_interval_days"}, &ignored),
      "plan.review_interval_days"));
  unchanged("a review interval of 3 days");
  change = draft;
  change.set_status(pv1::ACTIVE);
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Update(change, {"status"}, &ignored), "update_mask"));
  unchanged("an output-only path in the mask");
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Update(change, {"no_such_field"}, &ignored), "update_mask"));
  unchanged("an unknown path in the mask");
  change = draft;
  *change.add_participants() = NewParticipant("acme", "zoe", "sponsor");
  EXPECT_TRUE(HasCode(planning().Update(change, {"participants"}, &ignored),
                      grpc::StatusCode::FAILED_PRECONDITION));
  unchanged("an unknown participant");
  change = draft;
  change.set_etag("stale");
  change.set_title("Acme 2026 (renamed)");
  EXPECT_TRUE(HasCode(planning().Update(change, {"title"}, &ignored),
                      grpc::StatusCode::ABORTED));
  unchanged("a stale etag");

  // RecordObjectiveProgress.
  pv1::ProgressUpdate progress;
  progress.set_value(5'500'000);
  *progress.mutable_measure_time() = Proto(At(2026, 6, 2));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().RecordProgress(active.name(), "revenue", active.etag(),
                                progress, &ignored),
      "progress.measure_time"));
  unchanged("progress measured in the future");
  *progress.mutable_measure_time() = Proto(At(2025, 12, 31));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().RecordProgress(active.name(), "revenue", active.etag(),
                                progress, &ignored),
      "progress.measure_time"));
  unchanged("progress measured before the plan's start");
  progress.clear_measure_time();
  EXPECT_TRUE(
      HasCode(planning().RecordProgress(active.name(), "nope", active.etag(),
                                        progress, &ignored),
              grpc::StatusCode::NOT_FOUND));
  unchanged("progress on an objective the plan does not have");
  EXPECT_TRUE(
      HasCode(planning().RecordProgress(active.name(), "revenue", draft.etag(),
                                        progress, &ignored),
              grpc::StatusCode::ABORTED));
  unchanged("progress under a stale etag");
  EXPECT_TRUE(
      HasCode(planning().RecordProgress(PlanName("globex", "nope"), "revenue",
                                        "", progress, &ignored),
              grpc::StatusCode::NOT_FOUND));

  // UpdatePlanAction.
  pv1::Action action;
  action.set_id("nope");
  action.set_status(pv1::DONE);
  EXPECT_TRUE(HasCode(planning().UpdateAction(active.name(), active.etag(),
                                              action, {"status"}, &ignored),
                      grpc::StatusCode::NOT_FOUND));
  unchanged("an action the plan does not have");
  action.set_id("qbr");
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().UpdateAction(active.name(), active.etag(), action,
                              {"complete_time"}, &ignored),
      "update_mask"));
  unchanged("an output-only action path");
  action.set_status(static_cast<pv1::ActionStatus>(17));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().UpdateAction(active.name(), active.etag(), action, {"status"},
                              &ignored),
      "action.status"));
  unchanged("an unknown action status");
  action.set_status(pv1::DONE);
  *action.mutable_due_time() = Proto(At(2027, 5, 1));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().UpdateAction(active.name(), active.etag(), action,
                              {"due_time"}, &ignored),
      "action.due_time"));
  unchanged("an action due after the period");

  // Lifecycle commands out of turn.
  EXPECT_TRUE(
      HasCode(planning().StartReview(draft.name(), draft.etag(), &ignored),
              grpc::StatusCode::FAILED_PRECONDITION));
  unchanged("a review started on a draft");
  pv1::PlanReview review;
  review.set_outcome("Fine.");
  EXPECT_TRUE(HasCode(
      planning().RecordReview(draft.name(), draft.etag(), review, &ignored),
      grpc::StatusCode::FAILED_PRECONDITION));
  unchanged("a review recorded on a draft");
  EXPECT_TRUE(
      HasCode(planning().Activate(active.name(), active.etag(), &ignored),
              grpc::StatusCode::FAILED_PRECONDITION));
  unchanged("an active plan activated again");
  *review.mutable_review_time() = Proto(At(2026, 6, 2));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().RecordReview(active.name(), active.etag(), review, &ignored),
      "review.review_time"));
  unchanged("a review in the future");
  review.clear_review_time();
  review.set_outcome("");
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().RecordReview(active.name(), active.etag(), review, &ignored),
      "review.outcome"));
  unchanged("a review without an outcome");
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().Close(active.name(), active.etag(), "", &ignored), "reason"));
  unchanged("a close without a reason");
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Close(active.name(), active.etag(),
                                            std::string(501, 'r'), &ignored),
                           "reason"));
  unchanged("a close with a reason of 501 characters");

  // Agreement from someone who is not a participant.
  pv1::CustomerAgreement agreement;
  agreement.set_contact(ContactName("acme", "bob"));
  EXPECT_TRUE(HasCode(planning().RecordAgreement(draft.name(), draft.etag(),
                                                 agreement, &ignored),
                      grpc::StatusCode::FAILED_PRECONDITION));
  unchanged("an agreement from a contact who is not a participant");

  // Reports: bad arguments.
  pv1::ListOverdueActionsResponse overdue;
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().ListOverdue("accounts/-", 1001, &overdue), "limit"));
  EXPECT_TRUE(IsInvalidArgumentFor(planning().ListOverdue("acme", 0, &overdue),
                                   "parent"));
  pv1::ListPlansDueForReviewResponse due;
  EXPECT_TRUE(IsInvalidArgumentFor(planning().ListDueForReview(3651, 0, &due),
                                   "within_days"));
  EXPECT_TRUE(IsInvalidArgumentFor(planning().ListDueForReview(-1, 0, &due),
                                   "within_days"));
  pv1::PlanCoverage coverage;
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().GetCoverage(static_cast<pv1::PlanHorizon>(7), &coverage),
      "horizon"));
  unchanged("the reports");
}

}  // namespace
}  // namespace kam::planning_test
