#include "tools/kamctl/engagement_records.h"

#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "tools/kamctl/table.h"

namespace kam::kamctl {
namespace {

constexpr size_t kMaxRequestId = 128;      // the server's limit
constexpr size_t kMaxInternalChars = 254;  // Interaction.internal_participants
constexpr size_t kMaxParticipants = 50;    // both participant lists

bool IsDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

absl::StatusOr<int> ParseWholeNumber(absl::string_view text, int min, int max) {
  int value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value) ||
      value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a whole number from %d to %d, got \"%s\"", min, max, text));
  }
  return value;
}

// 64-bit FNV-1a: stable across runs and machines (absl::Hash is not).
uint64_t Fnv1a(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string ImportRequestId(absl::string_view prefix,
                            absl::string_view account_id,
                            absl::string_view row_id) {
  std::string id = absl::StrCat(prefix, account_id, "/", row_id);
  if (id.size() <= kMaxRequestId) return id;
  // Account IDs are at most 63 characters, so this is at most 99.
  return absl::StrFormat("%s%s/h%016x", prefix, account_id,
                         Fnv1a(absl::StrCat(account_id, "/", row_id)));
}

absl::Status TimeColumn(const CsvColumns& columns, const CsvRecord& record,
                        absl::string_view column,
                        google::protobuf::Timestamp* out) {
  absl::StatusOr<std::string> text = RequiredColumn(columns, record, column);
  if (!text.ok()) return text.status();
  absl::StatusOr<absl::Time> time = ParseTime(*text);
  if (!time.ok()) return ColumnError(column, time.status());
  *out = ToTimestamp(*time);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ev1::InteractionType> ParseInteractionType(absl::string_view s) {
  return ParseEnumAs<ev1::InteractionType>(ev1::InteractionType_descriptor(),
                                           s);
}
absl::StatusOr<ev1::Channel> ParseChannel(absl::string_view s) {
  return ParseEnumAs<ev1::Channel>(ev1::Channel_descriptor(), s);
}
absl::StatusOr<ev1::Stage> ParseStage(absl::string_view s) {
  return ParseEnumAs<ev1::Stage>(ev1::Stage_descriptor(), s);
}
absl::StatusOr<kam::common::v1::Tier> ParseTier(absl::string_view s) {
  return ParseEnumAs<kam::common::v1::Tier>(kam::common::v1::Tier_descriptor(),
                                            s);
}

std::string InteractionTypeName(ev1::InteractionType value) {
  return EnumValueName(ev1::InteractionType_descriptor(), value);
}
std::string ChannelName(ev1::Channel value) {
  return EnumValueName(ev1::Channel_descriptor(), value);
}
std::string StageName(ev1::Stage value) {
  return EnumValueName(ev1::Stage_descriptor(), value);
}
std::string TierName(kam::common::v1::Tier value) {
  return EnumValueName(kam::common::v1::Tier_descriptor(), value);
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view text, DateMeans date) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::Time time;
  std::string error;
  if (IsDate(trimmed)) {
    if (absl::ParseTime("%Y-%m-%d", trimmed, absl::UTCTimeZone(), &time,
                        &error)) {
      return date == DateMeans::kEndOfDay ? time + absl::Hours(24) : time;
    }
  } else if (absl::ParseTime(absl::RFC3339_full, trimmed, &time, &error)) {
    return time;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "must be an RFC 3339 time like 2026-03-12T10:30:00Z (or with an offset "
      "like +01:00) or a date like 2026-03-12, got \"%s\"",
      text));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

absl::StatusOr<int> ParseSentiment(absl::string_view text) {
  return ParseWholeNumber(text, -2, 2);
}
absl::StatusOr<int> ParseNps(absl::string_view text) {
  return ParseWholeNumber(text, 0, 10);
}
absl::StatusOr<int> ParseCsat(absl::string_view text) {
  return ParseWholeNumber(text, 1, 5);
}

absl::StatusOr<std::vector<std::string>> ParseContactIds(
    absl::string_view account_id, absl::string_view text, char separator) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const std::string& id : SplitList(text, separator)) {
    if (absl::Status s = CheckId(id); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("each contact ID ", s.message()));
    }
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("contact \"%s\" appears twice", id));
    }
    names.push_back(ContactName(account_id, id));
  }
  if (names.size() > kMaxParticipants) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "at most %d contacts, got %d", kMaxParticipants, names.size()));
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> ParseInternalParticipants(
    absl::string_view text, char separator) {
  std::vector<std::string> people = SplitList(text, separator);
  std::set<std::string> seen;
  for (const std::string& person : people) {
    if (DisplayWidth(person) > kMaxInternalChars) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "each person must be at most %d characters, got \"%s\"",
          kMaxInternalChars, person));
    }
    if (!seen.insert(person).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("\"%s\" appears twice", person));
    }
  }
  if (people.size() > kMaxParticipants) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "at most %d people, got %d", kMaxParticipants, people.size()));
  }
  return people;
}

std::string InteractionName(absl::string_view account_id,
                            absl::string_view interaction_id) {
  return absl::StrCat("accounts/", account_id, "/interactions/",
                      interaction_id);
}

std::string InteractionImportRequestId(absl::string_view account_id,
                                       absl::string_view interaction_id) {
  return ImportRequestId("csv-", account_id, interaction_id);
}

std::string SurveyImportRequestId(absl::string_view account_id,
                                  absl::string_view response_id) {
  return ImportRequestId("csv-survey-", account_id, response_id);
}

const std::vector<CsvColumnSpec>& InteractionColumns() {
  static const auto* const kColumns = new std::vector<CsvColumnSpec>{
      {"account_id", true},    {"interaction_id", true},
      {"type", true},          {"occurred_at", true},
      {"participants", false}, {"internal_participants", false},
      {"channel", false},      {"summary", false},
      {"outcome", false},      {"next_steps", false},
      {"sentiment", false}};
  return *kColumns;
}

const std::vector<CsvColumnSpec>& SurveyColumns() {
  static const auto* const kColumns = new std::vector<CsvColumnSpec>{
      {"account_id", true}, {"response_id", true}, {"contact_id", false},
      {"nps", false},       {"csat", false},       {"responded_at", true},
      {"comment", false}};
  return *kColumns;
}

absl::StatusOr<ev1::CreateInteractionRequest> InteractionFromCsv(
    const CsvColumns& columns, const CsvRecord& record) {
  ev1::CreateInteractionRequest request;
  ev1::Interaction& interaction = *request.mutable_interaction();
  auto account_id = RequiredIdColumn(columns, record, "account_id");
  if (!account_id.ok()) return account_id.status();
  interaction.set_account(AccountName(*account_id));
  // Required, not generated: the ID is what makes the row's request_id
  // stable from one run of the import to the next.
  auto interaction_id = RequiredIdColumn(columns, record, "interaction_id");
  if (!interaction_id.ok()) return interaction_id.status();
  interaction.set_interaction_id(*interaction_id);
  auto type_text = RequiredColumn(columns, record, "type");
  if (!type_text.ok()) return type_text.status();
  auto type = ParseInteractionType(*type_text);
  if (!type.ok()) return ColumnError("type", type.status());
  interaction.set_type(*type);
  if (absl::Status s = TimeColumn(columns, record, "occurred_at",
                                  interaction.mutable_occurred_at());
      !s.ok()) {
    return s;
  }
  auto participants =
      ParseContactIds(*account_id, columns.Get(record, "participants"), ';');
  if (!participants.ok()) {
    return ColumnError("participants", participants.status());
  }
  for (std::string& name : *participants) {
    interaction.add_participants(std::move(name));
  }
  auto internal = ParseInternalParticipants(
      columns.Get(record, "internal_participants"), ';');
  if (!internal.ok()) {
    return ColumnError("internal_participants", internal.status());
  }
  for (std::string& person : *internal) {
    interaction.add_internal_participants(std::move(person));
  }
  if (std::string channel = columns.Get(record, "channel"); !channel.empty()) {
    auto parsed = ParseChannel(channel);
    if (!parsed.ok()) return ColumnError("channel", parsed.status());
    interaction.set_channel(*parsed);
  }
  interaction.set_summary(columns.Get(record, "summary"));
  interaction.set_outcome(columns.Get(record, "outcome"));
  interaction.set_next_steps(columns.Get(record, "next_steps"));
  if (std::string sentiment = columns.Get(record, "sentiment");
      !sentiment.empty()) {
    auto parsed = ParseSentiment(sentiment);
    if (!parsed.ok()) return ColumnError("sentiment", parsed.status());
    interaction.set_sentiment(*parsed);
  }
  request.set_request_id(
      InteractionImportRequestId(*account_id, *interaction_id));
  return request;
}

absl::StatusOr<ev1::RecordSurveyResponseRequest> SurveyResponseFromCsv(
    const CsvColumns& columns, const CsvRecord& record) {
  ev1::RecordSurveyResponseRequest request;
  ev1::SurveyResponse& response = *request.mutable_response();
  auto account_id = RequiredIdColumn(columns, record, "account_id");
  if (!account_id.ok()) return account_id.status();
  response.set_account(AccountName(*account_id));
  auto response_id = RequiredIdColumn(columns, record, "response_id");
  if (!response_id.ok()) return response_id.status();
  if (std::string contact = columns.Get(record, "contact_id");
      !contact.empty()) {
    if (absl::Status s = CheckId(contact); !s.ok()) {
      return ColumnError("contact_id", s);
    }
    response.set_contact(ContactName(*account_id, contact));
  }
  response.set_nps(-1);
  if (std::string nps = columns.Get(record, "nps"); !nps.empty()) {
    auto parsed = ParseNps(nps);
    if (!parsed.ok()) return ColumnError("nps", parsed.status());
    response.set_nps(*parsed);
  }
  if (std::string csat = columns.Get(record, "csat"); !csat.empty()) {
    auto parsed = ParseCsat(csat);
    if (!parsed.ok()) return ColumnError("csat", parsed.status());
    response.set_csat(*parsed);
  }
  if (response.nps() < 0 && response.csat() == 0) {
    return ColumnError("nps",
                       "empty, and so is csat: at least one of them is "
                       "required");
  }
  if (absl::Status s = TimeColumn(columns, record, "responded_at",
                                  response.mutable_responded_at());
      !s.ok()) {
    return s;
  }
  response.set_comment(columns.Get(record, "comment"));
  request.set_request_id(SurveyImportRequestId(*account_id, *response_id));
  return request;
}

}  // namespace kam::kamctl
