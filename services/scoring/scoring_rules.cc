#include "services/scoring/scoring_rules.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/validation.h"

namespace kam::scoring {
namespace {

using ::kam::common::v1::Money;
using ::kam::common::v1::Tier;
using ::kam::scoring::internal::AccountFacts;

constexpr int kThresholdCount = 9;
constexpr int kMaxCriteria = 30;
constexpr double kDefaultMidpoint = 5.5;

double Round2(double x) { return std::round(x * 100) / 100; }

int MissingRating(const v1::ScoreModel& model) {
  return model.missing_rating() == 0 ? 1 : model.missing_rating();
}

double Midpoint(const v1::ScoreModel& model) {
  return model.portfolio().midpoint() == 0 ? kDefaultMidpoint
                                           : model.portfolio().midpoint();
}

// ---------------------------------------------------------------------------
// Periods.

enum class PeriodKind { kYear, kQuarter, kMonth };

struct Period {
  int year = 0;
  PeriodKind kind = PeriodKind::kYear;
};

bool ParseDigits(absl::string_view s, int* out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(s, out);
}

// Parses "YYYY", "YYYY-Qn" (n 1-4) or "YYYY-MM" (01-12); anything else is
// not a period scoring understands and is ignored.
std::optional<Period> ParsePeriod(absl::string_view key) {
  if (key.size() < 4) return std::nullopt;
  Period period;
  if (!ParseDigits(key.substr(0, 4), &period.year)) return std::nullopt;
  if (key.size() == 4) {
    period.kind = PeriodKind::kYear;
    return period;
  }
  if (key.size() != 7 || key[4] != '-') return std::nullopt;
  if (key[5] == 'Q') {
    if (key[6] < '1' || key[6] > '4') return std::nullopt;
    period.kind = PeriodKind::kQuarter;
    return period;
  }
  int month = 0;
  if (!ParseDigits(key.substr(5, 2), &month) || month < 1 || month > 12) {
    return std::nullopt;
  }
  period.kind = PeriodKind::kMonth;
  return period;
}

struct ConvertedFact {
  double revenue = 0;
  double gross_margin = 0;
  double cost_to_serve = 0;
};

// Converts one fact into the model currency; nullopt if any of its amounts
// cannot be. An absent cost to serve (no currency, nothing owed) is zero.
std::optional<ConvertedFact> ConvertFact(
    const kam::registry::v1::FinancialFact& fact, const v1::ScoreModel& model) {
  std::optional<double> revenue = ToModelCurrency(fact.revenue(), model);
  std::optional<double> margin = ToModelCurrency(fact.gross_margin(), model);
  if (!revenue || !margin) return std::nullopt;
  ConvertedFact converted{*revenue, *margin, 0};
  const Money& cost = fact.cost_to_serve();
  if (!cost.currency_code().empty() || cost.minor_units() != 0) {
    std::optional<double> cost_major = ToModelCurrency(cost, model);
    if (!cost_major) return std::nullopt;
    converted.cost_to_serve = *cost_major;
  }
  return converted;
}

// The currencies of facts that had to be left out, for the breakdown.
std::set<std::string> UnconvertibleCurrencies(const AccountFacts& facts,
                                              const v1::ScoreModel& model) {
  std::set<std::string> currencies;
  for (const auto& [period, fact] : facts.financials()) {
    if (ConvertFact(fact, model)) continue;
    for (const Money* money :
         {&fact.revenue(), &fact.gross_margin(), &fact.cost_to_serve()}) {
      if (!money->currency_code().empty() && !ToModelCurrency(*money, model)) {
        currencies.insert(money->currency_code());
      }
    }
  }
  return currencies;
}

// ---------------------------------------------------------------------------
// Explanations: short ASCII sentences for people.

// 12900000 -> "12.9M", 250000 -> "250k", 1000000 -> "1M". The unit steps
// up where rounding would otherwise print "1000k".
std::string Compact(double value) {
  const char* sign = value < 0 ? "-" : "";
  double abs = std::fabs(value);
  const char* unit = "";
  if (abs >= 999.5e6) {
    abs /= 1e9;
    unit = "B";
  } else if (abs >= 999.5e3) {
    abs /= 1e6;
    unit = "M";
  } else if (abs >= 999.5) {
    abs /= 1e3;
    unit = "k";
  }
  std::string digits = abs >= 100 || *unit == '\0'
                           ? absl::StrFormat("%.0f", abs)
                           : absl::StrFormat("%.1f", abs);
  if (absl::EndsWith(digits, ".0")) digits.resize(digits.size() - 2);
  return absl::StrCat(sign, digits, unit);
}

std::string Percent(double value) { return absl::StrFormat("%.1f%%", value); }

std::string MissingSuffix(int rating) {
  return absl::StrCat(" (missing, rated ", rating, ")");
}

std::string NoFinancials(const std::set<std::string>& left_out,
                         const v1::ScoreModel& model) {
  if (left_out.empty()) return "no financials";
  return absl::StrCat("no financials convertible to ", model.currency(),
                      ", no rate for ", absl::StrJoin(left_out, ", "));
}

const char* LevelName(kam::registry::v1::OrgLevel level) {
  switch (level) {
    case kam::registry::v1::OPERATIONAL:
      return "operational";
    case kam::registry::v1::MANAGEMENT:
      return "management";
    case kam::registry::v1::EXECUTIVE:
      return "executive";
    default:
      return "level unset";
  }
}

int LevelPoints(kam::registry::v1::OrgLevel level) {
  switch (level) {
    case kam::registry::v1::OPERATIONAL:
      return 1;
    case kam::registry::v1::MANAGEMENT:
      return 2;
    case kam::registry::v1::EXECUTIVE:
      return 3;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------
// Ratings.

template <typename Thresholds>
int CountRating(double value, const Thresholds& thresholds) {
  int at_or_below = 0;
  for (double threshold : thresholds) {
    if (threshold <= value) ++at_or_below;
  }
  return 1 + at_or_below;
}

// A criterion's rating from its own thresholds, or the kind's defaults when
// the model was not run through ValidateModel.
int DerivedRating(const v1::Criterion& criterion, double value) {
  if (criterion.thresholds_size() == kThresholdCount) {
    return RatingFor(value, criterion.thresholds());
  }
  return CountRating(value, DefaultThresholds(criterion.kind()));
}

// What one criterion found: a value and its explanation (without the
// rating), or nothing and why.
struct Finding {
  bool missing = true;
  std::optional<double> value;
  // MANUAL: the rating given directly.
  std::optional<int> direct_rating;
  std::string text;
};

Finding Missing(std::string why) {
  Finding finding;
  finding.text = std::move(why);
  return finding;
}

Finding Found(double value, std::string text) {
  Finding finding;
  finding.missing = false;
  finding.value = value;
  finding.text = std::move(text);
  return finding;
}

// Everything the criteria read, computed once per account.
struct AccountView {
  const AccountFacts* facts = nullptr;
  const v1::ScoreModel* model = nullptr;
  std::optional<AnnualFigures> current;
  std::optional<AnnualFigures> previous;
  std::set<std::string> left_out;
};

Finding Evaluate(const v1::Criterion& criterion, const AccountView& view) {
  const AccountFacts& facts = *view.facts;
  const v1::ScoreModel& model = *view.model;
  const std::string& currency = model.currency();
  switch (criterion.kind()) {
    case v1::REVENUE_SIZE: {
      if (!view.current) return Missing(NoFinancials(view.left_out, model));
      const AnnualFigures& year = *view.current;
      return Found(
          year.revenue,
          absl::StrCat("revenue ", Compact(year.revenue), " ", currency, " in ",
                       year.year, year.complete ? "" : " (annualised)"));
    }
    case v1::PROFITABILITY: {
      if (!view.current) return Missing(NoFinancials(view.left_out, model));
      const AnnualFigures& year = *view.current;
      if (year.revenue <= 0) {
        return Missing(absl::StrCat("no revenue in ", year.year));
      }
      const double percent =
          (year.gross_margin - year.cost_to_serve) / year.revenue * 100;
      return Found(percent, absl::StrCat("margin after cost to serve ",
                                         Percent(percent), " in ", year.year));
    }
    case v1::GROWTH: {
      if (!view.current) return Missing(NoFinancials(view.left_out, model));
      const int year = view.current->year;
      if (!view.previous || view.previous->revenue <= 0) {
        return Missing(absl::StrCat("no revenue in ", year - 1, " to compare"));
      }
      const double percent = (view.current->revenue - view.previous->revenue) /
                             view.previous->revenue * 100;
      return Found(percent,
                   absl::StrCat("revenue ", absl::StrFormat("%+.1f%%", percent),
                                " from ", year - 1, " to ", year));
    }
    case v1::SHARE_OF_WALLET: {
      if (!view.current) return Missing(NoFinancials(view.left_out, model));
      if (!facts.has_potential_revenue()) {
        return Missing("no potential revenue");
      }
      std::optional<double> potential =
          ToModelCurrency(facts.potential_revenue(), model);
      if (!potential) {
        return Missing(absl::StrCat("potential revenue in ",
                                    facts.potential_revenue().currency_code(),
                                    " has no rate"));
      }
      if (*potential <= 0) return Missing("no potential revenue");
      const double percent = view.current->revenue / *potential * 100;
      return Found(percent,
                   absl::StrCat(Percent(percent), " of ", Compact(*potential),
                                " ", currency, " potential"));
    }
    case v1::SATISFACTION: {
      if (!facts.has_engagement() || !facts.engagement().has_nps()) {
        return Missing("no NPS yet");
      }
      return Found(facts.engagement().nps(),
                   absl::StrCat("NPS ", facts.engagement().nps()));
    }
    case v1::ENGAGEMENT: {
      if (!facts.has_engagement()) return Missing("no engagement summary yet");
      const auto& summary = facts.engagement();
      const double value =
          summary.role_coverage_percent() / 2.0 + (summary.overdue() ? 0 : 50);
      return Found(
          value,
          absl::StrCat("role coverage ", summary.role_coverage_percent(), "%, ",
                       summary.overdue() ? "overdue" : "on cadence"));
    }
    case v1::REFERENCE_VALUE: {
      // No ambassador is a fact about the account, not a gap in the data.
      int best = 0;
      const internal::ContactFacts* best_contact = nullptr;
      for (const auto& [id, contact] : facts.contacts()) {
        const bool ambassador =
            std::find(contact.roles().begin(), contact.roles().end(),
                      kam::registry::v1::AMBASSADOR) != contact.roles().end();
        if (!ambassador) continue;
        const int value =
            3 * LevelPoints(contact.level()) +
            (contact.attitude() == kam::registry::v1::ADVOCATE ? 1 : 0);
        if (best_contact == nullptr || value > best) {
          best = value;
          best_contact = &contact;
        }
      }
      if (best_contact == nullptr) return Found(0, "no ambassador");
      return Found(
          best,
          absl::StrCat("best ambassador: ", LevelName(best_contact->level()),
                       best_contact->attitude() == kam::registry::v1::ADVOCATE
                           ? ", advocate"
                           : "",
                       " (", best, ")"));
    }
    case v1::MANUAL: {
      auto it = facts.ratings().find(criterion.id());
      if (it == facts.ratings().end()) return Missing("not rated yet");
      const v1::Rating& rating = it->second;
      Finding finding;
      finding.missing = false;
      // A stored rating is 1-10 by SetRating's rule; clamping keeps the score
      // within 0-100 should an older record hold something else.
      finding.direct_rating = std::clamp(rating.value(), 1, 10);
      finding.text = rating.rater().empty()
                         ? absl::StrCat("rated ", *finding.direct_rating)
                         : absl::StrCat("rated ", *finding.direct_rating,
                                        " by ", rating.rater());
      return finding;
    }
    default:
      return Missing("unknown criterion kind");
  }
}

// ---------------------------------------------------------------------------
// Tiers.

int TierRank(Tier tier) {
  switch (tier) {
    case kam::common::v1::KEY:
      return 4;
    case kam::common::v1::POTENTIAL_KEY:
      return 3;
    case kam::common::v1::MAINTAIN:
      return 2;
    case kam::common::v1::TRANSACTIONAL:
      return 1;
    default:
      return 0;
  }
}

// The banded tiers, highest first.
constexpr Tier kBandedTiers[] = {kam::common::v1::KEY,
                                 kam::common::v1::POTENTIAL_KEY,
                                 kam::common::v1::MAINTAIN};

const v1::TierBand& BandOf(const v1::TierThresholds& thresholds, Tier tier) {
  switch (tier) {
    case kam::common::v1::KEY:
      return thresholds.key();
    case kam::common::v1::POTENTIAL_KEY:
      return thresholds.potential_key();
    default:
      return thresholds.maintain();
  }
}

// ---------------------------------------------------------------------------
// Model validation pieces.

std::string Criteria(int i) { return absl::StrCat("model.criteria[", i, "]"); }

absl::Status ValidateCriterion(int i, v1::Criterion* criterion) {
  const std::string field = Criteria(i);
  KAM_RETURN_IF_ERROR(ValidateId(absl::StrCat(field, ".id"), criterion->id()));
  KAM_RETURN_IF_ERROR(ValidateText(absl::StrCat(field, ".display_name"),
                                   criterion->display_name(), 0, 100));
  if (criterion->kind() == v1::CRITERION_KIND_UNSPECIFIED ||
      !v1::CriterionKind_IsValid(criterion->kind())) {
    return InvalidField(absl::StrCat(field, ".kind"),
                        absl::StrCat("is required (MANUAL or a derived kind), "
                                     "got ",
                                     criterion->kind()));
  }
  if (criterion->weight() < 1 || criterion->weight() > 100) {
    return InvalidField(
        absl::StrCat(field, ".weight"),
        absl::StrCat("must be 1-100, got ", criterion->weight()));
  }
  const std::string thresholds = absl::StrCat(field, ".thresholds");
  if (criterion->kind() == v1::MANUAL) {
    if (criterion->thresholds_size() != 0) {
      return InvalidField(thresholds,
                          "must be empty for a MANUAL criterion (it is rated "
                          "directly)");
    }
    return absl::OkStatus();
  }
  if (criterion->thresholds_size() == 0) {
    const std::vector<double>& defaults = DefaultThresholds(criterion->kind());
    criterion->mutable_thresholds()->Add(defaults.begin(), defaults.end());
    return absl::OkStatus();
  }
  if (criterion->thresholds_size() != kThresholdCount) {
    return InvalidField(thresholds,
                        absl::StrCat("must hold 9 values (or none for the "
                                     "defaults), got ",
                                     criterion->thresholds_size()));
  }
  for (int t = 0; t < kThresholdCount; ++t) {
    const double value = criterion->thresholds(t);
    if (!std::isfinite(value)) {
      return InvalidField(absl::StrCat(thresholds, "[", t, "]"),
                          "must be a finite number");
    }
    if (t > 0 && value < criterion->thresholds(t - 1)) {
      return InvalidField(
          absl::StrCat(thresholds, "[", t, "]"),
          absl::StrCat("must be ascending, got ", value, " after ",
                       criterion->thresholds(t - 1)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBand(absl::string_view field, const v1::TierBand& band) {
  for (const auto& [name, value] :
       {std::pair<const char*, double>{"promote_at", band.promote_at()},
        std::pair<const char*, double>{"demote_below", band.demote_below()}}) {
    if (!std::isfinite(value) || value < 0 || value > 100) {
      return InvalidField(absl::StrCat(field, ".", name),
                          absl::StrCat("must be 0-100, got ", value));
    }
  }
  if (band.demote_below() > band.promote_at()) {
    return InvalidField(
        absl::StrCat(field, ".demote_below"),
        absl::StrCat("must be at most promote_at (", band.promote_at(),
                     "), got ", band.demote_below()));
  }
  return absl::OkStatus();
}

// The higher band's lines must each be strictly above the lower band's.
absl::Status ValidateBandOrder(absl::string_view higher_field,
                               const v1::TierBand& higher,
                               absl::string_view lower_name,
                               const v1::TierBand& lower) {
  if (higher.promote_at() <= lower.promote_at()) {
    return InvalidField(
        absl::StrCat(higher_field, ".promote_at"),
        absl::StrCat("must be above ", lower_name, ".promote_at (",
                     lower.promote_at(), "), got ", higher.promote_at()));
  }
  if (higher.demote_below() <= lower.demote_below()) {
    return InvalidField(
        absl::StrCat(higher_field, ".demote_below"),
        absl::StrCat("must be above ", lower_name, ".demote_below (",
                     lower.demote_below(), "), got ", higher.demote_below()));
  }
  return absl::OkStatus();
}

absl::Status ValidateAxis(
    absl::string_view name,
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    const absl::flat_hash_set<std::string>& criteria,
    absl::flat_hash_set<std::string>* used) {
  const std::string field = absl::StrCat("model.portfolio.", name);
  if (ids.empty()) return InvalidField(field, "needs at least one criterion");
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (!criteria.contains(ids[i])) {
      return InvalidField(entry, absl::StrCat("\"", ids[i],
                                              "\" is not a criterion id of "
                                              "this model"));
    }
    if (!seen.insert(ids[i]).second) {
      return InvalidField(entry,
                          absl::StrCat("\"", ids[i], "\" is listed twice"));
    }
    if (!used->insert(ids[i]).second) {
      return InvalidField(entry,
                          absl::StrCat("\"", ids[i],
                                       "\" is already on the other axis; the "
                                       "axes must be disjoint"));
    }
  }
  return absl::OkStatus();
}

double AxisValue(const google::protobuf::RepeatedPtrField<std::string>& ids,
                 const std::map<std::string, std::pair<int, int>>& ratings) {
  int64_t weighted = 0;
  int64_t weights = 0;
  for (const std::string& id : ids) {
    auto it = ratings.find(id);
    if (it == ratings.end()) continue;
    weighted += static_cast<int64_t>(it->second.first) * it->second.second;
    weights += it->second.first;
  }
  if (weights == 0) return 0;
  return Round2(static_cast<double>(weighted) / static_cast<double>(weights));
}

}  // namespace

v1::ScoreModel DefaultModel() {
  v1::ScoreModel model;
  model.set_name("scoringModels/default");
  model.set_model_id("default");
  model.set_display_name("Default key account matrix");
  model.set_version(1);
  model.set_currency("EUR");
  auto& rates = *model.mutable_exchange_rates_micros();
  rates["DKK"] = 134000;
  rates["USD"] = 920000;
  rates["GBP"] = 1160000;
  rates["SEK"] = 87000;
  rates["NOK"] = 85000;
  rates["CHF"] = 1050000;
  model.set_missing_rating(1);
  struct Row {
    const char* id;
    const char* display_name;
    v1::CriterionKind kind;
    int weight;
  };
  for (const Row& row : {
           Row{"revenue-size", "Revenue size", v1::REVENUE_SIZE, 20},
           Row{"profitability", "Profitability", v1::PROFITABILITY, 20},
           Row{"growth", "Growth", v1::GROWTH, 15},
           Row{"share-of-wallet", "Share of wallet", v1::SHARE_OF_WALLET, 10},
           Row{"satisfaction", "Satisfaction (NPS)", v1::SATISFACTION, 10},
           Row{"engagement", "Engagement", v1::ENGAGEMENT, 10},
           Row{"reference-value", "Reference value", v1::REFERENCE_VALUE, 5},
           Row{"strategic-fit", "Strategic fit", v1::MANUAL, 10},
       }) {
    v1::Criterion* criterion = model.add_criteria();
    criterion->set_id(row.id);
    criterion->set_display_name(row.display_name);
    criterion->set_kind(row.kind);
    criterion->set_weight(row.weight);
  }
  v1::TierThresholds* tiers = model.mutable_tiers();
  tiers->mutable_key()->set_promote_at(70);
  // Wider than the other bands: becoming key tightens the cadence, and an
  // account that then falls behind it loses up to five engagement points.
  tiers->mutable_key()->set_demote_below(62);
  tiers->mutable_potential_key()->set_promote_at(55);
  tiers->mutable_potential_key()->set_demote_below(50);
  tiers->mutable_maintain()->set_promote_at(35);
  tiers->mutable_maintain()->set_demote_below(30);
  v1::PortfolioAxes* portfolio = model.mutable_portfolio();
  for (const char* id :
       {"revenue-size", "growth", "profitability", "strategic-fit"}) {
    portfolio->add_attractiveness_criteria(id);
  }
  for (const char* id :
       {"share-of-wallet", "satisfaction", "engagement", "reference-value"}) {
    portfolio->add_strength_criteria(id);
  }
  portfolio->set_midpoint(kDefaultMidpoint);
  return model;
}

const std::vector<double>& DefaultThresholds(v1::CriterionKind kind) {
  // Function-local statics of a trivially destructible pointer: built once,
  // never destroyed (no exit-time destructor order issues).
  static const auto* const kRevenue =
      new std::vector<double>{250000,  500000,   1000000,  2000000, 4000000,
                              8000000, 15000000, 30000000, 60000000};
  static const auto* const kProfitability =
      new std::vector<double>{0, 4, 8, 12, 16, 20, 25, 30, 40};
  static const auto* const kGrowth =
      new std::vector<double>{-20, -10, -5, 0, 3, 6, 10, 15, 25};
  static const auto* const kShareOfWallet =
      new std::vector<double>{5, 10, 15, 20, 30, 40, 50, 65, 80};
  static const auto* const kSatisfaction =
      new std::vector<double>{-50, -30, -10, 0, 10, 20, 30, 45, 60};
  static const auto* const kEngagement =
      new std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90};
  static const auto* const kReferenceValue =
      new std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const auto* const kNone = new std::vector<double>{};
  switch (kind) {
    case v1::REVENUE_SIZE:
      return *kRevenue;
    case v1::PROFITABILITY:
      return *kProfitability;
    case v1::GROWTH:
      return *kGrowth;
    case v1::SHARE_OF_WALLET:
      return *kShareOfWallet;
    case v1::SATISFACTION:
      return *kSatisfaction;
    case v1::ENGAGEMENT:
      return *kEngagement;
    case v1::REFERENCE_VALUE:
      return *kReferenceValue;
    default:
      return *kNone;
  }
}

absl::Status ValidateModel(v1::ScoreModel* model) {
  KAM_RETURN_IF_ERROR(
      ValidateText("model.display_name", model->display_name(), 1, 200));
  KAM_RETURN_IF_ERROR(
      ValidateCurrencyCode("model.currency", model->currency()));
  // Sorted, so the first error reported does not depend on hash order.
  const std::map<std::string, int64_t> rates(
      model->exchange_rates_micros().begin(),
      model->exchange_rates_micros().end());
  for (const auto& [code, micros] : rates) {
    const std::string field =
        absl::StrCat("model.exchange_rates_micros[\"", code, "\"]");
    KAM_RETURN_IF_ERROR(ValidateCurrencyCode(field, code));
    if (micros <= 0) {
      return InvalidField(field, absl::StrCat("must be > 0, got ", micros));
    }
  }

  const int count = model->criteria_size();
  if (count < 1 || count > kMaxCriteria) {
    return InvalidField("model.criteria",
                        absl::StrCat("must hold 1-30 criteria, got ", count));
  }
  absl::flat_hash_set<std::string> ids;
  int weights = 0;
  for (int i = 0; i < count; ++i) {
    v1::Criterion* criterion = model->mutable_criteria(i);
    KAM_RETURN_IF_ERROR(ValidateCriterion(i, criterion));
    if (!ids.insert(criterion->id()).second) {
      return InvalidField(absl::StrCat(Criteria(i), ".id"),
                          absl::StrCat("\"", criterion->id(),
                                       "\" is used by an earlier criterion"));
    }
    weights += criterion->weight();
  }
  if (weights != 100) {
    return InvalidField(
        "model.criteria",
        absl::StrCat("weights must add up to 100, got ", weights));
  }

  const v1::TierThresholds& tiers = model->tiers();
  KAM_RETURN_IF_ERROR(ValidateBand("model.tiers.key", tiers.key()));
  KAM_RETURN_IF_ERROR(
      ValidateBand("model.tiers.potential_key", tiers.potential_key()));
  KAM_RETURN_IF_ERROR(ValidateBand("model.tiers.maintain", tiers.maintain()));
  KAM_RETURN_IF_ERROR(ValidateBandOrder(
      "model.tiers.key", tiers.key(), "potential_key", tiers.potential_key()));
  KAM_RETURN_IF_ERROR(ValidateBandOrder("model.tiers.potential_key",
                                        tiers.potential_key(), "maintain",
                                        tiers.maintain()));

  absl::flat_hash_set<std::string> on_an_axis;
  KAM_RETURN_IF_ERROR(ValidateAxis("attractiveness_criteria",
                                   model->portfolio().attractiveness_criteria(),
                                   ids, &on_an_axis));
  KAM_RETURN_IF_ERROR(ValidateAxis("strength_criteria",
                                   model->portfolio().strength_criteria(), ids,
                                   &on_an_axis));
  const double midpoint = model->portfolio().midpoint();
  if (midpoint == 0) {
    model->mutable_portfolio()->set_midpoint(kDefaultMidpoint);
  } else if (!(midpoint >= 1 && midpoint <= 10)) {
    return InvalidField(
        "model.portfolio.midpoint",
        absl::StrCat("must be 0 (for 5.5) or 1-10, got ", midpoint));
  }

  if (model->missing_rating() == 0) {
    model->set_missing_rating(1);
  } else if (model->missing_rating() < 1 || model->missing_rating() > 10) {
    return InvalidField("model.missing_rating",
                        absl::StrCat("must be 0 (for 1) or 1-10, got ",
                                     model->missing_rating()));
  }
  return absl::OkStatus();
}

int RatingFor(double value,
              const google::protobuf::RepeatedField<double>& thresholds) {
  return CountRating(value, thresholds);
}

int64_t MinorPerMajor(const std::string& currency_code) {
  // ISO 4217 minor units; everything not listed has two decimals.
  static const auto* const kExponents = new std::map<std::string, int64_t>{
      {"BIF", 1},     {"CLP", 1},     {"DJF", 1},    {"GNF", 1},
      {"ISK", 1},     {"JPY", 1},     {"KMF", 1},    {"KRW", 1},
      {"PYG", 1},     {"RWF", 1},     {"UGX", 1},    {"UYI", 1},
      {"VND", 1},     {"VUV", 1},     {"XAF", 1},    {"XOF", 1},
      {"XPF", 1},     {"BHD", 1000},  {"IQD", 1000}, {"JOD", 1000},
      {"KWD", 1000},  {"LYD", 1000},  {"OMR", 1000}, {"TND", 1000},
      {"CLF", 10000}, {"UYW", 10000},
  };
  auto it = kExponents->find(currency_code);
  return it == kExponents->end() ? 100 : it->second;
}

std::optional<double> ToModelCurrency(const kam::common::v1::Money& money,
                                      const v1::ScoreModel& model) {
  const double major =
      static_cast<double>(money.minor_units()) /
      static_cast<double>(MinorPerMajor(money.currency_code()));
  if (money.currency_code() == model.currency()) return major;
  auto it = model.exchange_rates_micros().find(money.currency_code());
  if (it == model.exchange_rates_micros().end() || it->second <= 0) {
    return std::nullopt;
  }
  return major * static_cast<double>(it->second) / 1e6;
}

std::optional<AnnualFigures> FiguresForYear(const AccountFacts& facts,
                                            const v1::ScoreModel& model,
                                            int year) {
  std::optional<ConvertedFact> year_fact;
  ConvertedFact quarters;
  ConvertedFact months;
  int quarter_count = 0;
  int month_count = 0;
  for (const auto& [key, fact] : facts.financials()) {
    std::optional<Period> period = ParsePeriod(key);
    if (!period || period->year != year) continue;
    std::optional<ConvertedFact> converted = ConvertFact(fact, model);
    if (!converted) continue;
    switch (period->kind) {
      case PeriodKind::kYear:
        year_fact = converted;
        break;
      case PeriodKind::kQuarter:
        quarters.revenue += converted->revenue;
        quarters.gross_margin += converted->gross_margin;
        quarters.cost_to_serve += converted->cost_to_serve;
        ++quarter_count;
        break;
      case PeriodKind::kMonth:
        months.revenue += converted->revenue;
        months.gross_margin += converted->gross_margin;
        months.cost_to_serve += converted->cost_to_serve;
        ++month_count;
        break;
    }
  }
  AnnualFigures figures;
  figures.year = year;
  ConvertedFact sum;
  double scale = 1;
  if (year_fact) {
    sum = *year_fact;
    figures.complete = true;
  } else if (quarter_count > 0) {
    sum = quarters;
    scale = 4.0 / quarter_count;
    figures.complete = quarter_count == 4;
  } else if (month_count > 0) {
    sum = months;
    scale = 12.0 / month_count;
    figures.complete = month_count == 12;
  } else {
    return std::nullopt;
  }
  figures.revenue = sum.revenue * scale;
  figures.gross_margin = sum.gross_margin * scale;
  figures.cost_to_serve = sum.cost_to_serve * scale;
  return figures;
}

std::optional<int> LatestYear(const AccountFacts& facts,
                              const v1::ScoreModel& model) {
  std::optional<int> latest;
  for (const auto& [key, fact] : facts.financials()) {
    std::optional<Period> period = ParsePeriod(key);
    if (!period || !ConvertFact(fact, model)) continue;
    if (!latest || period->year > *latest) latest = period->year;
  }
  return latest;
}

void ScoreAccount(const v1::ScoreModel& model, const AccountFacts& facts,
                  v1::Score* score) {
  score->set_account(absl::StrCat("accounts/", facts.account_id()));
  score->set_display_name(facts.display_name());
  score->set_model(model.name().empty()
                       ? absl::StrCat("scoringModels/", model.model_id())
                       : model.name());
  score->set_model_version(model.version());
  score->clear_breakdown();

  AccountView view;
  view.facts = &facts;
  view.model = &model;
  view.left_out = UnconvertibleCurrencies(facts, model);
  if (std::optional<int> year = LatestYear(facts, model)) {
    view.current = FiguresForYear(facts, model, *year);
    view.previous = FiguresForYear(facts, model, *year - 1);
  }

  if (view.current) {
    const double per_major =
        static_cast<double>(MinorPerMajor(model.currency()));
    score->set_fiscal_year(view.current->year);
    score->mutable_revenue()->set_currency_code(model.currency());
    score->mutable_revenue()->set_minor_units(
        std::llround(view.current->revenue * per_major));
    score->mutable_gross_profit()->set_currency_code(model.currency());
    score->mutable_gross_profit()->set_minor_units(
        std::llround(view.current->gross_margin * per_major));
  } else {
    score->set_fiscal_year(0);
    score->clear_revenue();
    score->clear_gross_profit();
  }

  const int missing_rating = MissingRating(model);
  int weighted_ratings = 0;
  // criterion id -> (weight, rating), for the axes.
  std::map<std::string, std::pair<int, int>> ratings;
  for (const v1::Criterion& criterion : model.criteria()) {
    Finding finding = Evaluate(criterion, view);
    v1::CriterionScore* entry = score->add_breakdown();
    entry->set_criterion_id(criterion.id());
    entry->set_kind(criterion.kind());
    entry->set_weight(criterion.weight());
    int rating = missing_rating;
    if (finding.missing) {
      entry->set_missing(true);
      entry->set_explanation(
          absl::StrCat(finding.text, MissingSuffix(missing_rating)));
    } else {
      if (finding.direct_rating) {
        rating = *finding.direct_rating;
      } else {
        rating = DerivedRating(criterion, *finding.value);
        entry->set_value(*finding.value);
      }
      // A manual rating's sentence already says the rating.
      entry->set_explanation(finding.direct_rating
                                 ? finding.text
                                 : absl::StrCat(finding.text, " -> ", rating));
    }
    entry->set_rating(rating);
    entry->set_points(criterion.weight() * rating / 10.0);
    weighted_ratings += criterion.weight() * rating;
    ratings[criterion.id()] = {criterion.weight(), rating};
  }
  score->set_score(Round2(weighted_ratings / 10.0));
  score->set_attractiveness(
      AxisValue(model.portfolio().attractiveness_criteria(), ratings));
  score->set_strength(
      AxisValue(model.portfolio().strength_criteria(), ratings));
  score->set_quadrant(
      QuadrantOf(score->attractiveness(), score->strength(), Midpoint(model)));
}

Tier NextTier(const v1::TierThresholds& thresholds, Tier previous,
              double score) {
  Tier up = kam::common::v1::TRANSACTIONAL;
  for (Tier tier : kBandedTiers) {
    if (BandOf(thresholds, tier).promote_at() <= score) {
      up = tier;
      break;
    }
  }
  if (IsHigherTier(up, previous)) return up;
  if (previous != kam::common::v1::TRANSACTIONAL &&
      score >= BandOf(thresholds, previous).demote_below()) {
    return previous;
  }
  Tier down = kam::common::v1::TRANSACTIONAL;
  for (Tier tier : kBandedTiers) {
    if (!IsHigherTier(previous, tier)) continue;
    if (BandOf(thresholds, tier).demote_below() <= score) {
      down = tier;
      break;
    }
  }
  return IsHigherTier(up, down) ? up : down;
}

bool IsHigherTier(Tier a, Tier b) { return TierRank(a) > TierRank(b); }

v1::Quadrant QuadrantOf(double attractiveness, double strength,
                        double midpoint) {
  const bool attractive = attractiveness >= midpoint;
  const bool strong = strength >= midpoint;
  if (attractive) return strong ? v1::STRATEGIC : v1::STAR;
  return strong ? v1::STATUS : v1::STREAMLINE;
}

void ComputeAbc(std::vector<AbcItem> items, int a_percent, int b_percent,
                const std::string& currency, v1::AbcAnalysis* analysis) {
  std::sort(items.begin(), items.end(), [](const AbcItem& x, const AbcItem& y) {
    if (x.gross_profit_minor != y.gross_profit_minor) {
      return x.gross_profit_minor > y.gross_profit_minor;
    }
    return x.account < y.account;
  });
  // 128-bit sums and products keep the shares exact for any int64 amounts.
  absl::int128 total = 0;
  for (const AbcItem& item : items) {
    if (item.gross_profit_minor > 0) total += item.gross_profit_minor;
  }
  analysis->Clear();
  analysis->set_a_percent(a_percent);
  analysis->set_b_percent(b_percent);
  analysis->mutable_total_gross_profit()->set_currency_code(currency);
  analysis->mutable_total_gross_profit()->set_minor_units(
      static_cast<int64_t>(total));

  auto basis_points = [&](absl::int128 part) -> int32_t {
    if (total <= 0) return 0;
    return static_cast<int32_t>(part * 10000 / total);
  };
  absl::int128 above = 0;  // positive gross profit ranked above this one
  int rank = 0;
  for (const AbcItem& item : items) {
    v1::AbcEntry* entry = analysis->add_entries();
    entry->set_account(item.account);
    entry->set_display_name(item.display_name);
    entry->mutable_gross_profit()->set_currency_code(currency);
    entry->mutable_gross_profit()->set_minor_units(item.gross_profit_minor);
    entry->set_rank(++rank);
    const absl::int128 own =
        item.gross_profit_minor > 0 ? item.gross_profit_minor : 0;
    entry->set_share_bp(basis_points(own));
    entry->set_cumulative_bp(basis_points(above + own));
    // Compared exactly in integers: above/total < a/100.
    v1::AbcClass abc_class = v1::C;
    if (own > 0) {
      if (above * 100 < total * a_percent) {
        abc_class = v1::A;
      } else if (above * 100 < total * (a_percent + b_percent)) {
        abc_class = v1::B;
      }
    }
    entry->set_abc_class(abc_class);
    switch (abc_class) {
      case v1::A:
        analysis->set_a_count(analysis->a_count() + 1);
        break;
      case v1::B:
        analysis->set_b_count(analysis->b_count() + 1);
        break;
      default:
        analysis->set_c_count(analysis->c_count() + 1);
        break;
    }
    above += own;
  }
}

}  // namespace kam::scoring
