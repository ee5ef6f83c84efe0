#include "tools/kamctl/planning_views.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/engagement_views.h"
#include "tools/kamctl/money.h"
#include "tools/kamctl/scoring_records.h"
#include "tools/kamctl/scoring_views.h"

namespace kam::kamctl {
namespace {

constexpr size_t kStatementWidth = 50;
constexpr size_t kTitleWidth = 50;
constexpr size_t kOutcomeWidth = 60;

bool IsSet(const google::protobuf::Timestamp& t) {
  return t.seconds() != 0 || t.nanos() != 0;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// ACTIONS as "done/total": what is left to do at a glance. Cancelled actions
// are not part of the plan any more.
std::string ActionProgress(const pv1::AccountPlan& plan) {
  int done = 0, total = 0;
  for (const pv1::Action& a : plan.actions()) {
    if (a.status() == pv1::CANCELLED) continue;
    ++total;
    if (a.status() == pv1::DONE) ++done;
  }
  return absl::StrCat(done, "/", total);
}

const pv1::ProgressUpdate* Latest(const pv1::Objective& o) {
  const pv1::ProgressUpdate* latest = nullptr;
  for (const pv1::ProgressUpdate& p : o.progress()) {
    if (latest == nullptr || FromTimestamp(p.measure_time()) >=
                                 FromTimestamp(latest->measure_time())) {
      latest = &p;
    }
  }
  return latest;
}

std::string AgreementText(const pv1::AccountPlan& plan) {
  const pv1::CustomerAgreement& a = plan.customer_agreement();
  if (a.contact().empty()) return "";
  std::string text = IdOf(a.contact());
  if (!a.display_name().empty())
    absl::StrAppend(&text, " (", a.display_name(), ")");
  if (IsSet(a.agree_time()))
    absl::StrAppend(&text, " on ", DateOf(a.agree_time()));
  if (a.revision() > 0) {
    absl::StrAppend(&text, ", to revision ", a.revision());
    if (plan.revision() > a.revision()) {
      absl::StrAppend(&text, " (the plan is at revision ", plan.revision(),
                      " now)");
    }
  }
  if (!a.note().empty()) absl::StrAppend(&text, ": ", a.note());
  return text;
}

Table ReviewsTable(const pv1::AccountPlan& plan) {
  Table table({"WHEN", "REVISION", "REVIEWERS", "OUTCOME", "CHANGES"});
  table.AlignRight(1);
  for (const pv1::PlanReview& r : plan.reviews()) {
    table.AddRow({FormatTime(r.review_time()),
                  r.revision() > 0 ? absl::StrCat(r.revision()) : "",
                  absl::StrJoin(r.reviewers(), ", "),
                  Abbreviate(r.outcome(), kOutcomeWidth),
                  Abbreviate(r.changes(), kOutcomeWidth)});
  }
  return table;
}

// A section of PlanText: a heading, then the table, or "  none".
std::string Section(const char* heading, const Table& table) {
  if (table.empty()) return absl::StrCat("\n", heading, ": none\n");
  return absl::StrCat("\n", heading, ":\n", Render(table));
}

}  // namespace

std::string FormatDay(const google::protobuf::Timestamp& time) {
  if (!IsSet(time)) return "";
  const absl::Time t = FromTimestamp(time);
  if (time.nanos() == 0 && time.seconds() % 86400 == 0) {
    return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  }
  return FormatTime(time);
}

std::string DateOf(const google::protobuf::Timestamp& time) {
  if (!IsSet(time)) return "";
  return absl::FormatTime("%Y-%m-%d", FromTimestamp(time), absl::UTCTimeZone());
}

std::string PeriodText(const pv1::AccountPlan& plan) {
  if (!plan.has_period_start()) return "";
  std::string text = absl::StrCat(FormatDay(plan.period_start()), "..",
                                  FormatDay(plan.period_end()));
  if (plan.has_period_end()) {
    const absl::Duration length =
        FromTimestamp(plan.period_end()) - FromTimestamp(plan.period_start());
    const double days = absl::ToDoubleHours(length) / 24;
    absl::StrAppend(&text, " (",
                    days == static_cast<int64_t>(days)
                        ? Plural(static_cast<int64_t>(days), "day", "days")
                        : absl::StrCat(Decimal(days, 1), " days"),
                    ")");
  }
  return text;
}

std::string DueInText(int32_t days) {
  if (days == 0) return "today";
  if (days > 0) return absl::StrCat("in ", Plural(days, "day", "days"));
  return absl::StrCat(Plural(-static_cast<int64_t>(days), "day", "days"),
                      " overdue");
}

std::string ObjectiveValueText(const pv1::Objective& objective, int64_t value) {
  switch (objective.metric()) {
    case pv1::REVENUE:
    case pv1::GROSS_MARGIN:
      return absl::StrCat(FormatMinorUnits(value, /*group_thousands=*/true),
                          objective.unit().empty() ? "" : " ",
                          objective.unit());
    case pv1::SHARE_OF_WALLET:
      return absl::StrCat(value, "%");
    case pv1::NPS:
      return value > 0 ? absl::StrCat("+", value) : absl::StrCat(value);
    default:
      return objective.unit().empty()
                 ? absl::StrCat(value)
                 : absl::StrCat(value, " ", objective.unit());
  }
}

std::string PlanLine(const pv1::AccountPlan& p) {
  std::vector<std::string> parts;
  for (std::string part :
       {PlanHorizonName(p.horizon()), PlanStatusName(p.status()),
        p.revision() == 0 ? "" : absl::StrCat("revision ", p.revision()),
        IsSet(p.next_review_time())
            ? absl::StrCat("next review ", DateOf(p.next_review_time()))
            : "",
        p.etag().empty() ? "" : absl::StrCat("etag ", p.etag())}) {
    if (!part.empty()) parts.push_back(std::move(part));
  }
  return absl::StrCat(ShortPlanName(p.name()), ": ",
                      absl::StrJoin(parts, ", "));
}

std::string ObjectiveLine(const pv1::Objective& o) {
  std::string text = absl::StrCat(o.id(), ": ");
  const pv1::ProgressUpdate* latest = Latest(o);
  if (latest == nullptr) {
    absl::StrAppend(&text, "not measured yet (target ",
                    ObjectiveValueText(o, o.target()), ")");
  } else {
    absl::StrAppend(&text, ObjectiveValueText(o, latest->value()), " measured ",
                    DateOf(latest->measure_time()), " (target ",
                    ObjectiveValueText(o, o.target()), ", expected ",
                    ObjectiveValueText(o, o.expected_value()),
                    "): ", o.achieved_percent(), "% of the way");
  }
  const std::string status = ObjectiveStatusName(o.status());
  if (!status.empty()) absl::StrAppend(&text, ", ", status);
  return text;
}

std::string ActionLine(const pv1::Action& a) {
  std::vector<std::string> parts = {ActionStatusName(a.status())};
  if (!a.owner().empty()) parts.push_back(absl::StrCat("owner ", a.owner()));
  if (IsSet(a.due_time())) {
    parts.push_back(absl::StrCat("due ", DateOf(a.due_time())));
  }
  if (IsSet(a.complete_time())) {
    parts.push_back(absl::StrCat("completed ", DateOf(a.complete_time())));
  }
  return absl::StrCat(a.id(), ": ", absl::StrJoin(parts, ", "),
                      a.title().empty() ? "" : ": ", a.title());
}

Table PlansTable(const Repeated<pv1::AccountPlan>& plans) {
  Table table({"PLAN", "HORIZON", "STATUS", "PERIOD", "TITLE", "OBJECTIVES",
               "ACTIONS", "NEXT_REVIEW"});
  table.AlignRight(5);
  table.AlignRight(6);
  for (const pv1::AccountPlan& p : plans) {
    table.AddRow({ShortPlanName(p.name()), PlanHorizonName(p.horizon()),
                  PlanStatusName(p.status()), PeriodText(p),
                  Abbreviate(p.title(), kTitleWidth),
                  absl::StrCat(p.objectives_size()), ActionProgress(p),
                  DateOf(p.next_review_time())});
  }
  return table;
}

Table ObjectivesTable(const pv1::AccountPlan& plan) {
  Table table({"ID", "STATEMENT", "METRIC", "BASELINE", "TARGET", "LATEST",
               "ACHIEVED", "DUE", "STATUS", "SERVES"});
  for (size_t column : {3, 4, 5, 6}) table.AlignRight(column);
  for (const pv1::Objective& o : plan.objectives()) {
    const pv1::ProgressUpdate* latest = Latest(o);
    const std::string metric = o.metric() == pv1::CUSTOM
                                   ? o.custom_metric()
                                   : ObjectiveMetricName(o.metric());
    table.AddRow(
        {o.id(), Abbreviate(o.statement(), kStatementWidth), metric,
         ObjectiveValueText(o, o.baseline()), ObjectiveValueText(o, o.target()),
         latest == nullptr ? "" : ObjectiveValueText(o, latest->value()),
         latest == nullptr ? "" : absl::StrCat(o.achieved_percent(), "%"),
         DateOf(o.due_time()), ObjectiveStatusName(o.status()),
         o.serves_objective()});
  }
  return table;
}

Table ActionsTable(const pv1::AccountPlan& plan) {
  Table table(
      {"ID", "TITLE", "OWNER", "DUE", "STATUS", "OBJECTIVE", "COMPLETED"});
  for (const pv1::Action& a : plan.actions()) {
    table.AddRow({a.id(), Abbreviate(a.title(), kTitleWidth), a.owner(),
                  DateOf(a.due_time()), ActionStatusName(a.status()),
                  a.objective(), DateOf(a.complete_time())});
  }
  return table;
}

Table ParticipantsTable(const pv1::AccountPlan& plan) {
  Table table({"CONTACT", "NAME", "TITLE", "ROLE"});
  for (const pv1::Participant& p : plan.participants()) {
    table.AddRow({IdOf(p.contact()), p.display_name(), p.title(), p.role()});
  }
  return table;
}

std::string StrategyText(const pv1::Strategy& s) {
  const std::pair<const char*, const pv1::StrategyDimension*> dimensions[] = {
      {"product:", &s.product()},
      {"price:", &s.price()},
      {"distribution:", &s.distribution()},
      {"communication:", &s.communication()},
      {"service:", &s.service()},
      {"relationship:", &s.relationship()}};
  constexpr size_t kIndent =
      17;  // "  " and the widest label, "communication: "
  std::string text;
  for (const auto& [label, d] : dimensions) {
    if (d->text().empty() && d->key_choices().empty()) continue;
    // Continuation lines of a multi-line text line up under its start.
    std::string body = d->text();
    for (size_t at = body.find('\n'); at != std::string::npos;
         at = body.find('\n', at + 1)) {
      body.insert(at + 1, std::string(kIndent, ' '));
    }
    absl::StrAppendFormat(&text, "  %-15s%s\n", label, body);
    for (const std::string& choice : d->key_choices()) {
      absl::StrAppend(&text, std::string(kIndent, ' '), "- ", choice, "\n");
    }
  }
  return text.empty() ? "  (no strategy yet)\n" : text;
}

std::string SituationText(const pv1::SituationSnapshot& s) {
  if (!IsSet(s.take_time()) && s.tier() == 0 && s.unknown().empty()) return "";
  std::vector<std::string> parts;
  if (s.tier() != 0) {
    std::string tier = absl::StrCat("tier ", TierName(s.tier()));
    if (IsSet(s.tier_since())) {
      absl::StrAppend(&tier, " since ", DateOf(s.tier_since()));
    }
    parts.push_back(tier);
  }
  if (s.has_score())
    parts.push_back(absl::StrCat("score ", FormatScore(s.score())));
  if (s.abc_class() != 0) {
    parts.push_back(absl::StrCat("ABC ", AbcClassName(s.abc_class())));
  }
  if (s.has_nps()) parts.push_back(absl::StrCat("NPS ", SignedNumber(s.nps())));
  if (s.stage() != 0)
    parts.push_back(absl::StrCat("stage ", StageName(s.stage())));
  std::string text = absl::StrJoin(parts, ", ");
  if (!s.unknown().empty()) {
    absl::StrAppend(&text, text.empty() ? "" : " ",
                    "(unknown: ", absl::StrJoin(s.unknown(), ", "), ")");
  }
  if (IsSet(s.take_time())) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", "taken ",
                    FormatTime(s.take_time()));
  }
  return text;
}

std::string PlanText(const pv1::AccountPlan& p) {
  Table fields({});
  fields.AddRow({"name:", p.name()});
  fields.AddRow(
      {"account:", p.account_display_name().empty()
                       ? PlanAccountId(p.name())
                       : absl::StrCat(PlanAccountId(p.name()), " (",
                                      p.account_display_name(), ")")});
  fields.AddRow({"title:", p.title()});
  fields.AddRow({"horizon:", PlanHorizonName(p.horizon())});
  fields.AddRow({"status:", PlanStatusName(p.status())});
  fields.AddRow({"period:", PeriodText(p)});
  fields.AddRow({"parent_plan:", ShortPlanName(p.parent_plan())});
  fields.AddRow({"review_interval:",
                 p.review_interval_days() == 0
                     ? ""
                     : Plural(p.review_interval_days(), "day", "days")});
  fields.AddRow({"next_review:", DateOf(p.next_review_time())});
  fields.AddRow({"customer_agreement:", AgreementText(p)});
  fields.AddRow({"situation:", SituationText(p.situation())});
  fields.AddRow(
      {"revision:", p.revision() == 0 ? "" : absl::StrCat(p.revision())});
  fields.AddRow({"created:", FormatTime(p.create_time())});
  fields.AddRow({"updated:", FormatTime(p.update_time())});
  fields.AddRow({"activated:", FormatTime(p.activate_time())});
  if (IsSet(p.close_time()) || !p.close_reason().empty()) {
    fields.AddRow({"closed:", absl::StrCat(FormatTime(p.close_time()),
                                           p.close_reason().empty() ? "" : ": ",
                                           p.close_reason())});
  }
  fields.AddRow({"etag:", p.etag()});

  std::string text = Render(fields);
  if (!p.summary().empty())
    absl::StrAppend(&text, "\nsummary:\n  ", p.summary(), "\n");
  absl::StrAppend(&text, Section("objectives", ObjectivesTable(p)));
  absl::StrAppend(&text, "\nstrategy:\n", StrategyText(p.strategy()));
  absl::StrAppend(&text, Section("actions", ActionsTable(p)));
  absl::StrAppend(&text, Section("participants", ParticipantsTable(p)));
  absl::StrAppend(&text, Section("reviews", ReviewsTable(p)));
  return text;
}

Table RevisionsTable(const Repeated<pv1::PlanRevision>& revisions) {
  Table table({"REVISION", "WHEN", "CHANGE", "DESCRIPTION"});
  table.AlignRight(0);
  for (const pv1::PlanRevision& r : revisions) {
    table.AddRow({absl::StrCat(r.revision()), FormatTime(r.create_time()),
                  ChangeKindName(r.change()), r.description()});
  }
  return table;
}

std::string RevisionText(const pv1::PlanRevision& revision) {
  Table fields({});
  fields.AddRow({"revision:", absl::StrCat(revision.revision())});
  fields.AddRow({"when:", FormatTime(revision.create_time())});
  fields.AddRow({"change:", ChangeKindName(revision.change())});
  fields.AddRow({"description:", revision.description()});
  return absl::StrCat(Render(fields), "\nthe plan at this revision:\n",
                      PlanText(revision.plan()));
}

std::string OverdueActionsText(const pv1::ListOverdueActionsResponse& r) {
  if (r.actions().empty() && r.total() == 0) return "no overdue actions\n";
  Table table({"PLAN", "HORIZON", "ACCOUNT", "ACTION", "TITLE", "OWNER", "DUE",
               "DAYS_OVERDUE"});
  table.AlignRight(7);
  for (const pv1::OverdueAction& o : r.actions()) {
    table.AddRow({ShortPlanName(o.plan()), PlanHorizonName(o.horizon()),
                  o.account_display_name(), o.action().id(),
                  Abbreviate(o.action().title(), kTitleWidth),
                  o.action().owner(), DateOf(o.action().due_time()),
                  absl::StrCat(o.days_overdue())});
  }
  std::string text = Render(table);
  const int total = std::max<int>(r.total(), r.actions_size());
  absl::StrAppend(&text, "\n",
                  Plural(total, "overdue action", "overdue actions"));
  if (r.actions_size() < total) {
    absl::StrAppend(&text, " (showing ", r.actions_size(), "; raise --limit)");
  }
  return absl::StrCat(text, "\n");
}

std::string DueForReviewText(const pv1::ListPlansDueForReviewResponse& r) {
  if (r.plans().empty() && r.total() == 0) return "no plans due for review\n";
  Table table({"PLAN", "HORIZON", "ACCOUNT", "TITLE", "NEXT_REVIEW", "DUE"});
  for (const pv1::PlanDueForReview& p : r.plans()) {
    table.AddRow({ShortPlanName(p.plan()), PlanHorizonName(p.horizon()),
                  p.account_display_name(), Abbreviate(p.title(), kTitleWidth),
                  DateOf(p.next_review_time()), DueInText(p.days_until_due())});
  }
  std::string text = Render(table);
  const int total = std::max<int>(r.total(), r.plans_size());
  absl::StrAppend(&text, "\n", Plural(total, "plan", "plans"),
                  " due for review");
  if (r.plans_size() < total) {
    absl::StrAppend(&text, " (showing ", r.plans_size(), "; raise --limit)");
  }
  return absl::StrCat(text, "\n");
}

std::string CoverageText(const pv1::PlanCoverage& coverage) {
  std::string text;
  if (!coverage.tiers_known()) {
    text =
        "tiers unknown: planning has not heard from scoring's tier feed yet, "
        "so no account is known to be key\n";
  }
  Table lines({});
  Table uncovered({"HORIZON", "ACCOUNT", "NAME", "DRAFT"});
  for (const pv1::HorizonCoverage& h : coverage.horizons()) {
    lines.AddRow({absl::StrCat(PlanHorizonName(h.horizon()), ":"),
                  absl::StrFormat(
                      "%d of %s covered (%d%%)", h.covered(),
                      Plural(h.key_accounts(), "key account", "key accounts"),
                      h.covered_percent())});
    for (const pv1::UncoveredAccount& u : h.uncovered()) {
      uncovered.AddRow({PlanHorizonName(h.horizon()), IdOf(u.account()),
                        u.display_name(), ShortPlanName(u.draft_plan())});
    }
  }
  absl::StrAppend(&text, Render(lines));
  if (!uncovered.empty()) {
    absl::StrAppend(&text, "\nkey accounts without a plan in force:\n",
                    Render(uncovered));
  }
  return text;
}

}  // namespace kam::kamctl
