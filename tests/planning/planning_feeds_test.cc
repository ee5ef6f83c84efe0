// Planning follows its peers: the registry's feed tells it the accounts and
// contacts, scoring's tier feed which accounts are key, engagement's feed
// each account's NPS and relationship stage. A plan's situation snapshot
// records what planning knew when the plan was made and at each review
// (plus the score and ABC class, asked of scoring); coverage says which key
// accounts have a plan in force, per horizon, and follows tier changes.

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using engagement_test::NewStage;
using engagement_test::NewSurvey;

class FeedsTest : public PlanningTest {
 protected:
  // Waits until engagement has published a summary of `account_id` after
  // `after_sequence` with this NPS and stage.
  void WaitForSummary(uint64_t after_sequence, const std::string& account_id,
                      int nps, ev1::Stage stage) {
    absl::StatusOr<ev1::EngagementSummary> summary =
        engagement().WaitForSummaryEvent(
            after_sequence,
            [&](const ev1::EngagementSummary& s) {
              return s.account() == AccountName(account_id) && s.has_nps() &&
                     s.nps() == nps && s.stage() == stage;
            },
            scoring_test::kWaitTimeout);
    ASSERT_TRUE(summary.ok()) << summary.status();
  }

  // scoring's ABC class of the account.
  sv1::AbcClass AbcClassOf(const std::string& account_id) {
    sv1::AbcAnalysis analysis;
    EXPECT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::GetAbcAnalysis,
                                    sv1::GetAbcAnalysisRequest(), &analysis)));
    for (const sv1::AbcEntry& entry : analysis.entries()) {
      if (entry.account() == AccountName(account_id)) return entry.abc_class();
    }
    ADD_FAILURE() << account_id << " is not in the ABC analysis";
    return sv1::ABC_CLASS_UNSPECIFIED;
  }

  const pv1::HorizonCoverage& MustFindHorizon(const pv1::PlanCoverage& coverage,
                                              pv1::PlanHorizon horizon) {
    static const pv1::HorizonCoverage* const kEmpty =
        new pv1::HorizonCoverage();
    const pv1::HorizonCoverage* found = FindHorizon(coverage, horizon);
    EXPECT_NE(found, nullptr) << pv1::PlanHorizon_Name(horizon) << " missing:\n"
                              << coverage.DebugString();
    return found != nullptr ? *found : *kEmpty;
  }
};

constexpr pv1::PlanHorizon kHorizons[] = {pv1::STRATEGIC, pv1::TACTICAL,
                                          pv1::OPERATIONAL};

TEST_F(FeedsTest, TheSituationSnapshotSaysWhatPlanningKnew) {
  // Acme: scored 57.5 (POTENTIAL_KEY) and made KEY by an override; NPS 50
  // from two answers (a promoter and a passive); stage COOPERATIVE. The NPS
  // raises the score: satisfaction (weight 10) rated 9 instead of 1 for
  // "no NPS yet" (NPS 50 is at or above 8 of the default thresholds
  // -50 -30 -10 0 10 20 30 45 60), 57.5 + 8 = 65.5.
  SeedAcme();
  ASSERT_FALSE(HasFatalFailure());
  sv1::AccountTier tier;
  ASSERT_TRUE(
      IsOk(scoring().SetOverride(NewOverride("acme", cv1::KEY), &tier)));
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("acme", 9, 0, At(2026, 5, 10)))));
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("acme", 7, 0, At(2026, 5, 12)))));
  ASSERT_TRUE(IsOk(engagement().SetStage(NewStage(
      "acme", ev1::COOPERATIVE, At(2026, 5, 1), "Joint roadmap signed"))));
  WaitForSummary(0, "acme", 50, ev1::COOPERATIVE);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForScoreOf("acme", 65.5));
  const sv1::AbcClass abc = AbcClassOf("acme");
  ASSERT_NE(abc, sv1::ABC_CLASS_UNSPECIFIED);
  ASSERT_TRUE(WaitForPlanningFeeds());

  const pv1::AccountPlan created =
      MustCreate("acme", NewOperationalPlan("Acme 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  const pv1::SituationSnapshot& situation = created.situation();
  EXPECT_EQ(FromProto(situation.take_time()), FixedNow());
  EXPECT_EQ(situation.tier(), cv1::KEY);
  EXPECT_EQ(FromProto(situation.tier_since()),
            FromProto(tier.effective_time()));
  ASSERT_TRUE(situation.has_score());
  EXPECT_DOUBLE_EQ(situation.score(), 65.5);
  EXPECT_EQ(situation.abc_class(), abc);
  ASSERT_TRUE(situation.has_nps());
  EXPECT_EQ(situation.nps(), 50);
  EXPECT_EQ(situation.stage(), ev1::COOPERATIVE);
  EXPECT_THAT(situation.unknown(), IsEmpty());
  EXPECT_EQ(created.account_display_name(), "Acme Industries");

  // An account nobody has surveyed: its NPS is unknown, and said to be.
  rv1::Account created_account;
  ASSERT_TRUE(IsOk(registry().CreateAccount(
      NewCustomer("newco", "Newco Robotics"), &created_account)));
  sv1::AccountTier newco_tier;
  ASSERT_TRUE(WaitForTier(
      "newco", [](const sv1::AccountTier&) { return true; }, &newco_tier));
  ASSERT_TRUE(WaitForPlanningFeeds());
  const pv1::AccountPlan newco =
      MustCreate("newco", NewOperationalPlan("Newco 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(newco.account_display_name(), "Newco Robotics");
  EXPECT_EQ(newco.situation().tier(), newco_tier.tier());
  EXPECT_FALSE(newco.situation().has_nps());
  EXPECT_THAT(newco.situation().unknown(), Contains("nps"));

  // Things move: a detractor brings the NPS to 0 (satisfaction rated 5:
  // 65.5 - 4 = 61.5), and Acme is demoted by a new override. A review takes
  // a fresh snapshot; the plan's creation revision keeps the old one.
  absl::StatusOr<uint64_t> head = engagement().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("acme", 3, 0, At(2026, 5, 20)))));
  ASSERT_TRUE(
      IsOk(scoring().SetOverride(NewOverride("acme", cv1::MAINTAIN), &tier)));
  WaitForSummary(*head, "acme", 0, ev1::COOPERATIVE);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForScoreOf("acme", 61.5));
  ASSERT_TRUE(WaitForPlanningFeeds());

  pv1::AccountPlan active = MustActivate(created.name());
  pv1::PlanReview review;
  review.set_outcome("Satisfaction dropped; plan a recovery visit.");
  pv1::AccountPlan reviewed;
  ASSERT_TRUE(IsOk(planning().RecordReview(active.name(), active.etag(), review,
                                           &reviewed)));
  ASSERT_EQ(reviewed.reviews_size(), 1);
  const pv1::SituationSnapshot& fresh = reviewed.reviews(0).situation();
  EXPECT_EQ(FromProto(fresh.take_time()), FixedNow());
  EXPECT_EQ(fresh.tier(), cv1::MAINTAIN);
  ASSERT_TRUE(fresh.has_nps());
  EXPECT_EQ(fresh.nps(), 0);
  EXPECT_EQ(fresh.stage(), ev1::COOPERATIVE);
  ASSERT_TRUE(fresh.has_score());
  EXPECT_DOUBLE_EQ(fresh.score(), 61.5);
  EXPECT_EQ(fresh.abc_class(), abc);
  EXPECT_EQ(reviewed.situation().ShortDebugString(), fresh.ShortDebugString());

  pv1::PlanRevision first;
  ASSERT_TRUE(
      IsOk(planning().GetRevision(RevisionName(created.name(), 1), &first)));
  EXPECT_EQ(first.plan().situation().ShortDebugString(),
            situation.ShortDebugString());
}

TEST_F(FeedsTest, CoverageFollowsTheTierFeed) {
  // alpha is KEY by its score (73.5); beta (60.5, POTENTIAL_KEY) by an
  // override.
  SeedPortfolio();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("beta", cv1::KEY))));
  ASSERT_TRUE(WaitForPlanningFeeds());
  pv1::PlanCoverage coverage;
  ASSERT_TRUE(WaitForCoverage(
      [](const pv1::PlanCoverage& c) {
        for (pv1::PlanHorizon horizon : kHorizons) {
          const pv1::HorizonCoverage* entry = FindHorizon(c, horizon);
          if (entry == nullptr || entry->key_accounts() != 2) return false;
        }
        return true;
      },
      &coverage));
  EXPECT_TRUE(coverage.tiers_known());
  EXPECT_EQ(coverage.horizons_size(), 3);
  for (pv1::PlanHorizon horizon : kHorizons) {
    SCOPED_TRACE(pv1::PlanHorizon_Name(horizon));
    const pv1::HorizonCoverage& entry = MustFindHorizon(coverage, horizon);
    EXPECT_EQ(entry.covered(), 0);
    EXPECT_EQ(entry.covered_percent(), 0);
    EXPECT_THAT(UncoveredNames(entry),
                ElementsAre("accounts/alpha", "accounts/beta"));
    ASSERT_EQ(entry.uncovered_size(), 2);
    EXPECT_EQ(entry.uncovered(0).display_name(), "Alpha Logistics");
    EXPECT_EQ(entry.uncovered(1).display_name(), "Beta Foods");
    EXPECT_TRUE(entry.uncovered(0).draft_plan().empty());
  }

  // A draft is pointed at, but covers nothing.
  const pv1::AccountPlan draft =
      MustCreate("alpha", NewOperationalPlan("Alpha 2026"), "ops");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(
      IsOk(planning().GetCoverage(pv1::PLAN_HORIZON_UNSPECIFIED, &coverage)));
  {
    const pv1::HorizonCoverage& ops =
        MustFindHorizon(coverage, pv1::OPERATIONAL);
    EXPECT_EQ(ops.covered(), 0);
    ASSERT_EQ(ops.uncovered_size(), 2);
    EXPECT_EQ(ops.uncovered(0).draft_plan(), draft.name());
    const pv1::HorizonCoverage& tactical =
        MustFindHorizon(coverage, pv1::TACTICAL);
    ASSERT_EQ(tactical.uncovered_size(), 2);
    EXPECT_TRUE(tactical.uncovered(0).draft_plan().empty());
  }

  // Active: alpha is covered for OPERATIONAL only.
  MustActivate(draft.name());
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(
      IsOk(planning().GetCoverage(pv1::PLAN_HORIZON_UNSPECIFIED, &coverage)));
  {
    const pv1::HorizonCoverage& ops =
        MustFindHorizon(coverage, pv1::OPERATIONAL);
    EXPECT_EQ(ops.key_accounts(), 2);
    EXPECT_EQ(ops.covered(), 1);
    EXPECT_EQ(ops.covered_percent(), 50);
    EXPECT_THAT(UncoveredNames(ops), ElementsAre("accounts/beta"));
    for (pv1::PlanHorizon horizon : {pv1::TACTICAL, pv1::STRATEGIC}) {
      const pv1::HorizonCoverage& other = MustFindHorizon(coverage, horizon);
      EXPECT_EQ(other.covered(), 0) << pv1::PlanHorizon_Name(horizon);
      EXPECT_THAT(UncoveredNames(other),
                  ElementsAre("accounts/alpha", "accounts/beta"))
          << pv1::PlanHorizon_Name(horizon);
    }
  }
  // One horizon asked, one answered.
  pv1::PlanCoverage operational;
  ASSERT_TRUE(IsOk(planning().GetCoverage(pv1::OPERATIONAL, &operational)));
  ASSERT_EQ(operational.horizons_size(), 1);
  EXPECT_EQ(operational.horizons(0).horizon(), pv1::OPERATIONAL);
  EXPECT_EQ(operational.horizons(0).covered(), 1);

  // Beta gets a tactical plan.
  MustActivate(
      MustCreate("beta", NewTacticalPlan("Beta 2026-27"), "tac").name());
  ASSERT_FALSE(HasFailure());

  // Alpha demoted: no longer a key account anywhere, though its plan stays
  // in force.
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("alpha", cv1::MAINTAIN))));
  ASSERT_TRUE(WaitForCoverage(
      [](const pv1::PlanCoverage& c) {
        const pv1::HorizonCoverage* ops = FindHorizon(c, pv1::OPERATIONAL);
        return ops != nullptr && ops->key_accounts() == 1;
      },
      &coverage));
  {
    const pv1::HorizonCoverage& ops =
        MustFindHorizon(coverage, pv1::OPERATIONAL);
    EXPECT_EQ(ops.covered(), 0);
    EXPECT_EQ(ops.covered_percent(), 0);
    EXPECT_THAT(UncoveredNames(ops), ElementsAre("accounts/beta"));
    const pv1::HorizonCoverage& tactical =
        MustFindHorizon(coverage, pv1::TACTICAL);
    EXPECT_EQ(tactical.key_accounts(), 1);
    EXPECT_EQ(tactical.covered(), 1);
    EXPECT_EQ(tactical.covered_percent(), 100);
    EXPECT_THAT(UncoveredNames(tactical), IsEmpty());
    const pv1::HorizonCoverage& strategic =
        MustFindHorizon(coverage, pv1::STRATEGIC);
    EXPECT_EQ(strategic.key_accounts(), 1);
    EXPECT_THAT(UncoveredNames(strategic), ElementsAre("accounts/beta"));
  }
  EXPECT_EQ(MustGet(draft.name()).status(), pv1::ACTIVE);

  // No key account left: everything is covered.
  ASSERT_TRUE(IsOk(scoring().SetOverride(NewOverride("beta", cv1::MAINTAIN))));
  ASSERT_TRUE(WaitForCoverage(
      [](const pv1::PlanCoverage& c) {
        for (pv1::PlanHorizon horizon : kHorizons) {
          const pv1::HorizonCoverage* entry = FindHorizon(c, horizon);
          if (entry == nullptr || entry->key_accounts() != 0) return false;
        }
        return true;
      },
      &coverage));
  for (pv1::PlanHorizon horizon : kHorizons) {
    const pv1::HorizonCoverage& entry = MustFindHorizon(coverage, horizon);
    EXPECT_EQ(entry.covered(), 0) << pv1::PlanHorizon_Name(horizon);
    EXPECT_EQ(entry.covered_percent(), 100) << pv1::PlanHorizon_Name(horizon);
    EXPECT_THAT(UncoveredNames(entry), IsEmpty());
  }
}

}  // namespace
}  // namespace kam::planning_test
