#ifndef KAM_TOOLS_KAMCTL_SCORING_VIEWS_H_
#define KAM_TOOLS_KAMCTL_SCORING_VIEWS_H_

#include <cstdint>
#include <string>

#include "kam/common/v1/feed.pb.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "tools/kamctl/scoring_records.h"
#include "tools/kamctl/table.h"
#include "tools/kamctl/views.h"

// How scoring resources look in kamctl's table output. Pure functions of the
// messages, so tests can check what a user sees. Tiers and enum values are
// written in lower case, as kamctl reads them ("potential_key", "manual").
namespace kam::kamctl {

// Numbers as people read them.
// FormatScore: 72.4 -> "72.40" (scores and points have two decimals).
std::string FormatScore(double score);
// FormatTrend: 3.2 -> "+3.20", -1 -> "-1.00", 0 -> "0.00".
std::string FormatTrend(double trend);
// FormatBasisPoints: 1234 -> "12.34%".
std::string FormatBasisPoints(int64_t basis_points);
// Decimal: (1.50, 2) -> "1.5", (0.134, 6) -> "0.134", (-0.001, 2) -> "0":
// at most `decimals` decimals, without trailing zeros.
std::string Decimal(double value, int decimals);
// CompactNumber: 250000 -> "250k", 15000000 -> "15M", 1234567 -> "1.235M",
// 12.5 -> "12.5", 1.71381 -> "1.71", -20 -> "-20" (thousands and millions
// with at most three decimals, smaller numbers with at most two).
std::string CompactNumber(double value);
// ModelRef: ("scoringModels/default", 3) -> "default@3"; "" without a model.
std::string ModelRef(const std::string& model, int32_t version);

// ID, NAME, STATE, VERSION, CRITERIA (how many), CURRENCY, UPDATED.
Table ModelsTable(const Repeated<sv1::ScoreModel>& models);

// ID, NAME, KIND, WEIGHT ("20%"), THRESHOLDS (the nine lines, compact, or
// "defaults"; none for manual criteria).
Table CriteriaTable(const sv1::ScoreModel& model);

// TIER, PROMOTE_AT, DEMOTE_BELOW for key, potential_key and maintain, and a
// transactional row for what is below maintain's lines.
Table TierLinesTable(const sv1::TierThresholds& tiers);

// ModelText is `models get`: the model's fields, one "field: value" line
// each, then its criteria, its tier lines and the portfolio axes.
std::string ModelText(const sv1::ScoreModel& model);

// WhatIfText is `models evaluate`: the counts (accounts, tier changes,
// promotions, demotions, accounts per computed tier), then the changes:
// ACCOUNT, NAME, TIER, NEW_TIER, SCORE, NEW_SCORE, MOVE (promotion or
// demotion), largest first as the server sends them.
std::string WhatIfText(const sv1::WhatIfReport& report);

// CRITERION, VALUE, RATER, RATED, NOTE.
Table RatingsTable(const Repeated<sv1::Rating>& ratings);

// BreakdownTable is why the score is what it is: CRITERION, KIND, WEIGHT,
// VALUE (the derived value, compact), RATING (with "(no data)" when the
// model's missing_rating stood in), POINTS, EXPLANATION; and a last "total"
// row with the weights and the score.
Table BreakdownTable(const sv1::Score& score);

// ScoreText is `kamctl score`: the account, score, tier in force and
// computed tier, trend, model@version, portfolio position and the scoring
// year's figures, one per line; then BreakdownTable.
std::string ScoreText(const sv1::Score& score);

// ACCOUNT, NAME, SCORE, TREND, TIER, COMPUTED, QUADRANT.
Table ScoresTable(const Repeated<sv1::Score>& scores);

// COMPUTED (when), SCORE, TIER (computed), MODEL (id@version); newest first.
Table ScoreHistoryTable(const Repeated<sv1::ScorePoint>& points);

// One "field: value" line each: account, tier, source, since, score, and the
// override (tier, until, author, reason, set) while one is in force.
Table TierDetails(const sv1::AccountTier& tier);

// ACCOUNT, TIER ("unknown" when not found), SOURCE, SCORE, SINCE,
// OVERRIDE_UNTIL.
Table TiersTable(const Repeated<sv1::AccountTier>& tiers);

// WHEN, FROM, TO, REASON, SCORE, DETAIL; "-" for no tier (the first score,
// a deleted account).
Table TierChangesTable(const Repeated<sv1::TierChange>& changes);

// TierChangeLine is one event of `tiers watch`, tab-separated: sequence,
// effective time, account ID, "from -> to" ("none" for no tier), reason,
// score and detail. An event whose resource is not a TierChange gets the
// line of `feed watch` (sequence, kind, resource name, commit time).
std::string TierChangeLine(const kam::common::v1::ChangeEvent& event);

// AbcText is `kamctl abc`: the cut-offs, total gross profit and counts, then
// RANK, ACCOUNT, NAME, GROSS_PROFIT, SHARE, CUMULATIVE, CLASS.
std::string AbcText(const sv1::AbcAnalysis& analysis);

// PortfolioMatrixText is `portfolio matrix`: the axes' criteria, the
// midpoint and the accounts per quadrant, then ACCOUNT, NAME,
// ATTRACTIVENESS, STRENGTH, QUADRANT, TIER.
std::string PortfolioMatrixText(const sv1::PortfolioMatrix& matrix);

// PortfolioSummaryText is `portfolio summary`: counts by tier, ABC class and
// quadrant, key accounts' revenue share, then the promotion candidates and
// the demotion watch (ACCOUNT, NAME, TIER, SCORE, TREND, LINE, GAP: score
// less line).
std::string PortfolioSummaryText(const sv1::PortfolioSummary& summary);

// RUN, STATE, TRIGGER, MODEL, PROGRESS ("120/300"), TIER_CHANGES, STARTED,
// ENDED.
Table RunsTable(const Repeated<sv1::RescoringRun>& runs);
// One "field: value" line per field.
Table RunDetails(const sv1::RescoringRun& run);
// RunProgressLine: "rescoringRuns/r1: running, 120/300 accounts (40.0%), 3
// tier changes".
std::string RunProgressLine(const sv1::RescoringRun& run);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_SCORING_VIEWS_H_
