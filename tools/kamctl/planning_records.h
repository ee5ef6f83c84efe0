#ifndef KAM_TOOLS_KAMCTL_PLANNING_RECORDS_H_
#define KAM_TOOLS_KAMCTL_PLANNING_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "kam/planning/v1/planning.pb.h"
#include "tools/kamctl/records.h"

// How kamctl turns what people type (arguments, flags, a plan file) into
// planning messages, in the manner of records.h and scoring_records.h: only
// the shape is checked here (a horizon exists, a day parses, a value is a
// whole number or an amount); the server owns the plan rules (period length
// for the horizon, objectives due inside the period, participants who are
// contacts of the account, ...) and names the field it refuses.
//
// Functions that read one value fail with just the rule, for the caller to
// prefix with an argument or flag name.
namespace kam::kamctl {

namespace pv1 = ::kam::planning::v1;

// The enum values by their lower-case names ("operational", "under_review",
// "in_progress", "share_of_wallet"); case is ignored and '-' may stand for
// '_'. UNSPECIFIED is never accepted.
absl::StatusOr<pv1::PlanHorizon> ParsePlanHorizon(absl::string_view s);
absl::StatusOr<pv1::PlanStatus> ParsePlanStatus(absl::string_view s);
absl::StatusOr<pv1::ActionStatus> ParseActionStatus(absl::string_view s);

// The lower-case name of an enum value, or "" for UNSPECIFIED.
std::string PlanHorizonName(pv1::PlanHorizon value);
std::string PlanStatusName(pv1::PlanStatus value);
std::string ActionStatusName(pv1::ActionStatus value);
std::string ObjectiveMetricName(pv1::ObjectiveMetric value);
std::string ObjectiveStatusName(pv1::ObjectiveStatus value);
std::string ChangeKindName(pv1::ChangeKind value);

// CheckPlanId checks the shape of a plan, objective or action ID: 1-63
// characters of [a-z0-9-], starting with a letter or digit and not ending
// with '-' (the registry's ID rule, see CheckId).
absl::Status CheckPlanId(absl::string_view id);

// PlanNameFromArg reads a PLAN argument: "ACCOUNT_ID/PLAN_ID"
// ("vestwind/operational-2027") or the full name
// ("accounts/vestwind/plans/operational-2027"); returns the full name.
absl::StatusOr<std::string> PlanNameFromArg(absl::string_view arg);

// "accounts/a/plans/p" -> "a/p", the short form tables show and PLAN
// arguments take; a name of another shape is returned as it is.
std::string ShortPlanName(absl::string_view name);

// The account ID of a plan name ("accounts/a/plans/p" -> "a"), or "" when
// `name` is not a plan name.
std::string PlanAccountId(absl::string_view name);

// "accounts/a/plans/p/revisions/3".
std::string PlanRevisionName(absl::string_view plan_name, int64_t revision);

// ParseRevisionNumber reads a revision number: a whole number from 1.
absl::StatusOr<int64_t> ParseRevisionNumber(absl::string_view text);

// ParseParticipants reads "CONTACT_ID[:ROLE]" items separated by `separator`
// ("karen-holm:executive sponsor,lars-munk") as participants of the plan,
// naming each a contact of `account_id`. The role is everything after the
// first ':' (trimmed; it may be empty). A contact given twice is an error.
absl::StatusOr<std::vector<pv1::Participant>> ParseParticipants(
    absl::string_view account_id, absl::string_view text, char separator);

// ContactNameFromArg reads a CONTACT_ID argument ("karen-holm") or a full
// contact name of the account ("accounts/vestwind/contacts/karen-holm").
absl::StatusOr<std::string> ContactNameFromArg(absl::string_view account_id,
                                               absl::string_view arg);

// The paths UpdateAccountPlan accepts, in the order of the RPC's comment:
// title, summary, period, parent_plan, strategy, objectives, actions,
// participants, review_interval_days.
const std::vector<std::string>& PlanUpdatePaths();

// ParseUpdateMask reads comma-separated paths of PlanUpdatePaths() (each at
// most once; blanks are trimmed). "period_start" and "period_end" both mean
// "period".
absl::StatusOr<google::protobuf::FieldMask> ParseUpdateMask(
    absl::string_view text);

// The paths UpdatePlanAction accepts: title, owner, due_time, status,
// objective, note.
const std::vector<std::string>& ActionUpdatePaths();

// PlanFromJson reads an account plan written as proto3 JSON
// (kam.planning.v1.AccountPlan: lowerCamelCase names, enums by name, the
// output of `kamctl plans get PLAN -o json`). Unknown fields are errors, so
// that a misspelt field is not silently dropped.
absl::StatusOr<pv1::AccountPlan> PlanFromJson(absl::string_view json);

// ClearOutputOnly drops what the server sets (status, revision, times,
// reviews, the situation, the customer agreement, display names, objective
// progress and status, action completion times), so that the output of
// `plans get -o json` can be sent back. It keeps `name` and `etag`.
void ClearOutputOnly(pv1::AccountPlan* plan);

// SetPathsOf is the update mask a plan file stands for: each path of
// PlanUpdatePaths() whose field is set in `plan` (a non-empty text or list,
// a set period or strategy, a non-zero review interval). A file that leaves a
// field out keeps it; to clear one, name it in --update_mask.
std::vector<std::string> SetPathsOf(const pv1::AccountPlan& plan);

// PlanFields are the plan flags a user gave (`plans create` and `plans
// update`); a field without a value was not given.
struct PlanFields {
  std::optional<std::string> horizon;  // create only: the horizon is fixed
  std::optional<std::string> title;
  std::optional<std::string> summary;
  std::optional<std::string> start;        // period_start: RFC 3339 or a day
  std::optional<std::string> end;          // period_end, exclusive
  std::optional<std::string> parent_plan;  // PLAN, "" clears it
  std::optional<std::string> participants;
  std::optional<int32_t> review_interval_days;

  bool empty() const {
    return !horizon && !title && !summary && !start && !end && !parent_plan &&
           !participants && !review_interval_days;
  }
};

// ApplyPlanFields copies the given fields into *plan (of account
// `account_id`) and appends their update paths to *paths (once each; "start"
// and "end" are the path "period"). A day as --end means the start of that
// day, the period's exclusive end (--start=2026-07-01 --end=2027-07-01 is a
// year). With only one of --start/--end, the other stays as *plan has it.
// Fails naming the flag: `--horizon: must be one of ...`.
absl::Status ApplyPlanFields(const PlanFields& fields,
                             absl::string_view account_id,
                             pv1::AccountPlan* plan,
                             std::vector<std::string>* paths);

// ParseProgressValue reads a measurement of an objective's metric as people
// type it: an amount in major units ("1250000.50") for REVENUE and
// GROSS_MARGIN, which is converted to minor units; a whole number otherwise
// (-100..100 for NPS, 0..100 for SHARE_OF_WALLET).
absl::StatusOr<int64_t> ParseProgressValue(pv1::ObjectiveMetric metric,
                                           absl::string_view text);

// FindObjective is the objective `id` of the plan, or null.
const pv1::Objective* FindObjective(const pv1::AccountPlan& plan,
                                    absl::string_view id);

// ExportFileName is where `plans export` writes without --out: the server's
// suggested file name reduced to a plain file name in the current directory
// (no directories, no leading dots, no control characters), or
// "ACCOUNT-PLAN.md" from the plan name when nothing usable is left.
std::string ExportFileName(absl::string_view suggested,
                           absl::string_view plan_name);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_PLANNING_RECORDS_H_
