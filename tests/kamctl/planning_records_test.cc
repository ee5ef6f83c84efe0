// What kamctl's planning commands read without a server: horizons and
// statuses as typed, PLAN arguments, participants, update masks, plan files,
// the flags of `plans create` and `plans update`, measurements of an
// objective, and the file `plans export` writes to.

#include "tools/kamctl/planning_records.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"
#include "tools/kamctl/engagement_records.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(PlanEnumsTest, ReadTheValuesAsTypedAndNameThemBack) {
  EXPECT_EQ(*ParsePlanHorizon("operational"), pv1::OPERATIONAL);
  EXPECT_EQ(*ParsePlanHorizon(" Strategic "), pv1::STRATEGIC);
  EXPECT_EQ(*ParsePlanStatus("under-review"), pv1::UNDER_REVIEW);
  EXPECT_EQ(*ParseActionStatus("in_progress"), pv1::IN_PROGRESS);
  EXPECT_EQ(*ParseActionStatus("DONE"), pv1::DONE);
  auto wrong = ParsePlanHorizon("yearly");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(Message(wrong.status()),
            "must be one of strategic, tactical, operational, got \"yearly\"");
  EXPECT_FALSE(ParsePlanStatus("plan_status_unspecified").ok());
  EXPECT_THAT(Message(ParseActionStatus("finished").status()),
              HasSubstr("open, in_progress, done, cancelled"));

  EXPECT_EQ(PlanHorizonName(pv1::TACTICAL), "tactical");
  EXPECT_EQ(PlanStatusName(pv1::UNDER_REVIEW), "under_review");
  EXPECT_EQ(ObjectiveMetricName(pv1::SHARE_OF_WALLET), "share_of_wallet");
  EXPECT_EQ(ObjectiveStatusName(pv1::OFF_TRACK), "off_track");
  EXPECT_EQ(ChangeKindName(pv1::PROGRESS_RECORDED), "progress_recorded");
  EXPECT_EQ(ActionStatusName(pv1::ACTION_STATUS_UNSPECIFIED), "");
}

TEST(PlanNameFromArgTest, TakesTheShortFormAndTheFullName) {
  EXPECT_EQ(*PlanNameFromArg("vestwind/operational-2027"),
            "accounts/vestwind/plans/operational-2027");
  EXPECT_EQ(*PlanNameFromArg("accounts/vestwind/plans/operational-2027"),
            "accounts/vestwind/plans/operational-2027");
  for (const char* wrong :
       {"vestwind", "operational-2027", "Vestwind/ops", "a/b/c", "/ops",
        "accounts/vestwind/ops", "accounts/vestwind/plans/", "a/ops-",
        "accounts/a/contacts/c"}) {
    auto name = PlanNameFromArg(wrong);
    ASSERT_FALSE(name.ok()) << wrong;
    EXPECT_THAT(Message(name.status()),
                HasSubstr("must be ACCOUNT_ID/PLAN_ID like "
                          "vestwind/operational-2027"))
        << wrong;
  }
  EXPECT_EQ(ShortPlanName("accounts/vestwind/plans/ops"), "vestwind/ops");
  EXPECT_EQ(ShortPlanName(""), "");
  EXPECT_EQ(PlanAccountId("accounts/vestwind/plans/ops"), "vestwind");
  EXPECT_EQ(PlanAccountId("accounts/vestwind"), "");
  EXPECT_EQ(PlanRevisionName("accounts/a/plans/p", 3),
            "accounts/a/plans/p/revisions/3");
}

TEST(ParseRevisionNumberTest, IsAWholeNumberFromOne) {
  EXPECT_EQ(*ParseRevisionNumber("1"), 1);
  EXPECT_EQ(*ParseRevisionNumber("42"), 42);
  for (const char* wrong : {"0", "-1", "+2", "two", "", "1.5"}) {
    auto revision = ParseRevisionNumber(wrong);
    ASSERT_FALSE(revision.ok()) << wrong;
    EXPECT_THAT(Message(revision.status()),
                HasSubstr("must be a revision number"));
  }
}

TEST(ParseParticipantsTest, ReadsContactsWithOptionalRoles) {
  auto participants = ParseParticipants(
      "vestwind", " karen-holm:executive sponsor , lars-munk ,", ',');
  ASSERT_TRUE(participants.ok()) << participants.status();
  ASSERT_EQ(participants->size(), 2u);
  EXPECT_EQ((*participants)[0].contact(),
            "accounts/vestwind/contacts/karen-holm");
  EXPECT_EQ((*participants)[0].role(), "executive sponsor");
  EXPECT_EQ((*participants)[1].contact(),
            "accounts/vestwind/contacts/lars-munk");
  EXPECT_EQ((*participants)[1].role(), "");
  // The role may itself hold a ':'.
  EXPECT_EQ((*ParseParticipants("a", "c:lead: technical", ','))[0].role(),
            "lead: technical");
  EXPECT_THAT(*ParseParticipants("a", "", ','), IsEmpty());

  EXPECT_THAT(Message(ParseParticipants("a", "Karen:buyer", ',').status()),
              HasSubstr("CONTACT_ID[:ROLE]; the contact ID must be 1-63"));
  EXPECT_EQ(Message(ParseParticipants("a", "c:x,c:y", ',').status()),
            "contact \"c\" appears twice");
  EXPECT_THAT(
      Message(
          ParseParticipants("a", "c:" + std::string(101, 'r'), ',').status()),
      HasSubstr("at most 100 characters"));
}

TEST(ContactNameFromArgTest, TakesAnIdOrAContactOfThePlansAccount) {
  EXPECT_EQ(*ContactNameFromArg("vestwind", "karen-holm"),
            "accounts/vestwind/contacts/karen-holm");
  EXPECT_EQ(
      *ContactNameFromArg("vestwind", "accounts/vestwind/contacts/karen-holm"),
      "accounts/vestwind/contacts/karen-holm");
  EXPECT_EQ(
      Message(ContactNameFromArg("vestwind", "accounts/acme/contacts/jane")
                  .status()),
      "must be a contact of accounts/vestwind, got "
      "\"accounts/acme/contacts/jane\"");
  EXPECT_FALSE(ContactNameFromArg("vestwind", "Karen Holm").ok());
}

TEST(ParseUpdateMaskTest, AcceptsTheDocumentedPathsOnce) {
  auto mask = ParseUpdateMask("title, objectives,period_end");
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ElementsAre("title", "objectives", "period"));
  EXPECT_THAT(Message(ParseUpdateMask("title,status").status()),
              HasSubstr("each path must be one of title, summary, period, "
                        "parent_plan, strategy, objectives, actions, "
                        "participants, review_interval_days, got \"status\""));
  EXPECT_EQ(Message(ParseUpdateMask("period_start,period_end").status()),
            "path \"period\" appears twice");
  EXPECT_THAT(Message(ParseUpdateMask(" , ").status()),
              HasSubstr("must name at least one of title"));
}

constexpr char kPlanJson[] = R"({
  "name": "accounts/vestwind/plans/operational-2027",
  "horizon": "OPERATIONAL",
  "title": "Vestwind operational plan 2026/27",
  "periodStart": "2026-07-01T00:00:00Z",
  "periodEnd": "2027-07-01T00:00:00Z",
  "status": "ACTIVE",
  "revision": "4",
  "etag": "e4",
  "objectives": [{
    "id": "revenue",
    "statement": "Grow drivetrain revenue",
    "metric": "REVENUE",
    "unit": "EUR",
    "baseline": "2100000000",
    "target": "2400000000",
    "dueTime": "2027-06-30T00:00:00Z",
    "status": "ON_TRACK",
    "achievedPercent": 40,
    "progress": [{"measureTime": "2026-10-01T00:00:00Z", "value": "2220000000"}]
  }],
  "actions": [{"id": "a1", "title": "QBR", "owner": "mette", "objective":
               "revenue", "dueTime": "2026-09-30T00:00:00Z", "status": "DONE",
               "completeTime": "2026-09-29T10:00:00Z"}],
  "participants": [{"contact": "accounts/vestwind/contacts/karen-holm",
                    "displayName": "Karen Holm", "role": "sponsor"}],
  "situation": {"tier": "KEY"},
  "customerAgreement": {"contact": "accounts/vestwind/contacts/karen-holm"}
})";

TEST(PlanFromJsonTest, ReadsAPlanAndDropsWhatTheServerSets) {
  auto plan = PlanFromJson(kPlanJson);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->horizon(), pv1::OPERATIONAL);
  EXPECT_EQ(plan->objectives(0).baseline(), 2100000000);
  ClearOutputOnly(&*plan);
  // What `plans get -o json` adds is gone; what the user wrote stays.
  EXPECT_EQ(plan->status(), pv1::PLAN_STATUS_UNSPECIFIED);
  EXPECT_EQ(plan->revision(), 0);
  EXPECT_FALSE(plan->has_situation());
  EXPECT_FALSE(plan->has_customer_agreement());
  EXPECT_THAT(plan->objectives(0).progress(), IsEmpty());
  EXPECT_EQ(plan->objectives(0).status(), pv1::OBJECTIVE_STATUS_UNSPECIFIED);
  EXPECT_EQ(plan->objectives(0).achieved_percent(), 0);
  EXPECT_FALSE(plan->actions(0).has_complete_time());
  EXPECT_EQ(plan->actions(0).status(), pv1::DONE);
  EXPECT_EQ(plan->participants(0).display_name(), "");
  EXPECT_EQ(plan->participants(0).role(), "sponsor");
  EXPECT_EQ(plan->name(), "accounts/vestwind/plans/operational-2027");
  EXPECT_EQ(plan->etag(), "e4");
  EXPECT_THAT(SetPathsOf(*plan), ElementsAre("title", "period", "objectives",
                                             "actions", "participants"));
}

TEST(PlanFromJsonTest, AMisspeltFieldIsAnError) {
  auto plan = PlanFromJson(R"({"title": "x", "objectvies": []})");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(Message(plan.status()),
              HasSubstr("not an account plan in proto3 JSON"));
  EXPECT_THAT(Message(plan.status()), HasSubstr("objectvies"));
  EXPECT_FALSE(PlanFromJson(R"({"horizon": "YEARLY"})").ok());
  EXPECT_FALSE(PlanFromJson("title: x").ok());
}

TEST(SetPathsOfTest, NamesOnlyWhatTheFileSets) {
  pv1::AccountPlan plan;
  EXPECT_THAT(SetPathsOf(plan), IsEmpty());
  plan.mutable_strategy()->mutable_service()->add_key_choices("24h hotline");
  plan.set_review_interval_days(60);
  plan.set_parent_plan("accounts/a/plans/t");
  EXPECT_THAT(SetPathsOf(plan),
              ElementsAre("parent_plan", "strategy", "review_interval_days"));
}

TEST(ApplyPlanFieldsTest, CopiesTheGivenFlagsAndNamesTheirPaths) {
  PlanFields fields;
  fields.horizon = "tactical";
  fields.title = "Tactical plan";
  fields.start = "2026-07-01";
  fields.end = "2028-01-01";
  fields.parent_plan = "strategic-2030";
  fields.participants = "karen-holm:sponsor";
  fields.review_interval_days = 120;
  pv1::AccountPlan plan;
  std::vector<std::string> paths;
  ASSERT_TRUE(ApplyPlanFields(fields, "vestwind", &plan, &paths).ok());
  EXPECT_EQ(plan.horizon(), pv1::TACTICAL);
  EXPECT_EQ(plan.title(), "Tactical plan");
  EXPECT_EQ(FromTimestamp(plan.period_start()), *ParseTime("2026-07-01"));
  // A day as --end is the start of that day: the period's exclusive end.
  EXPECT_EQ(FromTimestamp(plan.period_end()), *ParseTime("2028-01-01"));
  EXPECT_EQ(plan.parent_plan(), "accounts/vestwind/plans/strategic-2030");
  EXPECT_EQ(plan.participants(0).contact(),
            "accounts/vestwind/contacts/karen-holm");
  EXPECT_EQ(plan.review_interval_days(), 120);
  EXPECT_THAT(paths, ElementsAre("title", "period", "parent_plan",
                                 "participants", "review_interval_days"));
}

TEST(ApplyPlanFieldsTest, FlagsWinOverTheFileAndAnEmptyParentClearsIt) {
  pv1::AccountPlan plan;
  plan.set_title("From the file");
  plan.set_parent_plan("accounts/a/plans/t");
  std::vector<std::string> paths = {"title"};
  PlanFields fields;
  fields.title = "From the flag";
  fields.parent_plan = "";
  ASSERT_TRUE(ApplyPlanFields(fields, "a", &plan, &paths).ok());
  EXPECT_EQ(plan.title(), "From the flag");
  EXPECT_EQ(plan.parent_plan(), "");
  EXPECT_THAT(paths, ElementsAre("title", "parent_plan"));
}

TEST(ApplyPlanFieldsTest, NamesTheFlagThatIsWrong) {
  auto error = [](PlanFields fields) {
    pv1::AccountPlan plan;
    std::vector<std::string> paths;
    return Message(ApplyPlanFields(fields, "a", &plan, &paths));
  };
  PlanFields horizon;
  horizon.horizon = "yearly";
  EXPECT_THAT(error(horizon), HasSubstr("--horizon: must be one of strategic"));
  PlanFields start;
  start.start = "July";
  EXPECT_THAT(error(start), HasSubstr("--start: must be an RFC 3339 time"));
  PlanFields end;
  end.end = "2027-13-01";
  EXPECT_THAT(error(end), HasSubstr("--end: "));
  PlanFields parent;
  parent.parent_plan = "Strategic";
  EXPECT_THAT(
      error(parent),
      HasSubstr("--parent_plan: must be a PLAN_ID of the same account"));
  PlanFields participants;
  participants.participants = "a:x,a:y";
  EXPECT_THAT(error(participants),
              HasSubstr("--participants: contact \"a\" appears twice"));
  PlanFields interval;
  interval.review_interval_days = -1;
  EXPECT_THAT(error(interval),
              HasSubstr("--review_interval_days: must not be negative"));
  EXPECT_TRUE(PlanFields().empty());
  EXPECT_FALSE(interval.empty());
}

TEST(ParseProgressValueTest, MoneyIsAnAmountOtherMetricsWholeNumbers) {
  EXPECT_EQ(*ParseProgressValue(pv1::REVENUE, "1250000.50"), 125000050);
  EXPECT_EQ(*ParseProgressValue(pv1::GROSS_MARGIN, "-20"), -2000);
  EXPECT_THAT(Message(ParseProgressValue(pv1::REVENUE, "1,250,000").status()),
              HasSubstr("an amount in major units like 1250000.00"));
  EXPECT_EQ(*ParseProgressValue(pv1::NPS, "-15"), -15);
  EXPECT_EQ(*ParseProgressValue(pv1::NPS, "+40"), 40);
  EXPECT_THAT(Message(ParseProgressValue(pv1::NPS, "120").status()),
              HasSubstr("an NPS must be a whole number from -100 to 100"));
  EXPECT_EQ(*ParseProgressValue(pv1::SHARE_OF_WALLET, "35"), 35);
  EXPECT_THAT(Message(ParseProgressValue(pv1::SHARE_OF_WALLET, "-1").status()),
              HasSubstr("a share of wallet must be a whole percent"));
  EXPECT_EQ(*ParseProgressValue(pv1::CUSTOM, "12"), 12);
  EXPECT_EQ(Message(ParseProgressValue(pv1::CUSTOM, "12.5").status()),
            "must be a whole number, got \"12.5\"");
}

TEST(FindObjectiveTest, FindsByIdOrNothing) {
  pv1::AccountPlan plan;
  plan.add_objectives()->set_id("o1");
  plan.add_objectives()->set_id("nps");
  ASSERT_NE(FindObjective(plan, "nps"), nullptr);
  EXPECT_EQ(FindObjective(plan, "nps")->id(), "nps");
  EXPECT_EQ(FindObjective(plan, "o2"), nullptr);
}

TEST(ExportFileNameTest, IsAPlainFileNameInTheCurrentDirectory) {
  const std::string plan = "accounts/vestwind/plans/operational-2027";
  EXPECT_EQ(ExportFileName("vestwind-operational-2027.md", plan),
            "vestwind-operational-2027.md");
  // Never somewhere else, never hidden, whatever the server suggests.
  EXPECT_EQ(ExportFileName("../../etc/passwd", plan), "passwd");
  EXPECT_EQ(ExportFileName("/tmp/x.md", plan), "x.md");
  EXPECT_EQ(ExportFileName("..\\x.md", plan), "x.md");
  EXPECT_EQ(ExportFileName(".profile", plan), "profile");
  EXPECT_EQ(ExportFileName("a\nb.md", plan), "ab.md");
  EXPECT_EQ(ExportFileName("", plan), "vestwind-operational-2027.md");
  EXPECT_EQ(ExportFileName("..", plan), "vestwind-operational-2027.md");
  EXPECT_EQ(ExportFileName("dir/", plan), "vestwind-operational-2027.md");
}

}  // namespace
}  // namespace kam::kamctl
