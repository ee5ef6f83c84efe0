#include "services/planning/plan_markdown.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "services/planning/planning_rules.h"

namespace kam::planning {

namespace {

// "accounts/acme" of "accounts/acme/plans/ops-2027".
std::string AccountOf(const std::string& plan_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(plan_name, '/');
  return parts.size() >= 2 ? absl::StrCat(parts[0], "/", parts[1]) : plan_name;
}

std::string Day(const google::protobuf::Timestamp& t) {
  return DayText(FromProtoTime(t));
}

// An enum value name as words: "UNDER_REVIEW" -> "Under review".
std::string Words(const std::string& enum_name) {
  std::string text = absl::AsciiStrToLower(enum_name);
  absl::StrReplaceAll({{"_", " "}}, &text);
  if (!text.empty()) text[0] = absl::ascii_toupper(text[0]);
  return text;
}

// Text inside a table cell: one line, no column breaks.
std::string Cell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", ""}, {"\n", " "}});
}

// 123456789 -> "1,234,567.89": integer arithmetic, never double.
std::string GroupedMinorUnits(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor)
                                      : static_cast<uint64_t>(minor);
  std::string whole = absl::StrCat(magnitude / 100);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(whole[i]);
  }
  return absl::StrFormat("%s%s.%02d", negative ? "-" : "", grouped,
                         static_cast<int>(magnitude % 100));
}

std::string MetricName(const v1::Objective& o) {
  if (o.metric() == v1::CUSTOM) return o.custom_metric();
  if (o.metric() == v1::NPS) return "NPS";
  return Words(v1::ObjectiveMetric_Name(o.metric()));
}

void WriteSituation(const v1::SituationSnapshot& s, std::string* out) {
  absl::StrAppend(out, "## Situation (", Day(s.take_time()), ")\n\n");
  absl::StrAppend(out, "| Tier | Score | ABC class | NPS | Relationship stage |\n",
                  "|---|---|---|---|---|\n");
  const std::string tier = s.tier() == kam::common::v1::TIER_UNSPECIFIED
                               ? "unknown"
                               : Words(kam::common::v1::Tier_Name(s.tier()));
  const std::string score =
      s.has_score() ? absl::StrFormat("%.1f", s.score()) : "unknown";
  const std::string abc =
      s.abc_class() == kam::scoring::v1::ABC_CLASS_UNSPECIFIED
          ? "unknown"
          : kam::scoring::v1::AbcClass_Name(s.abc_class());
  const std::string nps =
      s.has_nps() ? absl::StrFormat("%+d", s.nps()) : "unknown";
  const std::string stage =
      s.stage() == kam::engagement::v1::STAGE_UNSPECIFIED
          ? "unknown"
          : Words(kam::engagement::v1::Stage_Name(s.stage()));
  absl::StrAppend(out, "| ", tier, " | ", score, " | ", abc, " | ", nps, " | ",
                  stage, " |\n\n");
}

void WriteObjectives(const v1::AccountPlan& plan, std::string* out) {
  absl::StrAppend(out, "## Objectives\n\n");
  if (plan.objectives().empty()) {
    absl::StrAppend(out, "_No objectives yet._\n\n");
    return;
  }
  absl::StrAppend(out,
                  "| # | Objective | Metric | Baseline | Target | Due | Latest "
                  "| Status |\n",
                  "|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> serves;
  for (const auto& o : plan.objectives()) {
    const v1::ProgressUpdate* latest = LatestProgress(o);
    const std::string latest_text =
        latest == nullptr ? "-"
                          : absl::StrCat(FormatObjectiveValue(o, latest->value()),
                                         " (", Day(latest->measure_time()), ")");
    absl::StrAppend(out, "| ", o.id(), " | ", Cell(o.statement()), " | ",
                    Cell(MetricName(o)), " | ",
                    FormatObjectiveValue(o, o.baseline()), " | ",
                    FormatObjectiveValue(o, o.target()), " | ", Day(o.due_time()),
                    " | ", latest_text, " | ",
                    Words(v1::ObjectiveStatus_Name(o.status())), " |\n");
    if (!o.serves_objective().empty()) {
      serves.push_back(absl::StrCat(o.id(), " serves ", o.serves_objective()));
    }
  }
  absl::StrAppend(out, "\n");
  if (!serves.empty()) {
    absl::StrAppend(out, "Of the parent plan's objectives: ",
                    absl::StrJoin(serves, "; "), ".\n\n");
  }
}

void WriteStrategy(const v1::Strategy& strategy, std::string* out) {
  absl::StrAppend(out, "## Strategy\n\n");
  const std::pair<const char*, const v1::StrategyDimension*> dimensions[] = {
      {"Product", &strategy.product()},
      {"Price", &strategy.price()},
      {"Distribution", &strategy.distribution()},
      {"Communication", &strategy.communication()},
      {"Service", &strategy.service()},
      {"Relationship", &strategy.relationship()}};
  bool any = false;
  for (const auto& [name, d] : dimensions) {
    if (d->text().empty() && d->key_choices().empty()) continue;
    any = true;
    absl::StrAppend(out, "**", name, ".**");
    if (!d->text().empty()) absl::StrAppend(out, " ", d->text());
    absl::StrAppend(out, "\n");
    for (const auto& choice : d->key_choices()) {
      absl::StrAppend(out, "- ", choice, "\n");
    }
    absl::StrAppend(out, "\n");
  }
  if (!any) absl::StrAppend(out, "_No strategy written yet._\n\n");
}

void WriteActions(const v1::AccountPlan& plan, absl::Time now,
                  std::string* out) {
  absl::StrAppend(out, "## Action plan\n\n");
  if (plan.actions().empty()) {
    absl::StrAppend(out, "_No actions yet._\n\n");
    return;
  }
  absl::StrAppend(out, "| # | Action | Owner | Due | Status | Objective |\n",
                  "|---|---|---|---|---|---|\n");
  for (const auto& a : plan.actions()) {
    std::string status = Words(v1::ActionStatus_Name(a.status()));
    if (InForce(plan.status()) && ActionOverdue(a, now)) {
      absl::StrAppend(&status, ", overdue ",
                      DaysOverdue(FromProtoTime(a.due_time()), now), " days");
    } else if (a.has_complete_time()) {
      absl::StrAppend(&status, " ", Day(a.complete_time()));
    }
    absl::StrAppend(out, "| ", a.id(), " | ", Cell(a.title()), " | ",
                    Cell(a.owner()), " | ", Day(a.due_time()), " | ", status,
                    " | ", a.objective(), " |\n");
  }
  absl::StrAppend(out, "\n");
}

void WriteParticipants(const v1::AccountPlan& plan, std::string* out) {
  absl::StrAppend(out, "## Made with the customer\n\n");
  for (const auto& p : plan.participants()) {
    std::string who = p.display_name().empty() ? p.contact() : p.display_name();
    if (!p.title().empty()) absl::StrAppend(&who, ", ", p.title());
    if (!p.role().empty()) absl::StrAppend(&who, " — ", p.role());
    absl::StrAppend(out, "- ", who, "\n");
  }
  if (!plan.participants().empty()) absl::StrAppend(out, "\n");
  if (!plan.has_customer_agreement()) {
    absl::StrAppend(out, "_Not yet agreed with the customer._\n\n");
    return;
  }
  const v1::CustomerAgreement& a = plan.customer_agreement();
  absl::StrAppend(out, "Agreed by ",
                  a.display_name().empty() ? a.contact() : a.display_name(),
                  " on ", Day(a.agree_time()), " (revision ", a.revision(),
                  ")");
  if (plan.revision() > a.revision()) {
    absl::StrAppend(out, "; the plan has changed since (revision ",
                    plan.revision(), ")");
  }
  absl::StrAppend(out, ".");
  if (!a.note().empty()) absl::StrAppend(out, " ", a.note());
  absl::StrAppend(out, "\n\n");
}

void WriteReviews(const v1::AccountPlan& plan, std::string* out) {
  if (plan.reviews().empty()) return;
  absl::StrAppend(out, "## Reviews\n\n");
  for (const auto& r : plan.reviews()) {
    absl::StrAppend(out, "- ", Day(r.review_time()), ": ", Cell(r.outcome()));
    if (!r.changes().empty()) {
      absl::StrAppend(out, " Changes: ", Cell(r.changes()));
    }
    if (!r.reviewers().empty()) {
      absl::StrAppend(out, " (", absl::StrJoin(r.reviewers(), ", "), ")");
    }
    absl::StrAppend(out, "\n");
  }
  absl::StrAppend(out, "\n");
}

}  // namespace

std::string FormatObjectiveValue(const v1::Objective& o, int64_t value) {
  switch (o.metric()) {
    case v1::REVENUE:
    case v1::GROSS_MARGIN:
      return absl::StrCat(GroupedMinorUnits(value), " ", o.unit());
    case v1::SHARE_OF_WALLET:
      return absl::StrCat(value, "%");
    case v1::NPS:
      return absl::StrFormat("%+d NPS", value);
    default:
      return absl::StrCat(value, " ", o.unit());
  }
}

std::string RenderPlanMarkdown(const v1::AccountPlan& plan, absl::Time now) {
  std::string out;
  absl::StrAppend(&out, "# ", plan.title(), "\n\n");
  const std::string account = AccountOf(plan.name());
  absl::StrAppend(
      &out, "- **Account:** ",
      plan.account_display_name().empty() ? account
                                          : plan.account_display_name(),
      " (`", account, "`)\n", "- **Plan:** `", plan.name(), "`, ",
      HorizonLabel(plan.horizon()), ", revision ", plan.revision(), "\n",
      "- **Period:** ", Day(plan.period_start()), " to ", Day(plan.period_end()),
      "\n", "- **Status:** ", Words(v1::PlanStatus_Name(plan.status())));
  if (plan.status() == v1::CLOSED && !plan.close_reason().empty()) {
    absl::StrAppend(&out, " (", Cell(plan.close_reason()), ")");
  }
  absl::StrAppend(&out, "\n");
  if (!plan.parent_plan().empty()) {
    absl::StrAppend(&out, "- **Serves:** `", plan.parent_plan(), "`\n");
  }
  absl::StrAppend(&out, "- **Reviews:** every ", plan.review_interval_days(),
                  " days");
  if (plan.has_next_review_time()) {
    absl::StrAppend(&out, ", next ", Day(plan.next_review_time()));
  }
  absl::StrAppend(&out, "\n\n");
  if (!plan.summary().empty()) absl::StrAppend(&out, plan.summary(), "\n\n");
  if (plan.has_situation()) WriteSituation(plan.situation(), &out);
  WriteObjectives(plan, &out);
  WriteStrategy(plan.strategy(), &out);
  WriteActions(plan, now, &out);
  WriteParticipants(plan, &out);
  WriteReviews(plan, &out);
  // One trailing newline.
  while (absl::EndsWith(out, "\n\n")) out.pop_back();
  return out;
}

std::string PlanFileName(const std::string& plan_name, int64_t revision) {
  std::vector<std::string> parts = absl::StrSplit(plan_name, '/');
  std::string base = parts.size() == 4
                         ? absl::StrCat(parts[1], "-", parts[3])
                         : std::string("plan");
  if (revision > 0) absl::StrAppend(&base, "-r", revision);
  return base + ".md";
}

}  // namespace kam::planning
