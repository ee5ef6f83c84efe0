#include "tools/kamctl/scoring_views.h"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/engagement_views.h"
#include "tools/kamctl/money.h"

namespace kam::kamctl {
namespace {

namespace cv1 = ::kam::common::v1;

constexpr size_t kTextWidth = 60;

// "key", or `none` for TIER_UNSPECIFIED.
std::string TierOr(cv1::Tier tier, const char* none) {
  const std::string name = TierName(tier);
  return name.empty() ? none : name;
}

// Higher tiers rank lower: KEY 1 ... TRANSACTIONAL 4, no tier 5.
int TierRank(cv1::Tier tier) {
  return tier == cv1::TIER_UNSPECIFIED ? 5 : static_cast<int>(tier);
}

std::string Counted(int n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// "key 5, potential_key 6, maintain 9, transactional 10".
std::string TierCountsText(const Repeated<sv1::TierCount>& counts) {
  std::vector<std::string> parts;
  for (const sv1::TierCount& count : counts) {
    parts.push_back(
        absl::StrCat(TierOr(count.tier(), "no tier"), " ", count.accounts()));
  }
  return absl::StrJoin(parts, ", ");
}

std::string QuadrantCounts(int strategic, int star, int status,
                           int streamline) {
  return absl::StrFormat("strategic %d, star %d, status %d, streamline %d",
                         strategic, star, status, streamline);
}

std::string Ids(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return absl::StrJoin(ids, ", ");
}

std::string Midpoint(double midpoint) {
  return CompactNumber(midpoint == 0 ? 5.5 : midpoint);
}

// PROGRESS as "120/300".
std::string Progress(const sv1::RescoringRun& run) {
  return absl::StrCat(run.accounts_done(), "/", run.accounts_total());
}

Table WatchTable(const Repeated<sv1::WatchEntry>& entries) {
  Table table({"ACCOUNT", "NAME", "TIER", "SCORE", "TREND", "LINE", "GAP"});
  for (size_t column : {3, 4, 5, 6}) table.AlignRight(column);
  for (const sv1::WatchEntry& e : entries) {
    table.AddRow({IdOf(e.account()), e.display_name(), TierName(e.tier()),
                  FormatScore(e.score()), FormatTrend(e.trend()),
                  FormatScore(e.line()), FormatTrend(e.score() - e.line())});
  }
  return table;
}

}  // namespace

std::string Decimal(double value, int decimals) {
  std::string text = absl::StrFormat("%.*f", decimals, value);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::string FormatScore(double score) { return absl::StrFormat("%.2f", score); }

std::string FormatTrend(double trend) {
  const double rounded = std::round(trend * 100) / 100;
  if (rounded == 0) return "0.00";
  return absl::StrFormat(rounded > 0 ? "+%.2f" : "%.2f", rounded);
}

std::string FormatBasisPoints(int64_t basis_points) {
  const int64_t magnitude = basis_points < 0 ? -basis_points : basis_points;
  return absl::StrFormat("%s%d.%02d%%", basis_points < 0 ? "-" : "",
                         magnitude / 100, magnitude % 100);
}

std::string CompactNumber(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e6) return absl::StrCat(Decimal(value / 1e6, 3), "M");
  if (magnitude >= 1e3) return absl::StrCat(Decimal(value / 1e3, 3), "k");
  return Decimal(value, 2);
}

std::string ModelRef(const std::string& model, int32_t version) {
  if (model.empty()) return "";
  return absl::StrCat(IdOf(model), "@", version);
}

Table ModelsTable(const Repeated<sv1::ScoreModel>& models) {
  Table table(
      {"ID", "NAME", "STATE", "VERSION", "CRITERIA", "CURRENCY", "UPDATED"});
  table.AlignRight(3);
  table.AlignRight(4);
  for (const sv1::ScoreModel& m : models) {
    table.AddRow({m.model_id().empty() ? IdOf(m.name()) : m.model_id(),
                  m.display_name(), ModelStateName(m.state()),
                  absl::StrCat(m.version()), absl::StrCat(m.criteria_size()),
                  m.currency(), FormatTime(m.update_time())});
  }
  return table;
}

Table CriteriaTable(const sv1::ScoreModel& model) {
  Table table({"ID", "NAME", "KIND", "WEIGHT", "THRESHOLDS"});
  table.AlignRight(3);
  for (const sv1::Criterion& c : model.criteria()) {
    std::string thresholds;
    if (c.kind() != sv1::MANUAL) {
      std::vector<std::string> lines;
      for (double t : c.thresholds()) lines.push_back(CompactNumber(t));
      thresholds = lines.empty() ? "defaults" : absl::StrJoin(lines, " ");
    }
    table.AddRow({c.id(), c.display_name(), CriterionKindName(c.kind()),
                  absl::StrCat(c.weight(), "%"), thresholds});
  }
  return table;
}

Table TierLinesTable(const sv1::TierThresholds& tiers) {
  Table table({"TIER", "PROMOTE_AT", "DEMOTE_BELOW"});
  table.AlignRight(1);
  table.AlignRight(2);
  const std::pair<cv1::Tier, const sv1::TierBand*> bands[] = {
      {cv1::KEY, &tiers.key()},
      {cv1::POTENTIAL_KEY, &tiers.potential_key()},
      {cv1::MAINTAIN, &tiers.maintain()}};
  for (const auto& [tier, band] : bands) {
    table.AddRow({TierName(tier), CompactNumber(band->promote_at()),
                  CompactNumber(band->demote_below())});
  }
  table.AddRow({TierName(cv1::TRANSACTIONAL), "", ""});
  return table;
}

std::string ModelText(const sv1::ScoreModel& m) {
  Table fields({});
  fields.AddRow({"name:", m.name()});
  fields.AddRow({"display_name:", m.display_name()});
  fields.AddRow({"state:", ModelStateName(m.state())});
  fields.AddRow({"version:", absl::StrCat(m.version())});
  fields.AddRow({"currency:", m.currency()});
  // A std::map: the same order every time.
  std::vector<std::string> rates;
  for (const auto& [code, micros] :
       std::map<std::string, int64_t>(m.exchange_rates_micros().begin(),
                                      m.exchange_rates_micros().end())) {
    rates.push_back(absl::StrFormat("1 %s = %s %s", code,
                                    Decimal(micros / 1e6, 6), m.currency()));
  }
  fields.AddRow({"exchange_rates:", absl::StrJoin(rates, ", ")});
  fields.AddRow(
      {"missing_rating:",
       absl::StrCat(m.missing_rating() == 0 ? 1 : m.missing_rating())});
  fields.AddRow({"created:", FormatTime(m.create_time())});
  fields.AddRow({"updated:", FormatTime(m.update_time())});
  fields.AddRow({"activated:", FormatTime(m.activate_time())});
  fields.AddRow({"etag:", m.etag()});

  Table axes({});
  axes.AddRow(
      {"attractiveness:", Ids(m.portfolio().attractiveness_criteria())});
  axes.AddRow({"strength:", Ids(m.portfolio().strength_criteria())});
  axes.AddRow({"midpoint:", Midpoint(m.portfolio().midpoint())});

  return absl::StrCat(Render(fields), "\n", Render(CriteriaTable(m)), "\n",
                      Render(TierLinesTable(m.tiers())), "\n", Render(axes));
}

std::string WhatIfText(const sv1::WhatIfReport& r) {
  Table counts({});
  const sv1::ScoreModel& m = r.model();
  counts.AddRow(
      {"model:",
       m.name().empty() || m.state() == sv1::MODEL_STATE_UNSPECIFIED
           ? absl::StrCat(m.display_name(), " (from the file, not saved)")
           : absl::StrCat(ModelRef(m.name(), m.version()), " (",
                          ModelStateName(m.state()), ")")});
  counts.AddRow({"accounts_evaluated:", absl::StrCat(r.accounts_evaluated())});
  counts.AddRow(
      {"tier_changes:",
       absl::StrFormat("%d (%s, %s)", r.tier_changes(),
                       Counted(r.promotions(), "promotion", "promotions"),
                       Counted(r.demotions(), "demotion", "demotions"))});
  counts.AddRow({"computed_tiers:", TierCountsText(r.tier_counts())});
  std::string text = Render(counts);
  if (r.changes().empty()) {
    return absl::StrCat(text, "\nno account would change tier\n");
  }
  Table changes(
      {"ACCOUNT", "NAME", "TIER", "NEW_TIER", "SCORE", "NEW_SCORE", "MOVE"});
  changes.AlignRight(4);
  changes.AlignRight(5);
  for (const sv1::WhatIfChange& c : r.changes()) {
    changes.AddRow(
        {IdOf(c.account()), c.display_name(), TierOr(c.current_tier(), "none"),
         TierOr(c.new_tier(), "none"), FormatScore(c.current_score()),
         FormatScore(c.new_score()),
         TierRank(c.new_tier()) < TierRank(c.current_tier()) ? "promotion"
                                                             : "demotion"});
  }
  absl::StrAppend(&text, "\n", Render(changes));
  if (r.changes_size() < r.tier_changes()) {
    absl::StrAppendFormat(&text,
                          "(the %d largest of %d changes; --limit=N lists "
                          "more)\n",
                          r.changes_size(), r.tier_changes());
  }
  return text;
}

Table RatingsTable(const Repeated<sv1::Rating>& ratings) {
  Table table({"CRITERION", "VALUE", "RATER", "RATED", "NOTE"});
  table.AlignRight(1);
  for (const sv1::Rating& r : ratings) {
    table.AddRow({IdOf(r.name()), absl::StrCat(r.value()), r.rater(),
                  FormatTime(r.rate_time()), Abbreviate(r.note(), kTextWidth)});
  }
  return table;
}

Table BreakdownTable(const sv1::Score& score) {
  Table table({"CRITERION", "KIND", "WEIGHT", "VALUE", "RATING", "POINTS",
               "EXPLANATION"});
  for (size_t column : {2, 3, 4, 5}) table.AlignRight(column);
  int weights = 0;
  for (const sv1::CriterionScore& c : score.breakdown()) {
    weights += c.weight();
    table.AddRow({c.criterion_id(), CriterionKindName(c.kind()),
                  absl::StrCat(c.weight(), "%"),
                  c.has_value() ? CompactNumber(c.value()) : "",
                  c.missing() ? absl::StrCat(c.rating(), " (no data)")
                              : absl::StrCat(c.rating()),
                  FormatScore(c.points()), c.explanation()});
  }
  table.AddRow({"total", "", absl::StrCat(weights, "%"), "", "",
                FormatScore(score.score()), ""});
  return table;
}

std::string ScoreText(const sv1::Score& s) {
  Table fields({});
  fields.AddRow({"account:",
                 s.display_name().empty()
                     ? s.account()
                     : absl::StrCat(s.account(), " (", s.display_name(), ")")});
  fields.AddRow({"score:", FormatScore(s.score())});
  std::string tier = TierOr(s.tier(), "none");
  if (s.tier() != s.computed_tier()) absl::StrAppend(&tier, " (overridden)");
  fields.AddRow({"tier:", tier});
  fields.AddRow({"computed_tier:", TierOr(s.computed_tier(), "none")});
  fields.AddRow(
      {"trend:", s.has_previous_score()
                     ? absl::StrCat(FormatTrend(s.trend()), " (previous ",
                                    FormatScore(s.previous_score()), ")")
                     : "first score"});
  fields.AddRow({"model:", ModelRef(s.model(), s.model_version())});
  fields.AddRow(
      {"portfolio:", absl::StrFormat("attractiveness %.2f, strength %.2f: %s",
                                     s.attractiveness(), s.strength(),
                                     QuadrantName(s.quadrant()))});
  fields.AddRow(
      {"scoring_year:",
       s.has_revenue() || s.has_gross_profit()
           ? absl::StrFormat("%d: revenue %s, gross profit %s", s.fiscal_year(),
                             FormatMoney(s.revenue()),
                             FormatMoney(s.gross_profit()))
           : "no financials"});
  fields.AddRow({"computed:", FormatTime(s.compute_time())});
  return absl::StrCat(Render(fields), "\n", Render(BreakdownTable(s)));
}

Table ScoresTable(const Repeated<sv1::Score>& scores) {
  Table table(
      {"ACCOUNT", "NAME", "SCORE", "TREND", "TIER", "COMPUTED", "QUADRANT"});
  table.AlignRight(2);
  table.AlignRight(3);
  for (const sv1::Score& s : scores) {
    table.AddRow({IdOf(s.account()), s.display_name(), FormatScore(s.score()),
                  s.has_previous_score() ? FormatTrend(s.trend()) : "",
                  TierName(s.tier()), TierName(s.computed_tier()),
                  QuadrantName(s.quadrant())});
  }
  return table;
}

Table ScoreHistoryTable(const Repeated<sv1::ScorePoint>& points) {
  Table table({"COMPUTED", "SCORE", "TIER", "MODEL"});
  table.AlignRight(1);
  for (const sv1::ScorePoint& p : points) {
    table.AddRow({FormatTime(p.compute_time()), FormatScore(p.score()),
                  TierName(p.computed_tier()),
                  ModelRef(p.model(), p.model_version())});
  }
  return table;
}

Table TierDetails(const sv1::AccountTier& t) {
  Table table({});
  table.AddRow({"account:", t.account()});
  table.AddRow({"tier:", TierOr(t.tier(), "none")});
  table.AddRow({"source:", TierSourceName(t.source())});
  table.AddRow({"since:", FormatTime(t.effective_time())});
  table.AddRow({"score:", FormatScore(t.score())});
  if (t.has_override()) {
    const sv1::TierOverride& o = t.override();
    table.AddRow({"override:", absl::StrCat(TierName(o.tier()), " until ",
                                            FormatTime(o.expire_time()))});
    table.AddRow({"override_author:", o.author()});
    table.AddRow({"override_reason:", o.reason()});
    table.AddRow({"override_set:", FormatTime(o.create_time())});
  }
  return table;
}

Table TiersTable(const Repeated<sv1::AccountTier>& tiers) {
  Table table(
      {"ACCOUNT", "TIER", "SOURCE", "SCORE", "SINCE", "OVERRIDE_UNTIL"});
  table.AlignRight(3);
  for (const sv1::AccountTier& t : tiers) {
    if (!t.found() && t.tier() == cv1::TIER_UNSPECIFIED) {
      table.AddRow({IdOf(t.account()), "unknown"});
      continue;
    }
    table.AddRow(
        {IdOf(t.account()), TierName(t.tier()), TierSourceName(t.source()),
         FormatScore(t.score()), FormatTime(t.effective_time()),
         t.has_override() ? FormatTime(t.override().expire_time()) : ""});
  }
  return table;
}

Table TierChangesTable(const Repeated<sv1::TierChange>& changes) {
  Table table({"WHEN", "FROM", "TO", "REASON", "SCORE", "DETAIL"});
  table.AlignRight(4);
  for (const sv1::TierChange& c : changes) {
    table.AddRow({FormatTime(c.effective_time()), TierName(c.previous_tier()),
                  TierName(c.tier()), TierChangeReasonName(c.reason()),
                  FormatScore(c.score()), c.detail()});
  }
  return table;
}

std::string TierChangeLine(const cv1::ChangeEvent& event) {
  sv1::TierChange c;
  if (!event.resource().UnpackTo(&c)) {
    return absl::StrFormat("%d\t%s\t%s\t%s", event.sequence(),
                           cv1::ChangeEvent::Kind_Name(event.kind()),
                           event.resource_name(),
                           FormatTime(event.commit_time()));
  }
  return absl::StrFormat(
      "%d\t%s\t%s\t%s -> %s\t%s\t%s\t%s", event.sequence(),
      FormatTime(c.effective_time()), IdOf(c.account()),
      TierOr(c.previous_tier(), "none"), TierOr(c.tier(), "none"),
      TierChangeReasonName(c.reason()), FormatScore(c.score()), c.detail());
}

std::string AbcText(const sv1::AbcAnalysis& a) {
  std::string text = absl::StrFormat(
      "A: the first %d%% of gross profit, B: the next %d%%, C: the rest; "
      "total %s\n%d A, %d B, %d C\n\n",
      a.a_percent(), a.b_percent(), FormatMoney(a.total_gross_profit()),
      a.a_count(), a.b_count(), a.c_count());
  Table table({"RANK", "ACCOUNT", "NAME", "GROSS_PROFIT", "SHARE", "CUMULATIVE",
               "CLASS"});
  for (size_t column : {0, 3, 4, 5}) table.AlignRight(column);
  for (const sv1::AbcEntry& e : a.entries()) {
    table.AddRow(
        {absl::StrCat(e.rank()), IdOf(e.account()), e.display_name(),
         FormatMoney(e.gross_profit()), FormatBasisPoints(e.share_bp()),
         FormatBasisPoints(e.cumulative_bp()), AbcClassName(e.abc_class())});
  }
  return absl::StrCat(text, Render(table));
}

std::string PortfolioMatrixText(const sv1::PortfolioMatrix& m) {
  int strategic = 0, star = 0, status = 0, streamline = 0;
  for (const sv1::PortfolioPosition& p : m.positions()) {
    switch (p.quadrant()) {
      case sv1::STRATEGIC:
        ++strategic;
        break;
      case sv1::STAR:
        ++star;
        break;
      case sv1::STATUS:
        ++status;
        break;
      case sv1::STREAMLINE:
        ++streamline;
        break;
      default:
        break;
    }
  }
  Table axes({});
  axes.AddRow({"attractiveness:", Ids(m.attractiveness_criteria())});
  axes.AddRow({"strength:", Ids(m.strength_criteria())});
  axes.AddRow({"midpoint:",
               absl::StrCat(Midpoint(m.midpoint()), " (at or above is high)")});
  axes.AddRow(
      {"quadrants:", QuadrantCounts(strategic, star, status, streamline)});
  Table table(
      {"ACCOUNT", "NAME", "ATTRACTIVENESS", "STRENGTH", "QUADRANT", "TIER"});
  table.AlignRight(2);
  table.AlignRight(3);
  for (const sv1::PortfolioPosition& p : m.positions()) {
    table.AddRow({IdOf(p.account()), p.display_name(),
                  FormatScore(p.attractiveness()), FormatScore(p.strength()),
                  QuadrantName(p.quadrant()), TierName(p.tier())});
  }
  return absl::StrCat(Render(axes), "\n", Render(table));
}

std::string PortfolioSummaryText(const sv1::PortfolioSummary& s) {
  Table fields({});
  fields.AddRow({"model:", ModelRef(s.model(), s.model_version())});
  fields.AddRow({"accounts:", absl::StrCat(s.accounts())});
  fields.AddRow({"by_tier:", TierCountsText(s.by_tier())});
  fields.AddRow({"abc:", absl::StrFormat("A %d, B %d, C %d", s.abc_a(),
                                         s.abc_b(), s.abc_c())});
  fields.AddRow({"quadrants:", QuadrantCounts(s.strategic(), s.star(),
                                              s.status(), s.streamline())});
  fields.AddRow({"key_revenue_share:",
                 absl::StrCat(FormatBasisPoints(s.key_revenue_share_bp()),
                              " of ", FormatMoney(s.total_revenue()))});
  std::string text = Render(fields);
  absl::StrAppend(&text,
                  "\npromotion candidates (near key's promote_at, "
                  "or rising):\n");
  absl::StrAppend(&text, s.promotion_candidates().empty()
                             ? "none\n"
                             : Render(WatchTable(s.promotion_candidates())));
  absl::StrAppend(&text,
                  "\ndemotion watch (key accounts near "
                  "demote_below, or falling):\n");
  absl::StrAppend(&text, s.demotion_watch().empty()
                             ? "none\n"
                             : Render(WatchTable(s.demotion_watch())));
  return text;
}

Table RunsTable(const Repeated<sv1::RescoringRun>& runs) {
  Table table({"RUN", "STATE", "TRIGGER", "MODEL", "PROGRESS", "TIER_CHANGES",
               "STARTED", "ENDED"});
  table.AlignRight(4);
  table.AlignRight(5);
  for (const sv1::RescoringRun& r : runs) {
    table.AddRow({IdOf(r.name()), RunStateName(r.state()), r.trigger(),
                  ModelRef(r.model(), r.model_version()), Progress(r),
                  absl::StrCat(r.tier_changes()), FormatTime(r.start_time()),
                  FormatTime(r.end_time())});
  }
  return table;
}

Table RunDetails(const sv1::RescoringRun& r) {
  Table table({});
  table.AddRow({"name:", r.name()});
  table.AddRow({"state:", RunStateName(r.state())});
  table.AddRow({"trigger:", r.trigger()});
  table.AddRow({"model:", ModelRef(r.model(), r.model_version())});
  table.AddRow({"progress:", absl::StrCat(Progress(r), " accounts")});
  table.AddRow({"tier_changes:", absl::StrCat(r.tier_changes())});
  table.AddRow({"started:", FormatTime(r.start_time())});
  table.AddRow({"ended:", FormatTime(r.end_time())});
  table.AddRow({"detail:", r.detail()});
  return table;
}

std::string RunProgressLine(const sv1::RescoringRun& r) {
  std::string line = absl::StrCat(r.name(), ": ", RunStateName(r.state()), ", ",
                                  Progress(r), " accounts");
  if (const std::string percent =
          Percent(r.accounts_done(), r.accounts_total());
      !percent.empty()) {
    absl::StrAppend(&line, " (", percent, ")");
  }
  absl::StrAppend(&line, ", ",
                  Counted(static_cast<int>(r.tier_changes()), "tier change",
                          "tier changes"));
  return line;
}

}  // namespace kam::kamctl
