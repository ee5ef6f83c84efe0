// Scoring follows the registry's and engagement's change feeds: what a user
// records there becomes a score with a breakdown that explains it, and a
// tier; when the facts move, the score and tier follow, and every tier
// change is published, in order, on scoring's own feed (WatchTiers).

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/wait.h"

namespace kam::scoring_test {
namespace {

using ::testing::ElementsAreArray;

// The rating and value of one criterion, for compact expectations.
struct Expected {
  std::string criterion;
  int rating;
  bool missing;
  std::optional<double> value;
};

void ExpectBreakdown(const sv1::Score& score,
                     const std::vector<Expected>& expected) {
  ASSERT_EQ(score.breakdown_size(), static_cast<int>(expected.size()))
      << score.DebugString();
  for (size_t i = 0; i < expected.size(); ++i) {
    const sv1::CriterionScore& entry = score.breakdown(static_cast<int>(i));
    SCOPED_TRACE(entry.ShortDebugString());
    EXPECT_EQ(entry.criterion_id(), expected[i].criterion);
    EXPECT_EQ(entry.rating(), expected[i].rating);
    EXPECT_EQ(entry.missing(), expected[i].missing);
    EXPECT_DOUBLE_EQ(entry.points(), entry.weight() * entry.rating() / 10.0);
    EXPECT_FALSE(entry.explanation().empty());
    if (expected[i].value.has_value()) {
      ASSERT_TRUE(entry.has_value());
      EXPECT_NEAR(entry.value(), *expected[i].value, 0.01);
    }
  }
}

class FeedTest : public ScoringTest {};

TEST_F(FeedTest, RegistryFactsBecomeAScoreThatExplainsItself) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());
  const sv1::Score score = MustGetScore("acme");

  EXPECT_EQ(score.account(), "accounts/acme");
  EXPECT_EQ(score.display_name(), "Acme Industries");
  EXPECT_EQ(score.model(), kDefaultModel);
  EXPECT_EQ(score.model_version(), 1);
  EXPECT_DOUBLE_EQ(score.score(), kAcmeScore);
  // The default model's eight criteria, in model order, each with the value
  // it was rated on (see SeedAcme for the sums).
  ExpectBreakdown(score, {{"revenue-size", 6, false, 5'000'000},
                          {"profitability", 7, false, 22},
                          {"growth", 9, false, 800.0 / 42},
                          {"share-of-wallet", 5, false, 25},
                          {"satisfaction", 1, true, std::nullopt},
                          {"engagement", 6, false, 50},
                          {"reference-value", 10, false, 9},
                          {"strategic-fit", 1, true, std::nullopt}});
  // The reference value comes from eve, the executive ambassador, not from
  // max (a management-level advocate, 7).
  const sv1::CriterionScore* reference =
      FindCriterion(score, "reference-value");
  ASSERT_NE(reference, nullptr);
  EXPECT_TRUE(absl::StrContains(reference->explanation(), "executive"))
      << reference->explanation();

  // 57.5: above potential key's promote line (55), below key's (70).
  EXPECT_EQ(score.computed_tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(score.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(score.fiscal_year(), 2025);
  EXPECT_EQ(score.revenue().ShortDebugString(),
            Eur(5'000'000).ShortDebugString());
  EXPECT_EQ(score.gross_profit().ShortDebugString(),
            Eur(1'600'000).ShortDebugString());
  EXPECT_EQ(FromProto(score.compute_time()), FixedNow());

  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.account(), "accounts/acme");
  EXPECT_EQ(tier.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(tier.source(), sv1::COMPUTED);
  EXPECT_DOUBLE_EQ(tier.score(), kAcmeScore);
  EXPECT_FALSE(tier.has_override());
}

TEST_F(FeedTest, ALargerFactMovesScoreAndTierAndWatchTiersTellsEveryChange) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());

  // 2025 was far bigger than first recorded: 90M revenue, still 22% margin
  // after cost to serve. revenue-size 10 (+8), growth 10 (+1.5),
  // share-of-wallet 450% -> 10 (+5): 57.5 + 14.5 = 72, over key's line 70.
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"),
      EurFact("2025", 90'000'000, 27'000'000, 7'200'000))));
  sv1::Score score;
  ASSERT_TRUE(WaitForScoreOf("acme", 72, &score));
  EXPECT_EQ(score.computed_tier(), cv1::KEY);
  EXPECT_EQ(score.tier(), cv1::KEY);
  ASSERT_TRUE(score.has_previous_score());
  EXPECT_DOUBLE_EQ(score.previous_score(), kAcmeScore);
  EXPECT_DOUBLE_EQ(score.trend(), 14.5);
  EXPECT_EQ(score.revenue().ShortDebugString(),
            Eur(90'000'000).ShortDebugString());

  const sv1::AccountTier tier = MustGetTier("acme");
  EXPECT_EQ(tier.tier(), cv1::KEY);
  EXPECT_EQ(tier.source(), sv1::COMPUTED);
  EXPECT_DOUBLE_EQ(tier.score(), 72);

  // The tier history, newest first: the promotion on top, and at the
  // bottom the first score; every change here came from a score.
  const std::vector<sv1::TierChange> history = MustTierHistory("acme");
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history.front().previous_tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(history.front().tier(), cv1::KEY);
  EXPECT_EQ(history.front().reason(), sv1::SCORE);
  EXPECT_DOUBLE_EQ(history.front().score(), 72);
  EXPECT_FALSE(history.front().detail().empty());
  EXPECT_EQ(history.back().previous_tier(), cv1::TIER_UNSPECIFIED);
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(history[i].account(), "accounts/acme");
    EXPECT_EQ(history[i].reason(), sv1::SCORE) << history[i].ShortDebugString();
    if (i + 1 < history.size()) {
      EXPECT_EQ(history[i].previous_tier(), history[i + 1].tier())
          << "history is not a chain at " << i;
    }
  }

  // The score history has both scores, newest first.
  std::vector<sv1::ScorePoint> points;
  ASSERT_TRUE(IsOk(scoring().ListScoreHistory(AccountName("acme"), &points)));
  ASSERT_GE(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].score(), 72);
  EXPECT_DOUBLE_EQ(points[1].score(), kAcmeScore);
  EXPECT_EQ(points[0].computed_tier(), cv1::KEY);

  // WatchTiers from the start replays exactly those changes, oldest first,
  // numbered 1, 2, 3... without a gap, the first one a CREATED event.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), history.size());
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence(), i + 1);
    EXPECT_EQ((*events)[i].resource_name(), "accounts/acme");
  }
  EXPECT_EQ(events->front().kind(), cv1::ChangeEvent::CREATED);
  EXPECT_EQ(events->back().kind(), cv1::ChangeEvent::UPDATED);
  std::vector<sv1::TierChange> oldest_first(history.rbegin(), history.rend());
  EXPECT_THAT(Moves(TierChanges(*events)),
              ElementsAreArray(Moves(oldest_first)));
  EXPECT_EQ(TierChanges(*events).back().ShortDebugString(),
            history.front().ShortDebugString());

  // ChangeFeed.WatchChanges on the same server is the same stream.
  grpc::ClientContext context;
  scoring().Prepare(&context);
  cv1::WatchChangesRequest request;
  auto reader = scoring().feed().WatchChanges(&context, request);
  cv1::WatchChangesResponse response;
  while (reader->Read(&response) && response.events_size() == 0) {
  }
  context.TryCancel();
  reader->Finish().IgnoreError();
  ASSERT_GE(response.events_size(), 1);
  EXPECT_EQ(response.head_sequence(), events->size());
  EXPECT_EQ(response.events(0).ShortDebugString(),
            events->front().ShortDebugString());
}

TEST_F(FeedTest, EngagementSignalsFlowIntoTheScore) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());

  // A promoter's survey answer (NPS 100) and a visit with three of the five
  // buying-center roles (buyer bob; ambassador eve; ambassador and user
  // max): satisfaction 100 -> 10 (+9), engagement 60/2 + 50 = 80 -> 9 (+3).
  ASSERT_TRUE(IsOk(engagement().RecordSurvey(
      engagement_test::NewSurvey("acme", 9, 5, At(2026, 5, 1)))));
  const ev1::Interaction visit = engagement_test::NewInteraction(
      "acme", ev1::VISIT, At(2026, 5, 20, 10), {"bob", "eve", "max"});
  // Engagement learns the contacts from the registry's feed; retry (with an
  // idempotency key) until it has.
  grpc::Status created;
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        created = engagement().Create(visit, nullptr, "acme-visit");
        return created.ok();
      },
      kWaitTimeout, absl::Milliseconds(50)))
      << Describe(created);

  sv1::Score score;
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore + 9 + 3, &score));
  const sv1::CriterionScore* satisfaction =
      FindCriterion(score, "satisfaction");
  ASSERT_NE(satisfaction, nullptr);
  EXPECT_FALSE(satisfaction->missing());
  EXPECT_DOUBLE_EQ(satisfaction->value(), 100);
  EXPECT_EQ(satisfaction->rating(), 10);
  const sv1::CriterionScore* engaged = FindCriterion(score, "engagement");
  ASSERT_NE(engaged, nullptr);
  EXPECT_DOUBLE_EQ(engaged->value(), 80);
  EXPECT_EQ(engaged->rating(), 9);
  // 69.5 is still just below key's promote line.
  EXPECT_EQ(score.tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(MustGetTier("acme").tier(), cv1::POTENTIAL_KEY);
}

TEST_F(FeedTest, AnAccountDeletedInTheRegistryLosesItsTier) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());
  const uint64_t head = MustFeedHead();

  ASSERT_TRUE(IsOk(registry().DeleteAccount(AccountName("acme"))));
  sv1::AccountTier tier;
  grpc::Status status;
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        status = scoring().GetTier(AccountName("acme"), &tier);
        return status.error_code() == grpc::StatusCode::NOT_FOUND;
      },
      kWaitTimeout))
      << Describe(status);
  sv1::Score score;
  EXPECT_TRUE(HasCode(scoring().GetScore(AccountName("acme"), &score),
                      grpc::StatusCode::NOT_FOUND));

  // The tier feed says so: one DELETED event, tier TIER_UNSPECIFIED.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events =
      scoring().ReadTierFeed(head);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().kind(), cv1::ChangeEvent::DELETED);
  const std::vector<sv1::TierChange> changes = TierChanges(*events);
  EXPECT_EQ(changes.front().previous_tier(), cv1::POTENTIAL_KEY);
  EXPECT_EQ(changes.front().tier(), cv1::TIER_UNSPECIFIED);
  EXPECT_EQ(changes.front().reason(), sv1::ACCOUNT_DELETED);
}

TEST_F(FeedTest, WatchTiersTailsChangesAsTheyHappen) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());
  const uint64_t head = MustFeedHead();
  ASSERT_GT(head, 0u);

  grpc::ClientContext context;
  scoring().Prepare(&context, kWaitTimeout);
  cv1::WatchChangesRequest request;
  request.set_after_sequence(head);
  auto reader = scoring().stub().WatchTiers(&context, request);
  // Reads until a batch with events arrives (heartbeats are empty).
  auto next_event = [&](cv1::ChangeEvent* event) {
    cv1::WatchChangesResponse response;
    while (reader->Read(&response)) {
      if (response.events_size() == 0) continue;
      EXPECT_EQ(response.events_size(), 1) << response.DebugString();
      *event = response.events(0);
      return true;
    }
    return false;
  };

  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("acme", cv1::KEY))));
  cv1::ChangeEvent event;
  ASSERT_TRUE(next_event(&event)) << Describe(reader->Finish());
  EXPECT_EQ(event.sequence(), head + 1);
  EXPECT_EQ(Moves(TierChanges({event})),
            std::vector<std::string>{
                "accounts/acme POTENTIAL_KEY->KEY (OVERRIDE_SET)"});

  ASSERT_TRUE(IsOk(scoring().ClearOverride(AccountName("acme"),
                                           "head-of-sales@supplier.example")));
  ASSERT_TRUE(next_event(&event)) << Describe(reader->Finish());
  EXPECT_EQ(event.sequence(), head + 2);
  EXPECT_EQ(Moves(TierChanges({event})),
            std::vector<std::string>{
                "accounts/acme KEY->POTENTIAL_KEY (OVERRIDE_CLEARED)"});
  context.TryCancel();
  reader->Finish().IgnoreError();
}

TEST_F(FeedTest, RenamesAndRemovedContactsFollow) {
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());

  rv1::Account renamed;
  renamed.set_name(AccountName("acme"));
  renamed.set_display_name("Acme Group");
  ASSERT_TRUE(
      IsOk(registry().UpdateAccount(renamed, {"display_name"}, nullptr)));
  ASSERT_TRUE(WaitForScore("acme", [](const sv1::Score& score) {
    return score.display_name() == "Acme Group";
  }));

  // Without eve the best ambassador is max: management, advocate,
  // 3*2 + 1 = 7 -> 8: reference value 4 points instead of 5.
  ASSERT_TRUE(IsOk(registry().DeleteContact(ContactName("acme", "eve"))));
  sv1::Score score;
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore - 1, &score));
  const sv1::CriterionScore* reference =
      FindCriterion(score, "reference-value");
  ASSERT_NE(reference, nullptr);
  EXPECT_DOUBLE_EQ(reference->value(), 7);
  EXPECT_EQ(reference->rating(), 8);
  EXPECT_TRUE(absl::StrContains(reference->explanation(), "management"))
      << reference->explanation();
  EXPECT_EQ(score.display_name(), "Acme Group");
  // 56.5 is inside potential key's band: no tier change.
  EXPECT_EQ(score.tier(), cv1::POTENTIAL_KEY);
}

}  // namespace
}  // namespace kam::scoring_test
