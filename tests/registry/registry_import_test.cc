// ImportRecords: per-item results, references within one request, re-import
// as a no-op, validate_only, the item limit, and idempotency by request_id.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;
using Outcome = rv1::ImportResult;

rv1::ImportContact ImportedContact(const std::string& account_id,
                                   const rv1::Contact& contact) {
  rv1::ImportContact item;
  item.set_parent(AccountName(account_id));
  *item.mutable_contact() = contact;
  return item;
}

rv1::ImportFinancialFact ImportedFact(const std::string& account_id,
                                      const rv1::FinancialFact& fact) {
  rv1::ImportFinancialFact item;
  item.set_parent(AccountName(account_id));
  *item.mutable_fact() = fact;
  return item;
}

// A CRM export: a group and its subsidiary (the child names the parent from
// the same request), two contacts, three facts: all valid.
rv1::ImportRecordsRequest ValidExport() {
  rv1::ImportRecordsRequest request;
  *request.add_accounts() = NewAccount("group", "Group Holding");
  rv1::Account subsidiary = NewAccount("subsidiary", "Subsidiary Ltd");
  subsidiary.set_parent("accounts/group");
  subsidiary.set_country("GB");
  *request.add_accounts() = subsidiary;
  *request.add_contacts() = ImportedContact(
      "subsidiary", NewContact("ann", {rv1::BUYER}, rv1::MANAGEMENT));
  rv1::Contact ben = NewContact("ben", {rv1::DECIDER}, rv1::EXECUTIVE);
  *request.add_contacts() = ImportedContact("subsidiary", ben);
  *request.add_financials() =
      ImportedFact("group", NewFact("2024", "EUR", 1000, 200, 50));
  *request.add_financials() =
      ImportedFact("subsidiary", NewFact("2024", "EUR", 400, 90, 20));
  *request.add_financials() =
      ImportedFact("subsidiary", NewFact("2025-Q1", "EUR", 120, 30, 5));
  return request;
}

std::string Summary(const rv1::ImportResult& r) {
  return absl::StrCat(r.kind(), "[", r.index(), "] ",
                      rv1::ImportResult::Outcome_Name(r.outcome()));
}

std::vector<std::string> Summaries(const rv1::ImportRecordsResponse& response) {
  std::vector<std::string> out;
  for (const auto& r : response.results()) out.push_back(Summary(r));
  return out;
}

class RegistryImportTest : public RegistryTest {};

TEST_F(RegistryImportTest, ValidExportIsWrittenWithOneResultPerItem) {
  rv1::ImportRecordsResponse response;
  ASSERT_TRUE(IsOk(client().Import(ValidExport(), &response)));
  EXPECT_EQ(
      Summaries(response),
      (std::vector<std::string>{
          "accounts[0] CREATED", "accounts[1] CREATED", "contacts[0] CREATED",
          "contacts[1] CREATED", "financials[0] CREATED",
          "financials[1] CREATED", "financials[2] CREATED"}));
  EXPECT_EQ(response.created(), 7);
  EXPECT_EQ(response.updated(), 0);
  EXPECT_EQ(response.unchanged(), 0);
  EXPECT_EQ(response.failed(), 0);
  ASSERT_EQ(response.results_size(), 7);
  EXPECT_EQ(response.results(0).name(), "accounts/group");
  EXPECT_EQ(response.results(2).name(), "accounts/subsidiary/contacts/ann");
  EXPECT_EQ(response.results(5).name(), "accounts/subsidiary/financials/2024");

  rv1::Account subsidiary;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/subsidiary", &subsidiary)));
  EXPECT_EQ(subsidiary.parent(), "accounts/group");
  EXPECT_EQ(subsidiary.country(), "GB");
  EXPECT_FALSE(subsidiary.etag().empty());
  rv1::Contact ben;
  ASSERT_TRUE(
      IsOk(client().GetContact(ContactName("subsidiary", "ben"), &ben)));
  EXPECT_EQ(ben.level(), rv1::EXECUTIVE);
  std::vector<rv1::FinancialFact> facts;
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/subsidiary", &facts)));
  EXPECT_EQ(facts.size(), 2u);
  rv1::AccountHierarchy tree;
  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/group", 0, &tree)));
  ASSERT_EQ(tree.children_size(), 1);
  EXPECT_EQ(tree.children(0).account().account_id(), "subsidiary");
}

TEST_F(RegistryImportTest, InvalidItemsFailAloneAndValidOnesAreWritten) {
  MustCreateAccount(NewAccount("existing"));
  rv1::ImportRecordsRequest request = ValidExport();
  // accounts[2]: no display name; accounts[3]: no account_id (required in an
  // import); accounts[4]: a parent that exists nowhere.
  *request.add_accounts() = NewAccount("nameless", "");
  request.mutable_accounts(2)->set_display_name("");
  *request.add_accounts() = NewAccount("", "No ID Ltd");
  rv1::Account orphan = NewAccount("orphan");
  orphan.set_parent("accounts/ghost");
  *request.add_accounts() = orphan;
  // contacts[2]: no roles; contacts[3]: an account that does not exist;
  // contacts[4]: valid, for an account that already existed.
  rv1::Contact roleless = NewContact("roleless");
  roleless.clear_roles();
  *request.add_contacts() = ImportedContact("subsidiary", roleless);
  *request.add_contacts() = ImportedContact("ghost", NewContact("casper"));
  *request.add_contacts() = ImportedContact("existing", NewContact("eve"));
  // financials[3]: a month 13; financials[4]: mixed currencies.
  *request.add_financials() =
      ImportedFact("group", NewFact("2025-13", "EUR", 1, 1, 1));
  rv1::FinancialFact mixed = NewFact("2023", "EUR", 10, 1, 1);
  mixed.mutable_gross_margin()->set_currency_code("USD");
  *request.add_financials() = ImportedFact("group", mixed);

  rv1::ImportRecordsResponse response;
  ASSERT_TRUE(IsOk(client().Import(request, &response)));
  EXPECT_EQ(
      Summaries(response),
      (std::vector<std::string>{
          "accounts[0] CREATED", "accounts[1] CREATED", "accounts[2] FAILED",
          "accounts[3] FAILED", "accounts[4] FAILED", "contacts[0] CREATED",
          "contacts[1] CREATED", "contacts[2] FAILED", "contacts[3] FAILED",
          "contacts[4] CREATED", "financials[0] CREATED",
          "financials[1] CREATED", "financials[2] CREATED",
          "financials[3] FAILED", "financials[4] FAILED"}));
  EXPECT_EQ(response.created(), 8);
  EXPECT_EQ(response.failed(), 7);

  auto result = [&](const std::string& kind,
                    int index) -> const rv1::ImportResult& {
    for (const auto& r : response.results()) {
      if (r.kind() == kind && r.index() == index) return r;
    }
    static const rv1::ImportResult kNone;
    ADD_FAILURE() << "no result for " << kind << "[" << index << "]";
    return kNone;
  };
  auto expect_failed = [&](const std::string& kind, int index, StatusCode code,
                           const std::string& mentions) {
    SCOPED_TRACE(absl::StrCat(kind, "[", index, "]"));
    const rv1::ImportResult& r = result(kind, index);
    EXPECT_EQ(r.outcome(), rv1::ImportResult::FAILED);
    EXPECT_EQ(r.error_code(), static_cast<int>(code))
        << CodeName(static_cast<StatusCode>(r.error_code())) << ": "
        << r.error_message();
    EXPECT_TRUE(absl::StrContains(r.error_message(), mentions))
        << "\"" << r.error_message() << "\" should mention " << mentions;
  };
  expect_failed("accounts", 2, StatusCode::INVALID_ARGUMENT, "display_name");
  expect_failed("accounts", 3, StatusCode::INVALID_ARGUMENT, "account_id");
  expect_failed("accounts", 4, StatusCode::FAILED_PRECONDITION, "");
  expect_failed("contacts", 2, StatusCode::INVALID_ARGUMENT, "roles");
  expect_failed("contacts", 3, StatusCode::NOT_FOUND, "");
  expect_failed("financials", 3, StatusCode::INVALID_ARGUMENT, "period");
  expect_failed("financials", 4, StatusCode::INVALID_ARGUMENT, "");
  EXPECT_EQ(result("accounts", 2).name(), "accounts/nameless");

  // The valid items are there, the failed ones are not.
  EXPECT_TRUE(IsOk(client().GetAccount("accounts/subsidiary", nullptr)));
  EXPECT_TRUE(
      IsOk(client().GetContact(ContactName("existing", "eve"), nullptr)));
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/nameless", nullptr),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/orphan", nullptr),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(
      client().GetContact(ContactName("subsidiary", "roleless"), nullptr),
      StatusCode::NOT_FOUND));
  std::vector<rv1::FinancialFact> facts;
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/group", &facts)));
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].period(), "2024");
  std::vector<rv1::Account> accounts;
  ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &accounts)));
  EXPECT_EQ(accounts.size(), 3u);  // existing, group, subsidiary
}

TEST_F(RegistryImportTest,
       ReimportingIdenticalDataIsUnchangedAndWritesNothing) {
  rv1::ImportRecordsResponse first;
  ASSERT_TRUE(IsOk(client().Import(ValidExport(), &first)));
  ASSERT_EQ(first.failed(), 0);
  const std::string before = Snapshot();

  rv1::ImportRecordsResponse again;
  ASSERT_TRUE(IsOk(client().Import(ValidExport(), &again)));
  for (const auto& r : again.results()) {
    EXPECT_EQ(r.outcome(), rv1::ImportResult::UNCHANGED) << Summary(r);
  }
  EXPECT_EQ(again.unchanged(), 7);
  EXPECT_EQ(again.created() + again.updated() + again.failed(), 0);
  EXPECT_EQ(Snapshot(), before);

  // One changed field is one update; the rest stay unchanged.
  rv1::ImportRecordsRequest changed = ValidExport();
  changed.mutable_accounts(0)->set_display_name("Group Holding plc");
  changed.mutable_financials(2)
      ->mutable_fact()
      ->mutable_revenue()
      ->set_minor_units(121);
  rv1::ImportRecordsResponse third;
  ASSERT_TRUE(IsOk(client().Import(changed, &third)));
  EXPECT_EQ(third.updated(), 2);
  EXPECT_EQ(third.unchanged(), 5);
  EXPECT_EQ(Summary(third.results(0)), "accounts[0] UPDATED");
  EXPECT_EQ(Summary(third.results(6)), "financials[2] UPDATED");
  rv1::Account group;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/group", &group)));
  EXPECT_EQ(group.display_name(), "Group Holding plc");
}

TEST_F(RegistryImportTest, ValidateOnlyReportsButWritesNothing) {
  rv1::ImportRecordsRequest request = ValidExport();
  request.set_validate_only(true);
  rv1::Contact roleless = NewContact("roleless");
  roleless.clear_roles();
  *request.add_contacts() = ImportedContact("subsidiary", roleless);
  const std::string before = Snapshot();

  rv1::ImportRecordsResponse response;
  ASSERT_TRUE(IsOk(client().Import(request, &response)));
  ASSERT_EQ(response.results_size(), 8);
  for (const auto& r : response.results()) {
    if (r.kind() == "contacts" && r.index() == 2) {
      EXPECT_EQ(r.outcome(), rv1::ImportResult::FAILED);
      EXPECT_EQ(r.error_code(), static_cast<int>(StatusCode::INVALID_ARGUMENT));
    } else {
      // What would happen: each of these is new.
      EXPECT_EQ(r.outcome(), rv1::ImportResult::CREATED) << Summary(r);
    }
  }
  EXPECT_EQ(response.failed(), 1);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/group", nullptr),
                      StatusCode::NOT_FOUND));
}

TEST_F(RegistryImportTest, MoreThan5000ItemsIsInvalidArgumentAndWritesNothing) {
  rv1::ImportRecordsRequest request;
  for (int i = 0; i < 5001; ++i) {
    *request.add_accounts() = NewAccount(absl::StrCat("bulk-", i));
  }
  const std::string before = Snapshot();
  rv1::ImportRecordsResponse response;
  EXPECT_TRUE(HasCode(client().Import(request, &response),
                      StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(Snapshot(), before);

  // 5000 across the three lists is still fine.
  request.mutable_accounts()->DeleteSubrange(4998, 3);
  *request.add_contacts() = ImportedContact("bulk-0", NewContact("c"));
  *request.add_financials() =
      ImportedFact("bulk-0", NewFact("2024", "EUR", 1, 1, 1));
  ASSERT_EQ(request.accounts_size() + request.contacts_size() +
                request.financials_size(),
            5000);
  ASSERT_TRUE(IsOk(client().Import(request, &response)));
  EXPECT_EQ(response.created(), 5000);
  EXPECT_EQ(response.failed(), 0);
}

TEST_F(RegistryImportTest, SameRequestIdTwiceWritesOnceAndAnswersTheSame) {
  rv1::ImportRecordsRequest request = ValidExport();
  request.set_request_id("crm-export-2025-06-01");
  rv1::ImportRecordsResponse first;
  ASSERT_TRUE(IsOk(client().Import(request, &first)));
  ASSERT_EQ(first.created(), 7);
  const std::string before = Snapshot();

  rv1::ImportRecordsResponse second;
  ASSERT_TRUE(IsOk(client().Import(request, &second)));
  EXPECT_EQ(second.ShortDebugString(), first.ShortDebugString());
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace kam::registry_test
