#include "tools/kamctl/planning_records.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/money.h"
#include "tools/kamctl/table.h"

namespace kam::kamctl {
namespace {

constexpr char kAccountsPrefix[] = "accounts/";
constexpr char kPlansInfix[] = "/plans/";
constexpr size_t kMaxParticipants = 30;    // AccountPlan.participants
constexpr size_t kMaxRoleChars = 100;      // Participant.role
constexpr size_t kMaxFileNameChars = 200;  // of an exported file's name

void AddPath(std::vector<std::string>* paths, const std::string& path) {
  if (std::find(paths->begin(), paths->end(), path) == paths->end()) {
    paths->push_back(path);
  }
}

bool DimensionSet(const pv1::StrategyDimension& d) {
  return !d.text().empty() || d.key_choices_size() > 0;
}

}  // namespace

absl::StatusOr<pv1::PlanHorizon> ParsePlanHorizon(absl::string_view s) {
  return ParseEnumAs<pv1::PlanHorizon>(pv1::PlanHorizon_descriptor(), s);
}
absl::StatusOr<pv1::PlanStatus> ParsePlanStatus(absl::string_view s) {
  return ParseEnumAs<pv1::PlanStatus>(pv1::PlanStatus_descriptor(), s);
}
absl::StatusOr<pv1::ActionStatus> ParseActionStatus(absl::string_view s) {
  return ParseEnumAs<pv1::ActionStatus>(pv1::ActionStatus_descriptor(), s);
}

std::string PlanHorizonName(pv1::PlanHorizon value) {
  return EnumValueName(pv1::PlanHorizon_descriptor(), value);
}
std::string PlanStatusName(pv1::PlanStatus value) {
  return EnumValueName(pv1::PlanStatus_descriptor(), value);
}
std::string ActionStatusName(pv1::ActionStatus value) {
  return EnumValueName(pv1::ActionStatus_descriptor(), value);
}
std::string ObjectiveMetricName(pv1::ObjectiveMetric value) {
  return EnumValueName(pv1::ObjectiveMetric_descriptor(), value);
}
std::string ObjectiveStatusName(pv1::ObjectiveStatus value) {
  return EnumValueName(pv1::ObjectiveStatus_descriptor(), value);
}
std::string ChangeKindName(pv1::ChangeKind value) {
  return EnumValueName(pv1::ChangeKind_descriptor(), value);
}

absl::Status CheckPlanId(absl::string_view id) { return CheckId(id); }

absl::StatusOr<std::string> PlanNameFromArg(absl::string_view arg) {
  absl::string_view rest = arg;
  std::string account, plan;
  if (absl::ConsumePrefix(&rest, kAccountsPrefix)) {
    const std::vector<std::string> parts = absl::StrSplit(rest, '/');
    if (parts.size() == 3 && parts[1] == "plans") {
      account = parts[0];
      plan = parts[2];
    }
  } else {
    const std::vector<std::string> parts = absl::StrSplit(arg, '/');
    if (parts.size() == 2) {
      account = parts[0];
      plan = parts[1];
    }
  }
  if (!IsValidId(account) || !IsValidId(plan)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be ACCOUNT_ID/PLAN_ID like vestwind/operational-2027 or a name "
        "like accounts/vestwind/plans/operational-2027 (IDs of [a-z0-9-]), "
        "got \"%s\"",
        arg));
  }
  return absl::StrCat(kAccountsPrefix, account, kPlansInfix, plan);
}

std::string ShortPlanName(absl::string_view name) {
  const std::string account = PlanAccountId(name);
  if (account.empty()) return std::string(name);
  return absl::StrCat(account, "/", IdOf(name));
}

std::string PlanAccountId(absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "accounts" || parts[2] != "plans" ||
      parts[1].empty() || parts[3].empty()) {
    return "";
  }
  return std::string(parts[1]);
}

std::string PlanRevisionName(absl::string_view plan_name, int64_t revision) {
  return absl::StrCat(plan_name, "/revisions/", revision);
}

absl::StatusOr<int64_t> ParseRevisionNumber(absl::string_view text) {
  int64_t revision = 0;
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty() || !absl::ascii_isdigit(trimmed[0]) ||
      !absl::SimpleAtoi(trimmed, &revision) || revision < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a revision number, a whole number from 1, got \"%s\"", text));
  }
  return revision;
}

absl::StatusOr<std::vector<pv1::Participant>> ParseParticipants(
    absl::string_view account_id, absl::string_view text, char separator) {
  std::vector<pv1::Participant> participants;
  std::set<std::string> seen;
  for (const std::string& item : SplitList(text, separator)) {
    const size_t colon = item.find(':');
    const std::string id(
        absl::StripAsciiWhitespace(absl::string_view(item).substr(0, colon)));
    const std::string role =
        colon == std::string::npos
            ? ""
            : std::string(absl::StripAsciiWhitespace(
                  absl::string_view(item).substr(colon + 1)));
    if (absl::Status s = CheckId(id); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("each participant is CONTACT_ID[:ROLE]; the contact ID ",
                       s.message()));
    }
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("contact \"%s\" appears twice", id));
    }
    if (DisplayWidth(role) > kMaxRoleChars) {
      return absl::InvalidArgumentError(
          absl::StrFormat("the role of \"%s\" must be at most %d characters",
                          id, kMaxRoleChars));
    }
    pv1::Participant participant;
    participant.set_contact(ContactName(account_id, id));
    participant.set_role(role);
    participants.push_back(std::move(participant));
  }
  if (participants.size() > kMaxParticipants) {
    return absl::InvalidArgumentError(
        absl::StrFormat("at most %d participants, got %d", kMaxParticipants,
                        participants.size()));
  }
  return participants;
}

absl::StatusOr<std::string> ContactNameFromArg(absl::string_view account_id,
                                               absl::string_view arg) {
  absl::string_view id = arg;
  const std::string prefix =
      absl::StrCat(AccountName(account_id), "/contacts/");
  if (absl::StartsWith(arg, kAccountsPrefix) &&
      !absl::ConsumePrefix(&id, prefix)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a contact of accounts/%s, got \"%s\"", account_id, arg));
  }
  if (absl::Status s = CheckId(id); !s.ok()) return s;
  return ContactName(account_id, id);
}

const std::vector<std::string>& PlanUpdatePaths() {
  static const auto* const kPaths = new std::vector<std::string>{
      "title",       "summary",      "period",
      "parent_plan", "strategy",     "objectives",
      "actions",     "participants", "review_interval_days"};
  return *kPaths;
}

absl::StatusOr<google::protobuf::FieldMask> ParseUpdateMask(
    absl::string_view text) {
  google::protobuf::FieldMask mask;
  std::vector<std::string> paths;
  for (std::string path : SplitList(text, ',')) {
    if (path == "period_start" || path == "period_end") path = "period";
    const auto& allowed = PlanUpdatePaths();
    if (std::find(allowed.begin(), allowed.end(), path) == allowed.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("each path must be one of %s, got \"%s\"",
                          absl::StrJoin(allowed, ", "), path));
    }
    if (std::find(paths.begin(), paths.end(), path) != paths.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("path \"%s\" appears twice", path));
    }
    paths.push_back(path);
  }
  if (paths.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must name at least one of ", absl::StrJoin(PlanUpdatePaths(), ", ")));
  }
  for (std::string& path : paths) mask.add_paths(std::move(path));
  return mask;
}

const std::vector<std::string>& ActionUpdatePaths() {
  static const auto* const kPaths = new std::vector<std::string>{
      "title", "owner", "due_time", "status", "objective", "note"};
  return *kPaths;
}

absl::StatusOr<pv1::AccountPlan> PlanFromJson(absl::string_view json) {
  pv1::AccountPlan plan;
  if (absl::Status s = MessageFromJson(json, "an account plan", &plan);
      !s.ok()) {
    return s;
  }
  return plan;
}

void ClearOutputOnly(pv1::AccountPlan* plan) {
  plan->clear_status();
  plan->clear_customer_agreement();
  plan->clear_next_review_time();
  plan->clear_reviews();
  plan->clear_situation();
  plan->clear_account_display_name();
  plan->clear_revision();
  plan->clear_create_time();
  plan->clear_update_time();
  plan->clear_activate_time();
  plan->clear_close_time();
  plan->clear_close_reason();
  for (pv1::Objective& o : *plan->mutable_objectives()) {
    o.clear_progress();
    o.clear_status();
    o.clear_expected_value();
    o.clear_achieved_percent();
  }
  for (pv1::Action& a : *plan->mutable_actions()) a.clear_complete_time();
  for (pv1::Participant& p : *plan->mutable_participants()) {
    p.clear_display_name();
    p.clear_title();
  }
}

std::vector<std::string> SetPathsOf(const pv1::AccountPlan& plan) {
  std::vector<std::string> paths;
  if (!plan.title().empty()) paths.push_back("title");
  if (!plan.summary().empty()) paths.push_back("summary");
  if (plan.has_period_start() || plan.has_period_end()) {
    paths.push_back("period");
  }
  if (!plan.parent_plan().empty()) paths.push_back("parent_plan");
  const pv1::Strategy& s = plan.strategy();
  if (DimensionSet(s.product()) || DimensionSet(s.price()) ||
      DimensionSet(s.distribution()) || DimensionSet(s.communication()) ||
      DimensionSet(s.service()) || DimensionSet(s.relationship())) {
    paths.push_back("strategy");
  }
  if (plan.objectives_size() > 0) paths.push_back("objectives");
  if (plan.actions_size() > 0) paths.push_back("actions");
  if (plan.participants_size() > 0) paths.push_back("participants");
  if (plan.review_interval_days() != 0) paths.push_back("review_interval_days");
  return paths;
}

absl::Status ApplyPlanFields(const PlanFields& fields,
                             absl::string_view account_id,
                             pv1::AccountPlan* plan,
                             std::vector<std::string>* paths) {
  if (fields.horizon) {
    auto horizon = ParsePlanHorizon(*fields.horizon);
    if (!horizon.ok()) return FlagError("horizon", horizon.status());
    plan->set_horizon(*horizon);
  }
  if (fields.title) {
    plan->set_title(*fields.title);
    AddPath(paths, "title");
  }
  if (fields.summary) {
    plan->set_summary(*fields.summary);
    AddPath(paths, "summary");
  }
  if (fields.start) {
    auto start = ParseTime(*fields.start);
    if (!start.ok()) return FlagError("start", start.status());
    *plan->mutable_period_start() = ToTimestamp(*start);
    AddPath(paths, "period");
  }
  if (fields.end) {
    auto end = ParseTime(*fields.end);
    if (!end.ok()) return FlagError("end", end.status());
    *plan->mutable_period_end() = ToTimestamp(*end);
    AddPath(paths, "period");
  }
  if (fields.parent_plan) {
    if (fields.parent_plan->empty()) {
      plan->clear_parent_plan();
    } else {
      // A bare PLAN_ID is a plan of the same account.
      std::string arg = *fields.parent_plan;
      if (!absl::StrContains(arg, '/'))
        arg = absl::StrCat(account_id, "/", arg);
      auto parent = PlanNameFromArg(arg);
      if (!parent.ok()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--parent_plan: must be a PLAN_ID of the same account, "
            "ACCOUNT_ID/PLAN_ID or accounts/ACCOUNT_ID/plans/PLAN_ID (IDs of "
            "[a-z0-9-]), got \"%s\"",
            *fields.parent_plan));
      }
      plan->set_parent_plan(*parent);
    }
    AddPath(paths, "parent_plan");
  }
  if (fields.participants) {
    auto participants =
        ParseParticipants(account_id, *fields.participants, ',');
    if (!participants.ok()) {
      return FlagError("participants", participants.status());
    }
    plan->clear_participants();
    for (pv1::Participant& p : *participants) {
      *plan->add_participants() = std::move(p);
    }
    AddPath(paths, "participants");
  }
  if (fields.review_interval_days) {
    if (*fields.review_interval_days < 0) {
      return absl::InvalidArgumentError(
          "--review_interval_days: must not be negative (0: the horizon's "
          "default)");
    }
    plan->set_review_interval_days(*fields.review_interval_days);
    AddPath(paths, "review_interval_days");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseProgressValue(pv1::ObjectiveMetric metric,
                                           absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (metric == pv1::REVENUE || metric == pv1::GROSS_MARGIN) {
    auto minor = ParseMinorUnits(trimmed);
    if (!minor.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("an amount in major units like 1250000.00: ",
                       minor.status().message()));
    }
    return minor;
  }
  int64_t value = 0;
  std::string digits(trimmed);
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  if (digits.empty() || !absl::SimpleAtoi(digits, &value) ||
      absl::StrContains(digits, ' ')) {
    return absl::InvalidArgumentError(
        absl::StrFormat("must be a whole number, got \"%s\"", text));
  }
  if (metric == pv1::NPS && (value < -100 || value > 100)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "an NPS must be a whole number from -100 to 100, got \"%s\"", text));
  }
  if (metric == pv1::SHARE_OF_WALLET && (value < 0 || value > 100)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a share of wallet must be a whole percent from 0 to 100, got \"%s\"",
        text));
  }
  return value;
}

const pv1::Objective* FindObjective(const pv1::AccountPlan& plan,
                                    absl::string_view id) {
  for (const pv1::Objective& o : plan.objectives()) {
    if (o.id() == id) return &o;
  }
  return nullptr;
}

std::string ExportFileName(absl::string_view suggested,
                           absl::string_view plan_name) {
  // The last path segment, of printable characters that need no quoting.
  absl::string_view base = suggested;
  if (const size_t slash = base.find_last_of("/\\");
      slash != absl::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  std::string name;
  for (char c : base) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;
    name += c;
  }
  while (!name.empty() && (name[0] == '.' || name[0] == '-' || name[0] == ' '))
    name.erase(0, 1);
  if (!name.empty() && DisplayWidth(name) <= kMaxFileNameChars) return name;
  const std::string account = PlanAccountId(plan_name);
  if (account.empty()) return "plan.md";
  return absl::StrCat(account, "-", IdOf(plan_name), ".md");
}

}  // namespace kam::kamctl
