#ifndef KAM_SERVICES_PLANNING_PLANNING_RULES_H_
#define KAM_SERVICES_PLANNING_PLANNING_RULES_H_

// The rules of account plans, as pure functions of the plan (no store, no
// gRPC): how long a horizon's period may be, what a valid plan holds, when it
// may be activated, and where an objective stands against its straight line.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kam/planning/v1/planning.pb.h"

namespace kam::planning {

namespace v1 = ::kam::planning::v1;

// The bounds of a horizon's period length in days ([start, end), end
// exclusive), and its default review interval.
struct HorizonRule {
  int min_days;
  int max_days;
  int default_review_days;
};
// The rule of a specified horizon (UNSPECIFIED is a caller error).
const HorizonRule& RuleOf(v1::PlanHorizon horizon);

// "strategic", "tactical", "operational": for labels and documents.
std::string HorizonLabel(v1::PlanHorizon horizon);
// "draft", "active", "under_review", "closed".
std::string StatusLabel(v1::PlanStatus status);

// The horizon one level up that a plan of `horizon` may serve
// (OPERATIONAL -> TACTICAL -> STRATEGIC); UNSPECIFIED for STRATEGIC.
v1::PlanHorizon ParentHorizon(v1::PlanHorizon horizon);

// Review intervals a caller may set, in days.
inline constexpr int kMinReviewDays = 7;
inline constexpr int kMaxReviewDays = 730;
inline constexpr int kMaxObjectives = 20;
inline constexpr int kMaxActions = 100;
inline constexpr int kMaxParticipants = 30;

// NormalizePlan fills what a caller may leave out: generated objective and
// action IDs, action status OPEN, the unit of SHARE_OF_WALLET ("%") and NPS
// ("NPS"), the horizon's default review interval when 0, and upper-case
// currency codes. Run it before ValidatePlan.
void NormalizePlan(v1::AccountPlan* plan);

// ValidatePlan checks the caller-editable content of a plan: horizon, title,
// summary, period length for the horizon, objectives (unique IDs, metric and
// unit, baseline != target, range of NPS and share of wallet, due inside the
// period), the six strategy dimensions, actions (unique IDs, owner, due
// inside the period, an objective of this plan), participants (contact names
// of the plan's account, no duplicates) and the review interval. Field names
// start with `prefix`, e.g. "plan.objectives[2].due_time".
// `account_id` is the plan's account.
absl::Status ValidatePlan(const v1::AccountPlan& plan,
                          const std::string& account_id,
                          const std::string& prefix);

// ValidateAction checks one action of `plan` (whose period and objectives it
// must fit); field names start with `field`, e.g. "action".
absl::Status ValidateAction(const v1::AccountPlan& plan, const v1::Action& action,
                            const std::string& field);

// CheckActivatable is FAILED_PRECONDITION unless the plan holds at least one
// objective and one action.
absl::Status CheckActivatable(const v1::AccountPlan& plan);

// Whether a plan of this status is in force (counts for coverage and for the
// one-plan-per-horizon rule): ACTIVE or UNDER_REVIEW.
bool InForce(v1::PlanStatus status);

// Bands of ObjectiveStatus, in points of "share of the way" behind the
// straight line.
inline constexpr double kOnTrackSlack = 10.0;
inline constexpr double kAtRiskSlack = 25.0;

// EvaluateObjective sets objective's status, expected_value and
// achieved_percent from its latest progress update (by measure_time): the
// share of the way from baseline to target achieved, against the share of
// the time from `plan_start` to the due time elapsed at the measurement.
void EvaluateObjective(absl::Time plan_start, v1::Objective* objective);
// EvaluateObjective on every objective of the plan.
void EvaluateObjectives(v1::AccountPlan* plan);

// The objective's latest progress update by measure_time (of equal times,
// the one recorded last); null without progress.
const v1::ProgressUpdate* LatestProgress(const v1::Objective& objective);

// A UTC day, "2026-06-01": how plans show dates in errors and documents.
std::string DayText(absl::Time t);

// Whether an action counts as overdue at `now`: OPEN or IN_PROGRESS and due
// before now. (The plan must also be in force; the caller checks.)
bool ActionOverdue(const v1::Action& action, absl::Time now);
// Whole days from `due` to `now` (rounded down), at least 0.
int DaysOverdue(absl::Time due, absl::Time now);

}  // namespace kam::planning

#endif  // KAM_SERVICES_PLANNING_PLANNING_RULES_H_
