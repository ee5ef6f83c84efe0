#ifndef KAM_SERVICES_SCORING_SCORING_RULES_H_
#define KAM_SERVICES_SCORING_SCORING_RULES_H_

// The scoring maths: pure functions of a model and an account's facts, with
// no gRPC, no store and no clock. Everything here is unit-tested with
// hand-checked expectations (tests/scoring/scoring_rules_test.cc).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kam/common/v1/tier.pb.h"
#include "kam/common/v1/types.pb.h"
#include "kam/scoring/internal/state.pb.h"
#include "kam/scoring/v1/scoring.pb.h"

namespace kam::scoring {

// The model every fresh installation starts with, active, as
// "scoringModels/default" (its criteria, lines and axes are listed in the
// README's scoring section).
v1::ScoreModel DefaultModel();

// The nine default thresholds of a DERIVED kind (see CriterionKind in
// scoring.proto); empty for MANUAL.
const std::vector<double>& DefaultThresholds(v1::CriterionKind kind);

// ValidateModel checks every model rule and fills the defaults in place:
// empty thresholds of derived criteria, midpoint 0 → 5.5, missing_rating
// 0 → 1. On error returns INVALID_ARGUMENT naming the field and the rule,
// e.g. "model.criteria[2].weight: must be 1-100, got 0" or
// "model.criteria: weights must add up to 100, got 95", and may have filled
// some defaults. Rules:
//   display_name 1-200 chars; currency ISO 4217 (three upper-case letters);
//   exchange rate keys are currency codes, values > 0;
//   1-30 criteria; id 1-63 of [a-z0-9-], unique; display_name <= 100 chars;
//   kind set; weight 1-100, weights sum to exactly 100; MANUAL has no
//   thresholds; a derived kind has 0 or 9 ascending (non-decreasing, finite)
//   thresholds;
//   tiers: each band demote_below <= promote_at, both within 0-100; key's
//   lines strictly above potential_key's, which are strictly above
//   maintain's (promote_at with promote_at, demote_below with demote_below);
//   portfolio: both axes non-empty, each id a criterion of the model, no id
//   twice in an axis, the axes disjoint; midpoint 0 or 1-10;
//   missing_rating 0 or 1-10.
// Does not check model_id or the output-only fields.
absl::Status ValidateModel(v1::ScoreModel* model);

// RatingFor maps a derived value to 1-10: 1 plus the number of thresholds
// at or below `value`.
int RatingFor(double value, const google::protobuf::RepeatedField<double>&
                                thresholds);

// The number of minor units in one major unit of an ISO 4217 currency (100
// for most; 1 for JPY, KRW, ISK, CLP, VND...; 1000 for BHD, KWD, JOD, OMR,
// TND, IQD, LYD).
int64_t MinorPerMajor(const std::string& currency_code);

// Converts money into whole-and-fractional major units of the model's
// currency, through model.exchange_rates_micros; nullopt if the currency is
// neither the model's nor has a rate.
std::optional<double> ToModelCurrency(const kam::common::v1::Money& money,
                                      const v1::ScoreModel& model);

// One calendar year's figures in the model currency, major units.
struct AnnualFigures {
  int year = 0;
  double revenue = 0;
  double gross_margin = 0;
  double cost_to_serve = 0;
  // False when the year was annualised from some of its quarters or months.
  bool complete = false;
};

// The figures of `year` from the account's facts: the year fact if there is
// one, else the sum of its quarters, else the sum of its months; a partial
// year is annualised (quarters × 4/n, months × 12/n). Facts whose currency
// cannot be converted are left out. nullopt if nothing is left.
std::optional<AnnualFigures> FiguresForYear(
    const kam::scoring::internal::AccountFacts& facts,
    const v1::ScoreModel& model, int year);

// The latest calendar year with any convertible financial fact; nullopt if
// none.
std::optional<int> LatestYear(const kam::scoring::internal::AccountFacts& facts,
                              const v1::ScoreModel& model);

// ScoreAccount computes an account's score under `model` (which must have
// passed ValidateModel). Fills account, display_name, score, breakdown (one
// entry per criterion, in model order, with value, rating, points, missing
// and explanation), model, model_version, attractiveness, strength,
// quadrant, fiscal_year, revenue and gross_profit (in the model currency;
// absent without financials). Leaves compute_time, the tiers, and
// previous_score/trend to the caller.
//
// score = Σ weight × rating / 10, rounded to two decimals: 10 when every
// rating is 1, 100 when every rating is 10. A criterion without data (no
// financials for the money criteria, no potential revenue for share of
// wallet, no year before for growth, no NPS, no engagement summary, no
// manual rating) gets model.missing_rating and missing = true. The axes are
// the weight-weighted means of their criteria's ratings (1-10), rounded to
// two decimals.
void ScoreAccount(const v1::ScoreModel& model,
                  const kam::scoring::internal::AccountFacts& facts,
                  v1::Score* score);

// NextTier applies the thresholds with hysteresis. `previous` is the
// account's computed tier so far (TIER_UNSPECIFIED for a first score).
//   up   = the highest tier whose promote_at <= score (TRANSACTIONAL if none)
//   if up is above previous: up (a promotion, possibly several steps)
//   else if previous is not TRANSACTIONAL and score >= its demote_below:
//        previous (inside the band: no flapping)
//   else: the highest tier below previous whose demote_below <= score, but
//        never below up (TRANSACTIONAL if none).
kam::common::v1::Tier NextTier(const v1::TierThresholds& thresholds,
                               kam::common::v1::Tier previous, double score);

// True if `a` is a higher tier than `b` (KEY is highest; TIER_UNSPECIFIED
// is below TRANSACTIONAL).
bool IsHigherTier(kam::common::v1::Tier a, kam::common::v1::Tier b);

// The quadrant: attractiveness >= midpoint is high, strength >= midpoint is
// high. High/high STRATEGIC, high/low STAR, low/high STATUS, low/low
// STREAMLINE.
v1::Quadrant QuadrantOf(double attractiveness, double strength,
                        double midpoint);

// One account's contribution for ABC analysis.
struct AbcItem {
  std::string account;  // "accounts/{id}"
  std::string display_name;
  // Gross profit in minor units of the analysis currency; may be <= 0.
  int64_t gross_profit_minor = 0;
};

// ComputeAbc ranks items by gross profit (highest first, ties by account
// name) and classes them as AbcAnalysis documents: an account is A while
// the cumulative share of the accounts ranked above it is below a_percent,
// then B while it is below a_percent + b_percent, else C; accounts with no
// positive gross profit are C. Shares are of the total positive gross
// profit, in basis points (rounded down). Fills a_percent, b_percent,
// total_gross_profit (in `currency`), entries (rank from 1) and the counts.
// The caller has validated the cut-offs (1-100 each, sum <= 100).
void ComputeAbc(std::vector<AbcItem> items, int a_percent, int b_percent,
                const std::string& currency, v1::AbcAnalysis* analysis);

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_SCORING_RULES_H_
