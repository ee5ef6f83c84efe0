// What kamctl's planning commands show: a plan with its objectives measured
// against their targets, the strategy, the actions and who takes part; the
// lists of plans, revisions, overdue actions and reviews due; and coverage of
// the key accounts.

#include "tools/kamctl/planning_views.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"
#include "tools/kamctl/engagement_records.h"

namespace kam::kamctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Timestamp Day(const std::string& text) {
  return ToTimestamp(*ParseTime(text));
}

// A plan as `plans get` receives it: two objectives (one measured), a
// strategy, three actions (one done, one cancelled), a participant who
// agreed to an earlier revision, and a review.
pv1::AccountPlan SamplePlan() {
  return ParseTextProto<pv1::AccountPlan>(R"pb(
    name: "accounts/vestwind/plans/operational-2027"
    horizon: OPERATIONAL
    title: "Vestwind operational plan 2026/27"
    summary: "Defend the drivetrain business and win the 2028 platform."
    period_start { seconds: 1782864000 }  # 2026-07-01
    period_end { seconds: 1814400000 }    # 2027-07-01
    status: ACTIVE
    parent_plan: "accounts/vestwind/plans/tactical-2027"
    objectives {
      id: "revenue"
      statement: "Grow drivetrain bearing revenue"
      metric: REVENUE
      unit: "EUR"
      baseline: 2100000000
      target: 2400000000
      due_time { seconds: 1814313600 }  # 2027-06-30
      serves_objective: "platform"
      progress {
        measure_time { seconds: 1790812800 }
        value: 2220000000
      }
      status: ON_TRACK
      expected_value: 2180000000
      achieved_percent: 40
    }
    objectives {
      id: "nps"
      statement: "Lift NPS among the decision makers"
      metric: NPS
      unit: "NPS"
      baseline: -10
      target: 30
      due_time { seconds: 1814313600 }
      status: NOT_MEASURED
    }
    strategy {
      product {
        text: "Lead with the 6 MW pitch bearing."
        key_choices: "Co-design"
      }
      service { text: "Two lines\nof text" }
    }
    actions {
      id: "qbr-q3"
      title: "Quarterly business review Q3"
      owner: "mette.lund@fjordmotion.example"
      due_time { seconds: 1790726400 }  # 2026-09-30
      status: DONE
      objective: "revenue"
      complete_time { seconds: 1790640000 }
    }
    actions {
      id: "workshop"
      title: "Joint engineering workshop"
      owner: "marco.rossi@fjordmotion.example"
      due_time { seconds: 1798675200 }  # 2026-12-31
      status: OPEN
      objective: "revenue"
    }
    actions {
      id: "old"
      title: "Dropped idea"
      owner: "x"
      due_time { seconds: 1798675200 }
      status: CANCELLED
      objective: "nps"
    }
    participants {
      contact: "accounts/vestwind/contacts/karen-holm"
      display_name: "Karen Holm"
      title: "Chief Procurement Officer"
      role: "executive sponsor"
    }
    customer_agreement {
      contact: "accounts/vestwind/contacts/karen-holm"
      display_name: "Karen Holm"
      agree_time { seconds: 1790812800 }  # 2026-10-01
      revision: 3
    }
    review_interval_days: 90
    next_review_time { seconds: 1798675200 }
    reviews {
      review_time { seconds: 1790812800 }
      reviewers: "mette.lund@fjordmotion.example"
      reviewers: "karen-holm"
      outcome: "On track; add the NPS objective"
      revision: 3
    }
    situation {
      tier: KEY
      tier_since { seconds: 1790812800 }
      score: 72.5
      abc_class: A
      nps: 40
      stage: COOPERATIVE
      unknown: "nps_trend"
    }
    account_display_name: "Vestwind Energy A/S"
    revision: 5
    etag: "e5"
  )pb");
}

TEST(PlanningFormatTest, DaysPeriodsAndDueDates) {
  EXPECT_EQ(FormatDay(Day("2027-06-30")), "2027-06-30");
  EXPECT_EQ(FormatDay(Day("2027-06-30T10:30:00Z")), "2027-06-30T10:30:00Z");
  EXPECT_EQ(FormatDay(google::protobuf::Timestamp()), "");
  // Due and review dates are days, whatever the time of day.
  EXPECT_EQ(DateOf(Day("2027-02-21T14:38:07.463Z")), "2027-02-21");
  EXPECT_EQ(DateOf(google::protobuf::Timestamp()), "");
  EXPECT_EQ(PeriodText(SamplePlan()), "2026-07-01..2027-07-01 (365 days)");
  pv1::AccountPlan half_day;
  *half_day.mutable_period_start() = Day("2026-07-01");
  *half_day.mutable_period_end() = Day("2026-07-02T12:00:00Z");
  EXPECT_EQ(PeriodText(half_day),
            "2026-07-01..2026-07-02T12:00:00Z (1.5 days)");
  EXPECT_EQ(PeriodText(pv1::AccountPlan()), "");

  EXPECT_EQ(DueInText(12), "in 12 days");
  EXPECT_EQ(DueInText(1), "in 1 day");
  EXPECT_EQ(DueInText(0), "today");
  EXPECT_EQ(DueInText(-3), "3 days overdue");
}

TEST(PlanningFormatTest, ObjectiveValuesReadInTheirMetric) {
  const pv1::AccountPlan plan = SamplePlan();
  EXPECT_EQ(ObjectiveValueText(plan.objectives(0), 2220000000),
            "22,200,000.00 EUR");
  EXPECT_EQ(ObjectiveValueText(plan.objectives(1), 30), "+30");
  EXPECT_EQ(ObjectiveValueText(plan.objectives(1), -10), "-10");
  pv1::Objective share;
  share.set_metric(pv1::SHARE_OF_WALLET);
  EXPECT_EQ(ObjectiveValueText(share, 35), "35%");
  pv1::Objective custom;
  custom.set_metric(pv1::CUSTOM);
  custom.set_unit("workshops");
  EXPECT_EQ(ObjectiveValueText(custom, 4), "4 workshops");
}

TEST(PlansTableTest, OneRowPerPlanWithProgressAtAGlance) {
  google::protobuf::RepeatedPtrField<pv1::AccountPlan> plans;
  *plans.Add() = SamplePlan();
  const std::string text = Render(PlansTable(plans));
  EXPECT_THAT(text, HasSubstr("PLAN"));
  EXPECT_THAT(text, HasSubstr("NEXT_REVIEW"));
  // The short name, which PLAN arguments take back; actions done of those
  // not cancelled.
  EXPECT_THAT(text, HasSubstr("vestwind/operational-2027  operational  active"
                              "  2026-07-01..2027-07-01 (365 days)  Vestwind "
                              "operational plan 2026/27           2      1/2"
                              "  2026-12-31"));
}

TEST(PlanTextTest, ShowsEverythingAPlanHolds) {
  const std::string text = PlanText(SamplePlan());
  EXPECT_THAT(text, HasSubstr("name:                accounts/vestwind/plans/"
                              "operational-2027\n"));
  EXPECT_THAT(text, HasSubstr("account:             vestwind (Vestwind Energy "
                              "A/S)\n"));
  EXPECT_THAT(text, HasSubstr("status:              active\n"));
  EXPECT_THAT(text, HasSubstr("parent_plan:         vestwind/tactical-2027\n"));
  EXPECT_THAT(text, HasSubstr("review_interval:     90 days\n"));
  // Agreed at revision 3; the plan has changed since.
  EXPECT_THAT(text,
              HasSubstr("customer_agreement:  karen-holm (Karen Holm) on "
                        "2026-10-01, to revision 3 (the plan is at revision 5 "
                        "now)\n"));
  EXPECT_THAT(text, HasSubstr("situation:           tier key since 2026-10-01,"
                              " score 72.50, ABC A, NPS +40, stage cooperative "
                              "(unknown: nps_trend)\n"));
  EXPECT_THAT(text, HasSubstr("summary:\n  Defend the drivetrain business"));
  // Objectives: money in major units, the latest measurement, the share of
  // the way, the status.
  EXPECT_THAT(text, HasSubstr("revenue  Grow drivetrain bearing revenue     "
                              "revenue  21,000,000.00 EUR  24,000,000.00 EUR  "
                              "22,200,000.00 EUR       40%  2027-06-30  "
                              "on_track      platform\n"));
  EXPECT_THAT(text, HasSubstr("nps      Lift NPS among the decision makers  "
                              "nps                    -10                +30"
                              "                  -         -  2027-06-30  "
                              "not_measured  -\n"));
  // The strategy: only the dimensions said something about, continuation
  // lines lined up.
  EXPECT_THAT(text, HasSubstr("strategy:\n  product:       Lead with the 6 MW "
                              "pitch bearing.\n                 - Co-design\n"
                              "  service:       Two lines\n                 "
                              "of text\n"));
  EXPECT_THAT(text, Not(HasSubstr("price:")));
  EXPECT_THAT(text, HasSubstr("qbr-q3    Quarterly business review Q3  "
                              "mette.lund@fjordmotion.example   2026-09-30  "
                              "done       revenue    2026-09-29\n"));
  EXPECT_THAT(text, HasSubstr("participants:\nCONTACT     NAME        TITLE"));
  EXPECT_THAT(text, HasSubstr("karen-holm  Karen Holm  Chief Procurement "
                              "Officer  executive sponsor\n"));
  EXPECT_THAT(text, HasSubstr("mette.lund@fjordmotion.example, karen-holm  On "
                              "track; add the NPS objective"));
}

TEST(PlanTextTest, ADraftWithNothingYetSaysSo) {
  pv1::AccountPlan draft;
  draft.set_name("accounts/acme/plans/p");
  draft.set_status(pv1::DRAFT);
  const std::string text = PlanText(draft);
  EXPECT_THAT(text, HasSubstr("account:             acme\n"));
  EXPECT_THAT(text, HasSubstr("objectives: none\n"));
  EXPECT_THAT(text, HasSubstr("strategy:\n  (no strategy yet)\n"));
  EXPECT_THAT(text, HasSubstr("actions: none\n"));
  EXPECT_THAT(text, HasSubstr("participants: none\n"));
  EXPECT_THAT(text, HasSubstr("reviews: none\n"));
  EXPECT_THAT(text, Not(HasSubstr("closed:")));
}

TEST(PlanLinesTest, WhatTheChangingCommandsPrint) {
  EXPECT_EQ(PlanLine(SamplePlan()),
            "vestwind/operational-2027: operational, active, revision 5, next "
            "review 2026-12-31, etag e5");
  const pv1::AccountPlan plan = SamplePlan();
  EXPECT_EQ(ObjectiveLine(plan.objectives(0)),
            "revenue: 22,200,000.00 EUR measured 2026-10-01 (target "
            "24,000,000.00 EUR, expected 21,800,000.00 EUR): 40% of the way, "
            "on_track");
  EXPECT_EQ(ObjectiveLine(plan.objectives(1)),
            "nps: not measured yet (target +30), not_measured");
  EXPECT_EQ(ActionLine(plan.actions(0)),
            "qbr-q3: done, owner mette.lund@fjordmotion.example, due "
            "2026-09-30, completed 2026-09-29: Quarterly business review Q3");
}

TEST(RevisionsTest, NewestFirstWithWhatChanged) {
  auto response = ParseTextProto<pv1::ListPlanRevisionsResponse>(R"pb(
    revisions {
      revision: 2
      create_time { seconds: 1790812800 }
      change: PLAN_ACTIVATED
      description: "activated"
    }
    revisions {
      revision: 1
      create_time { seconds: 1790726400 }
      change: PLAN_CREATED
      description: "created"
    }
  )pb");
  EXPECT_EQ(Render(RevisionsTable(response.revisions())),
            "REVISION  WHEN                  CHANGE          DESCRIPTION\n"
            "       2  2026-10-01T00:00:00Z  plan_activated  activated\n"
            "       1  2026-09-30T00:00:00Z  plan_created    created\n");
  pv1::PlanRevision revision = response.revisions(0);
  *revision.mutable_plan() = SamplePlan();
  const std::string text = RevisionText(revision);
  EXPECT_THAT(text, HasSubstr("revision:     2\n"));
  EXPECT_THAT(text, HasSubstr("change:       plan_activated\n"));
  EXPECT_THAT(text, HasSubstr("the plan at this revision:\nname:"));
}

TEST(OverdueActionsTextTest, MostOverdueFirstWithTheTotal) {
  auto response = ParseTextProto<pv1::ListOverdueActionsResponse>(R"pb(
    actions {
      plan: "accounts/vestwind/plans/operational-2027"
      plan_title: "Vestwind operational plan"
      horizon: OPERATIONAL
      account_display_name: "Vestwind Energy A/S"
      action {
        id: "workshop"
        title: "Joint engineering workshop"
        owner: "marco.rossi@fjordmotion.example"
        due_time { seconds: 1790726400 }
        status: OPEN
      }
      days_overdue: 54
    }
    total: 3
  )pb");
  const std::string text = OverdueActionsText(response);
  EXPECT_THAT(text, HasSubstr("PLAN                       HORIZON      ACCOUNT"
                              "              ACTION    TITLE"));
  EXPECT_THAT(text, HasSubstr("vestwind/operational-2027  operational  "
                              "Vestwind Energy A/S  workshop  Joint engineering"
                              " workshop  marco.rossi@fjordmotion.example  "
                              "2026-09-30            54\n"));
  EXPECT_THAT(text, HasSubstr("\n3 overdue actions (showing 1; raise --limit)"
                              "\n"));
  EXPECT_EQ(OverdueActionsText(pv1::ListOverdueActionsResponse()),
            "no overdue actions\n");
}

TEST(DueForReviewTextTest, SaysWhenEachReviewIsDue) {
  auto response = ParseTextProto<pv1::ListPlansDueForReviewResponse>(R"pb(
    plans {
      plan: "accounts/aarhus-pumps/plans/operational-2027"
      title: "Aarhus Pumps 2026/27"
      horizon: OPERATIONAL
      account_display_name: "Aarhus Pumpefabrik A/S"
      next_review_time { seconds: 1790726400 }
      days_until_due: -5
    }
    plans {
      plan: "accounts/vestwind/plans/tactical-2027"
      title: "Vestwind tactical"
      horizon: TACTICAL
      account_display_name: "Vestwind Energy A/S"
      next_review_time { seconds: 1798675200 }
      days_until_due: 1
    }
    total: 2
  )pb");
  const std::string text = DueForReviewText(response);
  EXPECT_THAT(text, HasSubstr("2026-09-30   5 days overdue\n"));
  EXPECT_THAT(text, HasSubstr("2026-12-31   in 1 day\n"));
  EXPECT_THAT(text, HasSubstr("\n2 plans due for review\n"));
  EXPECT_THAT(text, Not(HasSubstr("showing")));
  EXPECT_EQ(DueForReviewText(pv1::ListPlansDueForReviewResponse()),
            "no plans due for review\n");
}

TEST(CoverageTextTest, CountsPerHorizonAndListsTheGaps) {
  auto coverage = ParseTextProto<pv1::PlanCoverage>(R"pb(
    tiers_known: true
    horizons {
      horizon: STRATEGIC
      key_accounts: 6
      covered: 1
      covered_percent: 16
      uncovered {
        account: "accounts/aarhus-pumps"
        display_name: "Aarhus Pumpefabrik A/S"
      }
    }
    horizons {
      horizon: OPERATIONAL
      key_accounts: 6
      covered: 5
      covered_percent: 83
      uncovered {
        account: "accounts/bergen-aqua"
        display_name: "Bergen Aquaculture Systems AS"
        draft_plan: "accounts/bergen-aqua/plans/operational-2027"
      }
    }
  )pb");
  const std::string text = CoverageText(coverage);
  EXPECT_THAT(text, HasSubstr("strategic:    1 of 6 key accounts covered (16%)"
                              "\noperational:  5 of 6 key accounts covered "
                              "(83%)\n"));
  EXPECT_THAT(text, HasSubstr("key accounts without a plan in force:\n"));
  EXPECT_THAT(text, HasSubstr("strategic    aarhus-pumps  Aarhus Pumpefabrik "
                              "A/S         -\n"));
  EXPECT_THAT(text, HasSubstr("operational  bergen-aqua   Bergen Aquaculture "
                              "Systems AS  bergen-aqua/operational-2027\n"));
  EXPECT_THAT(text, Not(HasSubstr("tiers unknown")));

  pv1::PlanCoverage unknown;
  auto* h = unknown.add_horizons();
  h->set_horizon(pv1::OPERATIONAL);
  h->set_covered_percent(100);
  EXPECT_EQ(CoverageText(unknown),
            "tiers unknown: planning has not heard from scoring's tier feed "
            "yet, so no account is known to be key\n"
            "operational:  0 of 0 key accounts covered (100%)\n");
}

}  // namespace
}  // namespace kam::kamctl
