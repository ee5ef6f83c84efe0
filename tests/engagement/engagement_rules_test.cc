#include "services/engagement/engagement_rules.h"

#include "common/clock.h"
#include "gtest/gtest.h"

namespace kam::engagement {
namespace {

const absl::Time kNow =
    absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());

absl::Time DaysAgo(int days) { return kNow - absl::Hours(24) * days; }

v1::Interaction Visit() {
  v1::Interaction i;
  i.set_account("accounts/acme");
  i.set_type(v1::VISIT);
  *i.mutable_occurred_at() = ToProtoTime(DaysAgo(3));
  i.add_participants("accounts/acme/contacts/jane");
  i.set_sentiment(1);
  return i;
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind(field + ":", 0), 0u) << status.message();
}

TEST(ValidateInteractionTest, AcceptsAVisit) {
  EXPECT_TRUE(ValidateInteraction(Visit(), "interaction", kNow).ok());
}

TEST(ValidateInteractionTest, NamesTheBrokenField) {
  v1::Interaction i = Visit();
  i.clear_type();
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow), "interaction.type");

  i = Visit();
  i.clear_occurred_at();
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow),
                "interaction.occurred_at");

  i = Visit();
  *i.mutable_occurred_at() = ToProtoTime(kNow + absl::Hours(48));
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow),
                "interaction.occurred_at");

  i = Visit();
  i.set_sentiment(3);
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow),
                "interaction.sentiment");

  i = Visit();
  i.add_participants("accounts/acme/contacts/jane");
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow),
                "interaction.participants[1]");

  i = Visit();
  i.add_participants("jane");
  ExpectInvalid(ValidateInteraction(i, "requests[4].interaction", kNow),
                "requests[4].interaction.participants[1]");

  i = Visit();
  i.set_summary(std::string(2001, 'x'));
  ExpectInvalid(ValidateInteraction(i, "interaction", kNow),
                "interaction.summary");
}

TEST(InteractionDefaultsTest, ChannelFollowsType) {
  v1::Interaction i;
  i.set_type(v1::BUSINESS_REVIEW);
  ApplyInteractionDefaults(&i);
  EXPECT_EQ(i.channel(), v1::IN_PERSON);
  i.clear_channel();
  i.set_type(v1::CALL);
  ApplyInteractionDefaults(&i);
  EXPECT_EQ(i.channel(), v1::REMOTE);
  i.set_channel(v1::IN_PERSON);  // an explicit channel stays
  ApplyInteractionDefaults(&i);
  EXPECT_EQ(i.channel(), v1::IN_PERSON);
}

TEST(CadenceKindsTest, WhatCountsAsAVisit) {
  v1::Interaction i;
  i.set_type(v1::MEETING);
  i.set_channel(v1::REMOTE);
  EXPECT_FALSE(IsVisit(i));
  i.set_channel(v1::IN_PERSON);
  EXPECT_TRUE(IsVisit(i));
  i.set_type(v1::CALL);
  EXPECT_FALSE(IsVisit(i));
  i.set_type(v1::BUSINESS_REVIEW);
  EXPECT_TRUE(IsBusinessReview(i));
  i.set_channel(v1::IN_PERSON);
  EXPECT_TRUE(IsVisit(i));  // a review on site is also a visit
  i.set_channel(v1::REMOTE);
  EXPECT_FALSE(IsVisit(i));
}

TEST(OverdueItemsTest, CountsFromTheLastOneOrFromKnownSince) {
  // Key tier: visit every 30 days, executive 90, review 90.
  const v1::CadencePolicy key = DefaultCadence(kam::common::v1::KEY);
  CadenceStats stats;
  stats.last_visit = DaysAgo(40);              // 10 days overdue
  stats.last_executive_contact = DaysAgo(20);  // fine
  // Never a review; known for 100 days: 10 days overdue.
  auto items = OverdueItems(stats, key, DaysAgo(100), kNow);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].kind(), v1::OverdueItem::VISIT);
  EXPECT_EQ(items[0].days_overdue(), 10);
  EXPECT_EQ(items[0].interval_days(), 30);
  EXPECT_TRUE(items[0].has_last());
  EXPECT_EQ(items[1].kind(), v1::OverdueItem::BUSINESS_REVIEW);
  EXPECT_EQ(items[1].days_overdue(), 10);
  EXPECT_FALSE(items[1].has_last());
}

TEST(OverdueItemsTest, DueTodayIsNotOverdueAndZeroIntervalHasNoTarget) {
  v1::CadencePolicy policy = DefaultCadence(kam::common::v1::TRANSACTIONAL);
  EXPECT_EQ(policy.executive_contact_interval_days(), 0);
  CadenceStats stats;
  stats.last_visit = DaysAgo(180);
  EXPECT_TRUE(OverdueItems(stats, policy, DaysAgo(1000), kNow).empty());
  stats.last_visit = DaysAgo(181);
  auto items = OverdueItems(stats, policy, DaysAgo(1000), kNow);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].days_overdue(), 1);
}

TEST(NpsTallyTest, PromotersMinusDetractors) {
  NpsTally tally;
  EXPECT_FALSE(tally.Score().has_value());
  for (int score : {10, 9, 9, 8, 7, 6, 0}) tally.Add(score);
  EXPECT_EQ(tally.promoters, 3);
  EXPECT_EQ(tally.passives, 2);
  EXPECT_EQ(tally.detractors, 2);
  // (3 - 2) / 7 = 14.29% -> 14.
  EXPECT_EQ(tally.Score(), 14);
  NpsTally all_detractors;
  all_detractors.Add(3);
  EXPECT_EQ(all_detractors.Score(), -100);
}

TEST(ValidateSurveyResponseTest, OneOfNpsAndCsat) {
  v1::SurveyResponse r;
  r.set_account("accounts/acme");
  *r.mutable_responded_at() = ToProtoTime(DaysAgo(1));
  r.set_nps(-1);
  ExpectInvalid(ValidateSurveyResponse(r, "response", kNow), "response.nps");
  r.set_csat(4);
  EXPECT_TRUE(ValidateSurveyResponse(r, "response", kNow).ok());
  r.set_nps(11);
  ExpectInvalid(ValidateSurveyResponse(r, "response", kNow), "response.nps");
  r.set_nps(9);
  r.set_csat(6);
  ExpectInvalid(ValidateSurveyResponse(r, "response", kNow), "response.csat");
}

TEST(ValidateCadencePolicyTest, TierAndIntervals) {
  v1::CadencePolicy policy = DefaultCadence(kam::common::v1::KEY);
  EXPECT_TRUE(ValidateCadencePolicy(policy, "policy").ok());
  policy.set_visit_interval_days(-1);
  ExpectInvalid(ValidateCadencePolicy(policy, "policy"),
                "policy.visit_interval_days");
  policy = v1::CadencePolicy();
  ExpectInvalid(ValidateCadencePolicy(policy, "policy"), "policy.tier");
}

TEST(DaysBetweenTest, RoundsDown) {
  EXPECT_EQ(DaysBetween(DaysAgo(2), kNow), 2);
  EXPECT_EQ(DaysBetween(DaysAgo(2) + absl::Hours(1), kNow), 1);
  EXPECT_EQ(DaysBetween(kNow, DaysAgo(1)), -1);
}

}  // namespace
}  // namespace kam::engagement
