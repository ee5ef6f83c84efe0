// What operators rely on: an acknowledged change of a plan survives a
// graceful restart and kill -9 of kam-planning, with its revisions and its
// progress; the feed projections resume from their cursors, so what the
// peers did while planning was down arrives once, and nothing twice.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"
#include "tests/support/prometheus_text.h"

namespace kam::planning_test {
namespace {

using ::testing::ElementsAre;

class DurabilityTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }

  // Everything the reports say, for before/after comparisons.
  std::string Reports() {
    std::string out;
    pv1::PlanCoverage coverage;
    grpc::Status status =
        planning().GetCoverage(pv1::PLAN_HORIZON_UNSPECIFIED, &coverage);
    absl::StrAppend(
        &out, "coverage: ",
        status.ok() ? coverage.ShortDebugString() : Describe(status), "\n");
    pv1::ListOverdueActionsResponse overdue;
    status = planning().ListOverdue("accounts/-", 0, &overdue);
    absl::StrAppend(&out, "overdue: ",
                    status.ok() ? overdue.ShortDebugString() : Describe(status),
                    "\n");
    pv1::ListPlansDueForReviewResponse due;
    status = planning().ListDueForReview(365, 0, &due);
    absl::StrAppend(
        &out, "due: ", status.ok() ? due.ShortDebugString() : Describe(status),
        "\n");
    return out;
  }

  double AppliedSinceStart(const std::string& feed) {
    const std::vector<test_support::MetricSample> samples = ScrapePlanning();
    return test_support::FindMetric(samples,
                                    "kam_feed_consumer_events_applied_total",
                                    {{"feed", feed}})
        .value_or(-1);
  }
};

TEST_F(DurabilityTest, PlansSurviveRestartsAndKill9AndTheFeedsResume) {
  // Acme and Globex are key accounts.
  for (const char* id : {"acme", "globex"}) {
    ASSERT_TRUE(WaitForTier(id, [](const sv1::AccountTier&) { return true; }));
    ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride(id, cv1::KEY))));
  }
  ASSERT_TRUE(WaitForPlanningFeeds());

  // An Acme plan with history: created with a participant, changed,
  // measured, activated, an action done, agreed to. A Globex draft.
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  *plan.add_participants() = NewParticipant("acme", "eve", "executive sponsor");
  *plan.add_actions() =
      NewAction("offer", "Send the framework offer", At(2026, 3, 1), "revenue");
  pv1::AccountPlan acme = MustCreate("acme", plan, "ops");
  ASSERT_FALSE(HasFailure());
  pv1::AccountPlan change = acme;
  change.set_summary("Sensors first, then service.");
  ASSERT_TRUE(IsOk(planning().Update(change, {"summary"}, &acme)));
  pv1::ProgressUpdate progress;
  progress.set_value(5'300'000);
  *progress.mutable_measure_time() = Proto(At(2026, 4, 1));
  ASSERT_TRUE(IsOk(planning().RecordProgress(acme.name(), "revenue",
                                             acme.etag(), progress, &acme)));
  ASSERT_TRUE(IsOk(planning().Activate(acme.name(), acme.etag(), &acme)));
  pv1::Action done;
  done.set_id("qbr");
  done.set_status(pv1::DONE);
  ASSERT_TRUE(IsOk(planning().UpdateAction(acme.name(), acme.etag(), done,
                                           {"status"}, &acme)));
  pv1::CustomerAgreement agreement;
  agreement.set_contact(ContactName("acme", "eve"));
  ASSERT_TRUE(IsOk(
      planning().RecordAgreement(acme.name(), acme.etag(), agreement, &acme)));
  const pv1::AccountPlan globex =
      MustCreate("globex", NewOperationalPlan("Globex 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(acme.revision(), 6);
  pv1::PlanCoverage coverage;
  ASSERT_TRUE(WaitForCoverage(
      [](const pv1::PlanCoverage& c) {
        const pv1::HorizonCoverage* ops = FindHorizon(c, pv1::OPERATIONAL);
        return ops != nullptr && ops->key_accounts() == 2 &&
               ops->covered() == 1;
      },
      &coverage));
  const std::vector<std::string> names = {acme.name(), globex.name()};
  const std::string before = PlanState(names) + AllPlans() + Reports();

  // A graceful restart: SIGTERM, exit 0, everything there.
  absl::StatusOr<int> exit_code = TerminatePlanning();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  StartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(PlanState(names) + AllPlans() + Reports(), before);

  // An acknowledged write, then kill -9 at once.
  progress.set_value(5'450'000);
  progress.set_note("May actuals");
  *progress.mutable_measure_time() = Proto(At(2026, 5, 1));
  pv1::AccountPlan measured;
  ASSERT_TRUE(IsOk(planning().RecordProgress(
      acme.name(), "revenue", acme.etag(), progress, &measured)));
  const std::string acked = PlanState(names) + AllPlans();
  ASSERT_TRUE(WaitForPlanningFeeds());
  absl::StatusOr<uint64_t> registry_head = registry().FeedHead();
  absl::StatusOr<uint64_t> scoring_head = scoring().FeedHead();
  ASSERT_TRUE(registry_head.ok() && scoring_head.ok());
  KillPlanning();

  // While planning is down: Acme gets a new contact, Initech becomes key.
  rv1::Contact zoe = NewContact("zoe", {rv1::INFLUENCER}, rv1::EXECUTIVE);
  zoe.set_display_name("Zoe Zimmer");
  ASSERT_TRUE(
      IsOk(registry().CreateContact(AccountName("acme"), zoe, nullptr)));
  ASSERT_TRUE(
      WaitForTier("initech", [](const sv1::AccountTier&) { return true; }));
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("initech", cv1::KEY))));
  absl::StatusOr<uint64_t> registry_after = registry().FeedHead();
  absl::StatusOr<uint64_t> scoring_after = scoring().FeedHead();
  ASSERT_TRUE(registry_after.ok() && scoring_after.ok());
  ASSERT_GT(*registry_after, *registry_head);
  ASSERT_GT(*scoring_after, *scoring_head);

  StartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  // The acknowledged progress is there, and nothing else changed.
  const pv1::AccountPlan after = MustGet(acme.name());
  EXPECT_EQ(after.ShortDebugString(), measured.ShortDebugString());
  ASSERT_EQ(after.objectives(0).progress_size(), 2);
  EXPECT_EQ(after.objectives(0).progress(1).value(), 5'450'000);
  EXPECT_EQ(after.objectives(0).progress(1).note(), "May actuals");
  EXPECT_EQ(MustListRevisions(acme.name(), true).size(), 7u);
  EXPECT_EQ(PlanState(names) + AllPlans(), acked);

  // The feeds resume from their cursors: only what happened while planning
  // was down is applied (once).
  ASSERT_TRUE(WaitForPlanningFeeds());
  EXPECT_EQ(AppliedSinceStart(kRegistryFeed),
            static_cast<double>(*registry_after - *registry_head));
  EXPECT_EQ(AppliedSinceStart(kScoringFeed),
            static_cast<double>(*scoring_after - *scoring_head));
  ASSERT_TRUE(WaitForCoverage(
      [](const pv1::PlanCoverage& c) {
        const pv1::HorizonCoverage* ops = FindHorizon(c, pv1::OPERATIONAL);
        return ops != nullptr && ops->key_accounts() == 3;
      },
      &coverage));
  for (const pv1::HorizonCoverage& entry : coverage.horizons()) {
    SCOPED_TRACE(pv1::PlanHorizon_Name(entry.horizon()));
    EXPECT_EQ(entry.key_accounts(), 3);
    const std::vector<std::string> uncovered = UncoveredNames(entry);
    EXPECT_EQ(std::set<std::string>(uncovered.begin(), uncovered.end()).size(),
              uncovered.size());
    if (entry.horizon() == pv1::OPERATIONAL) {
      EXPECT_EQ(entry.covered(), 1);
      EXPECT_THAT(uncovered,
                  ElementsAre("accounts/globex", "accounts/initech"));
    } else {
      EXPECT_EQ(entry.covered(), 0);
      EXPECT_THAT(uncovered, ElementsAre("accounts/acme", "accounts/globex",
                                         "accounts/initech"));
    }
  }
  // The contact added while planning was down can take part.
  change = after;
  *change.add_participants() = NewParticipant("acme", "zoe", "innovation");
  pv1::AccountPlan joined;
  ASSERT_TRUE(IsOk(planning().Update(change, {"participants"}, &joined)));
  ASSERT_EQ(joined.participants_size(), 2);
  EXPECT_EQ(joined.participants(1).display_name(), "Zoe Zimmer");

  // And a kill -9 right after that write loses nothing either.
  const std::string last = PlanState(names) + AllPlans();
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(PlanState(names) + AllPlans(), last);
}

}  // namespace
}  // namespace kam::planning_test
