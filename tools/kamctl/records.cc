#include "tools/kamctl/records.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "tools/kamctl/money.h"

namespace kam::kamctl {
namespace {

using google::protobuf::EnumDescriptor;

std::string EnumValueList(const EnumDescriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() == 0) continue;
    names.push_back(absl::AsciiStrToLower(descriptor->value(i)->name()));
  }
  return absl::StrJoin(names, ", ");
}

std::string EnumName(const EnumDescriptor* descriptor, int number) {
  const auto* value = descriptor->FindValueByNumber(number);
  if (value == nullptr || number == 0) return "";
  return absl::AsciiStrToLower(value->name());
}

const std::vector<CsvColumnSpec>& ColumnSpecs(ImportKind kind) {
  static const auto* const kAccounts =
      new std::vector<CsvColumnSpec>{{"account_id", true},
                                     {"display_name", true},
                                     {"industry", false},
                                     {"segment", false},
                                     {"country", false},
                                     {"status", false},
                                     {"tags", false},
                                     {"parent_id", false},
                                     {"key_account_manager", false},
                                     {"team", false},
                                     {"potential_revenue", false},
                                     {"currency", false}};
  static const auto* const kContacts = new std::vector<CsvColumnSpec>{
      {"account_id", true}, {"contact_id", true}, {"display_name", true},
      {"title", false},     {"email", false},     {"roles", true},
      {"level", true},      {"attitude", false},  {"influence", false},
      {"reports_to", false}};
  static const auto* const kFinancials = new std::vector<CsvColumnSpec>{
      {"account_id", true}, {"period", true},       {"currency", true},
      {"revenue", true},    {"gross_margin", true}, {"cost_to_serve", false}};
  switch (kind) {
    case ImportKind::kAccounts:
      return *kAccounts;
    case ImportKind::kContacts:
      return *kContacts;
    case ImportKind::kFinancials:
      break;
  }
  return *kFinancials;
}

// An optional money column; the currency comes from column "currency".
absl::Status MoneyColumn(const CsvColumns& columns, const CsvRecord& record,
                         absl::string_view column, bool required,
                         kam::common::v1::Money* out) {
  const std::string amount = columns.Get(record, column);
  if (amount.empty()) {
    return required ? ColumnError(column, "required, but empty")
                    : absl::OkStatus();
  }
  const std::string currency = columns.Get(record, "currency");
  if (currency.empty()) {
    return ColumnError("currency",
                       absl::StrFormat("required when %s is set", column));
  }
  auto minor = ParseMinorUnits(amount);
  if (!minor.ok()) return ColumnError(column, minor.status());
  auto money = ParseMoney(amount, currency);
  if (!money.ok()) return ColumnError("currency", money.status());
  *out = *std::move(money);
  return absl::OkStatus();
}

}  // namespace

absl::Status FlagError(absl::string_view flag, const absl::Status& rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": ", rule.message()));
}

absl::Status ColumnError(absl::string_view column, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrFormat("column \"%s\": %s", column, rule));
}

absl::Status ColumnError(absl::string_view column, const absl::Status& rule) {
  return ColumnError(column, rule.message());
}

absl::StatusOr<std::string> RequiredColumn(const CsvColumns& columns,
                                           const CsvRecord& record,
                                           absl::string_view column) {
  std::string value = columns.Get(record, column);
  if (value.empty()) return ColumnError(column, "required, but empty");
  return value;
}

absl::StatusOr<std::string> RequiredIdColumn(const CsvColumns& columns,
                                             const CsvRecord& record,
                                             absl::string_view column) {
  auto id = RequiredColumn(columns, record, column);
  if (!id.ok()) return id.status();
  if (absl::Status s = CheckId(*id); !s.ok()) return ColumnError(column, s);
  return id;
}

absl::StatusOr<int> ParseEnumValue(const EnumDescriptor* descriptor,
                                   absl::string_view text) {
  std::string key = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  std::replace(key.begin(), key.end(), '-', '_');
  const auto* value = descriptor->FindValueByName(key);
  if (value != nullptr && value->number() != 0) return value->number();
  return absl::InvalidArgumentError(absl::StrFormat(
      "must be one of %s, got \"%s\"", EnumValueList(descriptor), text));
}

std::string EnumValueName(const EnumDescriptor* descriptor, int number) {
  return EnumName(descriptor, number);
}

absl::Status MessageFromJson(absl::string_view json, absl::string_view what,
                             google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not ", what, " in proto3 JSON: ", status.message().as_string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::LifecycleStatus> ParseLifecycleStatus(absl::string_view s) {
  return ParseEnumAs<v1::LifecycleStatus>(v1::LifecycleStatus_descriptor(), s);
}
absl::StatusOr<v1::TeamRole> ParseTeamRole(absl::string_view s) {
  return ParseEnumAs<v1::TeamRole>(v1::TeamRole_descriptor(), s);
}
absl::StatusOr<v1::BuyingRole> ParseBuyingRole(absl::string_view s) {
  return ParseEnumAs<v1::BuyingRole>(v1::BuyingRole_descriptor(), s);
}
absl::StatusOr<v1::OrgLevel> ParseOrgLevel(absl::string_view s) {
  return ParseEnumAs<v1::OrgLevel>(v1::OrgLevel_descriptor(), s);
}
absl::StatusOr<v1::Attitude> ParseAttitude(absl::string_view s) {
  return ParseEnumAs<v1::Attitude>(v1::Attitude_descriptor(), s);
}

std::string LifecycleStatusName(v1::LifecycleStatus value) {
  return EnumName(v1::LifecycleStatus_descriptor(), value);
}
std::string TeamRoleName(v1::TeamRole value) {
  return EnumName(v1::TeamRole_descriptor(), value);
}
std::string BuyingRoleName(v1::BuyingRole value) {
  return EnumName(v1::BuyingRole_descriptor(), value);
}
std::string OrgLevelName(v1::OrgLevel value) {
  return EnumName(v1::OrgLevel_descriptor(), value);
}
std::string AttitudeName(v1::Attitude value) {
  return EnumName(v1::Attitude_descriptor(), value);
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || id.front() == '-' || id.back() == '-') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

absl::Status CheckId(absl::string_view id) {
  if (IsValidId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "must be 1-63 characters of [a-z0-9-], starting with a letter or digit "
      "and not ending with '-', got \"%s\"",
      id));
}

std::vector<std::string> SplitList(absl::string_view text, char separator) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, separator)) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::StatusOr<std::vector<v1::TeamMember>> ParseTeam(absl::string_view text,
                                                      char separator) {
  std::vector<v1::TeamMember> team;
  for (const std::string& item : SplitList(text, separator)) {
    const size_t colon = item.rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("team member \"%s\": must be person:role, like "
                          "\"ann@example.com:sales\"",
                          item));
    }
    const absl::string_view person =
        absl::StripAsciiWhitespace(absl::string_view(item).substr(0, colon));
    if (person.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "team member \"%s\": the person before ':' is empty", item));
    }
    auto role = ParseTeamRole(absl::string_view(item).substr(colon + 1));
    if (!role.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "team member \"%s\": role %s", item, role.status().message()));
    }
    v1::TeamMember member;
    member.set_person(std::string(person));
    member.set_role(*role);
    team.push_back(std::move(member));
  }
  return team;
}

absl::StatusOr<std::vector<v1::BuyingRole>> ParseBuyingRoles(
    absl::string_view text, char separator) {
  std::vector<v1::BuyingRole> roles;
  for (const std::string& item : SplitList(text, separator)) {
    auto role = ParseBuyingRole(item);
    if (!role.ok()) return role.status();
    roles.push_back(*role);
  }
  if (roles.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("at least one role is required, from %s",
                        EnumValueList(v1::BuyingRole_descriptor())));
  }
  return roles;
}

absl::StatusOr<int> ParseInfluence(absl::string_view text) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 1 || value > 5) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "must be a whole number from 1 to 5, got \"%s\"", text));
  }
  return value;
}

std::string AccountName(absl::string_view account_id) {
  return absl::StrCat("accounts/", account_id);
}

std::string ContactName(absl::string_view account_id,
                        absl::string_view contact_id) {
  return absl::StrCat("accounts/", account_id, "/contacts/", contact_id);
}

std::string IdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

const char* ImportKindName(ImportKind kind) {
  switch (kind) {
    case ImportKind::kAccounts:
      return "accounts";
    case ImportKind::kContacts:
      return "contacts";
    case ImportKind::kFinancials:
      break;
  }
  return "financials";
}

absl::StatusOr<ImportKind> ParseImportKind(absl::string_view s) {
  for (ImportKind kind : {ImportKind::kAccounts, ImportKind::kContacts,
                          ImportKind::kFinancials}) {
    if (s == ImportKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "must be one of accounts, contacts, financials, got \"%s\"", s));
}

const std::vector<std::string>& ImportColumns(ImportKind kind) {
  static const auto* const kNames = [] {
    auto* names = new std::map<ImportKind, std::vector<std::string>>;
    for (ImportKind k : {ImportKind::kAccounts, ImportKind::kContacts,
                         ImportKind::kFinancials}) {
      for (const CsvColumnSpec& spec : ColumnSpecs(k)) {
        (*names)[k].push_back(spec.name);
      }
    }
    return names;
  }();
  return kNames->at(kind);
}

absl::StatusOr<CsvColumns> CsvColumns::Bind(
    ImportKind kind, const std::vector<std::string>& header) {
  return Bind(ImportKindName(kind), ColumnSpecs(kind), header);
}

absl::StatusOr<CsvColumns> CsvColumns::Bind(
    absl::string_view file_kind, const std::vector<CsvColumnSpec>& specs,
    const std::vector<std::string>& header) {
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(header[i]));
    const bool known = std::any_of(
        specs.begin(), specs.end(),
        [&](const CsvColumnSpec& spec) { return name == spec.name; });
    if (!known) {
      std::vector<std::string> names;
      for (const CsvColumnSpec& spec : specs) names.push_back(spec.name);
      return absl::InvalidArgumentError(absl::StrFormat(
          "header: unknown column \"%s\" (column %d); %s files have the "
          "columns %s",
          header[i], i + 1, file_kind, absl::StrJoin(names, ", ")));
    }
    if (!index.emplace(name, i).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header: column \"%s\" appears more than once", name));
    }
  }
  for (const CsvColumnSpec& spec : specs) {
    if (spec.required && index.count(spec.name) == 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header: the required column \"%s\" is missing", spec.name));
    }
  }
  return CsvColumns(std::move(index));
}

bool CsvColumns::Has(absl::string_view column) const {
  return index_.find(column) != index_.end();
}

std::string CsvColumns::Get(const CsvRecord& record,
                            absl::string_view column) const {
  auto it = index_.find(column);
  if (it == index_.end() || it->second >= record.fields.size()) return "";
  return std::string(absl::StripAsciiWhitespace(record.fields[it->second]));
}

absl::StatusOr<v1::Account> AccountFromCsv(const CsvColumns& columns,
                                           const CsvRecord& record) {
  v1::Account account;
  auto id = RequiredIdColumn(columns, record, "account_id");
  if (!id.ok()) return id.status();
  account.set_account_id(*id);
  auto display_name = RequiredColumn(columns, record, "display_name");
  if (!display_name.ok()) return display_name.status();
  account.set_display_name(*display_name);
  account.set_industry(columns.Get(record, "industry"));
  account.set_segment(columns.Get(record, "segment"));
  account.set_country(columns.Get(record, "country"));
  if (std::string status = columns.Get(record, "status"); !status.empty()) {
    auto parsed = ParseLifecycleStatus(status);
    if (!parsed.ok()) return ColumnError("status", parsed.status());
    account.set_lifecycle_status(*parsed);
  }
  for (std::string& tag : SplitList(columns.Get(record, "tags"), ';')) {
    if (absl::Status s = CheckId(tag); !s.ok()) {
      return ColumnError("tags", absl::StrCat("each tag ", s.message()));
    }
    account.add_tags(std::move(tag));
  }
  if (std::string parent = columns.Get(record, "parent_id"); !parent.empty()) {
    if (absl::Status s = CheckId(parent); !s.ok()) {
      return ColumnError("parent_id", s);
    }
    account.set_parent(AccountName(parent));
  }
  account.set_key_account_manager(columns.Get(record, "key_account_manager"));
  auto team = ParseTeam(columns.Get(record, "team"), ';');
  if (!team.ok()) return ColumnError("team", team.status());
  for (v1::TeamMember& member : *team) {
    *account.add_team() = std::move(member);
  }
  if (absl::Status s = MoneyColumn(columns, record, "potential_revenue", false,
                                   account.mutable_potential_revenue());
      !s.ok()) {
    return s;
  }
  if (account.potential_revenue().currency_code().empty()) {
    account.clear_potential_revenue();
  }
  return account;
}

absl::StatusOr<v1::ImportContact> ContactFromCsv(const CsvColumns& columns,
                                                 const CsvRecord& record) {
  v1::ImportContact item;
  auto account_id = RequiredIdColumn(columns, record, "account_id");
  if (!account_id.ok()) return account_id.status();
  item.set_parent(AccountName(*account_id));
  v1::Contact& contact = *item.mutable_contact();
  auto contact_id = RequiredIdColumn(columns, record, "contact_id");
  if (!contact_id.ok()) return contact_id.status();
  contact.set_contact_id(*contact_id);
  auto display_name = RequiredColumn(columns, record, "display_name");
  if (!display_name.ok()) return display_name.status();
  contact.set_display_name(*display_name);
  contact.set_title(columns.Get(record, "title"));
  contact.set_email(columns.Get(record, "email"));
  auto roles = ParseBuyingRoles(columns.Get(record, "roles"), ';');
  if (!roles.ok()) return ColumnError("roles", roles.status());
  for (v1::BuyingRole role : *roles) contact.add_roles(role);
  auto level_text = RequiredColumn(columns, record, "level");
  if (!level_text.ok()) return level_text.status();
  auto level = ParseOrgLevel(*level_text);
  if (!level.ok()) return ColumnError("level", level.status());
  contact.set_level(*level);
  if (std::string attitude = columns.Get(record, "attitude");
      !attitude.empty()) {
    auto parsed = ParseAttitude(attitude);
    if (!parsed.ok()) return ColumnError("attitude", parsed.status());
    contact.set_attitude(*parsed);
  }
  if (std::string influence = columns.Get(record, "influence");
      !influence.empty()) {
    auto parsed = ParseInfluence(influence);
    if (!parsed.ok()) return ColumnError("influence", parsed.status());
    contact.set_influence(*parsed);
  }
  if (std::string boss = columns.Get(record, "reports_to"); !boss.empty()) {
    if (absl::Status s = CheckId(boss); !s.ok()) {
      return ColumnError("reports_to", s);
    }
    if (boss == *contact_id) {
      return ColumnError("reports_to", "a contact cannot report to itself");
    }
    contact.set_reports_to(ContactName(*account_id, boss));
  }
  return item;
}

absl::StatusOr<v1::ImportFinancialFact> FinancialFactFromCsv(
    const CsvColumns& columns, const CsvRecord& record) {
  v1::ImportFinancialFact item;
  auto account_id = RequiredIdColumn(columns, record, "account_id");
  if (!account_id.ok()) return account_id.status();
  item.set_parent(AccountName(*account_id));
  v1::FinancialFact& fact = *item.mutable_fact();
  auto period = RequiredColumn(columns, record, "period");
  if (!period.ok()) return period.status();
  fact.set_period(*period);
  if (columns.Get(record, "currency").empty()) {
    return ColumnError("currency", "required, but empty");
  }
  for (auto [column, money, required] :
       {std::make_tuple("revenue", fact.mutable_revenue(), true),
        std::make_tuple("gross_margin", fact.mutable_gross_margin(), true),
        std::make_tuple("cost_to_serve", fact.mutable_cost_to_serve(),
                        false)}) {
    if (absl::Status s = MoneyColumn(columns, record, column, required, money);
        !s.ok()) {
      return s;
    }
  }
  if (fact.cost_to_serve().currency_code().empty()) fact.clear_cost_to_serve();
  return item;
}

}  // namespace kam::kamctl
