#include "tools/kamctl/scoring_records.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/table.h"

namespace kam::kamctl {
namespace {

constexpr size_t kMaxScoringId = 63;
constexpr size_t kMaxRaterChars = 254;    // Rating.rater
constexpr size_t kMaxNoteChars = 2000;    // Rating.note
constexpr int64_t kMaxExpiryDays = 3660;  // far beyond the server's 366
constexpr char kModelPrefix[] = "scoringModels/";
constexpr char kRunPrefix[] = "rescoringRuns/";

// The days form of ParseExpiry: "30d" is 30 days. Whole days only.
bool ParseDays(absl::string_view text, int64_t* days) {
  if (!absl::ConsumeSuffix(&text, "d") || text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, days) && *days <= kMaxExpiryDays;
}

}  // namespace

absl::Status CheckScoringId(absl::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxScoringId;
  for (char c : id) {
    ok = ok && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("must be 1-63 characters of [a-z0-9-], got \"%s\"", id));
}

absl::StatusOr<std::string> ModelNameFromArg(absl::string_view arg) {
  absl::string_view id = arg;
  absl::ConsumePrefix(&id, kModelPrefix);
  if (id == "-") return absl::StrCat(kModelPrefix, "-");
  if (absl::Status s = CheckScoringId(id); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.message(), " (or - for the active model)"));
  }
  return absl::StrCat(kModelPrefix, id);
}

absl::StatusOr<std::string> RunNameFromArg(absl::string_view arg) {
  absl::string_view id = arg;
  absl::ConsumePrefix(&id, kRunPrefix);
  if (id.empty() || absl::StrContains(id, '/') || absl::StrContains(id, ' ')) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a run ID like r1 or a name like rescoringRuns/r1, got \"%s\"",
        arg));
  }
  return absl::StrCat(kRunPrefix, id);
}

absl::StatusOr<int> ParseRatingValue(absl::string_view text) {
  int value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value) ||
      value < 1 || value > 10) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a whole number from 1 to 10, got \"%s\"", text));
  }
  return value;
}

absl::StatusOr<absl::Time> ParseExpiry(absl::string_view text, absl::Time now) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  int64_t days = 0;
  absl::Duration duration;
  if (ParseDays(trimmed, &days)) {
    duration = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(trimmed, &duration)) {
    absl::StatusOr<absl::Time> time = ParseTime(trimmed, DateMeans::kEndOfDay);
    if (time.ok()) return time;
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a duration from now like 30d or 720h, an RFC 3339 time like "
        "2027-01-31T17:00:00Z, or a day like 2027-01-31, got \"%s\"",
        text));
  }
  if (duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a duration must be positive and finite, got \"%s\"", text));
  }
  // Whole seconds: "until 2027-02-21T12:10:14Z" reads better than nanos.
  return absl::FromUnixSeconds(absl::ToUnixSeconds(now)) + duration;
}

std::string CriterionKindName(sv1::CriterionKind value) {
  return EnumValueName(sv1::CriterionKind_descriptor(), value);
}
std::string ModelStateName(sv1::ModelState value) {
  return EnumValueName(sv1::ModelState_descriptor(), value);
}
std::string RunStateName(sv1::RunState value) {
  return EnumValueName(sv1::RunState_descriptor(), value);
}
std::string QuadrantName(sv1::Quadrant value) {
  return EnumValueName(sv1::Quadrant_descriptor(), value);
}
std::string TierSourceName(sv1::TierSource value) {
  return EnumValueName(sv1::TierSource_descriptor(), value);
}
std::string TierChangeReasonName(sv1::TierChangeReason value) {
  return EnumValueName(sv1::TierChangeReason_descriptor(), value);
}
std::string AbcClassName(sv1::AbcClass value) {
  return absl::AsciiStrToUpper(
      EnumValueName(sv1::AbcClass_descriptor(), value));
}

absl::StatusOr<sv1::ScoreModel> ScoreModelFromJson(absl::string_view json) {
  sv1::ScoreModel model;
  if (absl::Status s = MessageFromJson(json, "a score model", &model);
      !s.ok()) {
    return s;
  }
  return model;
}

const std::vector<CsvColumnSpec>& RatingColumns() {
  static const auto* const kColumns =
      new std::vector<CsvColumnSpec>{{"account_id", true},
                                     {"criterion_id", true},
                                     {"value", true},
                                     {"rater", true},
                                     {"note", false}};
  return *kColumns;
}

absl::StatusOr<sv1::SetRatingRequest> RatingFromCsv(const CsvColumns& columns,
                                                    const CsvRecord& record) {
  sv1::SetRatingRequest request;
  auto account_id = RequiredIdColumn(columns, record, "account_id");
  if (!account_id.ok()) return account_id.status();
  request.set_account(AccountName(*account_id));
  auto criterion = RequiredColumn(columns, record, "criterion_id");
  if (!criterion.ok()) return criterion.status();
  if (absl::Status s = CheckScoringId(*criterion); !s.ok()) {
    return ColumnError("criterion_id", s);
  }
  request.set_criterion_id(*criterion);
  auto value_text = RequiredColumn(columns, record, "value");
  if (!value_text.ok()) return value_text.status();
  auto value = ParseRatingValue(*value_text);
  if (!value.ok()) return ColumnError("value", value.status());
  request.set_value(*value);
  auto rater = RequiredColumn(columns, record, "rater");
  if (!rater.ok()) return rater.status();
  if (DisplayWidth(*rater) > kMaxRaterChars) {
    return ColumnError("rater", absl::StrFormat("must be at most %d characters",
                                                kMaxRaterChars));
  }
  request.set_rater(*rater);
  const std::string note = columns.Get(record, "note");
  if (DisplayWidth(note) > kMaxNoteChars) {
    return ColumnError("note", absl::StrFormat("must be at most %d characters",
                                               kMaxNoteChars));
  }
  request.set_note(note);
  return request;
}

absl::StatusOr<RatingImportPlan> PlanRatingImport(absl::string_view csv_text) {
  return PlanRowImport<sv1::SetRatingRequest>(
      "ratings", RatingColumns(), csv_text, RatingFromCsv,
      [](const sv1::SetRatingRequest& request) {
        return absl::StrCat(request.account(), "/ratings/",
                            request.criterion_id());
      },
      [](const CsvColumns& columns, const CsvRecord& record) {
        return absl::StrFormat("the rating of \"%s\" for account \"%s\"",
                               columns.Get(record, "criterion_id"),
                               columns.Get(record, "account_id"));
      });
}

}  // namespace kam::kamctl
