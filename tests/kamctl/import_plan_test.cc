#include "tools/kamctl/import_plan.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kAccounts[] =
    "account_id,display_name,parent_id\n"
    "nordwind-hh,Nordwind Hamburg,nordwind-de\n"  // line 2: grandchild first
    "nordwind-de,Nordwind DE,nordwind\n"          // line 3
    "acme,Acme,\n"                                // line 4
    "nordwind,Nordwind AG,\n"                     // line 5
    "bad id,Broken,\n"                            // line 6: malformed
    "acme,Acme again,\n";                         // line 7: duplicate

TEST(PlanImportTest, PutsParentsBeforeChildrenAndKeepsLineNumbers) {
  auto plan = PlanImport(ImportKind::kAccounts, kAccounts);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->accounts, SizeIs(4));
  std::vector<std::string> ids;
  for (const auto& account : plan->accounts)
    ids.push_back(account.account_id());
  EXPECT_THAT(ids,
              ElementsAre("nordwind", "nordwind-de", "nordwind-hh", "acme"));
  EXPECT_THAT(plan->lines, ElementsAre(5, 3, 2, 4));
  EXPECT_EQ(plan->total_rows, 6);
}

TEST(PlanImportTest, ReportsMalformedAndDuplicateRowsByLineAndLeavesThemOut) {
  auto plan = PlanImport(ImportKind::kAccounts, kAccounts);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->errors, SizeIs(2));
  EXPECT_EQ(plan->errors[0].line, 6);
  EXPECT_THAT(plan->errors[0].message, HasSubstr("column \"account_id\""));
  EXPECT_EQ(plan->errors[1].line, 7);
  EXPECT_THAT(plan->errors[1].message,
              HasSubstr("account \"acme\" appears again (first on line 4)"));
}

TEST(PlanImportTest, OrdersContactsManagersFirstWithinTheirAccount) {
  auto plan = PlanImport(
      ImportKind::kContacts,
      "account_id,contact_id,display_name,roles,level,reports_to\n"
      "a,buyer1,B,buyer,operational,cpo\n"
      "b,cpo,Other CPO,decider,executive,\n"  // same ID, other account
      "a,cpo,CPO,decider,executive,ceo\n"
      "a,ceo,CEO,decider,executive,\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> names;
  for (const auto& item : plan->contacts) {
    names.push_back(item.parent() + "/" + item.contact().contact_id());
  }
  EXPECT_THAT(names, ElementsAre("accounts/a/ceo", "accounts/a/cpo",
                                 "accounts/a/buyer1", "accounts/b/cpo"));
  EXPECT_THAT(plan->lines, ElementsAre(5, 4, 2, 3));
  EXPECT_TRUE(plan->errors.empty());
}

TEST(PlanImportTest, ReportingCycleStillSendsEveryRowOnce) {
  auto plan =
      PlanImport(ImportKind::kContacts,
                 "account_id,contact_id,display_name,roles,level,reports_to\n"
                 "a,x,X,buyer,operational,y\n"
                 "a,y,Y,buyer,operational,x\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->contacts, SizeIs(2));  // the server rejects the cycle
}

TEST(PlanImportTest, RejectsAFileWithABadHeaderAsAWhole) {
  auto plan = PlanImport(ImportKind::kFinancials,
                         "account_id,period,currency,revenue,margin\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(Message(plan.status()),
              HasSubstr("line 1: header: unknown column \"margin\""));
}

TEST(PlanImportTest, DuplicatePeriodOfAnAccountIsReported) {
  auto plan = PlanImport(ImportKind::kFinancials,
                         "account_id,period,currency,revenue,gross_margin\n"
                         "acme,2024,EUR,100,10\n"
                         "acme,2025,EUR,100,10\n"
                         "acme,2024,EUR,200,20\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->financials, SizeIs(2));
  ASSERT_THAT(plan->errors, SizeIs(1));
  EXPECT_EQ(plan->errors[0].line, 4);
  EXPECT_THAT(plan->errors[0].message, HasSubstr("first on line 2"));
}

TEST(BatchRequestTest, SlicesThePlanAndKeysEachBatchOfARun) {
  auto plan = PlanImport(ImportKind::kAccounts, kAccounts);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string run = NewImportRunId();
  v1::ImportRecordsRequest second = BatchRequest(*plan, 2, 4, run, 1, false);
  ASSERT_EQ(second.accounts_size(), 2);
  EXPECT_EQ(second.accounts(0).account_id(), "nordwind-hh");
  EXPECT_EQ(second.accounts(1).account_id(), "acme");
  EXPECT_FALSE(second.validate_only());
  // A retry of the batch in this run sends the same key...
  EXPECT_EQ(BatchRequest(*plan, 2, 4, run, 1, false).request_id(),
            second.request_id());
  // ...another batch, another run, or a dry run does not.
  EXPECT_NE(BatchRequestId(run, ImportKind::kAccounts, 0, false),
            second.request_id());
  EXPECT_NE(BatchRequestId(NewImportRunId(), ImportKind::kAccounts, 1, false),
            second.request_id());
  EXPECT_NE(BatchRequestId(run, ImportKind::kAccounts, 1, true),
            second.request_id());
  EXPECT_TRUE(BatchRequest(*plan, 0, 2, run, 0, true).validate_only());
  EXPECT_LE(BatchRequestId(run, ImportKind::kFinancials, 999999, true).size(),
            128u);
}

}  // namespace
}  // namespace kam::kamctl
