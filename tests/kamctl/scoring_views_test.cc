// What kamctl's scoring commands read and show without a server: tier names,
// expiries and ratings as typed, ratings.csv rows, and the tables (above all
// the score breakdown, which is how people learn why an account scores what
// it does).

#include "tools/kamctl/scoring_views.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/scoring_records.h"

namespace kam::kamctl {
namespace {

namespace cv1 = ::kam::common::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

absl::Time At(const std::string& rfc3339) { return *ParseTime(rfc3339); }

TEST(ScoringTierNamesTest, ReadsTheFourTiersAsTyped) {
  EXPECT_EQ(*ParseTier("key"), cv1::KEY);
  EXPECT_EQ(*ParseTier("potential_key"), cv1::POTENTIAL_KEY);
  EXPECT_EQ(*ParseTier("Potential-Key"), cv1::POTENTIAL_KEY);
  EXPECT_EQ(*ParseTier("maintain"), cv1::MAINTAIN);
  EXPECT_EQ(*ParseTier(" TRANSACTIONAL "), cv1::TRANSACTIONAL);
  for (const char* wrong : {"gold", "tier_unspecified", "", "potential key"}) {
    auto tier = ParseTier(wrong);
    ASSERT_FALSE(tier.ok()) << wrong;
    EXPECT_THAT(Message(tier.status()),
                HasSubstr("must be one of key, potential_key, maintain, "
                          "transactional"));
  }
  EXPECT_EQ(TierName(cv1::POTENTIAL_KEY), "potential_key");
}

TEST(ParseExpiryTest, TakesDaysDurationsTimesAndWholeDays) {
  const absl::Time now = At("2026-11-23T10:00:00Z");
  EXPECT_EQ(*ParseExpiry("30d", now), At("2026-12-23T10:00:00Z"));
  EXPECT_EQ(*ParseExpiry("720h", now), At("2026-12-23T10:00:00Z"));
  EXPECT_EQ(*ParseExpiry("1h30m", now), At("2026-11-23T11:30:00Z"));
  EXPECT_EQ(*ParseExpiry("1h", now + absl::Milliseconds(700)),
            At("2026-11-23T11:00:00Z"));
  EXPECT_EQ(*ParseExpiry("2027-01-31T17:00:00+01:00", now),
            At("2027-01-31T16:00:00Z"));
  // A day lasts to its end: the override holds all of the 31st.
  EXPECT_EQ(*ParseExpiry("2027-01-31", now), At("2027-02-01T00:00:00Z"));
  for (const char* wrong : {"soon", "30", "3.5d", "d", "next week"}) {
    auto expiry = ParseExpiry(wrong, now);
    ASSERT_FALSE(expiry.ok()) << wrong;
    EXPECT_THAT(Message(expiry.status()),
                HasSubstr("must be a duration from now like 30d or 720h"));
  }
  for (const char* not_ahead : {"0d", "-5h", "0s"}) {
    auto expiry = ParseExpiry(not_ahead, now);
    ASSERT_FALSE(expiry.ok()) << not_ahead;
    EXPECT_THAT(Message(expiry.status()), HasSubstr("must be positive"));
  }
}

TEST(ParseRatingValueTest, IsAWholeNumberFromOneToTen) {
  EXPECT_EQ(*ParseRatingValue("1"), 1);
  EXPECT_EQ(*ParseRatingValue(" 10 "), 10);
  for (const char* wrong : {"0", "11", "7.5", "high", ""}) {
    auto value = ParseRatingValue(wrong);
    ASSERT_FALSE(value.ok()) << wrong;
    EXPECT_THAT(Message(value.status()),
                HasSubstr("must be a whole number from 1 to 10"));
  }
}

TEST(ModelNameFromArgTest, TakesIdsNamesAndTheActiveModel) {
  EXPECT_EQ(*ModelNameFromArg("-"), "scoringModels/-");
  EXPECT_EQ(*ModelNameFromArg("draft-2027"), "scoringModels/draft-2027");
  EXPECT_EQ(*ModelNameFromArg("scoringModels/default"),
            "scoringModels/default");
  EXPECT_FALSE(ModelNameFromArg("Draft 2027").ok());
  EXPECT_FALSE(ModelNameFromArg("").ok());
  EXPECT_EQ(*RunNameFromArg("r7"), "rescoringRuns/r7");
  EXPECT_EQ(*RunNameFromArg("rescoringRuns/r7"), "rescoringRuns/r7");
  EXPECT_FALSE(RunNameFromArg("runs/r7").ok());
}

TEST(ScoreModelFromJsonTest, ReadsWhatModelsGetPrintsAndRejectsTypos) {
  auto model = ScoreModelFromJson(R"({
    "name": "scoringModels/default", "displayName": "Default",
    "state": "ACTIVE", "currency": "EUR",
    "criteria": [{"id": "strategic-fit", "kind": "MANUAL", "weight": 100}],
    "tiers": {"key": {"promoteAt": 70, "demoteBelow": 65}}
  })");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->criteria(0).kind(), sv1::MANUAL);
  EXPECT_EQ(model->tiers().key().demote_below(), 65);
  auto typo = ScoreModelFromJson(R"({"displayName": "x", "critera": []})");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(Message(typo.status()), HasSubstr("critera"));
}

constexpr char kRatings[] =
    "account_id,criterion_id,value,rater,note\n"
    "vestwind,strategic-fit,10,mette.lund@fm.example,\"Anchor, reference\"\n"
    "acme,strategic-fit,11,mette.lund@fm.example,\n"         // 3: value
    "acme,Strategic Fit,5,mette.lund@fm.example,\n"          // 4: criterion
    "acme,strategic-fit,5,,\n"                               // 5: rater
    "thames-rail,strategic-fit,6,ida.hvid@fm.example,\n"     // 6
    "vestwind,strategic-fit,9,ida.hvid@fm.example,again\n";  // 7: repeated

TEST(PlanRatingImportTest, MapsRowsToSetRatingRequests) {
  auto plan = PlanRatingImport(kRatings);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->total_rows, 6);
  ASSERT_THAT(plan->items, SizeIs(2));
  EXPECT_THAT(plan->lines, ElementsAre(2, 6));
  const sv1::SetRatingRequest& first = plan->items[0];
  EXPECT_EQ(first.account(), "accounts/vestwind");
  EXPECT_EQ(first.criterion_id(), "strategic-fit");
  EXPECT_EQ(first.value(), 10);
  EXPECT_EQ(first.rater(), "mette.lund@fm.example");
  EXPECT_EQ(first.note(), "Anchor, reference");
  EXPECT_EQ(plan->items[1].account(), "accounts/thames-rail");
}

TEST(PlanRatingImportTest, ReportsMalformedRowsByLineWithTheColumn) {
  auto plan = PlanRatingImport(kRatings);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->errors, SizeIs(4));
  EXPECT_EQ(plan->errors[0].line, 3);
  EXPECT_THAT(plan->errors[0].message,
              HasSubstr("column \"value\": must be a whole number from 1 to "
                        "10, got \"11\""));
  EXPECT_EQ(plan->errors[1].line, 4);
  EXPECT_THAT(plan->errors[1].message, HasSubstr("column \"criterion_id\""));
  EXPECT_EQ(plan->errors[2].line, 5);
  EXPECT_THAT(plan->errors[2].message,
              HasSubstr("column \"rater\": required, but empty"));
  EXPECT_EQ(plan->errors[3].line, 7);
  EXPECT_THAT(plan->errors[3].message,
              HasSubstr("the rating of \"strategic-fit\" for account "
                        "\"vestwind\" appears again (first on line 2)"));
}

TEST(PlanRatingImportTest, RejectsAFileWithoutTheRequiredColumns) {
  auto plan = PlanRatingImport("account_id,criterion_id,value\nacme,x,5\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(Message(plan.status()),
              HasSubstr("line 1: header: the required column \"rater\" is "
                        "missing"));
}

sv1::Score VestwindScore() {
  sv1::Score s;
  s.set_account("accounts/vestwind");
  s.set_display_name("Vestwind Energy A/S");
  s.set_score(72.4);
  s.set_model("scoringModels/default");
  s.set_model_version(3);
  s.set_computed_tier(cv1::POTENTIAL_KEY);
  s.set_tier(cv1::KEY);
  s.set_previous_score(69.2);
  s.set_trend(3.2);
  s.set_attractiveness(8.5);
  s.set_strength(7.25);
  s.set_quadrant(sv1::STRATEGIC);
  sv1::CriterionScore* revenue = s.add_breakdown();
  revenue->set_criterion_id("revenue-size");
  revenue->set_kind(sv1::REVENUE_SIZE);
  revenue->set_weight(20);
  revenue->set_value(12900000);
  revenue->set_rating(8);
  revenue->set_points(16);
  revenue->set_explanation("revenue 12.9M EUR (2025) ≥ 8M");
  sv1::CriterionScore* fit = s.add_breakdown();
  fit->set_criterion_id("strategic-fit");
  fit->set_kind(sv1::MANUAL);
  fit->set_weight(15);
  fit->set_rating(10);
  fit->set_points(15);
  fit->set_explanation("rated 10 by mette.lund@fm.example");
  sv1::CriterionScore* growth = s.add_breakdown();
  growth->set_criterion_id("growth");
  growth->set_kind(sv1::GROWTH);
  growth->set_weight(65);
  growth->set_rating(1);
  growth->set_points(6.5);
  growth->set_missing(true);
  growth->set_explanation("no year before to compare with");
  return s;
}

TEST(BreakdownTableTest, ShowsEachCriterionsPartAndTheTotal) {
  const std::string text = Render(BreakdownTable(VestwindScore()));
  EXPECT_EQ(text,
            "CRITERION      KIND          WEIGHT  VALUE       RATING  POINTS  "
            "EXPLANATION\n"
            "revenue-size   revenue_size     20%  12.9M            8   16.00  "
            "revenue 12.9M EUR (2025) ≥ 8M\n"
            "strategic-fit  manual           15%      -           10   15.00  "
            "rated 10 by mette.lund@fm.example\n"
            "growth         growth           65%      -  1 (no data)    6.50  "
            "no year before to compare with\n"
            "total          -               100%      -            -   72.40  "
            "-\n");
}

TEST(ScoreTextTest, SaysTierTrendModelAndPortfolioAboveTheBreakdown) {
  const std::string text = ScoreText(VestwindScore());
  EXPECT_THAT(text, HasSubstr("account:        accounts/vestwind (Vestwind "
                              "Energy A/S)\n"));
  EXPECT_THAT(text, HasSubstr("score:          72.40\n"));
  EXPECT_THAT(text, HasSubstr("tier:           key (overridden)\n"));
  EXPECT_THAT(text, HasSubstr("computed_tier:  potential_key\n"));
  EXPECT_THAT(text, HasSubstr("trend:          +3.20 (previous 69.20)\n"));
  EXPECT_THAT(text, HasSubstr("model:          default@3\n"));
  EXPECT_THAT(text, HasSubstr("attractiveness 8.50, strength 7.25: "
                              "strategic"));
  EXPECT_THAT(text, HasSubstr("scoring_year:   no financials\n"));
  EXPECT_THAT(text, HasSubstr("\nCRITERION "));

  sv1::Score first = VestwindScore();
  first.clear_previous_score();
  first.set_trend(0);
  first.set_tier(cv1::POTENTIAL_KEY);
  first.set_fiscal_year(2025);
  first.mutable_revenue()->set_currency_code("EUR");
  first.mutable_revenue()->set_minor_units(1290000000);
  first.mutable_gross_profit()->set_currency_code("EUR");
  first.mutable_gross_profit()->set_minor_units(-5000);
  const std::string first_text = ScoreText(first);
  EXPECT_THAT(first_text, HasSubstr("tier:           potential_key\n"));
  EXPECT_THAT(first_text, HasSubstr("trend:          first score\n"));
  EXPECT_THAT(first_text, HasSubstr("2025: revenue 12,900,000.00 EUR, gross "
                                    "profit -50.00 EUR"));
}

TEST(NumberFormatsTest, AreShortAndSigned) {
  EXPECT_EQ(Decimal(0.134, 6), "0.134");
  EXPECT_EQ(Decimal(2.0, 2), "2");
  EXPECT_EQ(CompactNumber(250000), "250k");
  EXPECT_EQ(CompactNumber(15000000), "15M");
  EXPECT_EQ(CompactNumber(1500000), "1.5M");
  EXPECT_EQ(CompactNumber(1234567), "1.235M");
  EXPECT_EQ(CompactNumber(12.5), "12.5");
  EXPECT_EQ(CompactNumber(1.71381), "1.71");
  EXPECT_EQ(CompactNumber(-6.640625), "-6.64");
  EXPECT_EQ(CompactNumber(-0.001), "0");
  EXPECT_EQ(CompactNumber(-20), "-20");
  EXPECT_EQ(FormatTrend(3.2), "+3.20");
  EXPECT_EQ(FormatTrend(-1), "-1.00");
  EXPECT_EQ(FormatTrend(-0.001), "0.00");
  EXPECT_EQ(FormatBasisPoints(6125), "61.25%");
  EXPECT_EQ(FormatBasisPoints(5), "0.05%");
  EXPECT_EQ(ModelRef("scoringModels/default", 3), "default@3");
}

TEST(CriteriaTableTest, ShowsWeightsAndThresholdsButNoneForManual) {
  sv1::ScoreModel model;
  sv1::Criterion* revenue = model.add_criteria();
  revenue->set_id("revenue-size");
  revenue->set_display_name("Revenue");
  revenue->set_kind(sv1::REVENUE_SIZE);
  revenue->set_weight(30);
  for (double t : {250e3, 500e3, 1e6, 2e6, 4e6, 8e6, 15e6, 30e6, 60e6}) {
    revenue->add_thresholds(t);
  }
  sv1::Criterion* fit = model.add_criteria();
  fit->set_id("strategic-fit");
  fit->set_kind(sv1::MANUAL);
  fit->set_weight(70);
  const std::string text = Render(CriteriaTable(model));
  EXPECT_THAT(text, HasSubstr("revenue-size   Revenue  revenue_size     30%  "
                              "250k 500k 1M 2M 4M 8M 15M 30M 60M\n"));
  EXPECT_THAT(text, HasSubstr("strategic-fit  -        manual           70%  "
                              "-\n"));
}

TEST(TierViewsTest, ShowOverridesUnknownAccountsAndChanges) {
  sv1::AccountTier pinned;
  pinned.set_account("accounts/rotterdam-cranes");
  pinned.set_tier(cv1::KEY);
  pinned.set_source(sv1::OVERRIDE);
  pinned.set_score(48.5);
  pinned.set_found(true);
  pinned.mutable_override()->set_tier(cv1::KEY);
  pinned.mutable_override()->set_author("mette.lund@fm.example");
  pinned.mutable_override()->set_reason("Port tender won");
  *pinned.mutable_override()->mutable_expire_time() =
      ToTimestamp(At("2027-03-01T00:00:00Z"));
  const std::string details = Render(TierDetails(pinned));
  EXPECT_THAT(details, HasSubstr("source:           override\n"));
  EXPECT_THAT(details,
              HasSubstr("override:         key until 2027-03-01T00:00:00Z\n"));
  EXPECT_THAT(details, HasSubstr("override_reason:  Port tender won\n"));

  google::protobuf::RepeatedPtrField<sv1::AccountTier> batch;
  *batch.Add() = pinned;
  batch.Add()->set_account("accounts/nobody");
  const std::string table = Render(TiersTable(batch));
  EXPECT_THAT(table, HasSubstr("rotterdam-cranes  key      override  48.50"));
  EXPECT_THAT(table, HasSubstr("\nnobody            unknown  -"));

  kam::common::v1::ChangeEvent event;
  event.set_sequence(42);
  sv1::TierChange change;
  change.set_account("accounts/wroclaw-bus");
  change.set_previous_tier(cv1::POTENTIAL_KEY);
  change.set_tier(cv1::MAINTAIN);
  change.set_reason(sv1::SCORE);
  change.set_score(47.25);
  change.set_detail("fell below 50");
  *change.mutable_effective_time() = ToTimestamp(At("2026-11-23T10:00:00Z"));
  event.mutable_resource()->PackFrom(change);
  EXPECT_EQ(TierChangeLine(event),
            "42\t2026-11-23T10:00:00Z\twroclaw-bus\tpotential_key -> "
            "maintain\tscore\t47.25\tfell below 50");
  change.clear_previous_tier();
  event.mutable_resource()->PackFrom(change);
  EXPECT_THAT(TierChangeLine(event), HasSubstr("\tnone -> maintain\t"));
}

TEST(WhatIfTextTest, CountsAndListsPromotionsAndDemotions) {
  sv1::WhatIfReport report;
  report.mutable_model()->set_name("scoringModels/draft-2027");
  report.mutable_model()->set_version(2);
  report.mutable_model()->set_state(sv1::DRAFT);
  report.set_accounts_evaluated(30);
  report.set_tier_changes(3);
  report.set_promotions(1);
  report.set_demotions(2);
  sv1::TierCount* key = report.add_tier_counts();
  key->set_tier(cv1::KEY);
  key->set_accounts(5);
  sv1::WhatIfChange* up = report.add_changes();
  up->set_account("accounts/krone-robotics");
  up->set_current_tier(cv1::POTENTIAL_KEY);
  up->set_new_tier(cv1::KEY);
  up->set_current_score(66);
  up->set_new_score(71.5);
  sv1::WhatIfChange* down = report.add_changes();
  down->set_account("accounts/goteborg-trucks");
  down->set_current_tier(cv1::KEY);
  down->set_new_tier(cv1::MAINTAIN);
  const std::string text = WhatIfText(report);
  EXPECT_THAT(text, HasSubstr("model:               draft-2027@2 (draft)\n"));
  EXPECT_THAT(text, HasSubstr("tier_changes:        3 (1 promotion, 2 "
                              "demotions)\n"));
  EXPECT_THAT(text, HasSubstr("computed_tiers:      key 5\n"));
  EXPECT_THAT(text, HasSubstr("krone-robotics   -     potential_key  key"));
  EXPECT_THAT(text, HasSubstr("71.50  promotion\n"));
  EXPECT_THAT(text, HasSubstr("demotion\n"));
  EXPECT_THAT(text, HasSubstr("(the 2 largest of 3 changes; --limit=N lists "
                              "more)"));

  EXPECT_THAT(text, HasSubstr("ACCOUNT          NAME  TIER           "
                              "NEW_TIER  SCORE  NEW_SCORE  MOVE\n"));

  report.clear_changes();
  report.set_tier_changes(0);
  report.mutable_model()->clear_name();
  report.mutable_model()->set_display_name("Strategy first");
  const std::string unsaved = WhatIfText(report);
  EXPECT_THAT(unsaved, HasSubstr("no account would change tier"));
  EXPECT_THAT(unsaved, HasSubstr("model:               Strategy first (from "
                                 "the file, not saved)\n"));
}

TEST(PortfolioSummaryTextTest, ShowsSharesAndTheGapToTheLine) {
  sv1::PortfolioSummary s;
  s.set_model("scoringModels/default");
  s.set_model_version(1);
  s.set_accounts(30);
  s.set_key_revenue_share_bp(6125);
  s.mutable_total_revenue()->set_currency_code("EUR");
  s.mutable_total_revenue()->set_minor_units(9800000000);
  sv1::WatchEntry* near = s.add_promotion_candidates();
  near->set_account("accounts/krone-robotics");
  near->set_tier(cv1::POTENTIAL_KEY);
  near->set_score(67.9);
  near->set_trend(2.5);
  near->set_line(70);
  const std::string text = PortfolioSummaryText(s);
  EXPECT_THAT(text, HasSubstr("key_revenue_share:  61.25% of 98,000,000.00 "
                              "EUR\n"));
  EXPECT_THAT(text,
              HasSubstr("krone-robotics  -     potential_key  67.90  +2.50  "
                        "70.00  -2.10\n"));
  EXPECT_THAT(text, HasSubstr("demotion watch (key accounts near "
                              "demote_below, or falling):\nnone\n"));
}

TEST(RunViewsTest, ShowProgress) {
  sv1::RescoringRun run;
  run.set_name("rescoringRuns/r3");
  run.set_state(sv1::RUNNING);
  run.set_accounts_done(12);
  run.set_accounts_total(30);
  run.set_tier_changes(1);
  EXPECT_EQ(RunProgressLine(run),
            "rescoringRuns/r3: running, 12/30 accounts (40.0%), 1 tier change");
  EXPECT_THAT(Render(RunDetails(run)), HasSubstr("progress:      12/30 "
                                                 "accounts\n"));
  EXPECT_THAT(Render(RunDetails(run)), Not(HasSubstr("succeeded")));
}

}  // namespace
}  // namespace kam::kamctl
