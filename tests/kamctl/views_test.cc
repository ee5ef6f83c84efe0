#include "tools/kamctl/views.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/kamctl/table.h"

namespace kam::kamctl {
namespace {

using ::testing::HasSubstr;

TEST(TableTest, AlignsColumnsByCodePointsAndMarksEmptyCells) {
  Table table({"ID", "NAME", "REVENUE"});
  table.AlignRight(2);
  table.AddRow({"orsted", "Ørsted", "1,000.00 EUR"});
  table.AddRow({"acme", "", "5.00 EUR"});
  EXPECT_EQ(Render(table),
            "ID      NAME         REVENUE\n"
            "orsted  Ørsted  1,000.00 EUR\n"
            "acme    -           5.00 EUR\n");
}

v1::FinancialRollup Rollup(const std::string& period, int64_t revenue,
                           int64_t margin) {
  v1::FinancialRollup rollup;
  rollup.set_period(period);
  rollup.mutable_revenue()->set_currency_code("EUR");
  rollup.mutable_revenue()->set_minor_units(revenue);
  rollup.mutable_gross_margin()->set_currency_code("EUR");
  rollup.mutable_gross_margin()->set_minor_units(margin);
  return rollup;
}

v1::AccountHierarchy Node(const std::string& id, int64_t revenue_2025) {
  v1::AccountHierarchy node;
  node.mutable_account()->set_account_id(id);
  node.mutable_account()->set_display_name("Name of " + id);
  node.mutable_account()->set_lifecycle_status(v1::ACTIVE);
  *node.add_rolled_up() = Rollup("2024", 1, 1);
  *node.add_rolled_up() = Rollup("2025", revenue_2025, revenue_2025 / 4);
  return node;
}

TEST(HierarchyTableTest, DrawsTheTreeWithTheLatestRollUp) {
  v1::AccountHierarchy root = Node("group", 100000);
  v1::AccountHierarchy de = Node("group-de", 60000);
  *de.add_children() = Node("group-de-hh", 10000);
  *root.add_children() = de;
  *root.add_children() = Node("group-pl", 40000);
  ASSERT_EQ(LatestPeriod(root), "2025");
  const std::string text = Render(HierarchyTable(root, LatestPeriod(root)));
  EXPECT_THAT(text, HasSubstr("REVENUE 2025"));
  EXPECT_THAT(text, HasSubstr("\ngroup              Name of group "));
  EXPECT_THAT(text, HasSubstr("\n├─ group-de        Name of group-de "));
  EXPECT_THAT(text, HasSubstr("\n│  └─ group-de-hh  Name of group-de-hh "));
  EXPECT_THAT(text, HasSubstr("\n└─ group-pl        Name of group-pl "));
  EXPECT_THAT(text, HasSubstr("1,000.00 EUR"));  // the root's 2025 revenue
  EXPECT_THAT(text, HasSubstr("25.0%"));
}

v1::Contact Person(const std::string& id, const std::string& boss) {
  v1::Contact contact;
  contact.set_contact_id(id);
  contact.set_display_name(id);
  contact.add_roles(v1::DECIDER);
  contact.add_roles(v1::BUYER);
  contact.set_level(v1::EXECUTIVE);
  if (!boss.empty()) contact.set_reports_to("accounts/a/contacts/" + boss);
  return contact;
}

TEST(OrgChartTableTest, NestsContactsUnderWhomTheyReportTo) {
  google::protobuf::RepeatedPtrField<v1::Contact> contacts;
  *contacts.Add() = Person("buyer", "cpo");
  *contacts.Add() = Person("ceo", "");
  *contacts.Add() = Person("cpo", "ceo");
  *contacts.Add() = Person("cto", "ceo");
  *contacts.Add() = Person("lost", "gone");  // manager not in the list
  const std::string text = Render(OrgChartTable(contacts));
  EXPECT_THAT(text, HasSubstr("\nceo  "));
  EXPECT_THAT(text, HasSubstr("\n├─ cpo  "));
  EXPECT_THAT(text, HasSubstr("\n│  └─ buyer  "));
  EXPECT_THAT(text, HasSubstr("\n└─ cto  "));
  EXPECT_THAT(text, HasSubstr("\nlost  "));
  EXPECT_THAT(text, HasSubstr("decider,buyer  executive"));
}

TEST(FinancialsTableTest, ShowsMarginPercentAndContribution) {
  google::protobuf::RepeatedPtrField<v1::FinancialFact> facts;
  v1::FinancialFact& fact = *facts.Add();
  fact.set_period("2025");
  fact.mutable_revenue()->set_currency_code("EUR");
  fact.mutable_revenue()->set_minor_units(100000000);
  fact.mutable_gross_margin()->set_currency_code("EUR");
  fact.mutable_gross_margin()->set_minor_units(8000000);
  fact.mutable_cost_to_serve()->set_currency_code("EUR");
  fact.mutable_cost_to_serve()->set_minor_units(9000000);
  const std::string text = Render(FinancialsTable(facts));
  EXPECT_THAT(text, HasSubstr("1,000,000.00 EUR"));
  EXPECT_THAT(text, HasSubstr("8.0%"));
  EXPECT_THAT(text, HasSubstr("-10,000.00 EUR"));  // serving it costs money
}

}  // namespace
}  // namespace kam::kamctl
