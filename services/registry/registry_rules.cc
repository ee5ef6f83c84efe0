#include "services/registry/registry_rules.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/validation.h"
#include "google/protobuf/util/field_mask_util.h"

namespace kam::registry {

using kam::common::v1::Money;
using kam::registry::v1::Account;
using kam::registry::v1::Contact;
using kam::registry::v1::FinancialFact;
using kam::registry::v1::FinancialRollup;

namespace {

absl::Status ValidateMoney(const Money& money, const std::string& field,
                           bool allow_negative) {
  KAM_RETURN_IF_ERROR(
      ValidateCurrencyCode(field + ".currency_code", money.currency_code()));
  if (!allow_negative && money.minor_units() < 0) {
    return InvalidField(field + ".minor_units", "must not be negative");
  }
  return absl::OkStatus();
}

bool IsDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateAccount(const Account& account, const std::string& field) {
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".display_name", account.display_name(), 1, 200));
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".industry", account.industry(), 0, 100));
  KAM_RETURN_IF_ERROR(ValidateText(field + ".segment", account.segment(), 0, 100));
  if (!account.country().empty()) {
    KAM_RETURN_IF_ERROR(ValidateCountryCode(field + ".country", account.country()));
  }
  if (!kam::registry::v1::LifecycleStatus_IsValid(account.lifecycle_status())) {
    return InvalidField(field + ".lifecycle_status", "is not a known status");
  }
  if (account.tags_size() > 32) {
    return InvalidField(field + ".tags", "must have at most 32 tags");
  }
  std::set<std::string> seen;
  for (int i = 0; i < account.tags_size(); ++i) {
    const std::string tag_field = absl::StrCat(field, ".tags[", i, "]");
    KAM_RETURN_IF_ERROR(ValidateId(tag_field, account.tags(i)));
    if (!seen.insert(account.tags(i)).second) {
      return InvalidField(tag_field, absl::StrCat("duplicates tag \"",
                                                  account.tags(i), "\""));
    }
  }
  KAM_RETURN_IF_ERROR(ValidateText(field + ".key_account_manager",
                                   account.key_account_manager(), 0, 254));
  if (account.team_size() > 50) {
    return InvalidField(field + ".team", "must have at most 50 members");
  }
  for (int i = 0; i < account.team_size(); ++i) {
    const auto& member = account.team(i);
    const std::string member_field = absl::StrCat(field, ".team[", i, "]");
    KAM_RETURN_IF_ERROR(
        ValidateText(member_field + ".person", member.person(), 1, 254));
    if (member.role() == kam::registry::v1::TEAM_ROLE_UNSPECIFIED ||
        !kam::registry::v1::TeamRole_IsValid(member.role())) {
      return InvalidField(member_field + ".role", "is required");
    }
  }
  if (account.has_potential_revenue()) {
    KAM_RETURN_IF_ERROR(ValidateMoney(account.potential_revenue(),
                                      field + ".potential_revenue",
                                      /*allow_negative=*/false));
  }
  return absl::OkStatus();
}

absl::Status ValidateContact(const Contact& contact, const std::string& field) {
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".display_name", contact.display_name(), 1, 200));
  KAM_RETURN_IF_ERROR(ValidateText(field + ".title", contact.title(), 0, 200));
  if (!contact.email().empty()) {
    KAM_RETURN_IF_ERROR(ValidateEmail(field + ".email", contact.email()));
  }
  if (contact.roles_size() == 0) {
    return InvalidField(field + ".roles",
                        "must name at least one buying-center role (buyer, "
                        "user, decider, influencer, ambassador)");
  }
  std::set<int> seen;
  for (int i = 0; i < contact.roles_size(); ++i) {
    const int role = contact.roles(i);
    const std::string role_field = absl::StrCat(field, ".roles[", i, "]");
    if (role == kam::registry::v1::BUYING_ROLE_UNSPECIFIED ||
        !kam::registry::v1::BuyingRole_IsValid(role)) {
      return InvalidField(role_field, "is not a buying-center role");
    }
    if (!seen.insert(role).second) {
      return InvalidField(role_field, "duplicates a role");
    }
  }
  if (contact.level() == kam::registry::v1::ORG_LEVEL_UNSPECIFIED ||
      !kam::registry::v1::OrgLevel_IsValid(contact.level())) {
    return InvalidField(field + ".level",
                        "is required (operational, management or executive)");
  }
  if (!kam::registry::v1::Attitude_IsValid(contact.attitude())) {
    return InvalidField(field + ".attitude", "is not a known attitude");
  }
  if (contact.influence() < 1 || contact.influence() > 5) {
    return InvalidField(field + ".influence",
                        absl::StrCat("must be between 1 and 5, got ",
                                     contact.influence()));
  }
  return absl::OkStatus();
}

absl::Status ValidatePeriod(const std::string& period,
                            const std::string& field) {
  const std::string rule = absl::StrCat(
      "must be \"YYYY\", \"YYYY-Qn\" or \"YYYY-MM\", got \"", period, "\"");
  if (period.size() < 4 || !IsDigits(absl::string_view(period).substr(0, 4))) {
    return InvalidField(field, rule);
  }
  int year = 0;
  (void)absl::SimpleAtoi(period.substr(0, 4), &year);
  if (year < 1900 || year > 2999) return InvalidField(field, rule);
  if (period.size() == 4) return absl::OkStatus();
  if (period.size() != 7 || period[4] != '-') return InvalidField(field, rule);
  if (period[5] == 'Q') {
    if (period[6] < '1' || period[6] > '4') return InvalidField(field, rule);
    return absl::OkStatus();
  }
  int month = 0;
  if (!IsDigits(absl::string_view(period).substr(5)) ||
      !absl::SimpleAtoi(period.substr(5), &month) || month < 1 || month > 12) {
    return InvalidField(field, rule);
  }
  return absl::OkStatus();
}

std::string PeriodSortKey(const std::string& period) {
  // "YYYY" + start month + granularity rank (year 0, quarter 1, month 2).
  const std::string year = period.substr(0, 4);
  if (period.size() == 4) return year + "010";
  if (period[5] == 'Q') {
    const int quarter = period[6] - '0';
    return absl::StrCat(year, absl::Dec(quarter * 3 - 2, absl::kZeroPad2), "1");
  }
  return absl::StrCat(year, period.substr(5, 2), "2");
}

absl::Status ValidateFinancialFact(const FinancialFact& fact,
                                   const std::string& field) {
  KAM_RETURN_IF_ERROR(ValidatePeriod(fact.period(), field + ".period"));
  if (!fact.has_revenue()) return InvalidField(field + ".revenue", "is required");
  if (!fact.has_gross_margin()) {
    return InvalidField(field + ".gross_margin", "is required");
  }
  KAM_RETURN_IF_ERROR(ValidateMoney(fact.revenue(), field + ".revenue", false));
  KAM_RETURN_IF_ERROR(
      ValidateMoney(fact.gross_margin(), field + ".gross_margin", true));
  const std::string& currency = fact.revenue().currency_code();
  if (fact.gross_margin().currency_code() != currency) {
    return InvalidField(field + ".gross_margin.currency_code",
                        absl::StrCat("must equal revenue's currency ", currency));
  }
  if (fact.has_cost_to_serve()) {
    KAM_RETURN_IF_ERROR(
        ValidateMoney(fact.cost_to_serve(), field + ".cost_to_serve", false));
    if (fact.cost_to_serve().currency_code() != currency) {
      return InvalidField(
          field + ".cost_to_serve.currency_code",
          absl::StrCat("must equal revenue's currency ", currency));
    }
  }
  return absl::OkStatus();
}

const std::vector<std::string>& AccountMutablePaths() {
  static const auto* const paths = new std::vector<std::string>{
      "display_name", "industry", "segment",
      "country",      "lifecycle_status", "tags",
      "parent",       "key_account_manager", "team",
      "potential_revenue"};
  return *paths;
}

const std::vector<std::string>& ContactMutablePaths() {
  static const auto* const paths = new std::vector<std::string>{
      "display_name", "title",    "email",     "roles",
      "level",        "attitude", "influence", "reports_to"};
  return *paths;
}

void ApplyMask(const google::protobuf::Message& patch,
               const google::protobuf::FieldMask& mask,
               google::protobuf::Message* target) {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, mask, options,
                                                       target);
}

bool WouldCycle(const std::string& id, const std::string& start,
                const std::function<std::string(const std::string&)>& parent_of,
                int max_steps) {
  std::string current = start;
  for (int step = 0; step < max_steps && !current.empty(); ++step) {
    if (current == id) return true;
    current = parent_of(current);
  }
  return !current.empty();
}

std::vector<FinancialRollup> RollUp(const std::vector<FactOfAccount>& facts) {
  struct Sum {
    int64_t revenue = 0, gross_margin = 0, cost_to_serve = 0;
    std::set<std::string> accounts;
  };
  // Keyed by (sort key, currency); the sort key maps back to one period.
  std::map<std::pair<std::string, std::string>, Sum> sums;
  std::map<std::string, std::string> periods;
  for (const auto& [account_id, fact] : facts) {
    const std::string key = PeriodSortKey(fact.period());
    periods[key] = fact.period();
    Sum& sum = sums[{key, fact.revenue().currency_code()}];
    sum.revenue += fact.revenue().minor_units();
    sum.gross_margin += fact.gross_margin().minor_units();
    sum.cost_to_serve += fact.cost_to_serve().minor_units();
    sum.accounts.insert(account_id);
  }
  std::vector<FinancialRollup> out;
  for (const auto& [key, sum] : sums) {
    FinancialRollup& rollup = out.emplace_back();
    rollup.set_period(periods[key.first]);
    auto set = [&](Money* money, int64_t units) {
      money->set_currency_code(key.second);
      money->set_minor_units(units);
    };
    set(rollup.mutable_revenue(), sum.revenue);
    set(rollup.mutable_gross_margin(), sum.gross_margin);
    set(rollup.mutable_cost_to_serve(), sum.cost_to_serve);
    rollup.set_accounts_reporting(static_cast<int>(sum.accounts.size()));
  }
  return out;
}

}  // namespace kam::registry
