#include "tools/kamctl/engagement_views.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kam::kamctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Timestamp At(const std::string& rfc3339) {
  return ToTimestamp(*ParseTime(rfc3339));
}

TEST(AbbreviateTest, CutsByCodePointsAndFlattensLines) {
  EXPECT_EQ(Abbreviate("short", 10), "short");
  EXPECT_EQ(Abbreviate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Abbreviate("Besøg på fabrikken i Vejle", 10), "Besøg på …");
  EXPECT_EQ(Abbreviate("line one\nline two", 40), "line one line two");
}

TEST(InteractionsTableTest, ShowsTheTimelineWithContactsAndSentiment) {
  google::protobuf::RepeatedPtrField<ev1::Interaction> list;
  ev1::Interaction& visit = *list.Add();
  visit.set_interaction_id("2026-03-visit");
  visit.set_type(ev1::BUSINESS_REVIEW);
  visit.set_channel(ev1::IN_PERSON);
  *visit.mutable_occurred_at() = At("2026-03-12T10:30:00Z");
  visit.add_participants("accounts/acme/contacts/jo-berg");
  visit.add_participants("accounts/acme/contacts/ann");
  visit.set_sentiment(2);
  visit.set_summary(std::string(100, 'x'));
  ev1::Interaction& call = *list.Add();
  call.set_interaction_id("c1");
  call.set_type(ev1::CALL);
  call.set_sentiment(-1);
  const std::string text = Render(InteractionsTable(list));
  EXPECT_THAT(text, HasSubstr("WHEN  "));
  EXPECT_THAT(text, HasSubstr("2026-03-12T10:30:00Z  2026-03-visit  "
                              "business_review  in_person  jo-berg,ann  "));
  EXPECT_THAT(text, HasSubstr("+2"));
  EXPECT_THAT(text, HasSubstr("-1"));
  EXPECT_THAT(text, HasSubstr(std::string(59, 'x') + "…"));
  EXPECT_THAT(text, Not(HasSubstr(std::string(61, 'x'))));
}

TEST(InteractionDetailsTest, ShowsEveryFieldAndTheDeletedAccount) {
  ev1::Interaction i;
  i.set_name("accounts/acme/interactions/v1");
  i.set_type(ev1::VISIT);
  i.add_internal_participants("me@fm.example");
  i.set_summary("Plant tour");
  i.set_account_deleted(true);
  i.set_etag("e1");
  const std::string text = Render(InteractionDetails(i));
  EXPECT_THAT(text, HasSubstr("name:                   "
                              "accounts/acme/interactions/v1\n"));
  EXPECT_THAT(text, HasSubstr("internal_participants:  me@fm.example\n"));
  EXPECT_THAT(text, HasSubstr("account_deleted:        yes"));
  EXPECT_THAT(text, HasSubstr("sentiment:              0\n"));
}

TEST(SatisfactionDetailsTest, ShowsNpsTrendAndCsat) {
  ev1::Satisfaction s;
  s.set_account("accounts/acme");
  s.set_window_days(365);
  s.set_nps(-25);
  s.set_nps_responses(8);
  s.set_promoters(1);
  s.set_passives(4);
  s.set_detractors(3);
  s.set_previous_nps(50);
  s.set_previous_nps_responses(6);
  s.set_csat_x100(405);
  s.set_csat_responses(5);
  const std::string text = Render(SatisfactionDetails(s));
  EXPECT_THAT(text, HasSubstr("-25 (8 responses: 1 promoters, 4 passives, "
                              "3 detractors)"));
  EXPECT_THAT(text, HasSubstr("+50 (6 responses)"));
  EXPECT_THAT(text, HasSubstr("trend:         -75\n"));
  EXPECT_THAT(text, HasSubstr("4.05 (5 responses)"));

  ev1::Satisfaction empty;
  empty.set_window_days(90);
  const std::string none = Render(SatisfactionDetails(empty));
  EXPECT_THAT(none, HasSubstr("nps:           no NPS answers"));
  EXPECT_THAT(none, HasSubstr("csat:          no CSAT answers"));
}

TEST(CadenceTableTest, ShowsIntervalsAndWhetherTheyAreDefaults) {
  google::protobuf::RepeatedPtrField<ev1::CadencePolicy> policies;
  ev1::CadencePolicy& key = *policies.Add();
  key.set_tier(kam::common::v1::KEY);
  key.set_visit_interval_days(30);
  key.set_executive_contact_interval_days(90);
  key.set_business_review_interval_days(90);
  key.set_is_default(true);
  ev1::CadencePolicy& transactional = *policies.Add();
  transactional.set_tier(kam::common::v1::TRANSACTIONAL);
  transactional.set_visit_interval_days(120);
  EXPECT_EQ(Render(CadenceTable(policies)),
            "TIER           VISIT           EXECUTIVE CONTACT  BUSINESS REVIEW"
            "  SOURCE\n"
            "key            every 30 days   every 90 days      every 90 days  "
            "  default\n"
            "transactional  every 120 days  -                  -              "
            "  set\n");
}

ev1::OverdueItem Item(ev1::OverdueItem::Kind kind, int days, bool ever) {
  ev1::OverdueItem item;
  item.set_kind(kind);
  item.set_days_overdue(days);
  if (ever) *item.mutable_last() = At("2026-06-01T00:00:00Z");
  return item;
}

TEST(OverdueTableTest, SaysWhatIsMissingAndSinceWhen) {
  google::protobuf::RepeatedPtrField<ev1::OverdueAccount> accounts;
  ev1::OverdueAccount& a = *accounts.Add();
  a.set_account("accounts/thames-rail");
  a.set_display_name("Thames Rail Systems Ltd");
  a.set_tier(kam::common::v1::KEY);
  a.set_days_overdue(150);
  *a.add_missing() = Item(ev1::OverdueItem::VISIT, 12, true);
  *a.add_missing() = Item(ev1::OverdueItem::BUSINESS_REVIEW, 150, false);
  EXPECT_EQ(MissingText(a), "visit 12d, business review never");
  const std::string text = Render(OverdueTable(accounts));
  EXPECT_THAT(text, HasSubstr("ACCOUNT      NAME                     TIER  "
                              "DAYS_OVERDUE  MISSING\n"));
  EXPECT_THAT(text,
              HasSubstr("thames-rail  Thames Rail Systems Ltd  key            "
                        "150  visit 12d, business review never\n"));
}

TEST(CoverageDetailsTest, ListsRolesLevelsAndContactsInLowerCase) {
  ev1::Coverage c;
  c.set_account("accounts/acme");
  c.set_days(90);
  c.add_roles_engaged("BUYER");
  c.add_roles_engaged("USER");
  c.add_roles_missing("DECIDER");
  c.add_levels_missing("EXECUTIVE");
  c.add_contacts_not_engaged("accounts/acme/contacts/ceo");
  const std::string text = Render(CoverageDetails(c));
  EXPECT_THAT(text, HasSubstr("roles_engaged:         buyer, user\n"));
  EXPECT_THAT(text, HasSubstr("roles_missing:         decider\n"));
  EXPECT_THAT(text, HasSubstr("levels_engaged:        -\n"));
  EXPECT_THAT(text, HasSubstr("levels_missing:        executive\n"));
  EXPECT_THAT(text, HasSubstr("contacts_not_engaged:  ceo\n"));
}

ev1::RelationshipStage Stage(ev1::Stage stage, const std::string& day) {
  ev1::RelationshipStage s;
  s.set_account("accounts/acme");
  s.set_stage(stage);
  *s.mutable_effective_time() = At(day + "T00:00:00Z");
  *s.mutable_record_time() = At(day + "T08:00:00Z");
  s.set_rationale("Joint roadmap signed");
  s.set_set_by("mette@fm.example");
  return s;
}

TEST(StageHistoryTableTest, MarksTheCurrentStageNewestFirst) {
  ev1::RelationshipStageHistory history;
  *history.mutable_current() = Stage(ev1::INTERDEPENDENT, "2026-06-01");
  *history.add_history() = Stage(ev1::INTERDEPENDENT, "2026-06-01");
  *history.add_history() = Stage(ev1::COOPERATIVE, "2025-02-01");
  const std::string text = Render(StageHistoryTable(history));
  EXPECT_THAT(text, HasSubstr("\n2026-06-01  interdependent (current)  "
                              "mette@fm.example  Joint roadmap signed"));
  EXPECT_THAT(text, HasSubstr("\n2025-02-01  cooperative               "));
}

TEST(SummaryDetailsTest, ShowsTheAccountAtAGlance) {
  ev1::EngagementSummary s;
  s.set_account("accounts/acme");
  s.set_tier(kam::common::v1::KEY);
  *s.mutable_last_contact() = At("2026-11-02T09:00:00Z");
  *s.mutable_computed_at() = At("2026-11-23T10:00:00Z");
  s.set_interactions_30d(3);
  s.set_interactions_90d(11);
  s.set_interactions_365d(52);
  s.set_nps(10);
  s.set_previous_nps(40);
  s.set_stage(ev1::COOPERATIVE);
  s.set_role_coverage_percent(60);
  s.add_roles_missing_90d("DECIDER");
  s.add_roles_missing_90d("AMBASSADOR");
  s.set_overdue(true);
  const std::string text = Render(SummaryDetails(s));
  EXPECT_THAT(text, HasSubstr("2026-11-02T09:00:00Z (21 days ago)"));
  EXPECT_THAT(text, HasSubstr("3 in 30 days, 11 in 90, 52 in 365"));
  EXPECT_THAT(text, HasSubstr("+10 (previous 365 days: +40, trend -30)"));
  EXPECT_THAT(text, HasSubstr("stage:                  cooperative\n"));
  EXPECT_THAT(text, HasSubstr("role_coverage_90d:      60%\n"));
  EXPECT_THAT(text, HasSubstr("roles_missing_90d:      decider, ambassador\n"));
  EXPECT_THAT(text, HasSubstr("overdue:                yes"));

  ev1::EngagementSummary never;
  never.set_account("accounts/new");
  const std::string fresh = Render(SummaryDetails(never));
  EXPECT_THAT(fresh, HasSubstr("last_contact:           never\n"));
  EXPECT_THAT(fresh, HasSubstr("nps_365d:               no answers\n"));
}

}  // namespace
}  // namespace kam::kamctl
