// What engagement tells a key account manager, on a fixed clock
// (--fixed_time=2026-06-01T00:00:00Z) so every number is computed by hand
// here: cadence policies and overdue accounts, buying-center coverage,
// satisfaction (NPS, CSAT) against the previous window, relationship stages,
// the engagement summary, and summary events on engagement's own ChangeFeed.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/support/wait.h"

namespace kam::engagement_test {
namespace {

using grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// "KIND last interval days_overdue" per item, sorted by kind, so the order
// of `missing` (which the API does not fix) does not matter.
std::vector<std::string> Missing(const ev1::OverdueAccount& account) {
  std::vector<ev1::OverdueItem> items(account.missing().begin(),
                                      account.missing().end());
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.kind() < b.kind(); });
  std::vector<std::string> out;
  for (const ev1::OverdueItem& item : items) {
    out.push_back(absl::StrCat(
        ev1::OverdueItem::Kind_Name(item.kind()), " ",
        item.has_last()
            ? absl::FormatTime("%Y-%m-%dT%H:%M", FromProto(item.last()),
                               absl::UTCTimeZone())
            : "never",
        " ", item.interval_days(), " ", item.days_overdue()));
  }
  return out;
}

// "account days_overdue" per overdue account, in the order given.
std::vector<std::string> Ranking(const ev1::ListOverdueAccountsResponse& list) {
  std::vector<std::string> out;
  for (const ev1::OverdueAccount& account : list.accounts()) {
    out.push_back(absl::StrCat(account.account(), " ", account.days_overdue()));
  }
  return out;
}

std::string PolicyText(const ev1::CadencePolicy& p) {
  return absl::StrCat(cv1::Tier_Name(p.tier()), " ", p.visit_interval_days(),
                      "/", p.executive_contact_interval_days(), "/",
                      p.business_review_interval_days(),
                      p.is_default() ? " default" : " stored");
}

std::vector<std::string> Policies(const ev1::ListCadencePoliciesResponse& r) {
  std::vector<std::string> out;
  for (const auto& policy : r.policies()) out.push_back(PolicyText(policy));
  return out;
}

// Every account is a key account here (--default_tier=key).
class InsightsTest : public EngagementTest {
 protected:
  InsightsTest() { default_tier_ = "key"; }

  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }

  // The history most insight tests read, relative to now = 2026-06-01:
  //   acme:     VISIT 04-01 10:00 with ann; CALL 02-01 09:00 with bob (the
  //             executive); BUSINESS_REVIEW 05-20 with cid (remote: only a
  //             review held in person counts as a visit)
  //   globex:   MEETING (remote) 05-25 with gus (executive);
  //             VISIT 2025-12-01 with gus
  //   umbrella: VISIT 05-15 with una; BUSINESS_REVIEW 04-01 with una
  //   initech:  nothing
  void RecordHistory() {
    MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 4, 1, 10), {"ann"}));
    MustCreate(NewInteraction("acme", ev1::CALL, At(2026, 2, 1, 9), {"bob"}));
    ev1::Interaction remote_review =
        NewInteraction("acme", ev1::BUSINESS_REVIEW, At(2026, 5, 20), {"cid"});
    remote_review.set_channel(ev1::REMOTE);
    MustCreate(remote_review);
    MustCreate(
        NewInteraction("globex", ev1::MEETING, At(2026, 5, 25), {"gus"}));
    MustCreate(NewInteraction("globex", ev1::VISIT, At(2025, 12, 1), {"gus"}));
    MustCreate(
        NewInteraction("umbrella", ev1::VISIT, At(2026, 5, 15), {"una"}));
    MustCreate(NewInteraction("umbrella", ev1::BUSINESS_REVIEW, At(2026, 4, 1),
                              {"una"}));
  }

  ev1::ListOverdueAccountsResponse Overdue(
      cv1::Tier tier = cv1::TIER_UNSPECIFIED, int limit = 0) {
    ev1::ListOverdueAccountsResponse response;
    EXPECT_TRUE(IsOk(engagement().ListOverdue(tier, limit, &response)));
    return response;
  }

  ev1::Coverage Coverage(const std::string& account, int days) {
    ev1::Coverage coverage;
    EXPECT_TRUE(
        IsOk(engagement().GetCoverage(AccountName(account), days, &coverage)));
    return coverage;
  }

  ev1::EngagementSummary Summary(const std::string& account) {
    ev1::EngagementSummary summary;
    EXPECT_TRUE(IsOk(engagement().GetSummary(AccountName(account), &summary)));
    return summary;
  }
};

TEST_F(InsightsTest, DefaultCadencePoliciesAreListedKeyFirst) {
  ev1::ListCadencePoliciesResponse policies;
  ASSERT_TRUE(IsOk(engagement().ListPolicies(&policies)));
  EXPECT_THAT(
      Policies(policies),
      ElementsAre("KEY 30/90/90 default", "POTENTIAL_KEY 60/180/180 default",
                  "MAINTAIN 90/365/365 default",
                  "TRANSACTIONAL 180/0/0 default"));
}

TEST_F(InsightsTest, OverdueAccountsMostOverdueFirstWithWhatIsMissing) {
  RecordHistory();
  const ev1::ListOverdueAccountsResponse overdue = Overdue();
  // globex: last visit 2025-12-01 + 30 days = 2025-12-31, 152 days ago.
  // acme: last visit 04-01 10:00 + 30 = 05-01 10:00, 30 days 14 hours ago;
  //   last executive contact 02-01 09:00 + 90 = 05-02 09:00, 29 days ago.
  //   The review of 05-20 is on time and is not a visit.
  // umbrella is on time; its never-met executive counts from when the
  // account became known (now, on this clock). initech: the same.
  ASSERT_THAT(Ranking(overdue),
              ElementsAre("accounts/globex 152", "accounts/acme 30"));
  const ev1::OverdueAccount& globex = overdue.accounts(0);
  EXPECT_EQ(globex.display_name(), "Globex");
  EXPECT_EQ(globex.tier(), cv1::KEY);
  EXPECT_THAT(Missing(globex), ElementsAre("VISIT 2025-12-01T00:00 30 152"));
  const ev1::OverdueAccount& acme = overdue.accounts(1);
  EXPECT_EQ(acme.display_name(), "Acme Industries");
  EXPECT_EQ(acme.tier(), cv1::KEY);
  EXPECT_THAT(Missing(acme),
              ElementsAre("VISIT 2026-04-01T10:00 30 30",
                          "EXECUTIVE_CONTACT 2026-02-01T09:00 90 29"));

  EXPECT_THAT(Ranking(Overdue(cv1::KEY)),
              ElementsAre("accounts/globex 152", "accounts/acme 30"));
  EXPECT_THAT(Ranking(Overdue(cv1::TIER_UNSPECIFIED, 1)),
              ElementsAre("accounts/globex 152"));
  EXPECT_THAT(Overdue(cv1::MAINTAIN).accounts(), IsEmpty());
}

TEST_F(InsightsTest, SetCadencePolicyChangesTheReport) {
  RecordHistory();
  ev1::CadencePolicy policy;
  policy.set_tier(cv1::KEY);
  policy.set_visit_interval_days(180);
  policy.set_executive_contact_interval_days(30);
  policy.set_business_review_interval_days(0);  // no target
  policy.set_is_default(true);                  // output only: ignored
  ev1::CadencePolicy stored;
  ASSERT_TRUE(IsOk(engagement().SetPolicy(policy, &stored)));
  EXPECT_EQ(PolicyText(stored), "KEY 180/30/0 stored");

  ev1::ListCadencePoliciesResponse policies;
  ASSERT_TRUE(IsOk(engagement().ListPolicies(&policies)));
  EXPECT_THAT(
      Policies(policies),
      ElementsAre("KEY 180/30/0 stored", "POTENTIAL_KEY 60/180/180 default",
                  "MAINTAIN 90/365/365 default",
                  "TRANSACTIONAL 180/0/0 default"));

  // acme: executive 02-01 09:00 + 30 = 03-03 09:00, 89 days 15 hours ago;
  //   its visit is on time now.
  // globex: visit 2025-12-01 + 180 = 2026-05-30, 2 days ago.
  const ev1::ListOverdueAccountsResponse overdue = Overdue();
  ASSERT_THAT(Ranking(overdue),
              ElementsAre("accounts/acme 89", "accounts/globex 2"));
  EXPECT_THAT(Missing(overdue.accounts(0)),
              ElementsAre("EXECUTIVE_CONTACT 2026-02-01T09:00 30 89"));
  EXPECT_THAT(Missing(overdue.accounts(1)),
              ElementsAre("VISIT 2025-12-01T00:00 180 2"));

  // Interactions move accounts off the list.
  MustCreate(NewInteraction("acme", ev1::EMAIL, At(2026, 5, 31), {"bob"}));
  EXPECT_THAT(Ranking(Overdue()), ElementsAre("accounts/globex 2"));
  EXPECT_FALSE(Summary("acme").overdue());
  EXPECT_TRUE(Summary("globex").overdue());
}

TEST_F(InsightsTest, NeverEngagedCountsFromTheAccountsCreateTime) {
  MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 5, 1), {"ann"}));
  // Half a year later (the clock is fixed per process): the accounts were
  // created in the registry on 2026-06-01 and nothing happened since.
  KillEngagement();
  fixed_time_ = "2026-12-01T00:00:00Z";
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForAccount("acme", 4));

  const ev1::ListOverdueAccountsResponse overdue = Overdue();
  // acme: visit 05-01 + 30 = 05-31, 184 days before 12-01; executive contact
  // and review never: 06-01 + 90 = 08-30, 93 days.
  // globex, initech, umbrella: never anything: visit 06-01 + 30 = 07-01,
  // 153 days; executive and review 93 days.
  ASSERT_EQ(overdue.accounts_size(), 4) << overdue.ShortDebugString();
  EXPECT_EQ(overdue.accounts(0).account(), "accounts/acme");
  EXPECT_EQ(overdue.accounts(0).days_overdue(), 184);
  EXPECT_THAT(Missing(overdue.accounts(0)),
              ElementsAre("VISIT 2026-05-01T00:00 30 184",
                          "EXECUTIVE_CONTACT never 90 93",
                          "BUSINESS_REVIEW never 90 93"));
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(overdue.accounts(i).days_overdue(), 153)
        << overdue.accounts(i).account();
    EXPECT_THAT(
        Missing(overdue.accounts(i)),
        ElementsAre("VISIT never 30 153", "EXECUTIVE_CONTACT never 90 93",
                    "BUSINESS_REVIEW never 90 93"))
        << overdue.accounts(i).account();
  }
}

TEST_F(InsightsTest, CoverageOfRolesLevelsAndContactsWithinTheWindow) {
  RecordHistory();
  // Last 90 days (since 03-03): ann (BUYER, OPERATIONAL) on 04-01, cid (USER
  // + INFLUENCER, MANAGEMENT) on 05-20. bob's call of 02-01 is older.
  ev1::Coverage c = Coverage("acme", 0);
  EXPECT_EQ(c.account(), "accounts/acme");
  EXPECT_EQ(c.days(), 90);
  EXPECT_THAT(c.roles_engaged(),
              UnorderedElementsAre("BUYER", "USER", "INFLUENCER"));
  EXPECT_THAT(c.roles_missing(), UnorderedElementsAre("DECIDER", "AMBASSADOR"));
  EXPECT_THAT(c.levels_engaged(),
              UnorderedElementsAre("OPERATIONAL", "MANAGEMENT"));
  EXPECT_THAT(c.levels_missing(), UnorderedElementsAre("EXECUTIVE"));
  EXPECT_THAT(c.contacts_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/ann",
                                   "accounts/acme/contacts/cid"));
  EXPECT_THAT(c.contacts_not_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/bob",
                                   "accounts/acme/contacts/dee"));

  // A year: bob too.
  c = Coverage("acme", 365);
  EXPECT_EQ(c.days(), 365);
  EXPECT_THAT(c.roles_engaged(),
              UnorderedElementsAre("BUYER", "DECIDER", "USER", "INFLUENCER"));
  EXPECT_THAT(c.roles_missing(), UnorderedElementsAre("AMBASSADOR"));
  EXPECT_THAT(c.levels_engaged(),
              UnorderedElementsAre("OPERATIONAL", "MANAGEMENT", "EXECUTIVE"));
  EXPECT_THAT(c.levels_missing(), IsEmpty());
  EXPECT_THAT(c.contacts_not_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/dee"));

  // 30 days (since 05-02): only cid.
  c = Coverage("acme", 30);
  EXPECT_THAT(c.roles_engaged(), UnorderedElementsAre("USER", "INFLUENCER"));
  EXPECT_THAT(c.roles_missing(),
              UnorderedElementsAre("BUYER", "DECIDER", "AMBASSADOR"));
  EXPECT_THAT(c.levels_engaged(), UnorderedElementsAre("MANAGEMENT"));
  EXPECT_THAT(c.levels_missing(),
              UnorderedElementsAre("OPERATIONAL", "EXECUTIVE"));
  EXPECT_THAT(c.contacts_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/cid"));

  // No contacts, no interactions: everything missing.
  c = Coverage("initech", 90);
  EXPECT_THAT(c.roles_engaged(), IsEmpty());
  EXPECT_THAT(c.roles_missing(),
              UnorderedElementsAre("BUYER", "USER", "DECIDER", "INFLUENCER",
                                   "AMBASSADOR"));
  EXPECT_THAT(c.levels_missing(),
              UnorderedElementsAre("OPERATIONAL", "MANAGEMENT", "EXECUTIVE"));
  EXPECT_THAT(c.contacts_engaged(), IsEmpty());
  EXPECT_THAT(c.contacts_not_engaged(), IsEmpty());

  // Roles come from the registry's current view of the contact: ann becomes
  // an ambassador too, and her visit now covers that role.
  rv1::Contact ann;
  ann.set_name(ContactName("acme", "ann"));
  ann.add_roles(rv1::BUYER);
  ann.add_roles(rv1::AMBASSADOR);
  ASSERT_TRUE(IsOk(registry().UpdateContact(ann, {"roles"}, nullptr)));
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return Coverage("acme", 90).roles_missing_size() == 1; },
      absl::Seconds(10)));
  c = Coverage("acme", 90);
  EXPECT_THAT(c.roles_missing(), UnorderedElementsAre("DECIDER"));
  EXPECT_THAT(
      c.roles_engaged(),
      UnorderedElementsAre("BUYER", "USER", "INFLUENCER", "AMBASSADOR"));
}

TEST_F(InsightsTest, SatisfactionNpsAndCsatOverTheWindowAndTheOneBefore) {
  // nps -1 means "not asked", csat 0 likewise.
  struct Answer {
    int nps, csat;
    absl::Time when;
  };
  const std::vector<Answer> answers = {
      // The 90 days to now (after 03-03): NPS 10, 9, 8, 3, 9 -> 3 promoters,
      // 1 passive, 1 detractor: (3 - 1) / 5 = +40. CSAT 4, 5, 3, 5 -> 4.25.
      {10, 0, At(2026, 5, 1)},
      {9, 0, At(2026, 4, 15)},
      {8, 0, At(2026, 4, 10)},
      {3, 0, At(2026, 5, 10)},
      {9, 4, At(2026, 5, 20)},
      {-1, 5, At(2026, 5, 21)},
      {-1, 3, At(2026, 5, 22)},
      {-1, 5, At(2026, 5, 23)},
      // The 90 days before (2025-12-03 .. 2026-03-03): 10, 6, 0, 7 ->
      // (1 - 2) / 4 = -25.
      {10, 0, At(2026, 2, 1)},
      {6, 0, At(2026, 1, 15)},
      {0, 0, At(2026, 1, 10)},
      {7, 0, At(2026, 2, 20)},
      // Only in the year before the last: +100 there.
      {10, 0, At(2025, 3, 1)},
  };
  int n = 0;
  for (const Answer& a : answers) {
    ev1::SurveyResponse response = NewSurvey("acme", a.nps, a.csat, a.when);
    response.set_comment("survey answer");
    if (n % 2 == 0) response.set_contact(ContactName("acme", "ann"));
    ev1::SurveyResponse recorded;
    ASSERT_TRUE(IsOk(engagement().RecordSurvey(response, &recorded,
                                               absl::StrCat("survey-", n))));
    EXPECT_TRUE(
        absl::StartsWith(recorded.name(), "accounts/acme/surveyResponses/"))
        << recorded.name();
    EXPECT_EQ(recorded.nps(), a.nps);
    EXPECT_EQ(recorded.csat(), a.csat);
    EXPECT_EQ(FromProto(recorded.responded_at()), a.when);
    if (n == 0) {
      // A retry is the first answer, not a second one.
      ev1::SurveyResponse again;
      ASSERT_TRUE(
          IsOk(engagement().RecordSurvey(response, &again, "survey-0")));
      EXPECT_EQ(again.ShortDebugString(), recorded.ShortDebugString());
    }
    ++n;
  }

  ev1::Satisfaction s;
  ASSERT_TRUE(IsOk(engagement().GetSatisfaction("accounts/acme", 90, &s)));
  EXPECT_EQ(s.account(), "accounts/acme");
  EXPECT_EQ(s.window_days(), 90);
  ASSERT_TRUE(s.has_nps());
  EXPECT_EQ(s.nps(), 40);
  EXPECT_EQ(s.nps_responses(), 5);
  EXPECT_EQ(s.promoters(), 3);
  EXPECT_EQ(s.passives(), 1);
  EXPECT_EQ(s.detractors(), 1);
  ASSERT_TRUE(s.has_previous_nps());
  EXPECT_EQ(s.previous_nps(), -25);
  EXPECT_EQ(s.previous_nps_responses(), 4);
  ASSERT_TRUE(s.has_csat_x100());
  EXPECT_EQ(s.csat_x100(), 425);
  EXPECT_EQ(s.csat_responses(), 4);

  // Default window: a year. 10, 9, 8, 3, 9, 10, 6, 0, 7 -> 4 promoters,
  // 2 passives, 3 detractors: 1/9 = +11 (11.1). The year before: one 10.
  ASSERT_TRUE(IsOk(engagement().GetSatisfaction("accounts/acme", 0, &s)));
  EXPECT_EQ(s.window_days(), 365);
  EXPECT_EQ(s.nps(), 11);
  EXPECT_EQ(s.nps_responses(), 9);
  EXPECT_EQ(s.promoters(), 4);
  EXPECT_EQ(s.passives(), 2);
  EXPECT_EQ(s.detractors(), 3);
  EXPECT_EQ(s.previous_nps(), 100);
  EXPECT_EQ(s.previous_nps_responses(), 1);
  EXPECT_EQ(s.csat_x100(), 425);

  // No answers: the scores are absent, not zero.
  ASSERT_TRUE(IsOk(engagement().GetSatisfaction("accounts/globex", 0, &s)));
  EXPECT_FALSE(s.has_nps());
  EXPECT_FALSE(s.has_previous_nps());
  EXPECT_FALSE(s.has_csat_x100());
  EXPECT_EQ(s.nps_responses(), 0);
  EXPECT_EQ(s.csat_responses(), 0);
}

TEST_F(InsightsTest, RelationshipStageHistoryIsNewestFirst) {
  ev1::RelationshipStageHistory history;
  ASSERT_TRUE(IsOk(engagement().GetStage("accounts/acme", &history)));
  EXPECT_FALSE(history.has_current());
  EXPECT_THAT(history.history(), IsEmpty());

  ev1::RelationshipStage set;
  ASSERT_TRUE(IsOk(engagement().SetStage(
      NewStage("acme", ev1::EXPLORATORY, At(2025, 1, 10), "First contact"),
      &set)));
  EXPECT_EQ(set.stage(), ev1::EXPLORATORY);
  EXPECT_EQ(set.account(), "accounts/acme");
  EXPECT_EQ(set.set_by(), "kam@supplier.example");
  EXPECT_EQ(FromProto(set.record_time()), FixedNow());
  ASSERT_TRUE(IsOk(engagement().SetStage(NewStage(
      "acme", ev1::COOPERATIVE, At(2026, 3, 1), "Joint account plan signed"))));
  // Recorded late, effective in between.
  ASSERT_TRUE(IsOk(engagement().SetStage(
      NewStage("acme", ev1::BASIC, At(2025, 9, 1), "Regular orders"))));

  ASSERT_TRUE(IsOk(engagement().GetStage("accounts/acme", &history)));
  ASSERT_TRUE(history.has_current());
  EXPECT_EQ(history.current().stage(), ev1::COOPERATIVE);
  EXPECT_EQ(history.current().rationale(), "Joint account plan signed");
  std::vector<std::string> stages;
  for (const auto& stage : history.history()) {
    stages.push_back(absl::StrCat(
        ev1::Stage_Name(stage.stage()), " ",
        absl::FormatTime("%Y-%m-%d", FromProto(stage.effective_time()),
                         absl::UTCTimeZone())));
  }
  EXPECT_THAT(stages, ElementsAre("COOPERATIVE 2026-03-01", "BASIC 2025-09-01",
                                  "EXPLORATORY 2025-01-10"));
  EXPECT_EQ(Summary("acme").stage(), ev1::COOPERATIVE);

  // Rejected stages leave the history alone.
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().SetStage(
          NewStage("acme", ev1::STAGE_UNSPECIFIED, At(2026, 5, 1), "why")),
      "stage.stage"));
  EXPECT_TRUE(
      IsInvalidArgumentFor(engagement().SetStage(NewStage(
                               "acme", ev1::INTEGRATED, At(2026, 5, 1), "")),
                           "stage.rationale"));
  ev1::RelationshipStageHistory after;
  ASSERT_TRUE(IsOk(engagement().GetStage("accounts/acme", &after)));
  EXPECT_EQ(after.ShortDebugString(), history.ShortDebugString());

  // Other accounts are untouched.
  ASSERT_TRUE(IsOk(engagement().GetStage("accounts/globex", &history)));
  EXPECT_FALSE(history.has_current());
}

TEST_F(InsightsTest, SummaryAtAGlance) {
  RecordHistory();
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("acme", 10, 0, At(2026, 5, 1)))));
  ASSERT_TRUE(
      IsOk(engagement().RecordSurvey(NewSurvey("acme", 3, 0, At(2026, 4, 1)))));
  ASSERT_TRUE(
      IsOk(engagement().RecordSurvey(NewSurvey("acme", 9, 0, At(2025, 3, 1)))));
  ASSERT_TRUE(IsOk(engagement().SetStage(
      NewStage("acme", ev1::COOPERATIVE, At(2026, 3, 1), "Joint plan"))));

  ev1::EngagementSummary s = Summary("acme");
  EXPECT_EQ(s.account(), "accounts/acme");
  EXPECT_EQ(s.tier(), cv1::KEY);
  EXPECT_FALSE(s.account_deleted());
  EXPECT_EQ(FromProto(s.last_contact()), At(2026, 5, 20));
  EXPECT_EQ(s.interactions_30d(), 1);   // the review of 05-20
  EXPECT_EQ(s.interactions_90d(), 2);   // + the visit of 04-01
  EXPECT_EQ(s.interactions_365d(), 3);  // + bob's call of 02-01
  EXPECT_EQ(s.executive_touches_90d(), 0);
  ASSERT_TRUE(s.has_nps());
  EXPECT_EQ(s.nps(), 0);  // one promoter, one detractor
  ASSERT_TRUE(s.has_previous_nps());
  EXPECT_EQ(s.previous_nps(), 100);
  EXPECT_EQ(s.stage(), ev1::COOPERATIVE);
  EXPECT_EQ(s.role_coverage_percent(), 60);  // BUYER, USER, INFLUENCER
  EXPECT_THAT(s.roles_missing_90d(),
              UnorderedElementsAre("DECIDER", "AMBASSADOR"));
  EXPECT_TRUE(s.overdue());
  EXPECT_EQ(FromProto(s.computed_at()), FixedNow());

  s = Summary("globex");
  EXPECT_EQ(FromProto(s.last_contact()), At(2026, 5, 25));
  EXPECT_EQ(s.interactions_30d(), 1);
  EXPECT_EQ(s.interactions_90d(), 1);
  EXPECT_EQ(s.interactions_365d(), 2);
  EXPECT_EQ(s.executive_touches_90d(), 1);
  EXPECT_FALSE(s.has_nps());
  EXPECT_FALSE(s.has_previous_nps());
  EXPECT_EQ(s.stage(), ev1::STAGE_UNSPECIFIED);
  EXPECT_EQ(s.role_coverage_percent(), 20);  // AMBASSADOR
  EXPECT_THAT(s.roles_missing_90d(),
              UnorderedElementsAre("BUYER", "USER", "DECIDER", "INFLUENCER"));
  EXPECT_TRUE(s.overdue());

  s = Summary("umbrella");
  EXPECT_EQ(FromProto(s.last_contact()), At(2026, 5, 15));
  EXPECT_EQ(s.interactions_30d(), 1);
  EXPECT_EQ(s.interactions_90d(), 2);
  EXPECT_EQ(s.interactions_365d(), 2);
  EXPECT_EQ(s.role_coverage_percent(), 20);  // BUYER
  EXPECT_FALSE(s.overdue());

  s = Summary("initech");
  EXPECT_EQ(s.tier(), cv1::KEY);
  EXPECT_FALSE(s.has_last_contact());
  EXPECT_EQ(s.interactions_365d(), 0);
  EXPECT_EQ(s.role_coverage_percent(), 0);
  EXPECT_EQ(s.roles_missing_90d_size(), 5);
  EXPECT_FALSE(s.overdue());
  EXPECT_EQ(FromProto(s.computed_at()), FixedNow());
}

TEST_F(InsightsTest, ChangesArePublishedAsSummaryEventsOnTheFeed) {
  absl::StatusOr<uint64_t> head = engagement().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();

  MustCreate(NewInteraction("acme", ev1::MEETING, At(2026, 5, 30), {"bob"}));
  absl::StatusOr<ev1::EngagementSummary> event =
      engagement().WaitForSummaryEvent(
          *head, [](const ev1::EngagementSummary& s) {
            return s.account() == "accounts/acme" && s.interactions_30d() == 1;
          });
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(FromProto(event->last_contact()), At(2026, 5, 30));
  EXPECT_EQ(event->executive_touches_90d(), 1);
  EXPECT_EQ(event->tier(), cv1::KEY);
  EXPECT_EQ(FromProto(event->computed_at()), FixedNow());

  // Surveys and stages change the summary too.
  head = engagement().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("acme", 10, 0, At(2026, 5, 30)))));
  event = engagement().WaitForSummaryEvent(
      *head, [](const ev1::EngagementSummary& s) {
        return s.account() == "accounts/acme" && s.has_nps() && s.nps() == 100;
      });
  ASSERT_TRUE(event.ok()) << event.status();

  head = engagement().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(IsOk(engagement().SetStage(NewStage(
      "acme", ev1::INTERDEPENDENT, At(2026, 5, 1), "Shared roadmap"))));
  event = engagement().WaitForSummaryEvent(
      *head, [](const ev1::EngagementSummary& s) {
        return s.account() == "accounts/acme" &&
               s.stage() == ev1::INTERDEPENDENT;
      });
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->interactions_30d(), 1);
  EXPECT_EQ(event->nps(), 100);
}

// Without --default_tier every account is MAINTAIN: visit every 90 days.
class DefaultTierTest : public EngagementTest {};

TEST_F(DefaultTierTest, AccountsAreMaintainUntilScoringExists) {
  SeedRegistry({NewCustomer("acme", "Acme Industries")},
               {{"acme", NewContact("ann")}});
  ASSERT_TRUE(WaitForAccount("acme", 1));
  MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 2, 1), {"ann"}));
  ev1::EngagementSummary summary;
  ASSERT_TRUE(IsOk(engagement().GetSummary("accounts/acme", &summary)));
  EXPECT_EQ(summary.tier(), cv1::MAINTAIN);
  EXPECT_TRUE(summary.overdue());
  // 02-01 + 90 days = 05-02, 30 days before 06-01.
  ev1::ListOverdueAccountsResponse overdue;
  ASSERT_TRUE(IsOk(engagement().ListOverdue(cv1::MAINTAIN, 0, &overdue)));
  ASSERT_EQ(overdue.accounts_size(), 1);
  EXPECT_EQ(overdue.accounts(0).tier(), cv1::MAINTAIN);
  EXPECT_THAT(Missing(overdue.accounts(0)),
              ElementsAre("VISIT 2026-02-01T00:00 90 30"));
  ASSERT_TRUE(IsOk(engagement().ListOverdue(cv1::KEY, 0, &overdue)));
  EXPECT_THAT(overdue.accounts(), IsEmpty());
}

}  // namespace
}  // namespace kam::engagement_test
