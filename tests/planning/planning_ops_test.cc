// What an operator watches on /metrics of kam-planning: plans by horizon and
// status, overdue actions, reviews due, key accounts without a plan in
// force (gauges refreshed every --gauge_interval), how each peer's feed is
// followed, and every RPC by method and code.

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"
#include "tests/support/prometheus_text.h"

namespace kam::planning_test {
namespace {

using test_support::CountMetrics;
using test_support::FindMetric;
using test_support::MetricSample;

class MetricsTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }
};

ExpectedSample Plans(pv1::PlanHorizon horizon, pv1::PlanStatus status,
                     double value) {
  return {"kam_planning_plans",
          {{"horizon", HorizonLabel(horizon)}, {"status", StatusLabel(status)}},
          value};
}

ExpectedSample PerHorizon(const std::string& name, pv1::PlanHorizon horizon,
                          double value) {
  return {name, {{"horizon", HorizonLabel(horizon)}}, value};
}

TEST_F(MetricsTest, GaugesCountPlansOverdueActionsReviewsAndUncoveredAccounts) {
  // Acme and Globex are key accounts; Initech is not.
  for (const char* id : {"acme", "globex"}) {
    ASSERT_TRUE(WaitForTier(id, [](const sv1::AccountTier&) { return true; }));
    ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride(id, cv1::KEY))));
  }
  ASSERT_TRUE(WaitForPlanningFeeds());

  // Acme: an active tactical plan with weekly reviews, activated on
  // 2026-05-01 (planning's clock set back for it), so its review has been
  // due since 2026-05-08; an active operational plan with one overdue
  // action (reviewed every 180 days, so no review is near); and a second
  // operational draft.
  planning_fixed_time_ = "2026-05-01T00:00:00Z";
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  pv1::AccountPlan tactical_plan = NewTacticalPlan("Acme 2026-27");
  tactical_plan.set_review_interval_days(7);
  const pv1::AccountPlan tactical =
      MustActivate(MustCreate("acme", tactical_plan, "tac").name());
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(FromProto(tactical.next_review_time()), At(2026, 5, 8));
  planning_fixed_time_ = kFixedTime;
  RestartPlanning();
  ASSERT_FALSE(HasFatalFailure());
  pv1::AccountPlan ops = NewOperationalPlan("Acme 2026");
  ops.set_review_interval_days(180);
  *ops.add_actions() =
      NewAction("offer", "Send the framework offer", At(2026, 3, 1), "revenue");
  const pv1::AccountPlan acme_ops =
      MustActivate(MustCreate("acme", ops, "ops").name());
  MustCreate("acme", NewOperationalPlan("Acme 2026, alternative"), "ops-next");
  ASSERT_FALSE(HasFailure());
  // Globex: a draft. Initech: a strategic draft, closed.
  MustCreate("globex", NewOperationalPlan("Globex 2026"), "ops");
  const pv1::AccountPlan initech =
      MustCreate("initech", NewStrategicPlan("Initech 2030"), "strat");
  ASSERT_FALSE(HasFailure());
  pv1::AccountPlan closed;
  ASSERT_TRUE(IsOk(planning().Close(initech.name(), initech.etag(),
                                    "Not a key account", &closed)));
  // One rejected create.
  pv1::AccountPlan untitled = NewOperationalPlan("");
  pv1::AccountPlan ignored;
  ASSERT_TRUE(IsInvalidArgumentFor(
      planning().Create("globex", untitled, &ignored), "plan.title"));

  EXPECT_TRUE(WaitForMetrics({
      Plans(pv1::OPERATIONAL, pv1::ACTIVE, 1),
      Plans(pv1::OPERATIONAL, pv1::DRAFT, 2),
      Plans(pv1::OPERATIONAL, pv1::UNDER_REVIEW, 0),
      Plans(pv1::OPERATIONAL, pv1::CLOSED, 0),
      Plans(pv1::TACTICAL, pv1::ACTIVE, 1),
      Plans(pv1::TACTICAL, pv1::DRAFT, 0),
      Plans(pv1::STRATEGIC, pv1::CLOSED, 1),
      Plans(pv1::STRATEGIC, pv1::ACTIVE, 0),
      PerHorizon("kam_planning_overdue_actions", pv1::OPERATIONAL, 1),
      PerHorizon("kam_planning_overdue_actions", pv1::TACTICAL, 0),
      PerHorizon("kam_planning_overdue_actions", pv1::STRATEGIC, 0),
      PerHorizon("kam_planning_plans_due_for_review", pv1::OPERATIONAL, 0),
      PerHorizon("kam_planning_plans_due_for_review", pv1::TACTICAL, 1),
      PerHorizon("kam_planning_plans_due_for_review", pv1::STRATEGIC, 0),
      PerHorizon("kam_planning_key_accounts_without_plan", pv1::OPERATIONAL, 1),
      PerHorizon("kam_planning_key_accounts_without_plan", pv1::TACTICAL, 1),
      PerHorizon("kam_planning_key_accounts_without_plan", pv1::STRATEGIC, 2),
  }));

  // Each peer's feed: connected and caught up.
  std::vector<ExpectedSample> feeds;
  for (const char* feed : {kRegistryFeed, kScoringFeed, kEngagementFeed}) {
    feeds.push_back({"kam_feed_consumer_connected", {{"feed", feed}}, 1});
    feeds.push_back({"kam_feed_consumer_lag_events", {{"feed", feed}}, 0});
  }
  EXPECT_TRUE(WaitForMetrics(feeds));
  // Each feed's cursor, and its counters (how many events were applied
  // since the restart is the durability test's business).
  const std::vector<MetricSample> samples = ScrapePlanning();
  for (const char* feed : {kRegistryFeed, kScoringFeed, kEngagementFeed}) {
    EXPECT_GT(FindMetric(samples, "kam_feed_consumer_cursor", {{"feed", feed}})
                  .value_or(0),
              0)
        << feed;
    EXPECT_EQ(CountMetrics(samples, "kam_feed_consumer_events_applied_total",
                           {{"feed", feed}}),
              1)
        << feed;
    EXPECT_EQ(CountMetrics(samples, "kam_feed_consumer_reconnects_total",
                           {{"feed", feed}}),
              1)
        << feed;
  }
  // Every RPC since the restart, by method and code.
  EXPECT_EQ(
      FindMetric(samples, "kam_grpc_server_handled_total",
                 {{"grpc_method", "CreateAccountPlan"}, {"grpc_code", "OK"}})
          .value_or(-1),
      4);
  EXPECT_EQ(FindMetric(samples, "kam_grpc_server_handled_total",
                       {{"grpc_method", "CreateAccountPlan"},
                        {"grpc_code", "INVALID_ARGUMENT"}})
                .value_or(-1),
            1);
  EXPECT_EQ(
      FindMetric(samples, "kam_grpc_server_handled_total",
                 {{"grpc_method", "ActivateAccountPlan"}, {"grpc_code", "OK"}})
          .value_or(-1),
      1);

  // The gauges follow: the operational plan closed, its overdue action and
  // Acme's operational coverage go with it.
  ASSERT_TRUE(IsOk(
      planning().Close(acme_ops.name(), acme_ops.etag(), "Replaced", &closed)));
  EXPECT_TRUE(WaitForMetrics({
      Plans(pv1::OPERATIONAL, pv1::ACTIVE, 0),
      Plans(pv1::OPERATIONAL, pv1::CLOSED, 1),
      PerHorizon("kam_planning_overdue_actions", pv1::OPERATIONAL, 0),
      PerHorizon("kam_planning_key_accounts_without_plan", pv1::OPERATIONAL, 2),
      PerHorizon("kam_planning_key_accounts_without_plan", pv1::TACTICAL, 1),
  }));
}

}  // namespace
}  // namespace kam::planning_test
