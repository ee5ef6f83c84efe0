#ifndef KAM_SERVICES_PLANNING_PLAN_MARKDOWN_H_
#define KAM_SERVICES_PLANNING_PLAN_MARKDOWN_H_

#include <string>

#include "absl/time/time.h"
#include "kam/planning/v1/planning.pb.h"

namespace kam::planning {

// RenderPlanMarkdown writes a plan as a short document a key account manager
// can send to the customer: the header (account, horizon, period, status,
// revision, next review), the summary, the situation, objectives with their
// latest measurement and status, the six strategy dimensions that have
// content, the action plan (open actions past due at `now` are marked), the
// customer participants and agreement, and the reviews. Dates are UTC days;
// money has two decimals and grouped thousands. Deterministic: the same plan
// and `now` give the same bytes.
std::string RenderPlanMarkdown(const kam::planning::v1::AccountPlan& plan,
                               absl::Time now);

// A file name for the document: "<account>-<plan>.md", or
// "<account>-<plan>-r<revision>.md" for a past revision.
std::string PlanFileName(const std::string& plan_name, int64_t revision);

// FormatObjectiveValue shows a metric value in the objective's unit:
// "1,250,000.00 EUR", "35%", "+32 NPS", "12 certified engineers".
std::string FormatObjectiveValue(const kam::planning::v1::Objective& objective,
                                 int64_t value);

}  // namespace kam::planning

#endif  // KAM_SERVICES_PLANNING_PLAN_MARKDOWN_H_
