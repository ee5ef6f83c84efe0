// A plan's life: a draft is activated once it has an objective and an
// action and no other plan of the account and horizon is in force; it is
// reviewed on a schedule (each review a fresh situation snapshot, the next
// one due an interval later), closed, and then kept read-only. Plans
// cascade down the horizons of one account; the customer takes part and
// agrees to a revision.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class LifecycleTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }
};

TEST_F(LifecycleTest, ActivationNeedsAnObjectiveAnActionAndNoPlanInForce) {
  // An objective but no action; neither (an action serves an objective, so
  // there is no plan with actions but no objective).
  pv1::AccountPlan no_action = NewOperationalPlan("Acme 2026");
  no_action.clear_actions();
  const pv1::AccountPlan first = MustCreate("acme", no_action, "first-ops");
  pv1::AccountPlan empty = NewOperationalPlan("Acme 2026 (empty)");
  empty.clear_objectives();
  empty.clear_actions();
  const pv1::AccountPlan bare = MustCreate("acme", empty, "bare");
  ASSERT_FALSE(HasFailure());
  for (const pv1::AccountPlan& plan : {first, bare}) {
    const std::string before = PlanState({plan.name()});
    pv1::AccountPlan ignored;
    EXPECT_TRUE(HasCode(planning().Activate(plan.name(), plan.etag(), &ignored),
                        grpc::StatusCode::FAILED_PRECONDITION))
        << plan.name();
    EXPECT_EQ(PlanState({plan.name()}), before);
  }

  // With an action it can be activated; a stale etag cannot.
  pv1::AccountPlan change = first;
  *change.add_actions() = NewAction("qbr", "Hold the Q3 business review",
                                    At(2026, 9, 15), "revenue");
  pv1::AccountPlan ready;
  ASSERT_TRUE(IsOk(planning().Update(change, {"actions"}, &ready)));
  pv1::AccountPlan active;
  EXPECT_TRUE(HasCode(planning().Activate(first.name(), first.etag(), &active),
                      grpc::StatusCode::ABORTED));
  ASSERT_TRUE(IsOk(planning().Activate(ready.name(), ready.etag(), &active)));
  EXPECT_EQ(active.status(), pv1::ACTIVE);
  EXPECT_EQ(active.revision(), ready.revision() + 1);
  EXPECT_NE(active.etag(), ready.etag());
  EXPECT_EQ(FromProto(active.activate_time()), FixedNow());
  EXPECT_EQ(FromProto(active.next_review_time()),
            FixedNow() + absl::Hours(24 * 90));
  EXPECT_EQ(MustGet(active.name()).ShortDebugString(),
            active.ShortDebugString());

  // A second operational plan of Acme cannot be activated while the first is
  // in force, ACTIVE or UNDER_REVIEW; the error names the plan in force.
  const pv1::AccountPlan second = MustCreate(
      "acme", NewOperationalPlan("Acme 2026, take two"), "second-ops");
  ASSERT_FALSE(HasFailure());
  pv1::AccountPlan ignored;
  grpc::Status status =
      planning().Activate(second.name(), second.etag(), &ignored);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(), HasSubstr("first-ops"));
  EXPECT_EQ(MustGet(second.name()).ShortDebugString(),
            second.ShortDebugString());
  pv1::AccountPlan reviewing;
  ASSERT_TRUE(
      IsOk(planning().StartReview(active.name(), active.etag(), &reviewing)));
  EXPECT_EQ(reviewing.status(), pv1::UNDER_REVIEW);
  status = planning().Activate(second.name(), second.etag(), &ignored);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(), HasSubstr("first-ops"));
  EXPECT_EQ(MustGet(second.name()).ShortDebugString(),
            second.ShortDebugString());

  // Other horizons and other accounts are not in the way.
  EXPECT_EQ(
      MustActivate(
          MustCreate("acme", NewTacticalPlan("Acme 2026-27"), "tac").name())
          .status(),
      pv1::ACTIVE);
  EXPECT_EQ(
      MustActivate(
          MustCreate("globex", NewOperationalPlan("Globex 2026"), "ops").name())
          .status(),
      pv1::ACTIVE);

  // Once the first is closed, the second can take over.
  pv1::AccountPlan closed;
  ASSERT_TRUE(IsOk(planning().Close(reviewing.name(), reviewing.etag(),
                                    "Replaced by take two", &closed)));
  EXPECT_EQ(MustActivate(second.name()).status(), pv1::ACTIVE);
  std::vector<pv1::AccountPlan> in_force;
  ASSERT_TRUE(IsOk(planning().ListAll("accounts/acme", pv1::OPERATIONAL,
                                      pv1::ACTIVE, 0, &in_force)));
  EXPECT_THAT(Names(in_force), ElementsAre(second.name()));
}

TEST_F(LifecycleTest, ReviewsKeepThePlanInForceAndScheduleTheNext) {
  // Activated on 2026-05-01 (planning's clock set back for it), so that a
  // review can be held before today.
  planning_fixed_time_ = "2026-05-01T00:00:00Z";
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  pv1::AccountPlan active = MustActivate(
      MustCreate("acme", NewOperationalPlan("Acme 2026"), "ops").name());
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(active.status(), pv1::ACTIVE);
  EXPECT_EQ(FromProto(active.activate_time()), At(2026, 5, 1));
  EXPECT_EQ(FromProto(active.next_review_time()), At(2026, 7, 30));
  planning_fixed_time_ = kFixedTime;
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());

  // Start: UNDER_REVIEW, still in force, still changeable; not twice.
  pv1::AccountPlan reviewing;
  ASSERT_TRUE(
      IsOk(planning().StartReview(active.name(), active.etag(), &reviewing)));
  EXPECT_EQ(reviewing.status(), pv1::UNDER_REVIEW);
  EXPECT_EQ(reviewing.revision(), active.revision() + 1);
  pv1::AccountPlan ignored;
  EXPECT_TRUE(HasCode(
      planning().StartReview(reviewing.name(), reviewing.etag(), &ignored),
      grpc::StatusCode::FAILED_PRECONDITION));
  pv1::AccountPlan change = reviewing;
  *change.add_actions() =
      NewAction("visit", "Visit the Lyon plant", At(2026, 7, 1), "revenue");
  pv1::AccountPlan reworked;
  ASSERT_TRUE(IsOk(planning().Update(change, {"actions"}, &reworked)));
  EXPECT_EQ(reworked.status(), pv1::UNDER_REVIEW);

  // A review before the plan was activated is refused.
  pv1::PlanReview review;
  *review.mutable_review_time() = Proto(At(2026, 4, 20));
  review.set_outcome("Too early.");
  const std::string before_review = PlanState({reworked.name()});
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().RecordReview(reworked.name(), reworked.etag(), review,
                              &ignored),
      "review.review_time"));
  EXPECT_EQ(PlanState({reworked.name()}), before_review);

  // Record (held three days ago): ACTIVE again, next review 90 days after
  // the review, the review kept with a fresh situation snapshot.
  *review.mutable_review_time() = Proto(At(2026, 5, 29));
  review.add_reviewers("kam@supplier.example");
  review.add_reviewers("Eve Adams");
  review.set_outcome("On course; add a plant visit.");
  review.set_changes("Added the Lyon visit.");
  pv1::AccountPlan reviewed;
  ASSERT_TRUE(IsOk(planning().RecordReview(reworked.name(), reworked.etag(),
                                           review, &reviewed)));
  EXPECT_EQ(reviewed.status(), pv1::ACTIVE);
  EXPECT_EQ(reviewed.revision(), reworked.revision() + 1);
  EXPECT_EQ(FromProto(reviewed.next_review_time()),
            At(2026, 5, 29) + absl::Hours(24 * 90));
  ASSERT_EQ(reviewed.reviews_size(), 1);
  const pv1::PlanReview& kept = reviewed.reviews(0);
  EXPECT_EQ(FromProto(kept.review_time()), At(2026, 5, 29));
  EXPECT_THAT(kept.reviewers(),
              ElementsAre("kam@supplier.example", "Eve Adams"));
  EXPECT_EQ(kept.outcome(), "On course; add a plant visit.");
  EXPECT_EQ(kept.changes(), "Added the Lyon visit.");
  EXPECT_EQ(kept.revision(), reviewed.revision());
  ASSERT_TRUE(kept.has_situation());
  EXPECT_EQ(FromProto(kept.situation().take_time()), FixedNow());
  EXPECT_EQ(reviewed.situation().ShortDebugString(),
            kept.situation().ShortDebugString());

  // A review of an ACTIVE plan needs no start; review_time defaults to now.
  // A shorter interval applies from the next review on.
  change = reviewed;
  change.set_review_interval_days(30);
  pv1::AccountPlan monthly;
  ASSERT_TRUE(
      IsOk(planning().Update(change, {"review_interval_days"}, &monthly)));
  pv1::PlanReview quick;
  quick.set_outcome("Monthly check: fine.");
  pv1::AccountPlan again;
  ASSERT_TRUE(IsOk(
      planning().RecordReview(monthly.name(), monthly.etag(), quick, &again)));
  EXPECT_EQ(again.status(), pv1::ACTIVE);
  ASSERT_EQ(again.reviews_size(), 2);
  EXPECT_EQ(again.reviews(1).outcome(), "Monthly check: fine.");
  EXPECT_EQ(FromProto(again.reviews(1).review_time()), FixedNow());
  EXPECT_EQ(FromProto(again.next_review_time()),
            FixedNow() + absl::Hours(24 * 30));

  // Close: kept, read-only.
  pv1::AccountPlan closed;
  ASSERT_TRUE(IsOk(planning().Close(again.name(), again.etag(),
                                    "Superseded by the 2027 plan", &closed)));
  EXPECT_EQ(closed.status(), pv1::CLOSED);
  EXPECT_EQ(FromProto(closed.close_time()), FixedNow());
  EXPECT_EQ(closed.close_reason(), "Superseded by the 2027 plan");
  EXPECT_EQ(closed.revision(), again.revision() + 1);
  const std::string before = PlanState({closed.name()});
  auto refused = [&](const std::string& what, const grpc::Status& status) {
    EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION)) << what;
    EXPECT_EQ(PlanState({closed.name()}), before) << what;
  };
  change = closed;
  change.set_title("Acme 2026 (closed)");
  refused("update", planning().Update(change, {"title"}, &ignored));
  pv1::ProgressUpdate progress;
  progress.set_value(5'500'000);
  refused("progress",
          planning().RecordProgress(closed.name(), "revenue", closed.etag(),
                                    progress, &ignored));
  pv1::Action done;
  done.set_id("qbr");
  done.set_status(pv1::DONE);
  refused("action", planning().UpdateAction(closed.name(), closed.etag(), done,
                                            {"status"}, &ignored));
  refused("start review",
          planning().StartReview(closed.name(), closed.etag(), &ignored));
  refused("record review", planning().RecordReview(closed.name(), closed.etag(),
                                                   quick, &ignored));
  refused("activate",
          planning().Activate(closed.name(), closed.etag(), &ignored));
  refused("close",
          planning().Close(closed.name(), closed.etag(), "Again", &ignored));
  refused("delete", planning().Delete(closed.name(), closed.etag()));
  pv1::ExportAccountPlanResponse exported;
  EXPECT_TRUE(IsOk(planning().Export(closed.name(), 0, &exported)));

  // A draft can be closed directly.
  const pv1::AccountPlan draft =
      MustCreate("globex", NewOperationalPlan("Globex 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(IsOk(planning().Close(draft.name(), draft.etag(),
                                    "Globex chose another supplier", &closed)));
  EXPECT_EQ(closed.status(), pv1::CLOSED);
  EXPECT_FALSE(closed.has_activate_time());
}

TEST_F(LifecycleTest, PlansCascadeDownTheHorizonsOfOneAccount) {
  const pv1::AccountPlan strategic =
      MustCreate("acme", NewStrategicPlan("Acme 2030"), "strat");
  pv1::AccountPlan tactical_plan = NewTacticalPlan("Acme 2026-27");
  tactical_plan.set_parent_plan(strategic.name());
  tactical_plan.mutable_objectives(0)->set_serves_objective("grow");
  const pv1::AccountPlan tactical = MustCreate("acme", tactical_plan, "tac");
  pv1::AccountPlan operational_plan = NewOperationalPlan("Acme 2026");
  operational_plan.set_parent_plan(tactical.name());
  operational_plan.mutable_objectives(0)->set_serves_objective("grow");
  const pv1::AccountPlan operational =
      MustCreate("acme", operational_plan, "ops");
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(tactical.parent_plan(), strategic.name());
  EXPECT_EQ(tactical.objectives(0).serves_objective(), "grow");
  EXPECT_EQ(operational.parent_plan(), tactical.name());
  EXPECT_EQ(operational.objectives(0).serves_objective(), "grow");
  // Globex has a tactical plan too.
  const pv1::AccountPlan globex_tactical =
      MustCreate("globex", NewTacticalPlan("Globex 2026-27"), "tac");
  ASSERT_FALSE(HasFailure());

  const std::string before = AllPlans();
  auto misfit = [&](const std::string& what, const pv1::AccountPlan& plan) {
    pv1::AccountPlan ignored;
    EXPECT_TRUE(HasCode(planning().Create("acme", plan, &ignored),
                        grpc::StatusCode::FAILED_PRECONDITION))
        << what;
  };
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026, skipping a level");
  plan.set_parent_plan(strategic.name());
  misfit("an operational plan under a strategic one", plan);
  plan = NewTacticalPlan("Acme 2026-27 under itself");
  plan.set_parent_plan(tactical.name());
  misfit("a tactical plan under a tactical one", plan);
  plan = NewOperationalPlan("Acme 2026 under nothing");
  plan.set_parent_plan(PlanName("acme", "no-such-plan"));
  misfit("a parent that does not exist", plan);
  plan = NewOperationalPlan("Acme 2026 serving a ghost");
  plan.set_parent_plan(tactical.name());
  plan.mutable_objectives(0)->set_serves_objective("no-such-objective");
  misfit("an objective serving one the parent does not have", plan);
  // Another account's plan is never a parent: the name alone says so.
  plan = NewOperationalPlan("Acme 2026 under Globex");
  plan.set_parent_plan(globex_tactical.name());
  pv1::AccountPlan refused;
  EXPECT_TRUE(IsInvalidArgumentFor(planning().Create("acme", plan, &refused),
                                   "plan.parent_plan"));
  EXPECT_EQ(AllPlans(), before);

  // The same rules on update; the plan stays as it was.
  const std::string ops_before = PlanState({operational.name()});
  pv1::AccountPlan change = operational;
  change.set_parent_plan(strategic.name());
  pv1::AccountPlan ignored;
  EXPECT_TRUE(HasCode(planning().Update(change, {"parent_plan"}, &ignored),
                      grpc::StatusCode::FAILED_PRECONDITION));
  change = operational;
  change.set_parent_plan(globex_tactical.name());
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Update(change, {"parent_plan"}, &ignored),
                           "plan.parent_plan"));
  EXPECT_EQ(PlanState({operational.name()}), ops_before);

  // Moving under another fitting parent, and leaving the cascade, work.
  const pv1::AccountPlan other_tactical =
      MustCreate("acme", NewTacticalPlan("Acme 2026-27, variant"), "tac-b");
  ASSERT_FALSE(HasFailure());
  change = operational;
  change.set_parent_plan(other_tactical.name());
  pv1::AccountPlan moved;
  ASSERT_TRUE(IsOk(planning().Update(change, {"parent_plan"}, &moved)));
  EXPECT_EQ(moved.parent_plan(), other_tactical.name());
  change = moved;
  change.clear_parent_plan();
  change.mutable_objectives(0)->clear_serves_objective();
  pv1::AccountPlan alone;
  ASSERT_TRUE(
      IsOk(planning().Update(change, {"parent_plan", "objectives"}, &alone)));
  EXPECT_TRUE(alone.parent_plan().empty());
}

TEST_F(LifecycleTest, TheCustomerTakesPartAndAgreesToARevision) {
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  *plan.add_participants() = NewParticipant("acme", "eve", "executive sponsor");
  *plan.add_participants() = NewParticipant("acme", "max", "operations lead");
  const pv1::AccountPlan created = MustCreate("acme", plan, "ops");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(created.participants_size(), 2);
  EXPECT_EQ(created.participants(0).display_name(), "Eve Adams");
  EXPECT_EQ(created.participants(0).title(), "Chief Procurement Officer");
  EXPECT_EQ(created.participants(1).display_name(), "Max Mustermann");
  EXPECT_EQ(created.participants(1).title(), "Head of Operations");
  EXPECT_EQ(created.participants(1).role(), "operations lead");

  // Only contacts of the account take part: one planning does not know is
  // FAILED_PRECONDITION; another account's contact is never right
  // (INVALID_ARGUMENT, by the name alone).
  pv1::AccountPlan ignored;
  {
    const std::string before = PlanState({created.name()});
    pv1::AccountPlan change = created;
    change.add_participants()->set_contact(ContactName("acme", "zoe"));
    grpc::Status status = planning().Update(change, {"participants"}, &ignored);
    EXPECT_TRUE(HasCode(status, grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_THAT(status.error_message(), HasSubstr(ContactName("acme", "zoe")));
    change = created;
    change.add_participants()->set_contact(ContactName("globex", "gus"));
    EXPECT_TRUE(IsInvalidArgumentFor(
        planning().Update(change, {"participants"}, &ignored),
        "plan.participants[2].contact"));
    EXPECT_EQ(PlanState({created.name()}), before);
  }

  // Only a participant agrees; bob is a contact, but not a participant.
  const std::string before = PlanState({created.name()});
  pv1::CustomerAgreement agreement;
  agreement.set_contact(ContactName("acme", "bob"));
  EXPECT_TRUE(HasCode(planning().RecordAgreement(created.name(), created.etag(),
                                                 agreement, &ignored),
                      grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(PlanState({created.name()}), before);

  // Eve agrees to the plan as it stands: the agreement is recorded in the
  // next revision, and names it.
  agreement.set_contact(ContactName("acme", "eve"));
  agreement.set_note("Agreed in the steering committee");
  pv1::AccountPlan agreed;
  ASSERT_TRUE(IsOk(planning().RecordAgreement(created.name(), created.etag(),
                                              agreement, &agreed)));
  ASSERT_TRUE(agreed.has_customer_agreement());
  const pv1::CustomerAgreement& kept = agreed.customer_agreement();
  EXPECT_EQ(kept.contact(), ContactName("acme", "eve"));
  EXPECT_EQ(kept.display_name(), "Eve Adams");
  EXPECT_EQ(FromProto(kept.agree_time()), FixedNow());
  EXPECT_EQ(kept.note(), "Agreed in the steering committee");
  EXPECT_EQ(agreed.revision(), created.revision() + 1);
  EXPECT_EQ(kept.revision(), agreed.revision());
  EXPECT_EQ(MustGet(created.name()).ShortDebugString(),
            agreed.ShortDebugString());

  // A later change leaves the agreement pointing at the revision agreed to,
  // now older than the plan: the change shows as made after the agreement.
  pv1::AccountPlan change = agreed;
  change.set_title("Acme 2026, amended");
  pv1::AccountPlan amended;
  ASSERT_TRUE(IsOk(planning().Update(change, {"title"}, &amended)));
  EXPECT_EQ(amended.customer_agreement().revision(), agreed.revision());
  EXPECT_GT(amended.revision(), amended.customer_agreement().revision());

  // A participant may agree with an explicit (past) time.
  agreement.set_contact(ContactName("acme", "max"));
  *agreement.mutable_agree_time() = Proto(At(2026, 5, 30, 14));
  ASSERT_TRUE(IsOk(planning().RecordAgreement(amended.name(), amended.etag(),
                                              agreement, &agreed)));
  EXPECT_EQ(agreed.customer_agreement().contact(), ContactName("acme", "max"));
  EXPECT_EQ(agreed.customer_agreement().display_name(), "Max Mustermann");
  EXPECT_EQ(FromProto(agreed.customer_agreement().agree_time()),
            At(2026, 5, 30, 14));
  EXPECT_EQ(agreed.customer_agreement().revision(), amended.revision() + 1);
  EXPECT_EQ(agreed.customer_agreement().revision(), agreed.revision());

  // A participant can be added later.
  change = agreed;
  *change.add_participants() = NewParticipant("acme", "bob", "purchasing");
  pv1::AccountPlan three;
  ASSERT_TRUE(IsOk(planning().Update(change, {"participants"}, &three)));
  ASSERT_EQ(three.participants_size(), 3);
  EXPECT_EQ(three.participants(2).display_name(), "Bob Baker");
}

}  // namespace
}  // namespace kam::planning_test
