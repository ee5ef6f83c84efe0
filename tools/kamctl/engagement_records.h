#ifndef KAM_TOOLS_KAMCTL_ENGAGEMENT_RECORDS_H_
#define KAM_TOOLS_KAMCTL_ENGAGEMENT_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "kam/common/v1/tier.pb.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/records.h"

// How kamctl turns what people type (flags, CSV rows) into engagement
// messages, in the manner of records.h: only the shape is checked here (a
// time parses, a score is in its range, an ID is well-formed); the server
// owns the rules that need data (is the contact one of the account's?).
//
// Functions that read one value fail with just the rule, for the caller to
// prefix with a flag or column name; the CSV mappers name the column:
//   column "sentiment": must be a whole number from -2 to 2, got "3"
namespace kam::kamctl {

namespace ev1 = ::kam::engagement::v1;

// The enum values by their lower-case names ("business_review", "in_person",
// "potential_key"); case is ignored and '-' may stand for '_'. UNSPECIFIED
// is never accepted.
absl::StatusOr<ev1::InteractionType> ParseInteractionType(absl::string_view s);
absl::StatusOr<ev1::Channel> ParseChannel(absl::string_view s);
absl::StatusOr<ev1::Stage> ParseStage(absl::string_view s);
absl::StatusOr<kam::common::v1::Tier> ParseTier(absl::string_view s);

// The lower-case name of an enum value, or "" for UNSPECIFIED.
std::string InteractionTypeName(ev1::InteractionType value);
std::string ChannelName(ev1::Channel value);
std::string StageName(ev1::Stage value);
std::string TierName(kam::common::v1::Tier value);

// What a date without a time of day stands for.
enum class DateMeans {
  kStartOfDay,  // 2026-03-31 is 2026-03-31T00:00:00Z
  kEndOfDay,    // 2026-03-31 is 2026-04-01T00:00:00Z, the exclusive end of
                // that day (for --until: "until the 31st" includes the 31st)
};

// ParseTime reads an RFC 3339 time ("2026-03-12T10:30:00Z",
// "2026-03-12T10:30:00+01:00", fractions allowed) or a date "YYYY-MM-DD",
// which is a day in UTC, read as `date` says.
absl::StatusOr<absl::Time> ParseTime(absl::string_view text,
                                     DateMeans date = DateMeans::kStartOfDay);

// ToTimestamp converts a time to a protobuf Timestamp (UTC).
google::protobuf::Timestamp ToTimestamp(absl::Time time);
// FromTimestamp is its inverse.
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// Whole numbers in a range: sentiment -2..2 ("+1" is fine), NPS 0..10,
// CSAT 1..5.
absl::StatusOr<int> ParseSentiment(absl::string_view text);
absl::StatusOr<int> ParseNps(absl::string_view text);
absl::StatusOr<int> ParseCsat(absl::string_view text);

// ParseContactIds reads contact IDs separated by `separator` (none is fine),
// each at most once, and names them as contacts of `account_id`.
absl::StatusOr<std::vector<std::string>> ParseContactIds(
    absl::string_view account_id, absl::string_view text, char separator);

// ParseInternalParticipants reads people on our side (e.g. e-mail
// addresses) separated by `separator`, each 1-254 characters and at most
// once.
absl::StatusOr<std::vector<std::string>> ParseInternalParticipants(
    absl::string_view text, char separator);

// "accounts/a/interactions/i".
std::string InteractionName(absl::string_view account_id,
                            absl::string_view interaction_id);

// The idempotency keys of imported rows. Each depends only on the row's key,
// so importing the same file again (or after a failure half-way) sends the
// same keys and the server writes nothing twice:
//   InteractionImportRequestId("acme", "2025-03-visit")
//     == "csv-acme/2025-03-visit"
//   SurveyImportRequestId("acme", "r-17") == "csv-survey-acme/r-17"
// The '/' (which no ID contains) keeps "acme-de" + "x" apart from "acme" +
// "de-x". A key that would exceed the server's 128 characters ends in a hash
// of the row's key instead of the row's ID.
std::string InteractionImportRequestId(absl::string_view account_id,
                                       absl::string_view interaction_id);
std::string SurveyImportRequestId(absl::string_view account_id,
                                  absl::string_view response_id);

// The columns of the engagement import files, in the documented order.
const std::vector<CsvColumnSpec>& InteractionColumns();
const std::vector<CsvColumnSpec>& SurveyColumns();

// InteractionFromCsv maps a row of an interactions file (columns bound with
// InteractionColumns()) to a CreateInteractionRequest with its import
// request_id. Fails with the first problem, naming its column.
absl::StatusOr<ev1::CreateInteractionRequest> InteractionFromCsv(
    const CsvColumns& columns, const CsvRecord& record);

// SurveyResponseFromCsv maps a row of a surveys file (SurveyColumns()). An
// empty nps becomes -1 and an empty csat 0 ("not asked"); one of them must
// be given.
absl::StatusOr<ev1::RecordSurveyResponseRequest> SurveyResponseFromCsv(
    const CsvColumns& columns, const CsvRecord& record);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_ENGAGEMENT_RECORDS_H_
