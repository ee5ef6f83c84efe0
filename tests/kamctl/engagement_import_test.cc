#include "tools/kamctl/engagement_import.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kInteractions[] =
    "account_id,interaction_id,type,occurred_at,participants\n"
    "acme,v1,visit,2026-03-12T10:00:00Z,jo\n"  // line 2
    "acme,c1,call,2026-03-13,\n"               // line 3
    "acme,x1,lunch,2026-03-13,\n"              // line 4: malformed
    "acme,v1,visit,2026-04-12,\n"              // line 5: duplicate
    "acme-de,v1,visit,2026-03-12,\n"           // line 6: other account
    "acme,e1,email,\"2026-03-14\n";            // line 7: broken quote

TEST(PlanInteractionImportTest, KeepsFileOrderAndLineNumbers) {
  auto plan = PlanInteractionImport(kInteractions);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->total_rows, 6);
  ASSERT_THAT(plan->items, SizeIs(3));
  EXPECT_THAT(plan->lines, ElementsAre(2, 3, 6));
  EXPECT_EQ(plan->items[0].request_id(), "csv-acme/v1");
  EXPECT_EQ(plan->items[2].request_id(), "csv-acme-de/v1");
}

TEST(PlanInteractionImportTest, ReportsMalformedAndRepeatedRowsByLine) {
  auto plan = PlanInteractionImport(kInteractions);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->errors, SizeIs(3));
  EXPECT_EQ(plan->errors[0].line, 4);
  EXPECT_THAT(plan->errors[0].message, HasSubstr("column \"type\""));
  EXPECT_EQ(plan->errors[1].line, 5);
  EXPECT_THAT(plan->errors[1].message,
              HasSubstr("interaction \"v1\" of account \"acme\" appears again "
                        "(first on line 2)"));
  EXPECT_EQ(plan->errors[2].line, 7);
  EXPECT_THAT(plan->errors[2].message, HasSubstr("never closed"));
}

TEST(PlanInteractionImportTest, RejectsAFileWhoseHeaderIsWrong) {
  auto unknown = PlanInteractionImport(
      "account_id,interaction_id,type,occurred_at,mood\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(Message(unknown.status()),
              HasSubstr("line 1: header: unknown column \"mood\" (column 5); "
                        "interactions files have the columns account_id, "
                        "interaction_id, type, occurred_at"));
  // Without interaction_id an import could not be run again safely.
  auto no_id = PlanInteractionImport("account_id,type,occurred_at\n");
  ASSERT_FALSE(no_id.ok());
  EXPECT_THAT(Message(no_id.status()),
              HasSubstr("the required column \"interaction_id\" is missing"));
  EXPECT_FALSE(PlanInteractionImport("").ok());
}

TEST(PlanSurveyImportTest, MapsRowsAndFindsRepeatedResponses) {
  auto plan = PlanSurveyImport(
      "account_id,response_id,nps,responded_at\n"
      "acme,r1,9,2026-04-20\n"
      "acme,r2,,2026-04-20\n"  // line 3: neither nps nor csat
      "acme,r1,7,2026-04-21\n"
      "beta,r1,7,2026-04-21\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->total_rows, 4);
  EXPECT_THAT(plan->lines, ElementsAre(2, 5));
  ASSERT_THAT(plan->errors, SizeIs(2));
  EXPECT_EQ(plan->errors[0].line, 3);
  EXPECT_THAT(plan->errors[0].message, HasSubstr("column \"nps\""));
  EXPECT_EQ(plan->errors[1].line, 4);
  EXPECT_THAT(plan->errors[1].message,
              HasSubstr("response \"r1\" of account \"acme\" appears again"));
}

ev1::BatchCreateInteractionsResponse::Result Result(
    int code, bool replayed, const std::string& message) {
  ev1::BatchCreateInteractionsResponse::Result result;
  result.set_code(code);
  result.set_replayed(replayed);
  result.set_message(message);
  return result;
}

TEST(TallyInteractionBatchTest, CountsReplaysAsAlreadyImportedAndFindsLines) {
  auto plan = PlanInteractionImport(kInteractions);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ImportTally tally;
  // The second batch: items 1 and 2 (lines 3 and 6).
  ev1::BatchCreateInteractionsResponse response;
  *response.add_results() = Result(0, /*replayed=*/true, "");
  *response.add_results() =
      Result(9, false, "accounts/acme-de is unknown to engagement");
  ASSERT_TRUE(TallyInteractionBatch(*plan, 1, 3, response, &tally).ok());
  ev1::BatchCreateInteractionsResponse first;
  *first.add_results() = Result(0, false, "");
  ASSERT_TRUE(TallyInteractionBatch(*plan, 0, 1, first, &tally).ok());

  EXPECT_EQ(tally.created, 1);
  EXPECT_EQ(tally.already_imported, 1);
  EXPECT_EQ(tally.failed, 1);
  ASSERT_THAT(tally.failures, SizeIs(1));
  EXPECT_EQ(tally.failures[0].line, 6);
  EXPECT_EQ(tally.failures[0].name, "accounts/acme-de/interactions/v1");
  EXPECT_EQ(tally.failures[0].code, 9);  // FAILED_PRECONDITION
  EXPECT_THAT(tally.failures[0].message, HasSubstr("unknown to engagement"));
}

TEST(TallyInteractionBatchTest, RefusesAResponseThatDoesNotMatchTheBatch) {
  auto plan = PlanInteractionImport(kInteractions);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ImportTally tally;
  ev1::BatchCreateInteractionsResponse response;
  *response.add_results() = Result(0, false, "");
  absl::Status status = TallyInteractionBatch(*plan, 0, 3, response, &tally);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(Message(status), HasSubstr("1 results for a batch of 3"));
  EXPECT_EQ(tally.created, 0);
}

}  // namespace
}  // namespace kam::kamctl
