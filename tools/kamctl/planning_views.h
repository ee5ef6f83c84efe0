#ifndef KAM_TOOLS_KAMCTL_PLANNING_VIEWS_H_
#define KAM_TOOLS_KAMCTL_PLANNING_VIEWS_H_

#include <cstdint>
#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "kam/planning/v1/planning.pb.h"
#include "tools/kamctl/planning_records.h"
#include "tools/kamctl/table.h"
#include "tools/kamctl/views.h"

// How planning resources look in kamctl's table output. Pure functions of the
// messages, so tests can check what a user sees. Plans are shown by their
// short name, "ACCOUNT_ID/PLAN_ID", which every PLAN argument takes back;
// enum values in lower case, as kamctl reads them ("under_review").
namespace kam::kamctl {

// FormatDay is "2027-06-30" for a time at midnight UTC (how plan periods and
// due dates are mostly given), RFC 3339 otherwise, "" when unset.
std::string FormatDay(const google::protobuf::Timestamp& time);

// DateOf is the day (UTC) of a time, "2027-02-21", or "" when unset: how due
// dates, review dates and completions show in tables and lines.
std::string DateOf(const google::protobuf::Timestamp& time);

// PeriodText is "2026-07-01..2027-07-01 (365 days)": the end is exclusive,
// as in the API; "" without a start.
std::string PeriodText(const pv1::AccountPlan& plan);

// DueInText says when something is due relative to today, from whole days:
// 12 -> "in 12 days", 1 -> "in 1 day", 0 -> "today", -3 -> "3 days overdue".
std::string DueInText(int32_t days);

// ObjectiveValueText is a value of the objective's metric as people read it:
// money in major units with the currency ("1,250,000.00 EUR"), a share of
// wallet in percent ("35%"), an NPS signed ("+20", "-5"), a custom metric
// with its unit ("12 workshops").
std::string ObjectiveValueText(const pv1::Objective& objective, int64_t value);

// PlanLine is a plan in one line, as the commands that change a plan print
// it: "vestwind/operational-2027: operational, active, revision 3, next
// review 2027-02-21, etag 7f3a9c" (parts without a value are left out).
std::string PlanLine(const pv1::AccountPlan& plan);

// ObjectiveLine is an objective after a measurement: "o1: 1,250,000.00 EUR
// measured 2026-11-20 (target 2,000,000.00 EUR, expected 1,100,000.00 EUR):
// 40% of the way, on_track".
std::string ObjectiveLine(const pv1::Objective& objective);

// ActionLine is an action after a change: "a3: done, owner
// mette.lund@fjordmotion.example, due 2027-03-31, completed 2026-11-23:
// Joint workshop on the 2028 platform".
std::string ActionLine(const pv1::Action& action);

// PLAN (short name), HORIZON, STATUS, PERIOD, TITLE, OBJECTIVES (how many),
// ACTIONS ("done/total", cancelled ones not counted), NEXT_REVIEW (the day).
Table PlansTable(const Repeated<pv1::AccountPlan>& plans);

// ID, STATEMENT (cut to fit), METRIC, BASELINE, TARGET, LATEST (the latest
// measurement, "-" before the first), ACHIEVED ("40%"), DUE, STATUS, SERVES
// (the parent plan's objective).
Table ObjectivesTable(const pv1::AccountPlan& plan);

// ID, TITLE, OWNER, DUE, STATUS, OBJECTIVE, COMPLETED.
Table ActionsTable(const pv1::AccountPlan& plan);

// CONTACT (ID), NAME, TITLE, ROLE.
Table ParticipantsTable(const pv1::AccountPlan& plan);

// StrategyText is the six dimensions, each as "dimension:  text" and its key
// choices below as "- choice" lines; a dimension with nothing said is left
// out, and "(no strategy yet)" stands for all six left out.
std::string StrategyText(const pv1::Strategy& strategy);

// SituationText is a snapshot in one line: "tier key since 2026-11-02,
// score 72.50, ABC A, NPS +40, stage cooperative (unknown: abc_class)".
std::string SituationText(const pv1::SituationSnapshot& situation);

// PlanText is `plans get`: the plan's fields one "field: value" line each
// (name, account, title, horizon, status, period, parent plan, review
// interval and next review, the customer agreement with the revision agreed
// to, revision, times, etag, situation, summary), then the objectives, the
// strategy, the actions, the participants and the reviews, each under its
// heading.
std::string PlanText(const pv1::AccountPlan& plan);

// REVISION, WHEN, CHANGE, DESCRIPTION; newest first, as the server sends them.
Table RevisionsTable(const Repeated<pv1::PlanRevision>& revisions);

// RevisionText is `plans revision`: the revision's number, time, change and
// description, then the plan as it was (PlanText).
std::string RevisionText(const pv1::PlanRevision& revision);

// OverdueActionsText is `plans overdue-actions`: PLAN, HORIZON, ACCOUNT
// (display name), ACTION (ID), TITLE, OWNER, DUE, DAYS_OVERDUE, most overdue
// first; then "N overdue actions" with "(showing M)" when the limit cut the
// list; "no overdue actions" when there are none.
std::string OverdueActionsText(const pv1::ListOverdueActionsResponse& response);

// DueForReviewText is `plans due-for-review`: PLAN, HORIZON, ACCOUNT, TITLE,
// NEXT_REVIEW, DUE (DueInText), earliest first; then the count as above.
std::string DueForReviewText(
    const pv1::ListPlansDueForReviewResponse& response);

// CoverageText is `plans coverage`: one line per horizon, "operational: 4 of
// 6 key accounts covered (66%)", then the uncovered key accounts (HORIZON,
// ACCOUNT, NAME, DRAFT: a draft waiting to be activated). Without tiers from
// scoring it says so first: no account is known to be key.
std::string CoverageText(const pv1::PlanCoverage& coverage);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_PLANNING_VIEWS_H_
