#include "tools/kamctl/engagement_views.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kam::kamctl {
namespace {

constexpr size_t kSummaryWidth = 60;
constexpr int64_t kSecondsPerDay = 24 * 60 * 60;

std::string JoinIds(
    const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::vector<std::string> ids;
  for (const std::string& name : names) ids.push_back(IdOf(name));
  return absl::StrJoin(ids, ",");
}

// "BUYER" -> "buyer", as kamctl writes enum values.
std::string LowerList(
    const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::vector<std::string> lower;
  for (const std::string& name : names) {
    lower.push_back(absl::AsciiStrToLower(name));
  }
  return absl::StrJoin(lower, ", ");
}

// The day of a time, "2026-03-12", or "" when unset.
std::string FormatDay(const google::protobuf::Timestamp& time) {
  return FormatTime(time).substr(0, 10);
}

std::string Interval(int32_t days) {
  return days == 0 ? "" : absl::StrCat("every ", days, " days");
}

std::string ResponsesText(int n) {
  return absl::StrCat(n, n == 1 ? " response" : " responses");
}

const char* KindText(ev1::OverdueItem::Kind kind) {
  switch (kind) {
    case ev1::OverdueItem::VISIT:
      return "visit";
    case ev1::OverdueItem::EXECUTIVE_CONTACT:
      return "executive contact";
    case ev1::OverdueItem::BUSINESS_REVIEW:
      return "business review";
    default:
      return "unknown";
  }
}

}  // namespace

std::string Abbreviate(absl::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) {
      // Make room for the ellipsis: drop the last whole code point.
      while (!out.empty() &&
             (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
        out.pop_back();
      }
      if (!out.empty()) out.pop_back();
      return out + "…";
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : text[i];
  }
  return out;
}

std::string SignedNumber(int value) {
  return value > 0 ? absl::StrCat("+", value) : absl::StrCat(value);
}

Table InteractionsTable(const Repeated<ev1::Interaction>& interactions) {
  Table table(
      {"WHEN", "ID", "TYPE", "CHANNEL", "WITH", "SENTIMENT", "SUMMARY"});
  table.AlignRight(5);
  for (const ev1::Interaction& i : interactions) {
    table.AddRow({FormatTime(i.occurred_at()), i.interaction_id(),
                  InteractionTypeName(i.type()), ChannelName(i.channel()),
                  JoinIds(i.participants()), SignedNumber(i.sentiment()),
                  Abbreviate(i.summary(), kSummaryWidth)});
  }
  return table;
}

Table InteractionDetails(const ev1::Interaction& i) {
  Table table({});
  table.AddRow({"name:", i.name()});
  table.AddRow({"type:", InteractionTypeName(i.type())});
  table.AddRow({"occurred_at:", FormatTime(i.occurred_at())});
  table.AddRow({"channel:", ChannelName(i.channel())});
  table.AddRow({"participants:", JoinIds(i.participants())});
  table.AddRow({"internal_participants:",
                absl::StrJoin(i.internal_participants(), ",")});
  table.AddRow({"summary:", i.summary()});
  table.AddRow({"outcome:", i.outcome()});
  table.AddRow({"next_steps:", i.next_steps()});
  table.AddRow({"sentiment:", SignedNumber(i.sentiment())});
  if (i.account_deleted()) {
    table.AddRow({"account_deleted:", "yes (deleted in the registry)"});
  }
  table.AddRow({"created:", FormatTime(i.create_time())});
  table.AddRow({"updated:", FormatTime(i.update_time())});
  table.AddRow({"etag:", i.etag()});
  return table;
}

Table SatisfactionDetails(const ev1::Satisfaction& s) {
  Table table({});
  table.AddRow({"account:", s.account()});
  table.AddRow(
      {"window:", absl::StrCat("the last ", s.window_days(), " days, and the ",
                               s.window_days(), " before")});
  table.AddRow(
      {"nps:",
       s.has_nps()
           ? absl::StrFormat(
                 "%s (%s: %d promoters, %d passives, %d detractors)",
                 SignedNumber(s.nps()), ResponsesText(s.nps_responses()),
                 s.promoters(), s.passives(), s.detractors())
           : "no NPS answers"});
  table.AddRow({"previous_nps:",
                s.has_previous_nps()
                    ? absl::StrFormat("%s (%s)", SignedNumber(s.previous_nps()),
                                      ResponsesText(s.previous_nps_responses()))
                    : "no NPS answers"});
  table.AddRow({"trend:", s.has_nps() && s.has_previous_nps()
                              ? SignedNumber(s.nps() - s.previous_nps())
                              : ""});
  table.AddRow(
      {"csat:", s.has_csat_x100()
                    ? absl::StrFormat("%d.%02d (%s)", s.csat_x100() / 100,
                                      s.csat_x100() % 100,
                                      ResponsesText(s.csat_responses()))
                    : "no CSAT answers"});
  return table;
}

Table CadenceTable(const Repeated<ev1::CadencePolicy>& policies) {
  Table table(
      {"TIER", "VISIT", "EXECUTIVE CONTACT", "BUSINESS REVIEW", "SOURCE"});
  for (const ev1::CadencePolicy& p : policies) {
    table.AddRow({TierName(p.tier()), Interval(p.visit_interval_days()),
                  Interval(p.executive_contact_interval_days()),
                  Interval(p.business_review_interval_days()),
                  p.is_default() ? "default" : "set"});
  }
  return table;
}

std::string MissingText(const ev1::OverdueAccount& account) {
  std::vector<std::string> items;
  for (const ev1::OverdueItem& item : account.missing()) {
    items.push_back(absl::StrCat(
        KindText(item.kind()), " ",
        item.has_last() ? absl::StrCat(item.days_overdue(), "d") : "never"));
  }
  return absl::StrJoin(items, ", ");
}

Table OverdueTable(const Repeated<ev1::OverdueAccount>& accounts) {
  Table table({"ACCOUNT", "NAME", "TIER", "DAYS_OVERDUE", "MISSING"});
  table.AlignRight(3);
  for (const ev1::OverdueAccount& a : accounts) {
    table.AddRow({IdOf(a.account()), a.display_name(), TierName(a.tier()),
                  absl::StrCat(a.days_overdue()), MissingText(a)});
  }
  return table;
}

Table CoverageDetails(const ev1::Coverage& c) {
  Table table({});
  table.AddRow({"account:", c.account()});
  table.AddRow({"window:", absl::StrCat("the last ", c.days(), " days")});
  table.AddRow({"roles_engaged:", LowerList(c.roles_engaged())});
  table.AddRow({"roles_missing:", LowerList(c.roles_missing())});
  table.AddRow({"levels_engaged:", LowerList(c.levels_engaged())});
  table.AddRow({"levels_missing:", LowerList(c.levels_missing())});
  table.AddRow({"contacts_engaged:", JoinIds(c.contacts_engaged())});
  table.AddRow({"contacts_not_engaged:", JoinIds(c.contacts_not_engaged())});
  return table;
}

Table StageHistoryTable(const ev1::RelationshipStageHistory& history) {
  Table table({"EFFECTIVE", "STAGE", "SET_BY", "RATIONALE", "RECORDED"});
  const ev1::RelationshipStage& now = history.current();
  for (const ev1::RelationshipStage& s : history.history()) {
    const bool current =
        history.has_current() && s.stage() == now.stage() &&
        s.effective_time().seconds() == now.effective_time().seconds() &&
        s.record_time().seconds() == now.record_time().seconds();
    table.AddRow({FormatDay(s.effective_time()),
                  current ? absl::StrCat(StageName(s.stage()), " (current)")
                          : StageName(s.stage()),
                  s.set_by(), Abbreviate(s.rationale(), kSummaryWidth),
                  FormatTime(s.record_time())});
  }
  return table;
}

Table SummaryDetails(const ev1::EngagementSummary& s) {
  Table table({});
  table.AddRow({"account:", s.account()});
  table.AddRow({"tier:", TierName(s.tier())});
  if (s.account_deleted()) {
    table.AddRow({"account_deleted:", "yes (deleted in the registry)"});
  }
  std::string last = "never";
  if (s.has_last_contact()) {
    last = FormatTime(s.last_contact());
    if (s.has_computed_at()) {
      const int64_t days =
          (s.computed_at().seconds() - s.last_contact().seconds()) /
          kSecondsPerDay;
      absl::StrAppend(&last, " (", days,
                      days == 1 ? " day ago)" : " days ago)");
    }
  }
  table.AddRow({"last_contact:", last});
  table.AddRow({"interactions:",
                absl::StrFormat("%d in 30 days, %d in 90, %d in 365",
                                s.interactions_30d(), s.interactions_90d(),
                                s.interactions_365d())});
  table.AddRow(
      {"executive_touches_90d:", absl::StrCat(s.executive_touches_90d())});
  std::string nps = s.has_nps() ? SignedNumber(s.nps()) : "no answers";
  if (s.has_previous_nps()) {
    absl::StrAppend(&nps,
                    " (previous 365 days: ", SignedNumber(s.previous_nps()));
    if (s.has_nps()) {
      absl::StrAppend(&nps, ", trend ",
                      SignedNumber(s.nps() - s.previous_nps()));
    }
    absl::StrAppend(&nps, ")");
  }
  table.AddRow({"nps_365d:", nps});
  table.AddRow({"stage:", StageName(s.stage())});
  table.AddRow(
      {"role_coverage_90d:", absl::StrCat(s.role_coverage_percent(), "%")});
  table.AddRow({"roles_missing_90d:", LowerList(s.roles_missing_90d())});
  table.AddRow({"overdue:", s.overdue() ? "yes (see kamctl overdue)" : "no"});
  table.AddRow({"computed_at:", FormatTime(s.computed_at())});
  return table;
}

}  // namespace kam::kamctl
