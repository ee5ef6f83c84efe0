// Following a plan through: each measurement of an objective is judged
// against the straight line from the baseline (at the plan's start) to the
// target (at the due time); open actions past their due date and reviews
// that are due show up in the reports, with the clock fixed at
// 2026-06-01T00:00:00Z.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using ::testing::ElementsAre;

class ProgressTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }

  // Records `value` measured at `at` (now if unset) on `objective` under
  // the plan's current etag; returns the plan after.
  pv1::AccountPlan Measure(const pv1::AccountPlan& plan,
                           const std::string& objective, int64_t value,
                           std::optional<absl::Time> at = std::nullopt) {
    pv1::ProgressUpdate progress;
    progress.set_value(value);
    if (at.has_value()) *progress.mutable_measure_time() = Proto(*at);
    progress.set_note("measured");
    pv1::AccountPlan out;
    EXPECT_TRUE(IsOk(planning().RecordProgress(plan.name(), objective,
                                               plan.etag(), progress, &out)))
        << objective << " = " << value;
    return out;
  }
};

std::vector<std::string> ActionIds(
    const pv1::ListOverdueActionsResponse& response) {
  std::vector<std::string> ids;
  for (const pv1::OverdueAction& overdue : response.actions()) {
    ids.push_back(overdue.action().id());
  }
  return ids;
}

std::vector<std::string> PlanNames(
    const pv1::ListPlansDueForReviewResponse& response) {
  std::vector<std::string> names;
  for (const pv1::PlanDueForReview& due : response.plans()) {
    names.push_back(due.plan());
  }
  return names;
}

// The plan runs 2026-01-01..2027-01-01 (365 days); on 2026-06-01 151 days
// (41.4%) have passed. Each objective goes from 100 to 200 by the period's
// end unless said otherwise.
TEST_F(ProgressTest, ObjectivesAreJudgedAgainstTheStraightLine) {
  pv1::AccountPlan plan =
      NewPlan(pv1::OPERATIONAL, "Acme 2026", OpStart(), OpEnd());
  for (const char* id :
       {"on", "risk", "off", "done", "beyond", "late", "none"}) {
    *plan.add_objectives() = NewObjective(id, pv1::CUSTOM, 100, 200, OpEnd());
  }
  // Due 2026-10-28, 300 days in: halfway on 2026-05-31.
  *plan.add_objectives() =
      NewObjective("half", pv1::CUSTOM, 100, 200, At(2026, 10, 28));
  *plan.add_objectives() =
      NewObjective("half-on", pv1::CUSTOM, 100, 200, At(2026, 10, 28));
  // Downwards: complaints from 40 to 10.
  *plan.add_objectives() = NewObjective("down", pv1::CUSTOM, 40, 10, OpEnd());
  *plan.add_actions() =
      NewAction("qbr", "Business review", At(2026, 9, 15), "on");
  pv1::AccountPlan current = MustCreate("acme", plan, "ops");
  ASSERT_FALSE(HasFailure());

  // 50% of the way at 41.4% of the time: ahead.
  current = Measure(current, "on", 150);
  // 25% at 41.4%: 16.4 points behind.
  current = Measure(current, "risk", 125);
  // 10% at 41.4%: 31.4 points behind.
  current = Measure(current, "off", 110);
  current = Measure(current, "done", 200);
  current = Measure(current, "beyond", 230);
  // Ahead in March, far behind now: the latest measurement counts.
  current = Measure(current, "late", 160, At(2026, 3, 1));
  current = Measure(current, "late", 110);
  // Halfway through the time: 35% is 15 points behind, 50% on the line.
  current = Measure(current, "half", 135, At(2026, 5, 31));
  current = Measure(current, "half-on", 150, At(2026, 5, 31));
  // 40 -> 25 is half the way down to 10.
  current = Measure(current, "down", 25);
  ASSERT_FALSE(HasFailure());

  struct Expected {
    std::string id;
    pv1::ObjectiveStatus status;
    int achieved_percent;
    std::optional<int64_t> expected_value;
  };
  const std::vector<Expected> expected = {
      {"on", pv1::ON_TRACK, 50, 141},       // 100 + 100 * 151/365 = 141.4
      {"risk", pv1::AT_RISK, 25, 141},      //
      {"off", pv1::OFF_TRACK, 10, 141},     //
      {"done", pv1::ACHIEVED, 100, 141},    //
      {"beyond", pv1::ACHIEVED, 130, 141},  //
      {"late", pv1::OFF_TRACK, 10, 141},    //
      {"half", pv1::AT_RISK, 35, 150},      // 100 + 100 * 150/300
      {"half-on", pv1::ON_TRACK, 50, 150},  //
      {"down", pv1::ON_TRACK, 50, std::nullopt},
  };
  const pv1::AccountPlan stored = MustGet(current.name());
  EXPECT_EQ(stored.ShortDebugString(), current.ShortDebugString());
  for (const Expected& want : expected) {
    SCOPED_TRACE(want.id);
    const pv1::Objective* objective = FindObjective(stored, want.id);
    ASSERT_NE(objective, nullptr);
    EXPECT_EQ(objective->status(), want.status)
        << pv1::ObjectiveStatus_Name(objective->status());
    EXPECT_EQ(objective->achieved_percent(), want.achieved_percent);
    if (want.expected_value.has_value()) {
      EXPECT_EQ(objective->expected_value(), *want.expected_value);
    }
  }
  const pv1::Objective* none = FindObjective(stored, "none");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->status(), pv1::NOT_MEASURED);
  EXPECT_EQ(none->progress_size(), 0);

  // Progress is kept oldest first, with when it was measured and recorded.
  const pv1::Objective* late = FindObjective(stored, "late");
  ASSERT_NE(late, nullptr);
  ASSERT_EQ(late->progress_size(), 2);
  EXPECT_EQ(late->progress(0).value(), 160);
  EXPECT_EQ(FromProto(late->progress(0).measure_time()), At(2026, 3, 1));
  EXPECT_EQ(late->progress(1).value(), 110);
  EXPECT_EQ(FromProto(late->progress(1).measure_time()), FixedNow());
  for (const pv1::ProgressUpdate& update : late->progress()) {
    EXPECT_EQ(FromProto(update.record_time()), FixedNow());
    EXPECT_EQ(update.note(), "measured");
  }

  // Each measurement is a revision: created, then ten measurements.
  EXPECT_EQ(stored.revision(), 11);
  const std::vector<pv1::PlanRevision> revisions =
      MustListRevisions(stored.name(), true);
  ASSERT_EQ(revisions.size(), 11u);
  EXPECT_EQ(revisions.front().change(), pv1::PROGRESS_RECORDED);
  EXPECT_EQ(revisions.back().change(), pv1::PLAN_CREATED);
}

TEST_F(ProgressTest, ReportsListOverdueActionsAndReviewsDue) {
  // Acme: five actions, two of them open past their due date.
  pv1::AccountPlan acme_plan = NewOperationalPlan("Acme 2026");
  acme_plan.clear_actions();
  *acme_plan.add_actions() =
      NewAction("a-mar", "Send the framework offer", At(2026, 3, 1), "revenue");
  pv1::Action april =
      NewAction("a-apr", "Pilot at the Lyon plant", At(2026, 4, 15), "revenue");
  april.set_status(pv1::IN_PROGRESS);
  *acme_plan.add_actions() = april;
  *acme_plan.add_actions() =
      NewAction("a-feb", "Kick-off meeting", At(2026, 2, 1), "revenue");
  *acme_plan.add_actions() =
      NewAction("a-jan", "Trade fair invitation", At(2026, 1, 15), "revenue");
  *acme_plan.add_actions() =
      NewAction("a-sep", "Q3 business review", At(2026, 9, 1), "revenue");
  pv1::AccountPlan acme = MustCreate("acme", acme_plan, "ops");
  ASSERT_FALSE(HasFailure());
  acme = MustActivate(acme.name());
  ASSERT_FALSE(HasFailure());
  pv1::Action done;
  done.set_id("a-feb");
  done.set_status(pv1::DONE);
  ASSERT_TRUE(IsOk(planning().UpdateAction(acme.name(), acme.etag(), done,
                                           {"status"}, &acme)));
  const pv1::Action* feb = FindAction(acme, "a-feb");
  ASSERT_NE(feb, nullptr);
  EXPECT_EQ(feb->status(), pv1::DONE);
  EXPECT_EQ(FromProto(feb->complete_time()), FixedNow());
  EXPECT_EQ(feb->title(), "Kick-off meeting");
  pv1::Action cancelled;
  cancelled.set_id("a-jan");
  cancelled.set_status(pv1::CANCELLED);
  cancelled.set_note("The fair was cancelled");
  ASSERT_TRUE(IsOk(planning().UpdateAction(acme.name(), acme.etag(), cancelled,
                                           {"status", "note"}, &acme)));
  EXPECT_EQ(FindAction(acme, "a-jan")->note(), "The fair was cancelled");
  EXPECT_EQ(FromProto(FindAction(acme, "a-jan")->complete_time()), FixedNow());

  // Globex: one overdue action; weekly reviews, the last on 2026-05-20, so
  // the next was due on 2026-05-27. The plan was activated on 2026-05-01
  // (planning's clock set back for it).
  pv1::AccountPlan globex_plan = NewOperationalPlan("Globex 2026");
  globex_plan.clear_actions();
  *globex_plan.add_actions() = NewAction("g-may", "Send the service proposal",
                                         At(2026, 5, 1), "revenue");
  globex_plan.set_review_interval_days(7);
  planning_fixed_time_ = "2026-05-01T00:00:00Z";
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  pv1::AccountPlan globex = MustCreate("globex", globex_plan, "ops");
  ASSERT_FALSE(HasFailure());
  globex = MustActivate(globex.name());
  planning_fixed_time_ = kFixedTime;
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  pv1::PlanReview review;
  *review.mutable_review_time() = Proto(At(2026, 5, 20));
  review.set_outcome("Weekly check");
  ASSERT_TRUE(IsOk(
      planning().RecordReview(globex.name(), globex.etag(), review, &globex)));
  ASSERT_EQ(FromProto(globex.next_review_time()), At(2026, 5, 27));

  // Initech: an active tactical plan reviewed monthly (nothing overdue), and
  // a draft whose action is long overdue (drafts are not in force).
  pv1::AccountPlan tactical = NewTacticalPlan("Initech 2026-27");
  tactical.set_review_interval_days(30);
  const pv1::AccountPlan initech =
      MustActivate(MustCreate("initech", tactical, "tac").name());
  pv1::AccountPlan draft = NewOperationalPlan("Initech 2026 (draft)");
  *draft.add_actions() =
      NewAction("late", "Never done", At(2026, 2, 1), "revenue");
  MustCreate("initech", draft, "ops-draft");
  ASSERT_FALSE(HasFailure());

  // Overdue actions: most overdue first.
  pv1::ListOverdueActionsResponse overdue;
  ASSERT_TRUE(IsOk(planning().ListOverdue("accounts/-", 0, &overdue)));
  EXPECT_THAT(ActionIds(overdue), ElementsAre("a-mar", "a-apr", "g-may"));
  EXPECT_EQ(overdue.total(), 3);
  ASSERT_EQ(overdue.actions_size(), 3);
  const pv1::OverdueAction& first = overdue.actions(0);
  EXPECT_EQ(first.plan(), acme.name());
  EXPECT_EQ(first.plan_title(), "Acme 2026");
  EXPECT_EQ(first.horizon(), pv1::OPERATIONAL);
  EXPECT_EQ(first.account_display_name(), "Acme Industries");
  EXPECT_EQ(first.action().title(), "Send the framework offer");
  EXPECT_EQ(first.action().status(), pv1::OPEN);
  EXPECT_EQ(FromProto(first.action().due_time()), At(2026, 3, 1));
  EXPECT_EQ(first.days_overdue(), 92);
  EXPECT_EQ(overdue.actions(1).days_overdue(), 47);
  EXPECT_EQ(overdue.actions(1).action().status(), pv1::IN_PROGRESS);
  EXPECT_EQ(overdue.actions(2).days_overdue(), 31);
  EXPECT_EQ(overdue.actions(2).plan(), globex.name());
  EXPECT_EQ(overdue.actions(2).account_display_name(), "Globex");
  // A limit cuts the list, not the total; a parent narrows both.
  ASSERT_TRUE(IsOk(planning().ListOverdue("accounts/-", 2, &overdue)));
  EXPECT_THAT(ActionIds(overdue), ElementsAre("a-mar", "a-apr"));
  EXPECT_EQ(overdue.total(), 3);
  ASSERT_TRUE(IsOk(planning().ListOverdue("accounts/globex", 0, &overdue)));
  EXPECT_THAT(ActionIds(overdue), ElementsAre("g-may"));
  EXPECT_EQ(overdue.total(), 1);
  ASSERT_TRUE(IsOk(planning().ListOverdue("accounts/initech", 0, &overdue)));
  EXPECT_THAT(ActionIds(overdue), ElementsAre());
  EXPECT_EQ(overdue.total(), 0);
  ASSERT_TRUE(IsOk(planning().ListOverdue("", 0, &overdue)));
  EXPECT_EQ(overdue.total(), 3);

  // Reviews due: earliest first, overdue ones (negative days) included.
  pv1::ListPlansDueForReviewResponse due;
  ASSERT_TRUE(IsOk(planning().ListDueForReview(0, 0, &due)));
  EXPECT_THAT(PlanNames(due), ElementsAre(globex.name()));
  EXPECT_EQ(due.total(), 1);
  ASSERT_EQ(due.plans_size(), 1);
  EXPECT_EQ(due.plans(0).days_until_due(), -5);
  EXPECT_EQ(FromProto(due.plans(0).next_review_time()), At(2026, 5, 27));
  EXPECT_EQ(due.plans(0).title(), "Globex 2026");
  EXPECT_EQ(due.plans(0).horizon(), pv1::OPERATIONAL);
  EXPECT_EQ(due.plans(0).account_display_name(), "Globex");
  ASSERT_TRUE(IsOk(planning().ListDueForReview(30, 0, &due)));
  EXPECT_THAT(PlanNames(due), ElementsAre(globex.name(), initech.name()));
  ASSERT_EQ(due.plans_size(), 2);
  EXPECT_EQ(due.plans(1).days_until_due(), 30);
  EXPECT_EQ(due.plans(1).horizon(), pv1::TACTICAL);
  ASSERT_TRUE(IsOk(planning().ListDueForReview(89, 0, &due)));
  EXPECT_THAT(PlanNames(due), ElementsAre(globex.name(), initech.name()));
  ASSERT_TRUE(IsOk(planning().ListDueForReview(90, 0, &due)));
  EXPECT_THAT(PlanNames(due),
              ElementsAre(globex.name(), initech.name(), acme.name()));
  EXPECT_EQ(due.total(), 3);
  ASSERT_EQ(due.plans_size(), 3);
  EXPECT_EQ(due.plans(2).days_until_due(), 90);
  ASSERT_TRUE(IsOk(planning().ListDueForReview(90, 2, &due)));
  EXPECT_EQ(due.plans_size(), 2);
  EXPECT_EQ(due.total(), 3);

  // Done is no longer overdue; a plan under review is still in force; a
  // closed one is not.
  done.set_id("a-mar");
  ASSERT_TRUE(IsOk(planning().UpdateAction(acme.name(), acme.etag(), done,
                                           {"status"}, &acme)));
  ASSERT_TRUE(IsOk(planning().StartReview(acme.name(), acme.etag(), &acme)));
  ASSERT_TRUE(IsOk(
      planning().Close(globex.name(), globex.etag(), "Account lost", &globex)));
  ASSERT_TRUE(IsOk(planning().ListOverdue("accounts/-", 0, &overdue)));
  EXPECT_THAT(ActionIds(overdue), ElementsAre("a-apr"));
  EXPECT_EQ(overdue.total(), 1);
  ASSERT_TRUE(IsOk(planning().ListDueForReview(90, 0, &due)));
  EXPECT_THAT(PlanNames(due), ElementsAre(initech.name(), acme.name()));
}

}  // namespace
}  // namespace kam::planning_test
