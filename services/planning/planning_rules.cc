#include "services/planning/planning_rules.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/validation.h"

namespace kam::planning {

namespace {

std::string Field(const std::string& prefix, absl::string_view name) {
  return absl::StrCat(prefix, ".", name);
}

std::string Indexed(const std::string& prefix, absl::string_view list, int i) {
  return absl::StrCat(prefix, ".", list, "[", i, "]");
}

// The first "<letter><n>" not in `taken`, for IDs a caller left out: short
// and readable in documents ("o1", "a3"), unlike random IDs.
std::string FirstFreeId(char letter, const std::set<std::string>& taken) {
  for (int n = 1;; ++n) {
    std::string id = absl::StrCat(std::string(1, letter), n);
    if (!taken.count(id)) return id;
  }
}

// Checks that `field` is set and inside (start, end].
absl::Status ValidateDueTime(const std::string& field, bool has_due,
                             const google::protobuf::Timestamp& due,
                             absl::Time start, absl::Time end) {
  if (!has_due) return InvalidField(field, "is required");
  const absl::Time t = FromProtoTime(due);
  if (t <= start || t > end) {
    return InvalidField(
        field, absl::StrCat("must be inside the plan period (after ",
                            DayText(start), ", at most ", DayText(end),
                            "), got ", DayText(t)));
  }
  return absl::OkStatus();
}

absl::Status ValidateMetric(const std::string& field, const v1::Objective& o) {
  switch (o.metric()) {
    case v1::REVENUE:
    case v1::GROSS_MARGIN:
      return ValidateCurrencyCode(Field(field, "unit"), o.unit());
    case v1::SHARE_OF_WALLET:
    case v1::NPS: {
      const int64_t low = o.metric() == v1::NPS ? -100 : 0;
      const char* what = o.metric() == v1::NPS ? "an NPS" : "a share of wallet";
      for (const auto& [name, value] :
           {std::pair<const char*, int64_t>{"baseline", o.baseline()},
            {"target", o.target()}}) {
        if (value < low || value > 100) {
          return InvalidField(Field(field, name),
                              absl::StrCat("must be between ", low,
                                           " and 100 for ", what, ", got ",
                                           value));
        }
      }
      return absl::OkStatus();
    }
    case v1::CUSTOM:
      KAM_RETURN_IF_ERROR(
          ValidateText(Field(field, "custom_metric"), o.custom_metric(), 1, 60));
      return ValidateText(Field(field, "unit"), o.unit(), 1, 20);
    default:
      return InvalidField(Field(field, "metric"),
                          "must be REVENUE, GROSS_MARGIN, SHARE_OF_WALLET, "
                          "NPS or CUSTOM");
  }
}

absl::Status ValidateObjectives(const v1::AccountPlan& plan,
                                const std::string& prefix, absl::Time start,
                                absl::Time end) {
  if (plan.objectives_size() > kMaxObjectives) {
    return InvalidField(Field(prefix, "objectives"),
                        absl::StrCat("at most ", kMaxObjectives,
                                     " objectives keep a plan readable, got ",
                                     plan.objectives_size()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < plan.objectives_size(); ++i) {
    const v1::Objective& o = plan.objectives(i);
    const std::string field = Indexed(prefix, "objectives", i);
    KAM_RETURN_IF_ERROR(ValidateId(Field(field, "id"), o.id()));
    if (!ids.insert(o.id()).second) {
      return InvalidField(Field(field, "id"),
                          absl::StrCat("must be unique in the plan, \"", o.id(),
                                       "\" is used twice"));
    }
    KAM_RETURN_IF_ERROR(
        ValidateText(Field(field, "statement"), o.statement(), 1, 300));
    KAM_RETURN_IF_ERROR(ValidateMetric(field, o));
    if (o.metric() != v1::CUSTOM && !o.custom_metric().empty()) {
      return InvalidField(Field(field, "custom_metric"),
                          "is only for a CUSTOM metric");
    }
    if (o.baseline() == o.target()) {
      return InvalidField(Field(field, "target"),
                          absl::StrCat("must differ from the baseline (",
                                       o.baseline(), ")"));
    }
    KAM_RETURN_IF_ERROR(ValidateDueTime(Field(field, "due_time"),
                                        o.has_due_time(), o.due_time(), start,
                                        end));
    if (!o.serves_objective().empty()) {
      if (plan.parent_plan().empty()) {
        return InvalidField(Field(field, "serves_objective"),
                            "needs the plan's parent_plan, whose objective "
                            "it names");
      }
      KAM_RETURN_IF_ERROR(
          ValidateId(Field(field, "serves_objective"), o.serves_objective()));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateStrategy(const v1::Strategy& strategy,
                              const std::string& prefix) {
  const std::pair<const char*, const v1::StrategyDimension*> dimensions[] = {
      {"product", &strategy.product()},
      {"price", &strategy.price()},
      {"distribution", &strategy.distribution()},
      {"communication", &strategy.communication()},
      {"service", &strategy.service()},
      {"relationship", &strategy.relationship()}};
  for (const auto& [name, dimension] : dimensions) {
    const std::string field = Field(Field(prefix, "strategy"), name);
    KAM_RETURN_IF_ERROR(ValidateText(Field(field, "text"), dimension->text(),
                                     0, 1000, /*multiline=*/true));
    if (dimension->key_choices_size() > 10) {
      return InvalidField(Field(field, "key_choices"),
                          absl::StrCat("at most 10 key choices, got ",
                                       dimension->key_choices_size()));
    }
    for (int i = 0; i < dimension->key_choices_size(); ++i) {
      KAM_RETURN_IF_ERROR(ValidateText(Indexed(field, "key_choices", i),
                                       dimension->key_choices(i), 1, 200));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateActions(const v1::AccountPlan& plan,
                             const std::string& prefix) {
  if (plan.actions_size() > kMaxActions) {
    return InvalidField(Field(prefix, "actions"),
                        absl::StrCat("at most ", kMaxActions, " actions, got ",
                                     plan.actions_size()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < plan.actions_size(); ++i) {
    const v1::Action& a = plan.actions(i);
    const std::string field = Indexed(prefix, "actions", i);
    KAM_RETURN_IF_ERROR(ValidateAction(plan, a, field));
    if (!ids.insert(a.id()).second) {
      return InvalidField(Field(field, "id"),
                          absl::StrCat("must be unique in the plan, \"", a.id(),
                                       "\" is used twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateParticipants(const v1::AccountPlan& plan,
                                  const std::string& account_id,
                                  const std::string& prefix) {
  if (plan.participants_size() > kMaxParticipants) {
    return InvalidField(Field(prefix, "participants"),
                        absl::StrCat("at most ", kMaxParticipants,
                                     " participants, got ",
                                     plan.participants_size()));
  }
  std::set<std::string> contacts;
  for (int i = 0; i < plan.participants_size(); ++i) {
    const v1::Participant& p = plan.participants(i);
    const std::string field = Indexed(prefix, "participants", i);
    KAM_ASSIGN_OR_RETURN(auto ids,
                         ParseChildName(Field(field, "contact"), p.contact(),
                                        "accounts", "contacts"));
    if (ids.first != account_id) {
      return InvalidField(Field(field, "contact"),
                          absl::StrCat("must be a contact of accounts/",
                                       account_id, ", got ", p.contact()));
    }
    if (!contacts.insert(p.contact()).second) {
      return InvalidField(Field(field, "contact"),
                          absl::StrCat(p.contact(), " is listed twice"));
    }
    KAM_RETURN_IF_ERROR(ValidateText(Field(field, "role"), p.role(), 0, 100));
  }
  return absl::OkStatus();
}

}  // namespace

const HorizonRule& RuleOf(v1::PlanHorizon horizon) {
  static constexpr HorizonRule kStrategic{1095, 1827, 365};
  static constexpr HorizonRule kTactical{365, 731, 180};
  static constexpr HorizonRule kOperational{335, 396, 90};
  switch (horizon) {
    case v1::STRATEGIC:
      return kStrategic;
    case v1::TACTICAL:
      return kTactical;
    default:
      return kOperational;
  }
}

std::string HorizonLabel(v1::PlanHorizon horizon) {
  return absl::AsciiStrToLower(v1::PlanHorizon_Name(horizon));
}

std::string StatusLabel(v1::PlanStatus status) {
  return absl::AsciiStrToLower(v1::PlanStatus_Name(status));
}

v1::PlanHorizon ParentHorizon(v1::PlanHorizon horizon) {
  switch (horizon) {
    case v1::OPERATIONAL:
      return v1::TACTICAL;
    case v1::TACTICAL:
      return v1::STRATEGIC;
    default:
      return v1::PLAN_HORIZON_UNSPECIFIED;
  }
}

absl::Status ValidateAction(const v1::AccountPlan& plan, const v1::Action& a,
                            const std::string& field) {
  KAM_RETURN_IF_ERROR(ValidateId(Field(field, "id"), a.id()));
  KAM_RETURN_IF_ERROR(ValidateText(Field(field, "title"), a.title(), 1, 200));
  KAM_RETURN_IF_ERROR(ValidateText(Field(field, "owner"), a.owner(), 1, 100));
  KAM_RETURN_IF_ERROR(ValidateDueTime(
      Field(field, "due_time"), a.has_due_time(), a.due_time(),
      FromProtoTime(plan.period_start()), FromProtoTime(plan.period_end())));
  if (!v1::ActionStatus_IsValid(a.status()) ||
      a.status() == v1::ACTION_STATUS_UNSPECIFIED) {
    return InvalidField(Field(field, "status"),
                        "must be OPEN, IN_PROGRESS, DONE or CANCELLED");
  }
  if (a.objective().empty()) {
    return InvalidField(Field(field, "objective"),
                        "is required: the id of the objective the action "
                        "serves");
  }
  bool known = false;
  for (const auto& o : plan.objectives()) known |= o.id() == a.objective();
  if (!known) {
    return InvalidField(Field(field, "objective"),
                        absl::StrCat("must be the id of one of the plan's "
                                     "objectives, got \"",
                                     a.objective(), "\""));
  }
  return ValidateText(Field(field, "note"), a.note(), 0, 1000, true);
}

void NormalizePlan(v1::AccountPlan* plan) {
  std::set<std::string> objective_ids;
  for (const auto& o : plan->objectives()) objective_ids.insert(o.id());
  for (auto& o : *plan->mutable_objectives()) {
    if (o.id().empty()) {
      o.set_id(FirstFreeId('o', objective_ids));
      objective_ids.insert(o.id());
    }
    if (o.metric() == v1::SHARE_OF_WALLET) o.set_unit("%");
    if (o.metric() == v1::NPS) o.set_unit("NPS");
    if (o.metric() == v1::REVENUE || o.metric() == v1::GROSS_MARGIN) {
      o.set_unit(absl::AsciiStrToUpper(o.unit()));
    }
  }
  std::set<std::string> action_ids;
  for (const auto& a : plan->actions()) action_ids.insert(a.id());
  for (auto& a : *plan->mutable_actions()) {
    if (a.id().empty()) {
      a.set_id(FirstFreeId('a', action_ids));
      action_ids.insert(a.id());
    }
    if (a.status() == v1::ACTION_STATUS_UNSPECIFIED) a.set_status(v1::OPEN);
  }
  if (plan->review_interval_days() == 0 &&
      plan->horizon() != v1::PLAN_HORIZON_UNSPECIFIED &&
      v1::PlanHorizon_IsValid(plan->horizon())) {
    plan->set_review_interval_days(RuleOf(plan->horizon()).default_review_days);
  }
}

absl::Status ValidatePlan(const v1::AccountPlan& plan,
                          const std::string& account_id,
                          const std::string& prefix) {
  if (!v1::PlanHorizon_IsValid(plan.horizon()) ||
      plan.horizon() == v1::PLAN_HORIZON_UNSPECIFIED) {
    return InvalidField(Field(prefix, "horizon"),
                        "must be STRATEGIC, TACTICAL or OPERATIONAL");
  }
  KAM_RETURN_IF_ERROR(ValidateText(Field(prefix, "title"), plan.title(), 1, 200));
  KAM_RETURN_IF_ERROR(
      ValidateText(Field(prefix, "summary"), plan.summary(), 0, 2000, true));
  if (!plan.has_period_start()) {
    return InvalidField(Field(prefix, "period_start"), "is required");
  }
  if (!plan.has_period_end()) {
    return InvalidField(Field(prefix, "period_end"), "is required");
  }
  const absl::Time start = FromProtoTime(plan.period_start());
  const absl::Time end = FromProtoTime(plan.period_end());
  const HorizonRule& rule = RuleOf(plan.horizon());
  const absl::Duration length = end - start;
  if (length < absl::Hours(24) * rule.min_days ||
      length > absl::Hours(24) * rule.max_days) {
    return InvalidField(
        Field(prefix, "period_end"),
        absl::StrCat("must be ", rule.min_days, " to ", rule.max_days,
                     " days after period_start for ",
                     plan.horizon() == v1::OPERATIONAL ? "an " : "a ",
                     HorizonLabel(plan.horizon()), " plan, got ",
                     absl::StrFormat("%.1f", absl::ToDoubleHours(length) / 24),
                     " days"));
  }
  if (!plan.parent_plan().empty()) {
    KAM_ASSIGN_OR_RETURN(auto ids,
                         ParseChildName(Field(prefix, "parent_plan"),
                                        plan.parent_plan(), "accounts", "plans"));
    if (ids.first != account_id) {
      return InvalidField(Field(prefix, "parent_plan"),
                          absl::StrCat("must be a plan of accounts/", account_id,
                                       ", got ", plan.parent_plan()));
    }
    if (plan.horizon() == v1::STRATEGIC) {
      return InvalidField(Field(prefix, "parent_plan"),
                          "a strategic plan serves no other plan");
    }
  }
  KAM_RETURN_IF_ERROR(ValidateObjectives(plan, prefix, start, end));
  KAM_RETURN_IF_ERROR(ValidateStrategy(plan.strategy(), prefix));
  KAM_RETURN_IF_ERROR(ValidateActions(plan, prefix));
  KAM_RETURN_IF_ERROR(ValidateParticipants(plan, account_id, prefix));
  if (plan.review_interval_days() < kMinReviewDays ||
      plan.review_interval_days() > kMaxReviewDays) {
    return InvalidField(Field(prefix, "review_interval_days"),
                        absl::StrCat("must be between ", kMinReviewDays,
                                     " and ", kMaxReviewDays,
                                     " (0 for the horizon's default), got ",
                                     plan.review_interval_days()));
  }
  return absl::OkStatus();
}

absl::Status CheckActivatable(const v1::AccountPlan& plan) {
  if (plan.objectives_size() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(plan.name(), " has no objective: a plan in force says "
                                  "what it aims at; add one first"));
  }
  if (plan.actions_size() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(plan.name(), " has no action: a plan in force says "
                                  "what will be done; add one first"));
  }
  return absl::OkStatus();
}

bool InForce(v1::PlanStatus status) {
  return status == v1::ACTIVE || status == v1::UNDER_REVIEW;
}

const v1::ProgressUpdate* LatestProgress(const v1::Objective& objective) {
  const v1::ProgressUpdate* latest = nullptr;
  for (const auto& p : objective.progress()) {
    if (latest == nullptr ||
        FromProtoTime(p.measure_time()) >= FromProtoTime(latest->measure_time())) {
      latest = &p;
    }
  }
  return latest;
}

std::string DayText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
}

void EvaluateObjective(absl::Time plan_start, v1::Objective* objective) {
  const v1::ProgressUpdate* latest = LatestProgress(*objective);
  if (latest == nullptr) {
    objective->set_status(v1::NOT_MEASURED);
    objective->set_expected_value(objective->baseline());
    objective->set_achieved_percent(0);
    return;
  }
  const double baseline = static_cast<double>(objective->baseline());
  const double way = static_cast<double>(objective->target()) - baseline;
  const absl::Duration span = FromProtoTime(objective->due_time()) - plan_start;
  double elapsed = 1.0;
  if (span > absl::ZeroDuration()) {
    elapsed = absl::FDivDuration(
        FromProtoTime(latest->measure_time()) - plan_start, span);
    elapsed = std::clamp(elapsed, 0.0, 1.0);
  }
  const double achieved = (static_cast<double>(latest->value()) - baseline) / way;
  objective->set_expected_value(
      static_cast<int64_t>(std::llround(baseline + way * elapsed)));
  objective->set_achieved_percent(
      static_cast<int32_t>(std::lround(std::clamp(achieved, -10.0, 10.0) * 100)));
  const double behind = (elapsed - achieved) * 100;
  if (achieved >= 1.0) {
    objective->set_status(v1::ACHIEVED);
  } else if (behind <= kOnTrackSlack) {
    objective->set_status(v1::ON_TRACK);
  } else if (behind <= kAtRiskSlack) {
    objective->set_status(v1::AT_RISK);
  } else {
    objective->set_status(v1::OFF_TRACK);
  }
}

void EvaluateObjectives(v1::AccountPlan* plan) {
  const absl::Time start = FromProtoTime(plan->period_start());
  for (auto& o : *plan->mutable_objectives()) EvaluateObjective(start, &o);
}

bool ActionOverdue(const v1::Action& action, absl::Time now) {
  return (action.status() == v1::OPEN || action.status() == v1::IN_PROGRESS) &&
         action.has_due_time() && FromProtoTime(action.due_time()) < now;
}

int DaysOverdue(absl::Time due, absl::Time now) {
  if (now <= due) return 0;
  return static_cast<int>(absl::ToInt64Hours(now - due) / 24);
}

}  // namespace kam::planning
