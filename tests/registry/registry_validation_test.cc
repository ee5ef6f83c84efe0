// Bad input, one case per field rule: each request must fail with the
// documented code, an INVALID_ARGUMENT must name the field first, and the
// rejected request must change nothing (every account, contact and fact, and
// the feed head, read back identical).

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;

struct BadInput {
  // Test name suffix.
  std::string name;
  std::function<grpc::Status(RegistryClient&)> call;
  // The acceptable codes; the first is the documented one.
  std::vector<StatusCode> codes;
  // For INVALID_ARGUMENT: the field path the message must start with.
  std::string field;
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

// --- Request builders: a valid request with one thing wrong ----------------

using AccountEdit = std::function<void(rv1::Account&)>;
using ContactEdit = std::function<void(rv1::Contact&)>;
using FactEdit = std::function<void(rv1::FinancialFact&)>;

BadInput CreateAccountWith(std::string name, AccountEdit edit,
                           std::string field,
                           StatusCode code = StatusCode::INVALID_ARGUMENT) {
  return {std::move(name),
          [edit](RegistryClient& client) {
            rv1::Account account = NewAccount("newco");
            edit(account);
            return client.CreateAccount(account, nullptr);
          },
          {code},
          std::move(field)};
}

BadInput UpdateAccountWith(std::string name, std::vector<std::string> mask,
                           AccountEdit edit, std::string field,
                           StatusCode code = StatusCode::INVALID_ARGUMENT) {
  return {std::move(name),
          [mask, edit](RegistryClient& client) {
            rv1::Account account;
            account.set_name("accounts/acme");
            edit(account);
            return client.UpdateAccount(account, mask, nullptr);
          },
          {code},
          std::move(field)};
}

BadInput CreateContactWith(std::string name, ContactEdit edit,
                           std::string field,
                           std::vector<StatusCode> codes = {
                               StatusCode::INVALID_ARGUMENT}) {
  return {std::move(name),
          [edit](RegistryClient& client) {
            rv1::Contact contact = NewContact("newbie");
            edit(contact);
            return client.CreateContact("accounts/acme", contact, nullptr);
          },
          std::move(codes), std::move(field)};
}

BadInput UpdateContactWith(std::string name, std::vector<std::string> mask,
                           ContactEdit edit, std::string field) {
  return {std::move(name),
          [mask, edit](RegistryClient& client) {
            rv1::Contact contact;
            contact.set_name(ContactName("acme", "jane"));
            edit(contact);
            return client.UpdateContact(contact, mask, nullptr);
          },
          {StatusCode::INVALID_ARGUMENT},
          std::move(field)};
}

BadInput RecordFactWith(std::string name, FactEdit edit, std::string field) {
  return {std::move(name),
          [edit](RegistryClient& client) {
            rv1::FinancialFact fact = NewFact("2024", "EUR", 100, 10, 5);
            edit(fact);
            return client.RecordFact("accounts/acme", fact);
          },
          {StatusCode::INVALID_ARGUMENT},
          std::move(field)};
}

BadInput FactPeriod(std::string name, std::string period) {
  return RecordFactWith(
      std::move(name),
      [period](rv1::FinancialFact& f) { f.set_period(period); }, "fact.period");
}

BadInput Call(std::string name,
              std::function<grpc::Status(RegistryClient&)> call,
              StatusCode code, std::string field = "") {
  return {std::move(name), std::move(call), {code}, std::move(field)};
}

std::string Repeat(char c, int n) {
  return std::string(static_cast<size_t>(n), c);
}

std::vector<BadInput> Cases() {
  const auto kInvalid = StatusCode::INVALID_ARGUMENT;
  std::vector<BadInput> cases;
  auto add = [&](BadInput input) { cases.push_back(std::move(input)); };

  // CreateAccount: each field rule.
  add(CreateAccountWith(
      "AccountDisplayNameEmpty",
      [](rv1::Account& a) { a.set_display_name(""); }, "account.display_name"));
  add(CreateAccountWith(
      "AccountDisplayNameTooLong",
      [](rv1::Account& a) { a.set_display_name(Repeat('x', 201)); },
      "account.display_name"));
  add(CreateAccountWith(
      "AccountIdUpperCase", [](rv1::Account& a) { a.set_account_id("Acme"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdUnderscore",
      [](rv1::Account& a) { a.set_account_id("acme_co"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdDot", [](rv1::Account& a) { a.set_account_id("acme.co"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdSlash", [](rv1::Account& a) { a.set_account_id("acme/co"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdTooLong",
      [](rv1::Account& a) { a.set_account_id(Repeat('a', 64)); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdTrailingDash",
      [](rv1::Account& a) { a.set_account_id("acme-"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdLeadingDash",
      [](rv1::Account& a) { a.set_account_id("-acme"); },
      "account.account_id"));
  add(CreateAccountWith(
      "AccountIdTaken", [](rv1::Account& a) { a.set_account_id("acme"); }, "",
      StatusCode::ALREADY_EXISTS));
  add(CreateAccountWith(
      "CountryName", [](rv1::Account& a) { a.set_country("Denmark"); },
      "account.country"));
  add(CreateAccountWith(
      "CountryLowerCase", [](rv1::Account& a) { a.set_country("dk"); },
      "account.country"));
  add(CreateAccountWith(
      "CountryAlpha3", [](rv1::Account& a) { a.set_country("DNK"); },
      "account.country"));
  add(CreateAccountWith(
      "TagUpperCase", [](rv1::Account& a) { a.add_tags("Gold"); },
      "account.tags"));
  add(CreateAccountWith(
      "TagWithSpace", [](rv1::Account& a) { a.add_tags("key account"); },
      "account.tags"));
  add(CreateAccountWith(
      "TagEmpty", [](rv1::Account& a) { a.add_tags(""); }, "account.tags"));
  add(CreateAccountWith(
      "TagTooLong", [](rv1::Account& a) { a.add_tags(Repeat('t', 64)); },
      "account.tags"));
  add(CreateAccountWith(
      "TagDuplicate",
      [](rv1::Account& a) {
        a.add_tags("gold");
        a.add_tags("nordic");
        a.add_tags("gold");
      },
      "account.tags"));
  add(CreateAccountWith(
      "TooManyTags",
      [](rv1::Account& a) {
        for (int i = 0; i < 33; ++i) a.add_tags(absl::StrCat("t", i));
      },
      "account.tags"));
  add(CreateAccountWith(
      "IndustryTooLong",
      [](rv1::Account& a) { a.set_industry(Repeat('i', 101)); },
      "account.industry"));
  add(CreateAccountWith(
      "SegmentTooLong",
      [](rv1::Account& a) { a.set_segment(Repeat('s', 101)); },
      "account.segment"));
  add(CreateAccountWith(
      "KeyAccountManagerTooLong",
      [](rv1::Account& a) { a.set_key_account_manager(Repeat('k', 255)); },
      "account.key_account_manager"));
  add(CreateAccountWith(
      "TeamTooLarge",
      [](rv1::Account& a) {
        for (int i = 0; i < 51; ++i) {
          rv1::TeamMember* m = a.add_team();
          m->set_person(absl::StrCat("p", i, "@supplier.example"));
          m->set_role(rv1::SALES);
        }
      },
      "account.team"));
  add(CreateAccountWith(
      "TeamMemberWithoutPerson",
      [](rv1::Account& a) { a.add_team()->set_role(rv1::SALES); },
      "account.team"));
  add(CreateAccountWith(
      "PotentialRevenueCurrencyLowerCase",
      [](rv1::Account& a) {
        *a.mutable_potential_revenue() = Money("eur", 100);
      },
      "account.potential_revenue.currency_code"));
  add(CreateAccountWith(
      "PotentialRevenueCurrencyMissing",
      [](rv1::Account& a) { *a.mutable_potential_revenue() = Money("", 100); },
      "account.potential_revenue"));
  add(CreateAccountWith(
      "PotentialRevenueNegative",
      [](rv1::Account& a) {
        *a.mutable_potential_revenue() = Money("EUR", -1);
      },
      "account.potential_revenue"));
  add(CreateAccountWith(
      "ParentMalformed", [](rv1::Account& a) { a.set_parent("acme"); },
      "account.parent"));
  add(CreateAccountWith(
      "ParentWrongCollection",
      [](rv1::Account& a) { a.set_parent("clients/acme"); }, "account.parent"));
  add(CreateAccountWith(
      "ParentMissing", [](rv1::Account& a) { a.set_parent("accounts/ghost"); },
      "", StatusCode::FAILED_PRECONDITION));
  add(Call(
      "RequestIdTooLong",
      [](RegistryClient& c) {
        return c.CreateAccount(NewAccount("newco"), nullptr, Repeat('r', 129));
      },
      kInvalid, "request_id"));

  // UpdateAccount: the mask and the same field rules.
  add(UpdateAccountWith(
      "UpdateMaskEmpty", {}, [](rv1::Account& a) { a.set_display_name("New"); },
      "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskUnknownPath", {"colour"},
      [](rv1::Account& a) { a.set_display_name("New"); }, "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskImmutableAccountId", {"account_id"},
      [](rv1::Account& a) { a.set_account_id("renamed"); }, "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskOutputOnlyName", {"name"}, [](rv1::Account&) {},
      "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskOutputOnlyEtag", {"etag"},
      [](rv1::Account& a) { a.set_etag("x"); }, "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskOutputOnlyCreateTime", {"create_time"}, [](rv1::Account&) {},
      "update_mask"));
  add(UpdateAccountWith(
      "UpdateMaskOneBadPathAmongGood", {"display_name", "colour"},
      [](rv1::Account& a) { a.set_display_name("New"); }, "update_mask"));
  add(UpdateAccountWith(
      "UpdateDisplayNameEmpty", {"display_name"},
      [](rv1::Account& a) { a.set_display_name(""); }, "account.display_name"));
  add(UpdateAccountWith(
      "UpdateCountryBad", {"country"},
      [](rv1::Account& a) { a.set_country("Denmark"); }, "account.country"));
  add(UpdateAccountWith(
      "UpdateTagsDuplicate", {"tags"},
      [](rv1::Account& a) {
        a.add_tags("gold");
        a.add_tags("gold");
      },
      "account.tags"));
  add(UpdateAccountWith(
      "UpdatePotentialRevenueNegative", {"potential_revenue"},
      [](rv1::Account& a) {
        *a.mutable_potential_revenue() = Money("EUR", -5);
      },
      "account.potential_revenue"));
  add(UpdateAccountWith(
      "UpdateParentMalformed", {"parent"},
      [](rv1::Account& a) { a.set_parent("other"); }, "account.parent"));
  add(UpdateAccountWith(
      "UpdateNameMalformed", {"display_name"},
      [](rv1::Account& a) {
        a.set_name("acme");
        a.set_display_name("New");
      },
      "account.name"));
  add(UpdateAccountWith(
      "UpdateNameEmpty", {"display_name"},
      [](rv1::Account& a) {
        a.set_name("");
        a.set_display_name("New");
      },
      "account.name"));

  // Malformed resource names on reads and deletes.
  for (const auto& [label, name] :
       std::vector<std::pair<std::string, std::string>>{
           {"Empty", ""},
           {"NoCollection", "acme"},
           {"WrongCollection", "clients/acme"},
           {"UpperCaseId", "accounts/Acme"},
           {"EmptyId", "accounts/"},
           {"ExtraSegment", "accounts/acme/extra"}}) {
    add(Call(
        "GetAccountName" + label,
        [name = name](RegistryClient& c) {
          return c.GetAccount(name, nullptr);
        },
        kInvalid, "name"));
  }
  add(Call(
      "DeleteAccountNameMalformed",
      [](RegistryClient& c) { return c.DeleteAccount("acme"); }, kInvalid,
      "name"));
  add(Call(
      "GetContactNameMissingCollection",
      [](RegistryClient& c) {
        return c.GetContact("accounts/acme/jane", nullptr);
      },
      kInvalid, "name"));
  add(Call(
      "GetContactNameWrongCollection",
      [](RegistryClient& c) {
        return c.GetContact("accounts/acme/people/jane", nullptr);
      },
      kInvalid, "name"));
  add(Call(
      "GetContactNameIsAnAccount",
      [](RegistryClient& c) { return c.GetContact("accounts/acme", nullptr); },
      kInvalid, "name"));
  add(Call(
      "DeleteContactNameMalformed",
      [](RegistryClient& c) {
        return c.DeleteContact("accounts/acme/contacts/");
      },
      kInvalid, "name"));

  // Lists and hierarchy.
  add(Call(
      "ListAccountsPageSizeNegative",
      [](RegistryClient& c) {
        rv1::ListAccountsRequest r;
        r.set_page_size(-1);
        rv1::ListAccountsResponse out;
        return c.ListAccounts(r, &out);
      },
      kInvalid, "page_size"));
  add(Call(
      "ListAccountsPageTokenGarbage",
      [](RegistryClient& c) {
        rv1::ListAccountsRequest r;
        r.set_page_token("garbage");
        rv1::ListAccountsResponse out;
        return c.ListAccounts(r, &out);
      },
      kInvalid, "page_token"));
  add(Call(
      "ListAccountsParentFilterMalformed",
      [](RegistryClient& c) {
        rv1::ListAccountsRequest r;
        r.set_parent("acme");
        rv1::ListAccountsResponse out;
        return c.ListAccounts(r, &out);
      },
      kInvalid, "parent"));
  add(Call(
      "ListContactsParentMalformed",
      [](RegistryClient& c) {
        rv1::ListContactsRequest r;
        r.set_parent("acme");
        rv1::ListContactsResponse out;
        return c.ListContacts(r, &out);
      },
      kInvalid, "parent"));
  add(Call(
      "ListFinancialFactsParentMalformed",
      [](RegistryClient& c) {
        std::vector<rv1::FinancialFact> out;
        return c.ListFacts("acme", &out);
      },
      kInvalid, "parent"));
  add(Call(
      "HierarchyMaxDepthTooLarge",
      [](RegistryClient& c) {
        rv1::AccountHierarchy out;
        return c.GetHierarchy("accounts/acme", 33, &out);
      },
      kInvalid, "max_depth"));
  add(Call(
      "HierarchyMaxDepthNegative",
      [](RegistryClient& c) {
        rv1::AccountHierarchy out;
        return c.GetHierarchy("accounts/acme", -1, &out);
      },
      kInvalid, "max_depth"));
  add(Call(
      "HierarchyNameMalformed",
      [](RegistryClient& c) {
        rv1::AccountHierarchy out;
        return c.GetHierarchy("acme", 0, &out);
      },
      kInvalid, "name"));

  // CreateContact.
  add(CreateContactWith(
      "ContactWithoutRoles", [](rv1::Contact& c) { c.clear_roles(); },
      "contact.roles"));
  add(CreateContactWith(
      "ContactDuplicateRoles",
      [](rv1::Contact& c) {
        c.clear_roles();
        c.add_roles(rv1::BUYER);
        c.add_roles(rv1::USER);
        c.add_roles(rv1::BUYER);
      },
      "contact.roles"));
  add(CreateContactWith(
      "ContactWithoutLevel",
      [](rv1::Contact& c) { c.set_level(rv1::ORG_LEVEL_UNSPECIFIED); },
      "contact.level"));
  add(CreateContactWith(
      "ContactEmailWithoutAt",
      [](rv1::Contact& c) { c.set_email("jane.acme.example"); },
      "contact.email"));
  add(CreateContactWith(
      "ContactEmailWithoutDomain",
      [](rv1::Contact& c) { c.set_email("jane@"); }, "contact.email"));
  add(CreateContactWith(
      "ContactEmailWithoutLocalPart",
      [](rv1::Contact& c) { c.set_email("@acme.example"); }, "contact.email"));
  add(CreateContactWith(
      "ContactInfluenceSix", [](rv1::Contact& c) { c.set_influence(6); },
      "contact.influence"));
  add(CreateContactWith(
      "ContactInfluenceNegative", [](rv1::Contact& c) { c.set_influence(-1); },
      "contact.influence"));
  add(CreateContactWith(
      "ContactDisplayNameEmpty",
      [](rv1::Contact& c) { c.set_display_name(""); }, "contact.display_name"));
  add(CreateContactWith(
      "ContactDisplayNameTooLong",
      [](rv1::Contact& c) { c.set_display_name(Repeat('n', 201)); },
      "contact.display_name"));
  add(CreateContactWith(
      "ContactTitleTooLong",
      [](rv1::Contact& c) { c.set_title(Repeat('t', 201)); }, "contact.title"));
  add(CreateContactWith(
      "ContactIdUpperCase", [](rv1::Contact& c) { c.set_contact_id("Jane"); },
      "contact.contact_id"));
  add(CreateContactWith(
      "ContactIdTrailingDash",
      [](rv1::Contact& c) { c.set_contact_id("jane-"); },
      "contact.contact_id"));
  add(CreateContactWith(
      "ContactReportsToMalformed",
      [](rv1::Contact& c) { c.set_reports_to("jane"); }, "contact.reports_to"));
  // A contact of another account can never be a valid manager; a server may
  // see that in the request alone (INVALID_ARGUMENT) or when looking it up
  // among the account's contacts (FAILED_PRECONDITION, as documented).
  add(CreateContactWith(
      "ContactReportsToOtherAccount",
      [](rv1::Contact& c) { c.set_reports_to(ContactName("other", "bob")); },
      "contact.reports_to",
      {StatusCode::FAILED_PRECONDITION, StatusCode::INVALID_ARGUMENT}));
  add(CreateContactWith(
      "ContactReportsToMissing",
      [](rv1::Contact& c) { c.set_reports_to(ContactName("acme", "nobody")); },
      "", {StatusCode::FAILED_PRECONDITION}));
  add(CreateContactWith("ContactIdTaken",
                        [](rv1::Contact& c) { c.set_contact_id("jane"); }, "",
                        {StatusCode::ALREADY_EXISTS}));
  add(Call(
      "ContactParentMalformed",
      [](RegistryClient& c) {
        return c.CreateContact("acme", NewContact("newbie"), nullptr);
      },
      kInvalid, "parent"));
  add(Call(
      "ContactAccountMissing",
      [](RegistryClient& c) {
        return c.CreateContact("accounts/ghost", NewContact("newbie"), nullptr);
      },
      StatusCode::NOT_FOUND));

  // UpdateContact.
  add(UpdateContactWith(
      "UpdateContactMaskEmpty", {}, [](rv1::Contact& c) { c.set_title("x"); },
      "update_mask"));
  add(UpdateContactWith(
      "UpdateContactMaskUnknownPath", {"colour"},
      [](rv1::Contact& c) { c.set_title("x"); }, "update_mask"));
  add(UpdateContactWith(
      "UpdateContactMaskImmutableContactId", {"contact_id"},
      [](rv1::Contact& c) { c.set_contact_id("janet"); }, "update_mask"));
  add(UpdateContactWith(
      "UpdateContactRolesEmpty", {"roles"}, [](rv1::Contact&) {},
      "contact.roles"));
  add(UpdateContactWith(
      "UpdateContactLevelUnspecified", {"level"}, [](rv1::Contact&) {},
      "contact.level"));
  add(UpdateContactWith(
      "UpdateContactInfluenceSix", {"influence"},
      [](rv1::Contact& c) { c.set_influence(6); }, "contact.influence"));
  add(UpdateContactWith(
      "UpdateContactEmailBad", {"email"},
      [](rv1::Contact& c) { c.set_email("not-an-address"); }, "contact.email"));
  add(UpdateContactWith(
      "UpdateContactReportsToMalformed", {"reports_to"},
      [](rv1::Contact& c) { c.set_reports_to("bob"); }, "contact.reports_to"));
  add(UpdateContactWith(
      "UpdateContactNameMalformed", {"title"},
      [](rv1::Contact& c) {
        c.set_name("accounts/acme/jane");
        c.set_title("x");
      },
      "contact.name"));

  // RecordFinancialFact.
  add(FactPeriod("FactPeriodMonth13", "2025-13"));
  add(FactPeriod("FactPeriodMonth00", "2025-00"));
  add(FactPeriod("FactPeriodTwoDigitYear", "25"));
  add(FactPeriod("FactPeriodQuarter5", "2025-Q5"));
  add(FactPeriod("FactPeriodQuarter0", "2025-Q0"));
  add(FactPeriod("FactPeriodLowerCaseQuarter", "2025-q1"));
  add(FactPeriod("FactPeriodOneDigitMonth", "2025-1"));
  add(FactPeriod("FactPeriodDay", "2025-01-15"));
  add(FactPeriod("FactPeriodEmpty", ""));
  add(FactPeriod("FactPeriodWords", "last year"));
  add(RecordFactWith(
      "FactMixedCurrencies",
      [](rv1::FinancialFact& f) {
        f.mutable_gross_margin()->set_currency_code("USD");
      },
      "fact."));
  add(RecordFactWith(
      "FactCostToServeInAnotherCurrency",
      [](rv1::FinancialFact& f) {
        f.mutable_cost_to_serve()->set_currency_code("DKK");
      },
      "fact."));
  add(RecordFactWith(
      "FactRevenueNegative",
      [](rv1::FinancialFact& f) { f.mutable_revenue()->set_minor_units(-1); },
      "fact.revenue"));
  add(RecordFactWith(
      "FactRevenueMissing", [](rv1::FinancialFact& f) { f.clear_revenue(); },
      "fact.revenue"));
  add(RecordFactWith(
      "FactGrossMarginMissing",
      [](rv1::FinancialFact& f) { f.clear_gross_margin(); },
      "fact.gross_margin"));
  add(RecordFactWith(
      "FactCostToServeNegative",
      [](rv1::FinancialFact& f) {
        f.mutable_cost_to_serve()->set_minor_units(-1);
      },
      "fact.cost_to_serve"));
  add(RecordFactWith(
      "FactCurrencyLowerCase",
      [](rv1::FinancialFact& f) {
        f.mutable_revenue()->set_currency_code("eur");
        f.mutable_gross_margin()->set_currency_code("eur");
        f.mutable_cost_to_serve()->set_currency_code("eur");
      },
      "fact.revenue.currency_code"));
  add(RecordFactWith(
      "FactCurrencyTwoLetters",
      [](rv1::FinancialFact& f) {
        f.mutable_revenue()->set_currency_code("EU");
        f.mutable_gross_margin()->set_currency_code("EU");
        f.mutable_cost_to_serve()->set_currency_code("EU");
      },
      "fact.revenue.currency_code"));
  add(Call(
      "FactParentMalformed",
      [](RegistryClient& c) {
        return c.RecordFact("acme", NewFact("2024", "EUR", 1, 1, 1));
      },
      kInvalid, "parent"));
  add(Call(
      "FactAccountMissing",
      [](RegistryClient& c) {
        return c.RecordFact("accounts/ghost", NewFact("2024", "EUR", 1, 1, 1));
      },
      StatusCode::NOT_FOUND));
  return cases;
}

class BadInputTest : public RegistryTest,
                     public ::testing::WithParamInterface<BadInput> {
 protected:
  // acme (contact jane, a fact for 2025) and other (contact bob).
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    MustCreateAccount(NewAccount("acme"));
    MustCreateAccount(NewAccount("other"));
    MustCreateContact("acme", NewContact("jane"));
    MustCreateContact("other", NewContact("bob"));
    MustRecordFact("acme", NewFact("2025", "EUR", 1000, 100, 10));
  }
};

TEST_P(BadInputTest, IsRejectedAndChangesNothing) {
  const BadInput& input = GetParam();
  const std::string before = Snapshot();
  const grpc::Status status = input.call(client());
  const std::set<StatusCode> codes(input.codes.begin(), input.codes.end());
  EXPECT_TRUE(codes.count(status.error_code()) == 1)
      << "expected " << CodeName(input.codes.front()) << ", got "
      << CodeName(status.error_code()) << ": \"" << status.error_message()
      << "\"";
  if (status.error_code() == StatusCode::INVALID_ARGUMENT &&
      !input.field.empty()) {
    EXPECT_TRUE(IsInvalidArgumentFor(status, input.field));
  }
  EXPECT_EQ(Snapshot(), before) << "a rejected request changed something";
}

INSTANTIATE_TEST_SUITE_P(Registry, BadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

// The limits themselves are allowed: the rules are not off by one.
class RegistryBoundaryTest : public RegistryTest {};

TEST_F(RegistryBoundaryTest, LongestAndShortestValidValuesAreAccepted) {
  rv1::Account account = NewAccount(Repeat('a', 63));
  account.set_display_name(Repeat('d', 200));
  account.set_industry(Repeat('i', 100));
  account.set_segment(Repeat('s', 100));
  account.set_key_account_manager(Repeat('k', 254));
  for (int i = 0; i < 31; ++i) account.add_tags(absl::StrCat("tag-", i));
  account.add_tags(Repeat('t', 63));  // 32 tags, the longest allowed last
  for (int i = 0; i < 50; ++i) {
    rv1::TeamMember* m = account.add_team();
    m->set_person(absl::StrCat("p", i, "@supplier.example"));
    m->set_role(rv1::SALES);
  }
  *account.mutable_potential_revenue() = Money("EUR", 0);
  EXPECT_TRUE(IsOk(client().CreateAccount(account, nullptr, Repeat('r', 128))));
  EXPECT_TRUE(IsOk(client().CreateAccount(NewAccount("0", "x"), nullptr)));

  rv1::Contact contact = NewContact(Repeat('c', 63));
  contact.set_display_name(Repeat('n', 200));
  contact.set_title(Repeat('t', 200));
  contact.set_influence(5);
  rv1::Contact created;
  EXPECT_TRUE(IsOk(client().CreateContact("accounts/0", contact, &created)));
  contact = NewContact("low");
  contact.set_influence(1);
  EXPECT_TRUE(IsOk(client().CreateContact("accounts/0", contact, &created)));
  EXPECT_EQ(created.influence(), 1);

  for (const char* period :
       {"2025", "2025-01", "2025-12", "2025-Q1", "2025-Q4"}) {
    SCOPED_TRACE(period);
    EXPECT_TRUE(IsOk(
        client().RecordFact("accounts/0", NewFact(period, "EUR", 0, -10, 0))));
  }
}

}  // namespace
}  // namespace kam::registry_test
