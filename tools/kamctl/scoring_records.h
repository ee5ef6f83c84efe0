#ifndef KAM_TOOLS_KAMCTL_SCORING_RECORDS_H_
#define KAM_TOOLS_KAMCTL_SCORING_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/engagement_import.h"
#include "tools/kamctl/records.h"

// How kamctl turns what people type (arguments, flags, rows of ratings.csv,
// a model file) into scoring messages, in the manner of records.h: only the
// shape is checked here (a rating is 1-10, an expiry is a time); the server
// owns the rules that need data (is the criterion a manual criterion of the
// active model? is the model valid?). Tiers are parsed with ParseTier
// (engagement_records.h): key, potential_key, maintain, transactional.
//
// Functions that read one value fail with just the rule, for the caller to
// prefix with an argument, flag or column name.
namespace kam::kamctl {

namespace sv1 = ::kam::scoring::v1;

// CheckScoringId checks the rule of criterion and model IDs: 1-63
// characters of [a-z0-9-].
absl::Status CheckScoringId(absl::string_view id);

// ModelNameFromArg reads a model argument: an ID ("draft-2027"), a full name
// ("scoringModels/draft-2027"), or "-" for the active model; returns the
// name ("scoringModels/-" for "-").
absl::StatusOr<std::string> ModelNameFromArg(absl::string_view arg);

// RunNameFromArg reads a rescoring run argument, "r1" or "rescoringRuns/r1",
// and returns the name.
absl::StatusOr<std::string> RunNameFromArg(absl::string_view arg);

// ParseRatingValue reads a whole number from 1 to 10.
absl::StatusOr<int> ParseRatingValue(absl::string_view text);

// ParseExpiry reads when a tier override ends:
//   "30d"           whole days from `now` (absl durations have no days)
//   "720h", "1h30m" a duration from `now` (absl::ParseDuration's syntax)
//   an RFC 3339 time ("2027-01-31T17:00:00+01:00")
//   a day ("2027-01-31"): the end of that day in UTC, so the override holds
//                         all of it
// A duration counts from `now` in whole seconds and must be positive. The
// server checks that the time is in the future and at most 366 days ahead.
absl::StatusOr<absl::Time> ParseExpiry(absl::string_view text, absl::Time now);

// The lower-case name of an enum value ("revenue_size", "draft", "running",
// "strategic", "override", "override_set"), or "" for UNSPECIFIED.
std::string CriterionKindName(sv1::CriterionKind value);
std::string ModelStateName(sv1::ModelState value);
std::string RunStateName(sv1::RunState value);
std::string QuadrantName(sv1::Quadrant value);
std::string TierSourceName(sv1::TierSource value);
std::string TierChangeReasonName(sv1::TierChangeReason value);
// "A", "B", "C", or "" for UNSPECIFIED.
std::string AbcClassName(sv1::AbcClass value);

// ScoreModelFromJson reads a score model written as proto3 JSON (the output
// of `kamctl models get ID -o json`). Unknown fields are errors, so that a
// misspelt field is not silently dropped.
absl::StatusOr<sv1::ScoreModel> ScoreModelFromJson(absl::string_view json);

// The columns of ratings.csv, in the documented order: account_id,
// criterion_id, value, rater (all required) and note.
const std::vector<CsvColumnSpec>& RatingColumns();

// RatingFromCsv maps a row of a ratings file (columns bound with
// RatingColumns()) to a SetRatingRequest. Fails with the first problem,
// naming its column, e.g.
//   column "value": must be a whole number from 1 to 10, got "11"
absl::StatusOr<sv1::SetRatingRequest> RatingFromCsv(const CsvColumns& columns,
                                                    const CsvRecord& record);

using RatingImportPlan = RowImportPlan<sv1::SetRatingRequest>;

// PlanRatingImport parses and maps a whole ratings file. A second row for
// the same account and criterion is malformed (it would silently overwrite
// the first). Fails only when the file as a whole is unusable (see
// PlanRowImport).
absl::StatusOr<RatingImportPlan> PlanRatingImport(absl::string_view csv_text);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_SCORING_RECORDS_H_
