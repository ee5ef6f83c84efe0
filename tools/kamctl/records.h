#ifndef KAM_TOOLS_KAMCTL_RECORDS_H_
#define KAM_TOOLS_KAMCTL_RECORDS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "kam/registry/v1/registry.pb.h"
#include "tools/kamctl/csv.h"

// How kamctl turns what people type (flags, CSV rows) into registry messages
// and back. Only the shape is checked here (a number is a number, an enum
// value exists, an ID is well-formed); the server owns the business rules and
// names the field when one is broken.
//
// Errors are INVALID_ARGUMENT. Functions that read one value return just the
// rule (e.g. "must be one of buyer, user, ..."), for the caller to prefix
// with a flag or column name; the CSV mappers prefix the column themselves:
//   column "influence": must be a whole number from 1 to 5, got "high"
namespace kam::kamctl {

namespace v1 = ::kam::registry::v1;

// The enum values by their lower-case names ("active", "executive_sponsor").
// Parsing ignores case and accepts '-' for '_'; the UNSPECIFIED value is
// never accepted.
absl::StatusOr<v1::LifecycleStatus> ParseLifecycleStatus(absl::string_view s);
absl::StatusOr<v1::TeamRole> ParseTeamRole(absl::string_view s);
absl::StatusOr<v1::BuyingRole> ParseBuyingRole(absl::string_view s);
absl::StatusOr<v1::OrgLevel> ParseOrgLevel(absl::string_view s);
absl::StatusOr<v1::Attitude> ParseAttitude(absl::string_view s);

// The lower-case name of an enum value, or "" for UNSPECIFIED.
std::string LifecycleStatusName(v1::LifecycleStatus value);
std::string TeamRoleName(v1::TeamRole value);
std::string BuyingRoleName(v1::BuyingRole value);
std::string OrgLevelName(v1::OrgLevel value);
std::string AttitudeName(v1::Attitude value);

// IsValidId says whether `id` follows the registry's ID rule: 1-63 characters
// of [a-z0-9-], starting with a letter or digit, not ending with '-'.
bool IsValidId(absl::string_view id);
// CheckId is IsValidId as a status (a rule, without a field name).
absl::Status CheckId(absl::string_view id);

// SplitList splits on `separator`, trims blanks and drops empty items:
// SplitList(" a; b ;;", ';') is {"a", "b"}.
std::vector<std::string> SplitList(absl::string_view text, char separator);

// ParseTeam reads "person:role" items separated by `separator`; the role is
// after the last ':' (so a person may contain ':').
absl::StatusOr<std::vector<v1::TeamMember>> ParseTeam(absl::string_view text,
                                                      char separator);
// ParseBuyingRoles reads role names separated by `separator`; at least one.
absl::StatusOr<std::vector<v1::BuyingRole>> ParseBuyingRoles(
    absl::string_view text, char separator);
// ParseInfluence reads a whole number from 1 to 5.
absl::StatusOr<int> ParseInfluence(absl::string_view text);

// Resource names.
std::string AccountName(absl::string_view account_id);  // "accounts/a"
std::string ContactName(absl::string_view account_id,
                        absl::string_view contact_id);  // ".../contacts/c"
// The last segment of a resource name: "accounts/a/contacts/c" -> "c".
std::string IdOf(absl::string_view name);

// What an import file holds.
enum class ImportKind { kAccounts, kContacts, kFinancials };

// "accounts", "contacts" or "financials" (as in ImportResult.kind).
const char* ImportKindName(ImportKind kind);
absl::StatusOr<ImportKind> ParseImportKind(absl::string_view s);

// The columns an import file of `kind` may have, in the documented order.
const std::vector<std::string>& ImportColumns(ImportKind kind);

// One column an import file may have.
struct CsvColumnSpec {
  const char* name;
  bool required;
};

// CsvColumns binds the header of an import file to its columns.
class CsvColumns {
 public:
  // Bind matches header names (trimmed, case-insensitive) to the columns of
  // `kind`, in any order. Fails naming the column when one is unknown,
  // repeated, or required but missing.
  static absl::StatusOr<CsvColumns> Bind(
      ImportKind kind, const std::vector<std::string>& header);
  // The same for a file of any other kind: `file_kind` names it in messages
  // ("an interactions file has the columns ..."), `specs` are its columns in
  // the documented order.
  static absl::StatusOr<CsvColumns> Bind(
      absl::string_view file_kind, const std::vector<CsvColumnSpec>& specs,
      const std::vector<std::string>& header);

  // Has says whether the file has the column.
  bool Has(absl::string_view column) const;
  // Get returns the column's value in `record`, trimmed of blanks; "" when
  // the file has no such column.
  std::string Get(const CsvRecord& record, absl::string_view column) const;

 private:
  explicit CsvColumns(std::map<std::string, size_t, std::less<>> index)
      : index_(std::move(index)) {}

  std::map<std::string, size_t, std::less<>> index_;
};

// FlagError is `--flag: rule` as INVALID_ARGUMENT, for a flag's value:
// "--status: must be one of ...".
absl::Status FlagError(absl::string_view flag, const absl::Status& rule);

// What the CSV row mappers share (also those of engagement_records.h).
// ColumnError is `column "c": rule` as INVALID_ARGUMENT.
absl::Status ColumnError(absl::string_view column, absl::string_view rule);
absl::Status ColumnError(absl::string_view column, const absl::Status& rule);
// RequiredColumn is the column's value, or fails when it is empty;
// RequiredIdColumn also checks the ID rule.
absl::StatusOr<std::string> RequiredColumn(const CsvColumns& columns,
                                           const CsvRecord& record,
                                           absl::string_view column);
absl::StatusOr<std::string> RequiredIdColumn(const CsvColumns& columns,
                                             const CsvRecord& record,
                                             absl::string_view column);

// ParseEnumValue and EnumValueName are the enum parsing and naming above for
// any proto enum (by its descriptor), for the other services' enums.
absl::StatusOr<int> ParseEnumValue(
    const google::protobuf::EnumDescriptor* descriptor, absl::string_view text);
std::string EnumValueName(const google::protobuf::EnumDescriptor* descriptor,
                          int number);

// ParseEnumAs is ParseEnumValue as the enum type E (whose descriptor it is).
template <typename E>
absl::StatusOr<E> ParseEnumAs(
    const google::protobuf::EnumDescriptor* descriptor,
    absl::string_view text) {
  absl::StatusOr<int> value = ParseEnumValue(descriptor, text);
  if (!value.ok()) return value.status();
  return static_cast<E>(*value);
}

// MessageFromJson parses proto3 JSON into *message, refusing unknown fields
// (a misspelt field is a mistake, not something to skip). It fails with
// "not <what> in proto3 JSON: <why>", e.g. `what` "an account plan".
absl::Status MessageFromJson(absl::string_view json, absl::string_view what,
                             google::protobuf::Message* message);

// The CSV row mappers. Each reads one record bound by `columns` (of the
// matching kind) and fails with the first problem, naming its column.
absl::StatusOr<v1::Account> AccountFromCsv(const CsvColumns& columns,
                                           const CsvRecord& record);
absl::StatusOr<v1::ImportContact> ContactFromCsv(const CsvColumns& columns,
                                                 const CsvRecord& record);
absl::StatusOr<v1::ImportFinancialFact> FinancialFactFromCsv(
    const CsvColumns& columns, const CsvRecord& record);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_RECORDS_H_
