#include "tools/kamctl/records.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"
#include "tools/kamctl/csv.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A header and one data row, parsed and bound as an import file of `kind`.
struct Row {
  CsvColumns columns;
  CsvRecord record;
};

Row Parse(ImportKind kind, const std::string& csv) {
  auto doc = ParseCsv(csv);
  EXPECT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->errors.empty()) << doc->errors[0].message;
  auto columns = CsvColumns::Bind(kind, doc->header);
  EXPECT_TRUE(columns.ok()) << columns.status();
  return Row{*std::move(columns), doc->records.at(0)};
}

absl::Status AccountError(const std::string& header, const std::string& row) {
  Row r = Parse(ImportKind::kAccounts, header + "\n" + row + "\n");
  return AccountFromCsv(r.columns, r.record).status();
}

absl::Status ContactError(const std::string& header, const std::string& row) {
  Row r = Parse(ImportKind::kContacts, header + "\n" + row + "\n");
  return ContactFromCsv(r.columns, r.record).status();
}

absl::Status FinancialError(const std::string& header, const std::string& row) {
  Row r = Parse(ImportKind::kFinancials, header + "\n" + row + "\n");
  return FinancialFactFromCsv(r.columns, r.record).status();
}

TEST(EnumTest, ParsesNamesIgnoringCaseAndDashes) {
  EXPECT_EQ(*ParseLifecycleStatus("active"), v1::ACTIVE);
  EXPECT_EQ(*ParseLifecycleStatus(" Churned "), v1::CHURNED);
  EXPECT_EQ(*ParseTeamRole("executive-sponsor"), v1::EXECUTIVE_SPONSOR);
  EXPECT_EQ(*ParseBuyingRole("AMBASSADOR"), v1::AMBASSADOR);
  EXPECT_EQ(*ParseOrgLevel("management"), v1::MANAGEMENT);
  EXPECT_EQ(*ParseAttitude("skeptical"), v1::SKEPTICAL);
  EXPECT_EQ(LifecycleStatusName(v1::DORMANT), "dormant");
  EXPECT_EQ(TeamRoleName(v1::EXECUTIVE_SPONSOR), "executive_sponsor");
  EXPECT_EQ(BuyingRoleName(v1::BUYING_ROLE_UNSPECIFIED), "");
}

TEST(EnumTest, RejectsUnknownAndUnspecifiedListingTheChoices) {
  auto status = ParseLifecycleStatus("lifecycle_status_unspecified").status();
  EXPECT_THAT(Message(status),
              HasSubstr("must be one of prospect, active, dormant, churned"));
  EXPECT_FALSE(ParseBuyingRole("gatekeeper").ok());
  EXPECT_FALSE(ParseOrgLevel("").ok());
}

TEST(IdTest, FollowsTheRegistryRule) {
  EXPECT_TRUE(IsValidId("acme"));
  EXPECT_TRUE(IsValidId("9lives-a-s"));
  EXPECT_TRUE(IsValidId(std::string(63, 'a')));
  EXPECT_FALSE(IsValidId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("-acme"));
  EXPECT_FALSE(IsValidId("acme-"));
  EXPECT_FALSE(IsValidId("Acme"));
  EXPECT_FALSE(IsValidId("acme_gmbh"));
  EXPECT_FALSE(IsValidId("acme/x"));
}

TEST(ListTest, SplitsTrimsAndDropsEmptyItems) {
  EXPECT_THAT(SplitList(" a; b ;;", ';'), ElementsAre("a", "b"));
  EXPECT_TRUE(SplitList("", ',').empty());
  auto team = ParseTeam("ann@x.com:sales, bo@x.com : executive_sponsor", ',');
  ASSERT_TRUE(team.ok()) << team.status();
  ASSERT_EQ(team->size(), 2u);
  EXPECT_EQ((*team)[1].person(), "bo@x.com");
  EXPECT_EQ((*team)[1].role(), v1::EXECUTIVE_SPONSOR);
  EXPECT_THAT(Message(ParseTeam("ann@x.com", ',').status()),
              HasSubstr("must be person:role"));
  EXPECT_THAT(Message(ParseTeam("ann@x.com:boss", ',').status()),
              HasSubstr("role must be one of executive_sponsor"));
  EXPECT_THAT(Message(ParseBuyingRoles(" ; ", ';').status()),
              HasSubstr("at least one role"));
  EXPECT_FALSE(ParseInfluence("6").ok());
  EXPECT_FALSE(ParseInfluence("2.5").ok());
  EXPECT_EQ(*ParseInfluence("5"), 5);
}

TEST(CsvColumnsTest, MatchesHeaderNamesInAnyOrderAndCase) {
  auto columns = CsvColumns::Bind(ImportKind::kAccounts,
                                  {" Display_Name ", "account_id", "country"});
  ASSERT_TRUE(columns.ok()) << columns.status();
  EXPECT_TRUE(columns->Has("display_name"));
  EXPECT_FALSE(columns->Has("segment"));
  CsvRecord record{2, {" Acme ", "acme", "DK"}};
  EXPECT_EQ(columns->Get(record, "display_name"), "Acme");
  EXPECT_EQ(columns->Get(record, "segment"), "");
}

TEST(CsvColumnsTest, NamesAnUnknownColumn) {
  auto columns = CsvColumns::Bind(ImportKind::kAccounts,
                                  {"account_id", "display_name", "revenue"});
  ASSERT_FALSE(columns.ok());
  EXPECT_THAT(Message(columns.status()),
              HasSubstr("unknown column \"revenue\" (column 3)"));
  EXPECT_THAT(Message(columns.status()), HasSubstr("account_id, display_name"));
}

TEST(CsvColumnsTest, NamesAMissingRequiredOrRepeatedColumn) {
  EXPECT_THAT(
      Message(CsvColumns::Bind(ImportKind::kAccounts, {"account_id"}).status()),
      HasSubstr("required column \"display_name\" is missing"));
  EXPECT_THAT(
      Message(CsvColumns::Bind(ImportKind::kFinancials,
                               {"account_id", "period", "currency", "revenue"})
                  .status()),
      HasSubstr("\"gross_margin\" is missing"));
  EXPECT_THAT(
      Message(CsvColumns::Bind(ImportKind::kContacts,
                               {"account_id", "contact_id", "display_name",
                                "roles", "level", "ROLES"})
                  .status()),
      HasSubstr("\"roles\" appears more than once"));
}

TEST(AccountFromCsvTest, MapsEveryColumn) {
  Row r =
      Parse(ImportKind::kAccounts,
            "account_id,display_name,industry,segment,country,status,tags,"
            "parent_id,key_account_manager,team,potential_revenue,currency\n"
            "nordwind-de,\"Nordwind Deutschland GmbH\",Wind energy,"
            "Enterprise,DE,active,wind;strategic,nordwind,"
            "anna@supplier.example,\"ben@supplier.example:service;"
            "cleo@supplier.example:technical\",2500000.50,EUR\n");
  auto account = AccountFromCsv(r.columns, r.record);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->account_id(), "nordwind-de");
  EXPECT_EQ(account->display_name(), "Nordwind Deutschland GmbH");
  EXPECT_EQ(account->industry(), "Wind energy");
  EXPECT_EQ(account->segment(), "Enterprise");
  EXPECT_EQ(account->country(), "DE");
  EXPECT_EQ(account->lifecycle_status(), v1::ACTIVE);
  EXPECT_THAT(account->tags(), ElementsAre("wind", "strategic"));
  EXPECT_EQ(account->parent(), "accounts/nordwind");
  EXPECT_EQ(account->key_account_manager(), "anna@supplier.example");
  ASSERT_EQ(account->team_size(), 2);
  EXPECT_EQ(account->team(1).person(), "cleo@supplier.example");
  EXPECT_EQ(account->team(1).role(), v1::TECHNICAL);
  EXPECT_EQ(account->potential_revenue().currency_code(), "EUR");
  EXPECT_EQ(account->potential_revenue().minor_units(), 250000050);
}

TEST(AccountFromCsvTest, LeavesOptionalColumnsUnset) {
  Row r = Parse(ImportKind::kAccounts,
                "account_id,display_name,potential_revenue,currency\n"
                "acme,Acme,,\n");
  auto account = AccountFromCsv(r.columns, r.record);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_FALSE(account->has_potential_revenue());
  EXPECT_EQ(account->lifecycle_status(), v1::LIFECYCLE_STATUS_UNSPECIFIED);
  EXPECT_EQ(account->parent(), "");
}

TEST(AccountFromCsvTest, ErrorsNameTheColumn) {
  const std::string header =
      "account_id,display_name,status,tags,parent_id,team,potential_revenue,"
      "currency";
  EXPECT_THAT(Message(AccountError(header, "Acme,Acme,,,,,,")),
              StartsWith("column \"account_id\": must be 1-63 characters"));
  EXPECT_THAT(Message(AccountError(header, "acme,,,,,,,")),
              StartsWith("column \"display_name\": required"));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,lost,,,,,")),
              StartsWith("column \"status\": must be one of prospect"));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,,Big Fish,,,,")),
              StartsWith("column \"tags\": each tag must be"));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,,,ACME HQ,,,")),
              StartsWith("column \"parent_id\""));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,,,,ann:boss,,")),
              StartsWith("column \"team\": team member \"ann:boss\""));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,,,,,1.234,EUR")),
              StartsWith("column \"potential_revenue\": must be a decimal"));
  EXPECT_THAT(
      Message(AccountError(header, "acme,Acme,,,,,1000,")),
      StartsWith("column \"currency\": required when potential_revenue"));
  EXPECT_THAT(Message(AccountError(header, "acme,Acme,,,,,1000,EU")),
              StartsWith("column \"currency\": currency must be an ISO 4217"));
}

TEST(ContactFromCsvTest, MapsEveryColumn) {
  Row r = Parse(ImportKind::kContacts,
                "account_id,contact_id,display_name,title,email,roles,level,"
                "attitude,influence,reports_to\n"
                "nordwind,jens-berg,Jens Berg,Head of Purchasing,"
                "jens.berg@nordwind.example,buyer;decider,management,"
                "supportive,4,karin-holm\n");
  auto item = ContactFromCsv(r.columns, r.record);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->parent(), "accounts/nordwind");
  const v1::Contact& c = item->contact();
  EXPECT_EQ(c.contact_id(), "jens-berg");
  EXPECT_EQ(c.display_name(), "Jens Berg");
  EXPECT_EQ(c.title(), "Head of Purchasing");
  EXPECT_EQ(c.email(), "jens.berg@nordwind.example");
  EXPECT_THAT(c.roles(), ElementsAre(v1::BUYER, v1::DECIDER));
  EXPECT_EQ(c.level(), v1::MANAGEMENT);
  EXPECT_EQ(c.attitude(), v1::SUPPORTIVE);
  EXPECT_EQ(c.influence(), 4);
  EXPECT_EQ(c.reports_to(), "accounts/nordwind/contacts/karin-holm");
}

TEST(ContactFromCsvTest, ErrorsNameTheColumn) {
  const std::string header =
      "account_id,contact_id,display_name,roles,level,attitude,influence,"
      "reports_to";
  EXPECT_THAT(Message(ContactError(header, "acme,,Jo,buyer,executive,,,")),
              StartsWith("column \"contact_id\": required"));
  EXPECT_THAT(Message(ContactError(header, "acme,jo,Jo,,executive,,,")),
              StartsWith("column \"roles\": at least one role"));
  EXPECT_THAT(
      Message(ContactError(header, "acme,jo,Jo,buyer;boss,executive,,,")),
      StartsWith("column \"roles\": must be one of buyer, user"));
  EXPECT_THAT(Message(ContactError(header, "acme,jo,Jo,buyer,,,,")),
              StartsWith("column \"level\": required"));
  EXPECT_THAT(Message(ContactError(header, "acme,jo,Jo,buyer,ceo,,,")),
              StartsWith("column \"level\": must be one of operational"));
  EXPECT_THAT(
      Message(ContactError(header, "acme,jo,Jo,buyer,executive,angry,,")),
      StartsWith("column \"attitude\""));
  EXPECT_THAT(
      Message(ContactError(header, "acme,jo,Jo,buyer,executive,,high,")),
      StartsWith("column \"influence\": must be a whole number"));
  EXPECT_THAT(Message(ContactError(header, "acme,jo,Jo,buyer,executive,,,jo")),
              StartsWith("column \"reports_to\": a contact cannot report"));
}

TEST(FinancialFactFromCsvTest, MapsAmountsExactlyWithNegativeMargin) {
  Row r =
      Parse(ImportKind::kFinancials,
            "account_id,period,currency,revenue,gross_margin,cost_to_serve\n"
            "acme,2024,EUR,1250000.10,-35000.5,\n");
  auto item = FinancialFactFromCsv(r.columns, r.record);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->parent(), "accounts/acme");
  EXPECT_EQ(item->fact().period(), "2024");
  EXPECT_EQ(item->fact().revenue().minor_units(), 125000010);
  EXPECT_EQ(item->fact().revenue().currency_code(), "EUR");
  EXPECT_EQ(item->fact().gross_margin().minor_units(), -3500050);
  EXPECT_EQ(item->fact().gross_margin().currency_code(), "EUR");
  EXPECT_FALSE(item->fact().has_cost_to_serve());
}

TEST(FinancialFactFromCsvTest, ErrorsNameTheColumn) {
  const std::string header =
      "account_id,period,currency,revenue,gross_margin,cost_to_serve";
  EXPECT_THAT(Message(FinancialError(header, "acme,2024,EUR,1.234,1,")),
              StartsWith("column \"revenue\": must be a decimal amount"));
  EXPECT_THAT(Message(FinancialError(header, "acme,2024,EUR,100,abc,")),
              StartsWith("column \"gross_margin\": must be a decimal amount"));
  EXPECT_THAT(Message(FinancialError(header, "acme,2024,EUR,100,10,1e3")),
              StartsWith("column \"cost_to_serve\""));
  EXPECT_THAT(Message(FinancialError(header, "acme,2024,,100,10,")),
              StartsWith("column \"currency\": required"));
  EXPECT_THAT(Message(FinancialError(header, "acme,,EUR,100,10,")),
              StartsWith("column \"period\": required"));
  EXPECT_THAT(Message(FinancialError(header, "acme,2024,EUR,,10,")),
              StartsWith("column \"revenue\": required"));
}

}  // namespace
}  // namespace kam::kamctl
