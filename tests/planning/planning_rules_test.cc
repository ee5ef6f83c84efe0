// The plan rules without a server: period lengths per horizon, what makes a
// plan valid (and which field an error names), activation, and the status of
// an objective against its straight line.
#include "services/planning/planning_rules.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"

namespace kam::planning {
namespace {

absl::Time Day(const std::string& date) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d", date, absl::UTCTimeZone(), &t, &error))
      << error;
  return t;
}

google::protobuf::Timestamp Ts(const std::string& date) {
  return ToProtoTime(Day(date));
}

// A valid operational plan of accounts/acme for 2026: one objective, one
// action.
v1::AccountPlan ValidPlan() {
  v1::AccountPlan plan;
  plan.set_horizon(v1::OPERATIONAL);
  plan.set_title("Acme 2026");
  *plan.mutable_period_start() = Ts("2026-01-01");
  *plan.mutable_period_end() = Ts("2027-01-01");
  v1::Objective* o = plan.add_objectives();
  o->set_statement("Grow revenue with Acme");
  o->set_metric(v1::REVENUE);
  o->set_unit("eur");
  o->set_baseline(100'000'00);
  o->set_target(120'000'00);
  *o->mutable_due_time() = Ts("2026-12-31");
  v1::Action* a = plan.add_actions();
  a->set_title("Run a business review");
  a->set_owner("Kim Larsen");
  *a->mutable_due_time() = Ts("2026-03-31");
  a->set_objective("o1");
  NormalizePlan(&plan);
  return plan;
}

// The status's message names `field` first (what a caller fixes).
void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), field + ":")) << status;
}

TEST(NormalizePlanTest, FillsIdsStatusUnitsAndReviewInterval) {
  v1::AccountPlan plan = ValidPlan();
  EXPECT_EQ(plan.objectives(0).id(), "o1");
  EXPECT_EQ(plan.objectives(0).unit(), "EUR");
  EXPECT_EQ(plan.actions(0).id(), "a1");
  EXPECT_EQ(plan.actions(0).status(), v1::OPEN);
  EXPECT_EQ(plan.review_interval_days(), 90);

  // Given IDs are kept; a generated one skips them.
  v1::Objective* nps = plan.add_objectives();
  nps->set_metric(v1::NPS);
  plan.mutable_objectives(0)->set_id("o2");
  NormalizePlan(&plan);
  EXPECT_EQ(plan.objectives(0).id(), "o2");
  EXPECT_EQ(plan.objectives(1).id(), "o1");
  EXPECT_EQ(plan.objectives(1).unit(), "NPS");
}

TEST(ValidatePlanTest, AcceptsAValidPlan) {
  EXPECT_TRUE(ValidatePlan(ValidPlan(), "acme", "plan").ok());
}

TEST(ValidatePlanTest, PeriodLengthMustFitTheHorizon) {
  v1::AccountPlan plan = ValidPlan();
  // Two years is too long for an operational plan...
  *plan.mutable_period_end() = Ts("2028-01-01");
  ExpectInvalid(ValidatePlan(plan, "acme", "plan"), "plan.period_end");
  // ...and right for a tactical one (default review: half-yearly).
  plan.set_horizon(v1::TACTICAL);
  EXPECT_TRUE(ValidatePlan(plan, "acme", "plan").ok());
  // Strategic plans run three to five years.
  plan.set_horizon(v1::STRATEGIC);
  ExpectInvalid(ValidatePlan(plan, "acme", "plan"), "plan.period_end");
  *plan.mutable_period_end() = Ts("2029-01-01");
  EXPECT_TRUE(ValidatePlan(plan, "acme", "plan").ok());
  *plan.mutable_period_end() = Ts("2031-01-03");
  ExpectInvalid(ValidatePlan(plan, "acme", "plan"), "plan.period_end");

  EXPECT_EQ(RuleOf(v1::OPERATIONAL).default_review_days, 90);
  EXPECT_EQ(RuleOf(v1::TACTICAL).default_review_days, 180);
  EXPECT_EQ(RuleOf(v1::STRATEGIC).default_review_days, 365);
}

TEST(ValidatePlanTest, NamesTheFieldAndTheRule) {
  struct Case {
    const char* what;
    void (*mutate)(v1::AccountPlan*);
    const char* field;
  };
  const Case cases[] = {
      {"no horizon", [](v1::AccountPlan* p) { p->clear_horizon(); },
       "plan.horizon"},
      {"no title", [](v1::AccountPlan* p) { p->clear_title(); }, "plan.title"},
      {"no start", [](v1::AccountPlan* p) { p->clear_period_start(); },
       "plan.period_start"},
      {"objective due after the period",
       [](v1::AccountPlan* p) {
         *p->mutable_objectives(0)->mutable_due_time() = Ts("2027-02-01");
       },
       "plan.objectives[0].due_time"},
      {"objective due at the start",
       [](v1::AccountPlan* p) {
         *p->mutable_objectives(0)->mutable_due_time() = Ts("2026-01-01");
       },
       "plan.objectives[0].due_time"},
      {"target equals baseline",
       [](v1::AccountPlan* p) { p->mutable_objectives(0)->set_target(100'000'00); },
       "plan.objectives[0].target"},
      {"bad currency",
       [](v1::AccountPlan* p) { p->mutable_objectives(0)->set_unit("EURO"); },
       "plan.objectives[0].unit"},
      {"NPS out of range",
       [](v1::AccountPlan* p) {
         v1::Objective* o = p->mutable_objectives(0);
         o->set_metric(v1::NPS);
         o->set_baseline(20);
         o->set_target(120);
       },
       "plan.objectives[0].target"},
      {"custom metric without a name",
       [](v1::AccountPlan* p) { p->mutable_objectives(0)->set_metric(v1::CUSTOM); },
       "plan.objectives[0].custom_metric"},
      {"serves an objective without a parent plan",
       [](v1::AccountPlan* p) {
         p->mutable_objectives(0)->set_serves_objective("t1");
       },
       "plan.objectives[0].serves_objective"},
      {"duplicate objective id",
       [](v1::AccountPlan* p) { *p->add_objectives() = p->objectives(0); },
       "plan.objectives[1].id"},
      {"action without owner",
       [](v1::AccountPlan* p) { p->mutable_actions(0)->clear_owner(); },
       "plan.actions[0].owner"},
      {"action for an unknown objective",
       [](v1::AccountPlan* p) { p->mutable_actions(0)->set_objective("o9"); },
       "plan.actions[0].objective"},
      {"action due before the period",
       [](v1::AccountPlan* p) {
         *p->mutable_actions(0)->mutable_due_time() = Ts("2025-12-01");
       },
       "plan.actions[0].due_time"},
      {"participant of another account",
       [](v1::AccountPlan* p) {
         p->add_participants()->set_contact("accounts/other/contacts/jane");
       },
       "plan.participants[0].contact"},
      {"strategy text too long",
       [](v1::AccountPlan* p) {
         p->mutable_strategy()->mutable_price()->set_text(std::string(1001, 'x'));
       },
       "plan.strategy.price.text"},
      {"review interval too short",
       [](v1::AccountPlan* p) { p->set_review_interval_days(3); },
       "plan.review_interval_days"},
      {"strategic plan with a parent",
       [](v1::AccountPlan* p) {
         p->set_horizon(v1::STRATEGIC);
         *p->mutable_period_end() = Ts("2030-01-01");
         p->set_parent_plan("accounts/acme/plans/x");
       },
       "plan.parent_plan"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::AccountPlan plan = ValidPlan();
    c.mutate(&plan);
    ExpectInvalid(ValidatePlan(plan, "acme", "plan"), c.field);
  }
}

TEST(CheckActivatableTest, NeedsAnObjectiveAndAnAction) {
  v1::AccountPlan plan = ValidPlan();
  EXPECT_TRUE(CheckActivatable(plan).ok());
  plan.clear_actions();
  EXPECT_EQ(CheckActivatable(plan).code(), absl::StatusCode::kFailedPrecondition);
  plan = ValidPlan();
  plan.clear_objectives();
  EXPECT_EQ(CheckActivatable(plan).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ParentHorizonTest, PlansCascadeOneHorizonUp) {
  EXPECT_EQ(ParentHorizon(v1::OPERATIONAL), v1::TACTICAL);
  EXPECT_EQ(ParentHorizon(v1::TACTICAL), v1::STRATEGIC);
  EXPECT_EQ(ParentHorizon(v1::STRATEGIC), v1::PLAN_HORIZON_UNSPECIFIED);
}

// Baseline 100 on 2026-01-01, target 200 due 2027-01-01: the straight line
// expects about 150 at the start of July.
v1::Objective Measured(int64_t value, const std::string& date) {
  v1::Objective o;
  o.set_metric(v1::CUSTOM);
  o.set_baseline(100);
  o.set_target(200);
  *o.mutable_due_time() = Ts("2027-01-01");
  v1::ProgressUpdate* p = o.add_progress();
  p->set_value(value);
  *p->mutable_measure_time() = Ts(date);
  EvaluateObjective(Day("2026-01-01"), &o);
  return o;
}

TEST(EvaluateObjectiveTest, StatusAgainstTheStraightLine) {
  EXPECT_EQ(Measured(150, "2026-07-02").status(), v1::ON_TRACK);
  EXPECT_EQ(Measured(150, "2026-07-02").expected_value(), 150);
  EXPECT_EQ(Measured(150, "2026-07-02").achieved_percent(), 50);
  EXPECT_EQ(Measured(141, "2026-07-02").status(), v1::ON_TRACK);  // 9 behind
  EXPECT_EQ(Measured(135, "2026-07-02").status(), v1::AT_RISK);   // 15 behind
  EXPECT_EQ(Measured(110, "2026-07-02").status(), v1::OFF_TRACK); // 40 behind
  EXPECT_EQ(Measured(200, "2026-03-01").status(), v1::ACHIEVED);
  // Ahead of the line is on track.
  EXPECT_EQ(Measured(190, "2026-03-01").status(), v1::ON_TRACK);
  // Going backwards is off track.
  EXPECT_EQ(Measured(90, "2026-04-01").status(), v1::OFF_TRACK);
  EXPECT_EQ(Measured(90, "2026-04-01").achieved_percent(), -10);
}

TEST(EvaluateObjectiveTest, ADecreasingTargetWorksTheSameWay) {
  v1::Objective o;
  o.set_metric(v1::CUSTOM);
  o.set_baseline(40);  // e.g. days to resolve a complaint
  o.set_target(20);
  *o.mutable_due_time() = Ts("2027-01-01");
  v1::ProgressUpdate* p = o.add_progress();
  p->set_value(30);
  *p->mutable_measure_time() = Ts("2026-07-02");
  EvaluateObjective(Day("2026-01-01"), &o);
  EXPECT_EQ(o.status(), v1::ON_TRACK);
  p->set_value(38);
  EvaluateObjective(Day("2026-01-01"), &o);
  EXPECT_EQ(o.status(), v1::OFF_TRACK);
}

TEST(EvaluateObjectiveTest, TheLatestMeasurementCountsAndNoneIsNotMeasured) {
  v1::Objective o = Measured(110, "2026-07-02");
  v1::ProgressUpdate* earlier = o.add_progress();  // recorded later, older
  earlier->set_value(190);
  *earlier->mutable_measure_time() = Ts("2026-06-01");
  EvaluateObjective(Day("2026-01-01"), &o);
  EXPECT_EQ(o.status(), v1::OFF_TRACK);

  o.clear_progress();
  EvaluateObjective(Day("2026-01-01"), &o);
  EXPECT_EQ(o.status(), v1::NOT_MEASURED);
}

TEST(ActionOverdueTest, OpenActionsPastDue) {
  v1::Action a;
  *a.mutable_due_time() = Ts("2026-03-01");
  a.set_status(v1::OPEN);
  EXPECT_TRUE(ActionOverdue(a, Day("2026-06-01")));
  EXPECT_EQ(DaysOverdue(Day("2026-03-01"), Day("2026-06-01")), 92);
  EXPECT_FALSE(ActionOverdue(a, Day("2026-02-28")));
  a.set_status(v1::IN_PROGRESS);
  EXPECT_TRUE(ActionOverdue(a, Day("2026-06-01")));
  a.set_status(v1::DONE);
  EXPECT_FALSE(ActionOverdue(a, Day("2026-06-01")));
  a.set_status(v1::CANCELLED);
  EXPECT_FALSE(ActionOverdue(a, Day("2026-06-01")));
}

}  // namespace
}  // namespace kam::planning
