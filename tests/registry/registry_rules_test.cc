#include "services/registry/registry_rules.h"

#include <map>

#include "gtest/gtest.h"

namespace kam::registry {
namespace {

using v1::Account;
using v1::Contact;
using v1::FinancialFact;

Account ValidAccount() {
  Account a;
  a.set_account_id("acme");
  a.set_display_name("ACME Industries");
  a.set_country("DK");
  a.set_lifecycle_status(v1::ACTIVE);
  a.add_tags("strategic");
  auto* member = a.add_team();
  member->set_person("eva@supplier.example");
  member->set_role(v1::SALES);
  return a;
}

Contact ValidContact() {
  Contact c;
  c.set_contact_id("jane");
  c.set_display_name("Jane Holm");
  c.add_roles(v1::DECIDER);
  c.set_level(v1::EXECUTIVE);
  c.set_attitude(v1::SUPPORTIVE);
  c.set_influence(5);
  return c;
}

FinancialFact Fact(const std::string& period, const std::string& currency,
                   int64_t revenue, int64_t margin, int64_t cost) {
  FinancialFact f;
  f.set_period(period);
  f.mutable_revenue()->set_currency_code(currency);
  f.mutable_revenue()->set_minor_units(revenue);
  f.mutable_gross_margin()->set_currency_code(currency);
  f.mutable_gross_margin()->set_minor_units(margin);
  f.mutable_cost_to_serve()->set_currency_code(currency);
  f.mutable_cost_to_serve()->set_minor_units(cost);
  return f;
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind(field + ":", 0), 0u)
      << "expected the message to start with " << field << ": "
      << status.message();
}

TEST(ValidateAccountTest, AcceptsAFullAccount) {
  EXPECT_TRUE(ValidateAccount(ValidAccount(), "account").ok());
}

TEST(ValidateAccountTest, NamesTheBrokenField) {
  Account a = ValidAccount();
  a.clear_display_name();
  ExpectInvalid(ValidateAccount(a, "account"), "account.display_name");

  a = ValidAccount();
  a.set_country("dk");
  ExpectInvalid(ValidateAccount(a, "account"), "account.country");

  a = ValidAccount();
  a.add_tags("strategic");
  ExpectInvalid(ValidateAccount(a, "account"), "account.tags[1]");

  a = ValidAccount();
  a.add_tags("Not A Tag");
  ExpectInvalid(ValidateAccount(a, "account"), "account.tags[1]");

  a = ValidAccount();
  a.mutable_team(0)->clear_role();
  ExpectInvalid(ValidateAccount(a, "account"), "account.team[0].role");

  a = ValidAccount();
  a.mutable_potential_revenue()->set_currency_code("EUR");
  a.mutable_potential_revenue()->set_minor_units(-1);
  ExpectInvalid(ValidateAccount(a, "account"),
                "account.potential_revenue.minor_units");

  a = ValidAccount();
  a.mutable_potential_revenue()->set_currency_code("euro");
  ExpectInvalid(ValidateAccount(a, "import[3]"),
                "import[3].potential_revenue.currency_code");
}

TEST(ValidateContactTest, RolesLevelInfluenceEmail) {
  EXPECT_TRUE(ValidateContact(ValidContact(), "contact").ok());

  Contact c = ValidContact();
  c.clear_roles();
  ExpectInvalid(ValidateContact(c, "contact"), "contact.roles");

  c = ValidContact();
  c.add_roles(v1::DECIDER);
  ExpectInvalid(ValidateContact(c, "contact"), "contact.roles[1]");

  c = ValidContact();
  c.clear_level();
  ExpectInvalid(ValidateContact(c, "contact"), "contact.level");

  c = ValidContact();
  c.set_influence(6);
  ExpectInvalid(ValidateContact(c, "contact"), "contact.influence");

  c = ValidContact();
  c.set_email("jane at acme");
  ExpectInvalid(ValidateContact(c, "contact"), "contact.email");
}

TEST(ValidatePeriodTest, YearsQuartersMonths) {
  for (const char* good : {"2025", "2025-Q1", "2025-Q4", "2025-01", "2025-12"}) {
    EXPECT_TRUE(ValidatePeriod(good, "fact.period").ok()) << good;
  }
  for (const char* bad : {"25", "2025-13", "2025-00", "2025-Q5", "2025-Q0",
                          "2025/01", "20251", "1800", "2025-1", "abcd"}) {
    ExpectInvalid(ValidatePeriod(bad, "fact.period"), "fact.period");
  }
}

TEST(PeriodSortKeyTest, OrdersByStartThenLongerFirst) {
  const std::vector<std::string> ordered = {"2024",    "2025",    "2025-Q1",
                                            "2025-01", "2025-03", "2025-Q2",
                                            "2025-04", "2025-Q4", "2025-12"};
  for (size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_LT(PeriodSortKey(ordered[i - 1]), PeriodSortKey(ordered[i]))
        << ordered[i - 1] << " should sort before " << ordered[i];
  }
}

TEST(ValidateFinancialFactTest, OneCurrencyAndSigns) {
  EXPECT_TRUE(ValidateFinancialFact(Fact("2025", "EUR", 100, -5, 3), "fact").ok());
  FinancialFact f = Fact("2025", "EUR", 100, 10, 3);
  f.mutable_gross_margin()->set_currency_code("DKK");
  ExpectInvalid(ValidateFinancialFact(f, "fact"), "fact.gross_margin.currency_code");
  f = Fact("2025", "EUR", -100, 10, 3);
  ExpectInvalid(ValidateFinancialFact(f, "fact"), "fact.revenue.minor_units");
  f = Fact("2025", "EUR", 100, 10, 3);
  f.clear_revenue();
  ExpectInvalid(ValidateFinancialFact(f, "fact"), "fact.revenue");
}

TEST(ValidateMaskTest, KnownMutablePathsOnly) {
  google::protobuf::FieldMask mask;
  ExpectInvalid(ValidateMask(mask, AccountMutablePaths()), "update_mask");
  mask.add_paths("segment");
  EXPECT_TRUE(ValidateMask(mask, AccountMutablePaths()).ok());
  mask.add_paths("account_id");
  ExpectInvalid(ValidateMask(mask, AccountMutablePaths()), "update_mask");
}

TEST(ApplyMaskTest, ReplacesRepeatedFieldsAndLeavesOthers) {
  Account current = ValidAccount();
  Account patch;
  patch.add_tags("growth");
  patch.set_display_name("ignored: not in mask");
  google::protobuf::FieldMask mask;
  mask.add_paths("tags");
  ApplyMask(patch, mask, &current);
  ASSERT_EQ(current.tags_size(), 1);
  EXPECT_EQ(current.tags(0), "growth");
  EXPECT_EQ(current.display_name(), "ACME Industries");
}

TEST(WouldCycleTest, DetectsDirectAndIndirectCycles) {
  // c -> b -> a (a is the root).
  std::map<std::string, std::string> parent = {{"c", "b"}, {"b", "a"}};
  auto parent_of = [&](const std::string& id) {
    auto it = parent.find(id);
    return it == parent.end() ? std::string() : it->second;
  };
  EXPECT_TRUE(WouldCycle("a", "c", parent_of));   // a under c: a->c->b->a
  EXPECT_TRUE(WouldCycle("b", "c", parent_of));
  EXPECT_FALSE(WouldCycle("c", "a", parent_of));  // already so
  EXPECT_FALSE(WouldCycle("d", "c", parent_of));  // a new leaf
}

TEST(RollUpTest, SumsPerPeriodAndCurrencyCountingAccountsOnce) {
  std::vector<FactOfAccount> facts = {
      {"parent", Fact("2024", "EUR", 1000, 300, 50)},
      {"child-a", Fact("2024", "EUR", 500, 100, 20)},
      {"child-b", Fact("2024", "DKK", 7000, 2000, 100)},
      {"child-a", Fact("2025", "EUR", 800, 200, 30)},
  };
  std::vector<v1::FinancialRollup> rollups = RollUp(facts);
  ASSERT_EQ(rollups.size(), 3u);
  // Ordered by period, then currency.
  EXPECT_EQ(rollups[0].period(), "2024");
  EXPECT_EQ(rollups[0].revenue().currency_code(), "DKK");
  EXPECT_EQ(rollups[0].revenue().minor_units(), 7000);
  EXPECT_EQ(rollups[0].accounts_reporting(), 1);
  EXPECT_EQ(rollups[1].period(), "2024");
  EXPECT_EQ(rollups[1].revenue().currency_code(), "EUR");
  EXPECT_EQ(rollups[1].revenue().minor_units(), 1500);
  EXPECT_EQ(rollups[1].gross_margin().minor_units(), 400);
  EXPECT_EQ(rollups[1].cost_to_serve().minor_units(), 70);
  EXPECT_EQ(rollups[1].accounts_reporting(), 2);
  EXPECT_EQ(rollups[2].period(), "2025");
  EXPECT_EQ(rollups[2].revenue().minor_units(), 800);
}

}  // namespace
}  // namespace kam::registry
