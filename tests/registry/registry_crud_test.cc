// Registry integration tests: the standard methods on accounts, contacts and
// financial facts, pagination and filters, etags, idempotent creates and the
// account hierarchy, all through a real kam-registry over gRPC.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;

std::vector<std::string> Ids(const std::vector<rv1::Account>& accounts) {
  std::vector<std::string> ids;
  for (const rv1::Account& account : accounts)
    ids.push_back(account.account_id());
  return ids;
}

std::vector<std::string> Ids(const std::vector<rv1::Contact>& contacts) {
  std::vector<std::string> ids;
  for (const rv1::Contact& contact : contacts)
    ids.push_back(contact.contact_id());
  return ids;
}

bool IdLike(const std::string& id) {
  if (id.empty() || id.size() > 63 || id.front() == '-' || id.back() == '-') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool Later(const google::protobuf::Timestamp& a,
           const google::protobuf::Timestamp& b) {
  return a.seconds() > b.seconds() ||
         (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

rv1::Account FullAccount() {
  rv1::Account account = NewAccount("acme", "Acme Industries A/S");
  account.set_industry("Industrial machinery");
  account.set_segment("Enterprise");
  account.set_country("DK");
  account.set_lifecycle_status(rv1::ACTIVE);
  account.add_tags("nordic");
  account.add_tags("strategic");
  account.set_key_account_manager("kim@supplier.example");
  rv1::TeamMember* member = account.add_team();
  member->set_person("sam@supplier.example");
  member->set_role(rv1::SERVICE);
  *account.mutable_potential_revenue() = Money("EUR", 250000000);
  return account;
}

// --- Accounts ---------------------------------------------------------------

class RegistryAccountCrudTest : public RegistryTest {};

TEST_F(RegistryAccountCrudTest,
       CreateReturnsTheStoredAccountAndGetReadsItBack) {
  const rv1::Account request = FullAccount();
  rv1::Account created;
  ASSERT_TRUE(IsOk(client().CreateAccount(request, &created)));
  EXPECT_EQ(created.name(), "accounts/acme");
  EXPECT_EQ(created.account_id(), "acme");
  EXPECT_EQ(created.display_name(), request.display_name());
  EXPECT_EQ(created.industry(), request.industry());
  EXPECT_EQ(created.segment(), request.segment());
  EXPECT_EQ(created.country(), "DK");
  EXPECT_EQ(created.lifecycle_status(), rv1::ACTIVE);
  EXPECT_EQ(
      std::vector<std::string>(created.tags().begin(), created.tags().end()),
      (std::vector<std::string>{"nordic", "strategic"}));
  EXPECT_EQ(created.key_account_manager(), request.key_account_manager());
  ASSERT_EQ(created.team_size(), 1);
  EXPECT_EQ(created.team(0).person(), "sam@supplier.example");
  EXPECT_EQ(created.team(0).role(), rv1::SERVICE);
  EXPECT_EQ(created.potential_revenue().currency_code(), "EUR");
  EXPECT_EQ(created.potential_revenue().minor_units(), 250000000);
  EXPECT_GT(created.create_time().seconds(), 0);
  EXPECT_GT(created.update_time().seconds(), 0);
  EXPECT_FALSE(created.etag().empty());

  rv1::Account got;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/acme", &got)));
  EXPECT_EQ(got.ShortDebugString(), created.ShortDebugString());
}

TEST_F(RegistryAccountCrudTest, LifecycleDefaultsToProspect) {
  rv1::Account created = MustCreateAccount(NewAccount("beta"));
  EXPECT_EQ(created.lifecycle_status(), rv1::PROSPECT);
}

TEST_F(RegistryAccountCrudTest, EmptyIdIsGenerated) {
  rv1::Account created = MustCreateAccount(NewAccount(""));
  EXPECT_TRUE(IdLike(created.account_id())) << created.account_id();
  EXPECT_EQ(created.name(), "accounts/" + created.account_id());
  EXPECT_TRUE(IsOk(client().GetAccount(created.name(), nullptr)));
  rv1::Account second = MustCreateAccount(NewAccount(""));
  EXPECT_NE(second.account_id(), created.account_id());
}

TEST_F(RegistryAccountCrudTest, DuplicateIdIsAlreadyExistsAndKeepsTheFirst) {
  rv1::Account first = MustCreateAccount(NewAccount("acme", "First"));
  const std::string before = Snapshot();
  EXPECT_TRUE(
      HasCode(client().CreateAccount(NewAccount("acme", "Second"), nullptr),
              StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryAccountCrudTest, MissingAccountIsNotFound) {
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/nope", nullptr),
                      StatusCode::NOT_FOUND));
  rv1::Account update = NewAccount("nope");
  update.set_name("accounts/nope");
  EXPECT_TRUE(HasCode(client().UpdateAccount(update, {"display_name"}, nullptr),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(
      HasCode(client().DeleteAccount("accounts/nope"), StatusCode::NOT_FOUND));
}

TEST_F(RegistryAccountCrudTest, CreateWithMissingParentIsFailedPrecondition) {
  rv1::Account child = NewAccount("child");
  child.set_parent("accounts/ghost");
  const std::string before = Snapshot();
  EXPECT_TRUE(HasCode(client().CreateAccount(child, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryAccountCrudTest, UpdateChangesOnlyTheMaskedFields) {
  const rv1::Account created = MustCreateAccount(FullAccount());
  rv1::Account patch;
  patch.set_name("accounts/acme");
  patch.set_display_name("Acme Group");
  patch.add_tags("gold");
  patch.set_industry("ignored: not in the mask");
  patch.set_segment("ignored too");
  patch.set_country("");  // in the mask: cleared
  rv1::Account updated;
  ASSERT_TRUE(IsOk(client().UpdateAccount(
      patch, {"display_name", "tags", "country"}, &updated)));
  EXPECT_EQ(updated.display_name(), "Acme Group");
  EXPECT_EQ(
      std::vector<std::string>(updated.tags().begin(), updated.tags().end()),
      std::vector<std::string>{"gold"});
  EXPECT_EQ(updated.country(), "");
  EXPECT_EQ(updated.industry(), created.industry());
  EXPECT_EQ(updated.segment(), created.segment());
  EXPECT_EQ(updated.key_account_manager(), created.key_account_manager());
  EXPECT_EQ(updated.potential_revenue().minor_units(),
            created.potential_revenue().minor_units());
  EXPECT_EQ(updated.account_id(), "acme");
  EXPECT_EQ(updated.create_time().ShortDebugString(),
            created.create_time().ShortDebugString());
  EXPECT_FALSE(Later(created.update_time(), updated.update_time()));
  EXPECT_NE(updated.etag(), created.etag());

  rv1::Account got;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/acme", &got)));
  EXPECT_EQ(got.ShortDebugString(), updated.ShortDebugString());
}

TEST_F(RegistryAccountCrudTest, UpdateTeamLifecycleManagerAndPotential) {
  MustCreateAccount(FullAccount());
  rv1::Account patch;
  patch.set_name("accounts/acme");
  patch.set_lifecycle_status(rv1::DORMANT);
  patch.set_key_account_manager("lee@supplier.example");
  rv1::TeamMember* member = patch.add_team();
  member->set_person("pat@supplier.example");
  member->set_role(rv1::EXECUTIVE_SPONSOR);
  *patch.mutable_potential_revenue() = Money("DKK", 1000);
  rv1::Account updated;
  ASSERT_TRUE(IsOk(client().UpdateAccount(
      patch,
      {"lifecycle_status", "key_account_manager", "team", "potential_revenue"},
      &updated)));
  EXPECT_EQ(updated.lifecycle_status(), rv1::DORMANT);
  EXPECT_EQ(updated.key_account_manager(), "lee@supplier.example");
  ASSERT_EQ(updated.team_size(), 1);
  EXPECT_EQ(updated.team(0).person(), "pat@supplier.example");
  EXPECT_EQ(updated.team(0).role(), rv1::EXECUTIVE_SPONSOR);
  EXPECT_EQ(updated.potential_revenue().currency_code(), "DKK");
  EXPECT_EQ(updated.potential_revenue().minor_units(), 1000);
}

TEST_F(RegistryAccountCrudTest, DeleteRemovesTheAccount) {
  MustCreateAccount(NewAccount("acme"));
  ASSERT_TRUE(IsOk(client().DeleteAccount("accounts/acme")));
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/acme", nullptr),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(
      HasCode(client().DeleteAccount("accounts/acme"), StatusCode::NOT_FOUND));
  std::vector<rv1::Account> all;
  ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &all)));
  EXPECT_TRUE(all.empty());
}

TEST_F(RegistryAccountCrudTest,
       DeleteCascadesToContactsAndFinancialsAndCountsThem) {
  MustCreateAccount(NewAccount("acme"));
  MustCreateAccount(NewAccount("other"));
  MustCreateContact("acme", NewContact("jane"));
  MustCreateContact("acme", NewContact("joe"));
  MustCreateContact("other", NewContact("bob"));
  MustRecordFact("acme", NewFact("2024", "EUR", 100, 10, 1));
  MustRecordFact("acme", NewFact("2025-Q1", "EUR", 100, 10, 1));
  MustRecordFact("acme", NewFact("2025-02", "EUR", 100, 10, 1));
  MustRecordFact("other", NewFact("2024", "EUR", 5, 1, 1));

  rv1::DeleteAccountResponse response;
  ASSERT_TRUE(IsOk(client().DeleteAccount("accounts/acme", &response)));
  EXPECT_EQ(response.contacts_deleted(), 2);
  EXPECT_EQ(response.financial_facts_deleted(), 3);
  EXPECT_TRUE(HasCode(client().GetContact(ContactName("acme", "jane"), nullptr),
                      StatusCode::NOT_FOUND));

  // A new account under the same ID starts empty: the children were deleted,
  // not merely hidden behind the missing account.
  MustCreateAccount(NewAccount("acme"));
  rv1::ListContactsRequest contacts_request;
  contacts_request.set_parent("accounts/acme");
  std::vector<rv1::Contact> contacts;
  ASSERT_TRUE(IsOk(client().ListAllContacts(contacts_request, &contacts)));
  EXPECT_TRUE(contacts.empty());
  std::vector<rv1::FinancialFact> facts;
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/acme", &facts)));
  EXPECT_TRUE(facts.empty());

  // The other account is untouched.
  EXPECT_TRUE(IsOk(client().GetContact(ContactName("other", "bob"), nullptr)));
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/other", &facts)));
  EXPECT_EQ(facts.size(), 1u);
}

TEST_F(RegistryAccountCrudTest, DeleteWithChildAccountsIsFailedPrecondition) {
  MustCreateAccount(NewAccount("group"));
  rv1::Account child = NewAccount("subsidiary");
  child.set_parent("accounts/group");
  MustCreateAccount(child);
  MustCreateContact("group", NewContact("jane"));

  const std::string before = Snapshot();
  EXPECT_TRUE(HasCode(client().DeleteAccount("accounts/group"),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(Snapshot(), before);

  ASSERT_TRUE(IsOk(client().DeleteAccount("accounts/subsidiary")));
  EXPECT_TRUE(IsOk(client().DeleteAccount("accounts/group")));
}

// --- Contacts ---------------------------------------------------------------

class RegistryContactCrudTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    MustCreateAccount(NewAccount("acme"));
  }
};

TEST_F(RegistryContactCrudTest, CreateAppliesDefaultsAndGetReadsItBack) {
  rv1::Contact contact =
      NewContact("jane", {rv1::DECIDER, rv1::INFLUENCER}, rv1::EXECUTIVE);
  contact.set_display_name("Jane Jensen");
  contact.set_title("CFO");
  contact.set_email("jane@acme.example");
  rv1::Contact created;
  ASSERT_TRUE(IsOk(client().CreateContact("accounts/acme", contact, &created)));
  EXPECT_EQ(created.name(), "accounts/acme/contacts/jane");
  EXPECT_EQ(created.contact_id(), "jane");
  EXPECT_EQ(created.display_name(), "Jane Jensen");
  EXPECT_EQ(created.title(), "CFO");
  EXPECT_EQ(created.email(), "jane@acme.example");
  ASSERT_EQ(created.roles_size(), 2);
  EXPECT_EQ(created.roles(0), rv1::DECIDER);
  EXPECT_EQ(created.roles(1), rv1::INFLUENCER);
  EXPECT_EQ(created.level(), rv1::EXECUTIVE);
  EXPECT_EQ(created.attitude(), rv1::NEUTRAL);
  EXPECT_EQ(created.influence(), 3);
  EXPECT_GT(created.create_time().seconds(), 0);
  EXPECT_FALSE(created.etag().empty());

  rv1::Contact got;
  ASSERT_TRUE(IsOk(client().GetContact(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), created.ShortDebugString());
}

TEST_F(RegistryContactCrudTest, EmptyIdIsGenerated) {
  rv1::Contact created = MustCreateContact("acme", NewContact(""));
  EXPECT_TRUE(IdLike(created.contact_id())) << created.contact_id();
  EXPECT_EQ(created.name(), ContactName("acme", created.contact_id()));
}

TEST_F(RegistryContactCrudTest, CreateErrors) {
  MustCreateContact("acme", NewContact("jane"));
  const std::string before = Snapshot();
  EXPECT_TRUE(HasCode(
      client().CreateContact("accounts/ghost", NewContact("bob"), nullptr),
      StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(
      client().CreateContact("accounts/acme", NewContact("jane"), nullptr),
      StatusCode::ALREADY_EXISTS));
  rv1::Contact orphan = NewContact("bob");
  orphan.set_reports_to(ContactName("acme", "nobody"));
  EXPECT_TRUE(HasCode(client().CreateContact("accounts/acme", orphan, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(
      HasCode(client().GetContact(ContactName("acme", "nobody"), nullptr),
              StatusCode::NOT_FOUND));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryContactCrudTest, UpdateChangesOnlyTheMaskedFields) {
  rv1::Contact jane = NewContact("jane", {rv1::BUYER}, rv1::MANAGEMENT);
  jane.set_title("Head of purchasing");
  const rv1::Contact created = MustCreateContact("acme", jane);
  MustCreateContact("acme", NewContact("boss", {rv1::DECIDER}, rv1::EXECUTIVE));

  rv1::Contact patch;
  patch.set_name(created.name());
  patch.set_title("Chief procurement officer");
  patch.add_roles(rv1::BUYER);
  patch.add_roles(rv1::DECIDER);
  patch.set_level(rv1::EXECUTIVE);
  patch.set_attitude(rv1::ADVOCATE);
  patch.set_influence(5);
  patch.set_reports_to(ContactName("acme", "boss"));
  patch.set_display_name("ignored: not in the mask");
  rv1::Contact updated;
  ASSERT_TRUE(IsOk(client().UpdateContact(
      patch, {"title", "roles", "level", "attitude", "influence", "reports_to"},
      &updated)));
  EXPECT_EQ(updated.title(), "Chief procurement officer");
  ASSERT_EQ(updated.roles_size(), 2);
  EXPECT_EQ(updated.roles(1), rv1::DECIDER);
  EXPECT_EQ(updated.level(), rv1::EXECUTIVE);
  EXPECT_EQ(updated.attitude(), rv1::ADVOCATE);
  EXPECT_EQ(updated.influence(), 5);
  EXPECT_EQ(updated.reports_to(), ContactName("acme", "boss"));
  EXPECT_EQ(updated.display_name(), created.display_name());
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(updated.create_time().ShortDebugString(),
            created.create_time().ShortDebugString());

  rv1::Contact got;
  ASSERT_TRUE(IsOk(client().GetContact(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), updated.ShortDebugString());
}

TEST_F(RegistryContactCrudTest, ReportingCycleIsFailedPrecondition) {
  MustCreateContact("acme", NewContact("ceo"));
  rv1::Contact cfo = NewContact("cfo");
  cfo.set_reports_to(ContactName("acme", "ceo"));
  MustCreateContact("acme", cfo);
  rv1::Contact clerk = NewContact("clerk");
  clerk.set_reports_to(ContactName("acme", "cfo"));
  MustCreateContact("acme", clerk);

  const std::string before = Snapshot();
  rv1::Contact patch;
  patch.set_name(ContactName("acme", "ceo"));
  patch.set_reports_to(ContactName("acme", "clerk"));
  EXPECT_TRUE(HasCode(client().UpdateContact(patch, {"reports_to"}, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  patch.set_reports_to(ContactName("acme", "ceo"));  // itself
  grpc::Status self = client().UpdateContact(patch, {"reports_to"}, nullptr);
  EXPECT_TRUE(self.error_code() == StatusCode::FAILED_PRECONDITION ||
              self.error_code() == StatusCode::INVALID_ARGUMENT)
      << CodeName(self.error_code()) << ": " << self.error_message();
  patch.set_reports_to(ContactName("acme", "nobody"));
  EXPECT_TRUE(HasCode(client().UpdateContact(patch, {"reports_to"}, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryContactCrudTest, DeleteClearsReportsToOfItsReports) {
  MustCreateContact("acme", NewContact("boss"));
  rv1::Contact report = NewContact("report");
  report.set_reports_to(ContactName("acme", "boss"));
  MustCreateContact("acme", report);

  ASSERT_TRUE(IsOk(client().DeleteContact(ContactName("acme", "boss"))));
  EXPECT_TRUE(HasCode(client().GetContact(ContactName("acme", "boss"), nullptr),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(client().DeleteContact(ContactName("acme", "boss")),
                      StatusCode::NOT_FOUND));
  rv1::Contact got;
  ASSERT_TRUE(IsOk(client().GetContact(ContactName("acme", "report"), &got)));
  EXPECT_EQ(got.reports_to(), "");
}

// --- Financial facts --------------------------------------------------------

class RegistryFinancialFactTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    MustCreateAccount(NewAccount("acme"));
  }
};

TEST_F(RegistryFinancialFactTest, RecordAndListOldestPeriodFirst) {
  rv1::FinancialFact recorded =
      MustRecordFact("acme", NewFact("2025-05", "EUR", 500, 100, 20));
  EXPECT_EQ(recorded.name(), "accounts/acme/financials/2025-05");
  EXPECT_EQ(recorded.period(), "2025-05");
  EXPECT_EQ(recorded.revenue().minor_units(), 500);
  EXPECT_EQ(recorded.gross_margin().minor_units(), 100);
  EXPECT_EQ(recorded.cost_to_serve().minor_units(), 20);
  EXPECT_GT(recorded.update_time().seconds(), 0);
  MustRecordFact("acme", NewFact("2025-Q1", "EUR", 1500, 300, 60));
  MustRecordFact("acme", NewFact("2024", "EUR", 6000, 1200, 240));

  std::vector<rv1::FinancialFact> facts;
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/acme", &facts)));
  std::vector<std::string> periods;
  for (const auto& fact : facts) periods.push_back(fact.period());
  // Q1 2025 (January to March) is older than May 2025 however one counts.
  EXPECT_EQ(periods, (std::vector<std::string>{"2024", "2025-Q1", "2025-05"}));
  EXPECT_EQ(facts.back().ShortDebugString(), recorded.ShortDebugString());
}

TEST_F(RegistryFinancialFactTest, NegativeGrossMarginAndNoCostToServeAreFine) {
  rv1::FinancialFact fact = NewFact("2025", "DKK", 1000, -250, 0);
  fact.clear_cost_to_serve();
  rv1::FinancialFact recorded = MustRecordFact("acme", fact);
  EXPECT_EQ(recorded.gross_margin().minor_units(), -250);
}

TEST_F(RegistryFinancialFactTest,
       RecordingAPeriodAgainReplacesItAndIdenticalIsANoOp) {
  MustRecordFact("acme", NewFact("2025", "EUR", 1000, 200, 50));
  const uint64_t head = MustFeedHead();

  rv1::FinancialFact replaced =
      MustRecordFact("acme", NewFact("2025", "EUR", 1100, 210, 55));
  EXPECT_EQ(replaced.revenue().minor_units(), 1100);
  EXPECT_EQ(MustFeedHead(), head + 1);
  std::vector<rv1::FinancialFact> facts;
  ASSERT_TRUE(IsOk(client().ListFacts("accounts/acme", &facts)));
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].revenue().minor_units(), 1100);
  EXPECT_EQ(facts[0].cost_to_serve().minor_units(), 55);

  // Identical facts: the same answer, no change, no event.
  const std::string before = Snapshot();
  rv1::FinancialFact again =
      MustRecordFact("acme", NewFact("2025", "EUR", 1100, 210, 55));
  EXPECT_EQ(again.revenue().minor_units(), 1100);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryFinancialFactTest, MissingAccountIsNotFound) {
  const std::string before = Snapshot();
  EXPECT_TRUE(HasCode(
      client().RecordFact("accounts/ghost", NewFact("2025", "EUR", 1, 1, 1)),
      StatusCode::NOT_FOUND));
  std::vector<rv1::FinancialFact> facts;
  EXPECT_TRUE(HasCode(client().ListFacts("accounts/ghost", &facts),
                      StatusCode::NOT_FOUND));
  EXPECT_EQ(Snapshot(), before);
}

// --- Pagination and filters -------------------------------------------------

class RegistryListAccountsTest : public RegistryTest {};

TEST_F(RegistryListAccountsTest, PagesCoverEveryAccountOnceInIdOrder) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i)
    expected.push_back(absl::StrFormat("acc-%02d", i));
  // Created out of order: the list order is the ID order, not insertion.
  for (int i = 0; i < 25; ++i) {
    MustCreateAccount(NewAccount(expected[(i * 7) % 25]));
  }

  rv1::ListAccountsRequest request;
  request.set_page_size(10);
  std::vector<std::string> seen;
  std::vector<int> page_sizes;
  for (int page = 0; page < 10; ++page) {
    rv1::ListAccountsResponse response;
    ASSERT_TRUE(IsOk(client().ListAccounts(request, &response)));
    page_sizes.push_back(response.accounts_size());
    for (const auto& account : response.accounts())
      seen.push_back(account.account_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(page_sizes, (std::vector<int>{10, 10, 5}));
  EXPECT_EQ(seen, expected);
}

TEST_F(RegistryListAccountsTest, PageSizeDefaultsAndCaps) {
  for (int i = 0; i < 25; ++i)
    MustCreateAccount(NewAccount(absl::StrCat("a", i)));
  for (int page_size : {0, 1000, 5000}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    rv1::ListAccountsRequest request;
    request.set_page_size(page_size);
    rv1::ListAccountsResponse response;
    ASSERT_TRUE(IsOk(client().ListAccounts(request, &response)));
    EXPECT_EQ(response.accounts_size(), 25);
    EXPECT_EQ(response.next_page_token(), "");
  }
}

TEST_F(RegistryListAccountsTest, BadPageSizeOrTokenIsInvalidArgument) {
  MustCreateAccount(NewAccount("acme"));
  rv1::ListAccountsRequest request;
  rv1::ListAccountsResponse response;
  request.set_page_size(-1);
  EXPECT_TRUE(IsInvalidArgumentFor(client().ListAccounts(request, &response),
                                   "page_size"));
  request.set_page_size(10);
  for (const char* token : {"garbage", "not a token at all!", "AAAA", "%%%"}) {
    SCOPED_TRACE(token);
    request.set_page_token(token);
    EXPECT_TRUE(IsInvalidArgumentFor(client().ListAccounts(request, &response),
                                     "page_token"));
  }
}

TEST_F(RegistryListAccountsTest, EachFilterAndTheirConjunction) {
  rv1::Account a1 = NewAccount("a1");
  a1.set_key_account_manager("alice@supplier.example");
  a1.set_segment("Enterprise");
  a1.add_tags("gold");
  a1.add_tags("nordic");
  a1.set_lifecycle_status(rv1::ACTIVE);
  MustCreateAccount(a1);
  rv1::Account a2 = NewAccount("a2");
  a2.set_key_account_manager("bob@supplier.example");
  a2.set_segment("Enterprise");
  a2.add_tags("gold");
  a2.set_parent("accounts/a1");
  MustCreateAccount(a2);
  rv1::Account a3 = NewAccount("a3");
  a3.set_key_account_manager("alice@supplier.example");
  a3.set_segment("Mid-market");
  a3.add_tags("nordic");
  a3.set_lifecycle_status(rv1::DORMANT);
  a3.set_parent("accounts/a1");
  MustCreateAccount(a3);
  rv1::Account a4 = NewAccount("a4");
  a4.set_lifecycle_status(rv1::CHURNED);
  a4.set_parent("accounts/a3");
  MustCreateAccount(a4);

  struct Case {
    std::string label;
    rv1::ListAccountsRequest request;
    std::vector<std::string> want;
  };
  std::vector<Case> cases;
  auto add = [&](std::string label, std::vector<std::string> want, auto&& set) {
    Case c{std::move(label), {}, std::move(want)};
    set(c.request);
    cases.push_back(std::move(c));
  };
  using R = rv1::ListAccountsRequest;
  add("no filter", {"a1", "a2", "a3", "a4"}, [](R&) {});
  add("kam alice", {"a1", "a3"},
      [](R& r) { r.set_key_account_manager("alice@supplier.example"); });
  add("kam nobody", {}, [](R& r) { r.set_key_account_manager("x@y.example"); });
  add("segment Enterprise", {"a1", "a2"},
      [](R& r) { r.set_segment("Enterprise"); });
  add("parent a1", {"a2", "a3"}, [](R& r) { r.set_parent("accounts/a1"); });
  add("parent a3", {"a4"}, [](R& r) { r.set_parent("accounts/a3"); });
  add("parent a4", {}, [](R& r) { r.set_parent("accounts/a4"); });
  add("tag gold", {"a1", "a2"}, [](R& r) { r.set_tag("gold"); });
  add("tag nordic", {"a1", "a3"}, [](R& r) { r.set_tag("nordic"); });
  add("lifecycle ACTIVE", {"a1"},
      [](R& r) { r.set_lifecycle_status(rv1::ACTIVE); });
  add("lifecycle PROSPECT", {"a2"},
      [](R& r) { r.set_lifecycle_status(rv1::PROSPECT); });
  add("lifecycle DORMANT", {"a3"},
      [](R& r) { r.set_lifecycle_status(rv1::DORMANT); });
  add("lifecycle CHURNED", {"a4"},
      [](R& r) { r.set_lifecycle_status(rv1::CHURNED); });
  add("kam alice AND tag gold", {"a1"}, [](R& r) {
    r.set_key_account_manager("alice@supplier.example");
    r.set_tag("gold");
  });
  add("parent a1 AND segment Mid-market AND DORMANT", {"a3"}, [](R& r) {
    r.set_parent("accounts/a1");
    r.set_segment("Mid-market");
    r.set_lifecycle_status(rv1::DORMANT);
  });
  add("tag nordic, one per page", {"a1", "a3"}, [](R& r) {
    r.set_tag("nordic");
    r.set_page_size(1);
  });

  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    std::vector<rv1::Account> got;
    ASSERT_TRUE(IsOk(client().ListAllAccounts(c.request, &got)));
    EXPECT_EQ(Ids(got), c.want);
  }
}

class RegistryListContactsTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    MustCreateAccount(NewAccount("acme"));
    MustCreateAccount(NewAccount("other"));
    MustCreateContact("acme", NewContact("c1", {rv1::BUYER}, rv1::OPERATIONAL));
    MustCreateContact(
        "acme", NewContact("c2", {rv1::BUYER, rv1::DECIDER}, rv1::EXECUTIVE));
    MustCreateContact("acme", NewContact("c3", {rv1::USER}, rv1::OPERATIONAL));
    MustCreateContact(
        "acme",
        NewContact("c4", {rv1::AMBASSADOR, rv1::INFLUENCER}, rv1::MANAGEMENT));
    MustCreateContact("other",
                      NewContact("c0", {rv1::BUYER}, rv1::OPERATIONAL));
  }

  std::vector<std::string> List(rv1::BuyingRole role, rv1::OrgLevel level,
                                int page_size = 0) {
    rv1::ListContactsRequest request;
    request.set_parent("accounts/acme");
    request.set_role(role);
    request.set_level(level);
    request.set_page_size(page_size);
    std::vector<rv1::Contact> contacts;
    EXPECT_TRUE(IsOk(client().ListAllContacts(request, &contacts)));
    return Ids(contacts);
  }
};

TEST_F(RegistryListContactsTest, FiltersByRoleAndLevel) {
  using V = std::vector<std::string>;
  EXPECT_EQ(List(rv1::BUYING_ROLE_UNSPECIFIED, rv1::ORG_LEVEL_UNSPECIFIED),
            (V{"c1", "c2", "c3", "c4"}));
  EXPECT_EQ(List(rv1::BUYER, rv1::ORG_LEVEL_UNSPECIFIED), (V{"c1", "c2"}));
  EXPECT_EQ(List(rv1::DECIDER, rv1::ORG_LEVEL_UNSPECIFIED), (V{"c2"}));
  EXPECT_EQ(List(rv1::INFLUENCER, rv1::ORG_LEVEL_UNSPECIFIED), (V{"c4"}));
  EXPECT_EQ(List(rv1::BUYING_ROLE_UNSPECIFIED, rv1::OPERATIONAL),
            (V{"c1", "c3"}));
  EXPECT_EQ(List(rv1::BUYING_ROLE_UNSPECIFIED, rv1::EXECUTIVE), (V{"c2"}));
  EXPECT_EQ(List(rv1::BUYER, rv1::EXECUTIVE), (V{"c2"}));
  EXPECT_EQ(List(rv1::USER, rv1::EXECUTIVE), V{});
}

TEST_F(RegistryListContactsTest, PagesCoverEveryContactOnce) {
  for (int i = 0; i < 4; ++i) {
    MustCreateContact("acme", NewContact(absl::StrCat("d", i)));
  }
  rv1::ListContactsRequest request;
  request.set_parent("accounts/acme");
  request.set_page_size(3);
  std::vector<std::string> seen;
  std::vector<int> page_sizes;
  for (int page = 0; page < 10; ++page) {
    rv1::ListContactsResponse response;
    ASSERT_TRUE(IsOk(client().ListContacts(request, &response)));
    page_sizes.push_back(response.contacts_size());
    for (const auto& contact : response.contacts())
      seen.push_back(contact.contact_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(page_sizes, (std::vector<int>{3, 3, 2}));
  EXPECT_EQ(seen, (std::vector<std::string>{"c1", "c2", "c3", "c4", "d0", "d1",
                                            "d2", "d3"}));
  EXPECT_EQ(List(rv1::BUYER, rv1::ORG_LEVEL_UNSPECIFIED, 1),
            (std::vector<std::string>{"c1", "c2", "d0", "d1", "d2", "d3"}));
}

TEST_F(RegistryListContactsTest, ErrorsOfListContacts) {
  rv1::ListContactsRequest request;
  rv1::ListContactsResponse response;
  request.set_parent("accounts/ghost");
  EXPECT_TRUE(HasCode(client().ListContacts(request, &response),
                      StatusCode::NOT_FOUND));
  request.set_parent("accounts/acme");
  request.set_page_size(-5);
  EXPECT_TRUE(IsInvalidArgumentFor(client().ListContacts(request, &response),
                                   "page_size"));
  request.set_page_size(2);
  request.set_page_token("garbage");
  EXPECT_TRUE(IsInvalidArgumentFor(client().ListContacts(request, &response),
                                   "page_token"));
}

// --- Etags ------------------------------------------------------------------

class RegistryEtagTest : public RegistryTest {};

TEST_F(RegistryEtagTest, EveryUpdateChangesTheEtag) {
  std::set<std::string> etags;
  rv1::Account account = MustCreateAccount(NewAccount("acme"));
  etags.insert(account.etag());
  for (int i = 0; i < 3; ++i) {
    rv1::Account patch;
    patch.set_name("accounts/acme");
    patch.set_display_name(absl::StrCat("Acme v", i));
    ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"display_name"}, &account,
                                            account.etag())));
    etags.insert(account.etag());
  }
  EXPECT_EQ(etags.size(), 4u);
}

TEST_F(RegistryEtagTest, StaleEtagAbortsUpdateAndDeleteOfAnAccount) {
  const rv1::Account v1 = MustCreateAccount(NewAccount("acme", "Acme v1"));
  rv1::Account patch;
  patch.set_name("accounts/acme");
  patch.set_display_name("Acme v2");
  rv1::Account v2;
  ASSERT_TRUE(
      IsOk(client().UpdateAccount(patch, {"display_name"}, &v2, v1.etag())));

  const std::string before = Snapshot();
  patch.set_display_name("Acme v3 from a stale read");
  EXPECT_TRUE(HasCode(
      client().UpdateAccount(patch, {"display_name"}, nullptr, v1.etag()),
      StatusCode::ABORTED));
  EXPECT_TRUE(
      HasCode(client().DeleteAccount("accounts/acme", nullptr, v1.etag()),
              StatusCode::ABORTED));
  EXPECT_EQ(Snapshot(), before);
  rv1::Account got;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/acme", &got)));
  EXPECT_EQ(got.display_name(), "Acme v2");
  EXPECT_EQ(got.etag(), v2.etag());

  // Without an etag there is no check; with the current one it passes.
  patch.set_display_name("Acme v3");
  rv1::Account v3;
  ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"display_name"}, &v3)));
  EXPECT_TRUE(
      IsOk(client().DeleteAccount("accounts/acme", nullptr, v3.etag())));
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/acme", nullptr),
                      StatusCode::NOT_FOUND));
}

TEST_F(RegistryEtagTest, StaleEtagAbortsUpdateAndDeleteOfAContact) {
  MustCreateAccount(NewAccount("acme"));
  const rv1::Contact v1 = MustCreateContact("acme", NewContact("jane"));
  rv1::Contact patch;
  patch.set_name(v1.name());
  patch.set_title("Buyer");
  rv1::Contact v2;
  ASSERT_TRUE(IsOk(client().UpdateContact(patch, {"title"}, &v2, v1.etag())));
  EXPECT_NE(v2.etag(), v1.etag());

  const std::string before = Snapshot();
  patch.set_title("Stale");
  EXPECT_TRUE(
      HasCode(client().UpdateContact(patch, {"title"}, nullptr, v1.etag()),
              StatusCode::ABORTED));
  EXPECT_TRUE(HasCode(client().DeleteContact(v1.name(), v1.etag()),
                      StatusCode::ABORTED));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(IsOk(client().DeleteContact(v1.name(), v2.etag())));
}

// --- Idempotent creates -----------------------------------------------------

class RegistryIdempotencyTest : public RegistryTest {};

TEST_F(RegistryIdempotencyTest, RetriedCreateAccountReturnsTheFirstResult) {
  const rv1::Account first =
      MustCreateAccount(NewAccount("acme"), "req-acme-1");
  const uint64_t head = MustFeedHead();
  rv1::Account retry;
  ASSERT_TRUE(
      IsOk(client().CreateAccount(NewAccount("acme"), &retry, "req-acme-1")));
  EXPECT_EQ(retry.ShortDebugString(), first.ShortDebugString());
  EXPECT_EQ(MustFeedHead(), head);
  std::vector<rv1::Account> all;
  ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &all)));
  EXPECT_EQ(Ids(all), std::vector<std::string>{"acme"});
}

TEST_F(RegistryIdempotencyTest, RetriedCreateWithGeneratedIdCreatesOnlyOne) {
  const rv1::Account first = MustCreateAccount(NewAccount(""), "req-gen-1");
  rv1::Account retry;
  ASSERT_TRUE(
      IsOk(client().CreateAccount(NewAccount(""), &retry, "req-gen-1")));
  EXPECT_EQ(retry.name(), first.name());
  EXPECT_EQ(retry.etag(), first.etag());
  EXPECT_EQ(retry.create_time().ShortDebugString(),
            first.create_time().ShortDebugString());
  std::vector<rv1::Account> all;
  ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &all)));
  EXPECT_EQ(all.size(), 1u);
  // A different request ID is a different create.
  rv1::Account other;
  ASSERT_TRUE(
      IsOk(client().CreateAccount(NewAccount(""), &other, "req-gen-2")));
  EXPECT_NE(other.name(), first.name());
}

TEST_F(RegistryIdempotencyTest, RetriedCreateContactReturnsTheFirstResult) {
  MustCreateAccount(NewAccount("acme"));
  rv1::Contact first;
  ASSERT_TRUE(IsOk(client().CreateContact("accounts/acme", NewContact(""),
                                          &first, "req-contact-1")));
  const uint64_t head = MustFeedHead();
  rv1::Contact retry;
  ASSERT_TRUE(IsOk(client().CreateContact("accounts/acme", NewContact(""),
                                          &retry, "req-contact-1")));
  EXPECT_EQ(retry.ShortDebugString(), first.ShortDebugString());
  EXPECT_EQ(MustFeedHead(), head);
  rv1::ListContactsRequest request;
  request.set_parent("accounts/acme");
  std::vector<rv1::Contact> contacts;
  ASSERT_TRUE(IsOk(client().ListAllContacts(request, &contacts)));
  EXPECT_EQ(contacts.size(), 1u);
}

// --- Hierarchy --------------------------------------------------------------

class RegistryHierarchyTest : public RegistryTest {
 protected:
  // group ─┬─ nordics ── denmark
  //        └─ americas
  void SetUp() override {
    RegistryTest::SetUp();
    if (HasFatalFailure()) return;
    MustCreateAccount(NewAccount("group"));
    rv1::Account nordics = NewAccount("nordics");
    nordics.set_parent("accounts/group");
    MustCreateAccount(nordics);
    rv1::Account denmark = NewAccount("denmark");
    denmark.set_parent("accounts/nordics");
    MustCreateAccount(denmark);
    rv1::Account americas = NewAccount("americas");
    americas.set_parent("accounts/group");
    MustCreateAccount(americas);

    MustRecordFact("group", NewFact("2024", "EUR", 1000, 300, 100));
    MustRecordFact("group", NewFact("2025", "EUR", 2000, 500, 200));
    MustRecordFact("nordics", NewFact("2025", "EUR", 700, 100, 50));
    MustRecordFact("nordics", NewFact("2024-Q3", "EUR", 150, 20, 10));
    MustRecordFact("denmark", NewFact("2025", "EUR", 300, -50, 40));
    MustRecordFact("americas", NewFact("2025", "USD", 400, 80, 30));
  }

  static const rv1::AccountHierarchy* Child(const rv1::AccountHierarchy& node,
                                            const std::string& id) {
    for (const auto& child : node.children()) {
      if (child.account().account_id() == id) return &child;
    }
    return nullptr;
  }

  static std::vector<std::string> ChildIds(const rv1::AccountHierarchy& node) {
    std::vector<std::string> ids;
    for (const auto& child : node.children())
      ids.push_back(child.account().account_id());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // "period currency revenue/margin/cost xN" per rollup, in response order.
  static std::vector<std::string> Rollups(const rv1::AccountHierarchy& node) {
    std::vector<std::string> out;
    for (const auto& r : node.rolled_up()) {
      out.push_back(absl::StrCat(
          r.period(), " ", r.revenue().currency_code(), " ",
          r.revenue().minor_units(), "/", r.gross_margin().minor_units(), "/",
          r.cost_to_serve().minor_units(), " x", r.accounts_reporting()));
      EXPECT_EQ(r.gross_margin().currency_code(), r.revenue().currency_code());
      EXPECT_EQ(r.cost_to_serve().currency_code(), r.revenue().currency_code());
    }
    return out;
  }
};

using Strings = std::vector<std::string>;

TEST_F(RegistryHierarchyTest, TreeWithFinancialsRolledUpPerPeriodAndCurrency) {
  rv1::AccountHierarchy root;
  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/group", 0, &root)));
  EXPECT_EQ(root.account().name(), "accounts/group");
  EXPECT_EQ(root.depth(), 0);
  ASSERT_EQ(root.own_financials_size(), 2);
  EXPECT_EQ(root.own_financials(0).period(), "2024");
  EXPECT_EQ(root.own_financials(1).period(), "2025");
  EXPECT_EQ(ChildIds(root), (Strings{"americas", "nordics"}));
  // Ordered by period, then currency.
  EXPECT_EQ(Rollups(root),
            (Strings{"2024 EUR 1000/300/100 x1", "2024-Q3 EUR 150/20/10 x1",
                     "2025 EUR 3000/550/290 x3", "2025 USD 400/80/30 x1"}));

  const rv1::AccountHierarchy* nordics = Child(root, "nordics");
  ASSERT_NE(nordics, nullptr);
  EXPECT_EQ(nordics->depth(), 1);
  EXPECT_EQ(nordics->own_financials_size(), 2);
  EXPECT_EQ(ChildIds(*nordics), Strings{"denmark"});
  EXPECT_EQ(Rollups(*nordics),
            (Strings{"2024-Q3 EUR 150/20/10 x1", "2025 EUR 1000/50/90 x2"}));

  const rv1::AccountHierarchy* denmark = Child(*nordics, "denmark");
  ASSERT_NE(denmark, nullptr);
  EXPECT_EQ(denmark->depth(), 2);
  EXPECT_TRUE(denmark->children().empty());
  EXPECT_EQ(Rollups(*denmark), Strings{"2025 EUR 300/-50/40 x1"});

  const rv1::AccountHierarchy* americas = Child(root, "americas");
  ASSERT_NE(americas, nullptr);
  EXPECT_EQ(Rollups(*americas), Strings{"2025 USD 400/80/30 x1"});

  // A subtree can be read from its own root.
  rv1::AccountHierarchy sub;
  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/nordics", 0, &sub)));
  EXPECT_EQ(sub.depth(), 0);
  EXPECT_EQ(Rollups(sub), Rollups(*nordics));
}

TEST_F(RegistryHierarchyTest, MaxDepthCutsTheTreeButNotTheRollUp) {
  rv1::AccountHierarchy root;
  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/group", 1, &root)));
  EXPECT_EQ(ChildIds(root), (Strings{"americas", "nordics"}));
  const rv1::AccountHierarchy* nordics = Child(root, "nordics");
  ASSERT_NE(nordics, nullptr);
  EXPECT_TRUE(nordics->children().empty());
  EXPECT_EQ(Rollups(*nordics),
            (Strings{"2024-Q3 EUR 150/20/10 x1", "2025 EUR 1000/50/90 x2"}));
  EXPECT_EQ(Rollups(root),
            (Strings{"2024 EUR 1000/300/100 x1", "2024-Q3 EUR 150/20/10 x1",
                     "2025 EUR 3000/550/290 x3", "2025 USD 400/80/30 x1"}));

  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/group", 2, &root)));
  nordics = Child(root, "nordics");
  ASSERT_NE(nordics, nullptr);
  EXPECT_EQ(ChildIds(*nordics), Strings{"denmark"});
}

TEST_F(RegistryHierarchyTest, HierarchyErrors) {
  rv1::AccountHierarchy root;
  EXPECT_TRUE(HasCode(client().GetHierarchy("accounts/ghost", 0, &root),
                      StatusCode::NOT_FOUND));
  EXPECT_TRUE(IsInvalidArgumentFor(
      client().GetHierarchy("accounts/group", 33, &root), "max_depth"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      client().GetHierarchy("accounts/group", -1, &root), "max_depth"));
}

TEST_F(RegistryHierarchyTest, ReparentingByUpdateMovesTheSubtree) {
  rv1::Account patch;
  patch.set_name("accounts/denmark");
  patch.set_parent("accounts/americas");
  rv1::Account moved;
  ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"parent"}, &moved)));
  EXPECT_EQ(moved.parent(), "accounts/americas");

  rv1::ListAccountsRequest children;
  children.set_parent("accounts/americas");
  std::vector<rv1::Account> got;
  ASSERT_TRUE(IsOk(client().ListAllAccounts(children, &got)));
  EXPECT_EQ(Ids(got), Strings{"denmark"});
  children.set_parent("accounts/nordics");
  ASSERT_TRUE(IsOk(client().ListAllAccounts(children, &got)));
  EXPECT_TRUE(got.empty());

  rv1::AccountHierarchy root;
  ASSERT_TRUE(IsOk(client().GetHierarchy("accounts/americas", 0, &root)));
  EXPECT_EQ(Rollups(root),
            (Strings{"2025 EUR 300/-50/40 x1", "2025 USD 400/80/30 x1"}));

  // Making it a root again.
  patch.set_parent("");
  ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"parent"}, &moved)));
  EXPECT_EQ(moved.parent(), "");
  children.set_parent("accounts/americas");
  ASSERT_TRUE(IsOk(client().ListAllAccounts(children, &got)));
  EXPECT_TRUE(got.empty());
}

TEST_F(RegistryHierarchyTest,
       CyclesAndMissingParentsAreRejectedAndChangeNothing) {
  const std::string before = Snapshot();
  rv1::Account patch;
  patch.set_name("accounts/group");
  // group → nordics → denmark; group under denmark would close a loop.
  patch.set_parent("accounts/denmark");
  EXPECT_TRUE(HasCode(client().UpdateAccount(patch, {"parent"}, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  patch.set_parent("accounts/nordics");
  EXPECT_TRUE(HasCode(client().UpdateAccount(patch, {"parent"}, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  patch.set_parent("accounts/ghost");
  EXPECT_TRUE(HasCode(client().UpdateAccount(patch, {"parent"}, nullptr),
                      StatusCode::FAILED_PRECONDITION));
  // Its own parent: a cycle of one (either code is a fair reading).
  patch.set_name("accounts/denmark");
  patch.set_parent("accounts/denmark");
  grpc::Status self = client().UpdateAccount(patch, {"parent"}, nullptr);
  EXPECT_TRUE(self.error_code() == StatusCode::FAILED_PRECONDITION ||
              self.error_code() == StatusCode::INVALID_ARGUMENT)
      << CodeName(self.error_code()) << ": " << self.error_message();
  EXPECT_EQ(Snapshot(), before);

  rv1::Account group;
  ASSERT_TRUE(IsOk(client().GetAccount("accounts/group", &group)));
  EXPECT_EQ(group.parent(), "");
}

TEST_F(RegistryHierarchyTest, CreateCanNameItselfAsParentOnlyByError) {
  rv1::Account self = NewAccount("loop");
  self.set_parent("accounts/loop");
  const std::string before = Snapshot();
  grpc::Status status = client().CreateAccount(self, nullptr);
  EXPECT_TRUE(status.error_code() == StatusCode::FAILED_PRECONDITION ||
              status.error_code() == StatusCode::INVALID_ARGUMENT)
      << CodeName(status.error_code()) << ": " << status.error_message();
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace kam::registry_test
