#include "services/scoring/scoring_rules.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace kam::scoring {
namespace {

using ::kam::common::v1::Money;
using ::kam::common::v1::Tier;
using ::kam::scoring::internal::AccountFacts;
using ::kam::scoring::internal::ContactFacts;

constexpr Tier kKey = kam::common::v1::KEY;
constexpr Tier kPotentialKey = kam::common::v1::POTENTIAL_KEY;
constexpr Tier kMaintain = kam::common::v1::MAINTAIN;
constexpr Tier kTransactional = kam::common::v1::TRANSACTIONAL;
constexpr Tier kUnspecified = kam::common::v1::TIER_UNSPECIFIED;

// Criterion indexes of DefaultModel(), in model order.
enum DefaultCriterion {
  kRevenueSize = 0,
  kProfitability,
  kGrowth,
  kShareOfWallet,
  kSatisfaction,
  kEngagement,
  kReferenceValue,
  kStrategicFit,
};

Money Cents(const std::string& currency, int64_t minor) {
  Money money;
  money.set_currency_code(currency);
  money.set_minor_units(minor);
  return money;
}

// Adds a financial fact with amounts in major units of `currency` (which
// has two decimals in every use here); a negative cost means "absent".
void AddFact(AccountFacts* facts, const std::string& period,
             const std::string& currency, int64_t revenue, int64_t margin,
             int64_t cost = -1) {
  kam::registry::v1::FinancialFact& fact =
      (*facts->mutable_financials())[period];
  fact.set_period(period);
  *fact.mutable_revenue() = Cents(currency, revenue * 100);
  *fact.mutable_gross_margin() = Cents(currency, margin * 100);
  if (cost >= 0) *fact.mutable_cost_to_serve() = Cents(currency, cost * 100);
}

void AddContact(AccountFacts* facts, const std::string& id,
                std::vector<kam::registry::v1::BuyingRole> roles,
                kam::registry::v1::OrgLevel level,
                kam::registry::v1::Attitude attitude) {
  ContactFacts& contact = (*facts->mutable_contacts())[id];
  for (auto role : roles) contact.add_roles(role);
  contact.set_level(level);
  contact.set_attitude(attitude);
}

v1::ScoreModel ValidDefaultModel() {
  v1::ScoreModel model = DefaultModel();
  absl::Status status = ValidateModel(&model);
  EXPECT_TRUE(status.ok()) << status;
  return model;
}

// Validates `model` and expects INVALID_ARGUMENT whose message names
// `field` first, as "field: rule".
void ExpectInvalid(v1::ScoreModel model, absl::string_view field) {
  absl::Status status = ValidateModel(&model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ": ")))
      << "want field " << field << ", got: " << status.message();
}

google::protobuf::RepeatedField<double> Field(std::vector<double> values) {
  return google::protobuf::RepeatedField<double>(values.begin(), values.end());
}

// ---------------------------------------------------------------------------
// DefaultModel and DefaultThresholds.

TEST(DefaultModelTest, MatchesTheDocumentedModel) {
  const v1::ScoreModel model = DefaultModel();
  EXPECT_EQ(model.name(), "scoringModels/default");
  EXPECT_EQ(model.model_id(), "default");
  EXPECT_EQ(model.display_name(), "Default key account matrix");
  EXPECT_EQ(model.version(), 1);
  EXPECT_EQ(model.state(), v1::MODEL_STATE_UNSPECIFIED);
  EXPECT_EQ(model.currency(), "EUR");
  EXPECT_EQ(model.exchange_rates_micros().at("DKK"), 134000);
  EXPECT_EQ(model.exchange_rates_micros().at("USD"), 920000);
  EXPECT_EQ(model.exchange_rates_micros().at("GBP"), 1160000);
  EXPECT_EQ(model.exchange_rates_micros().at("SEK"), 87000);
  EXPECT_EQ(model.exchange_rates_micros().at("NOK"), 85000);
  EXPECT_EQ(model.exchange_rates_micros().at("CHF"), 1050000);
  EXPECT_EQ(model.missing_rating(), 1);

  const std::vector<std::string> ids = {
      "revenue-size", "profitability", "growth",          "share-of-wallet",
      "satisfaction", "engagement",    "reference-value", "strategic-fit"};
  const std::vector<int> weights = {20, 20, 15, 10, 10, 10, 5, 10};
  ASSERT_EQ(model.criteria_size(), 8);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(model.criteria(i).id(), ids[i]);
    EXPECT_EQ(model.criteria(i).weight(), weights[i]);
    EXPECT_TRUE(model.criteria(i).thresholds().empty());
  }
  EXPECT_EQ(model.criteria(kStrategicFit).kind(), v1::MANUAL);
  EXPECT_EQ(model.criteria(kSatisfaction).display_name(), "Satisfaction (NPS)");

  EXPECT_EQ(model.tiers().key().promote_at(), 70);
  EXPECT_EQ(model.tiers().key().demote_below(), 62);
  EXPECT_EQ(model.tiers().potential_key().promote_at(), 55);
  EXPECT_EQ(model.tiers().potential_key().demote_below(), 50);
  EXPECT_EQ(model.tiers().maintain().promote_at(), 35);
  EXPECT_EQ(model.tiers().maintain().demote_below(), 30);
  EXPECT_EQ(model.portfolio().attractiveness_criteria_size(), 4);
  EXPECT_EQ(model.portfolio().strength_criteria_size(), 4);
  EXPECT_EQ(model.portfolio().midpoint(), 5.5);
}

TEST(DefaultThresholdsTest, AreTheDocumentedNumbers) {
  EXPECT_EQ(DefaultThresholds(v1::REVENUE_SIZE),
            (std::vector<double>{250000, 500000, 1000000, 2000000, 4000000,
                                 8000000, 15000000, 30000000, 60000000}));
  EXPECT_EQ(DefaultThresholds(v1::PROFITABILITY),
            (std::vector<double>{0, 4, 8, 12, 16, 20, 25, 30, 40}));
  EXPECT_EQ(DefaultThresholds(v1::GROWTH),
            (std::vector<double>{-20, -10, -5, 0, 3, 6, 10, 15, 25}));
  EXPECT_EQ(DefaultThresholds(v1::SHARE_OF_WALLET),
            (std::vector<double>{5, 10, 15, 20, 30, 40, 50, 65, 80}));
  EXPECT_EQ(DefaultThresholds(v1::SATISFACTION),
            (std::vector<double>{-50, -30, -10, 0, 10, 20, 30, 45, 60}));
  EXPECT_EQ(DefaultThresholds(v1::ENGAGEMENT),
            (std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
  EXPECT_EQ(DefaultThresholds(v1::REFERENCE_VALUE),
            (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(DefaultThresholds(v1::MANUAL).empty());
}

// ---------------------------------------------------------------------------
// ValidateModel.

TEST(ValidateModelTest, DefaultModelPassesAndGetsDefaultThresholds) {
  v1::ScoreModel model = DefaultModel();
  ASSERT_TRUE(ValidateModel(&model).ok());
  for (const v1::Criterion& criterion : model.criteria()) {
    const std::vector<double>& defaults = DefaultThresholds(criterion.kind());
    EXPECT_EQ(std::vector<double>(criterion.thresholds().begin(),
                                  criterion.thresholds().end()),
              defaults)
        << criterion.id();
  }
  EXPECT_TRUE(model.criteria(kStrategicFit).thresholds().empty());
}

TEST(ValidateModelTest, FillsMidpointAndMissingRatingDefaults) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_portfolio()->set_midpoint(0);
  model.set_missing_rating(0);
  ASSERT_TRUE(ValidateModel(&model).ok());
  EXPECT_EQ(model.portfolio().midpoint(), 5.5);
  EXPECT_EQ(model.missing_rating(), 1);
}

TEST(ValidateModelTest, KeepsCustomThresholds) {
  v1::ScoreModel model = DefaultModel();
  for (double t : {1, 1, 2, 3, 5, 8, 13, 21, 34}) {
    model.mutable_criteria(kGrowth)->add_thresholds(t);
  }
  ASSERT_TRUE(ValidateModel(&model).ok());
  EXPECT_EQ(model.criteria(kGrowth).thresholds(8), 34);
}

TEST(ValidateModelTest, WeightsMustAddUpTo100) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_criteria(kStrategicFit)->set_weight(5);
  absl::Status status = ValidateModel(&model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "model.criteria: weights must add up to 100, got 95");
}

TEST(ValidateModelTest, WeightMustBe1To100) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_criteria(2)->set_weight(0);
  absl::Status status = ValidateModel(&model);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "model.criteria[2].weight: must be 1-100, got 0");

  model = DefaultModel();
  model.mutable_criteria(0)->set_weight(101);
  ExpectInvalid(model, "model.criteria[0].weight");
}

TEST(ValidateModelTest, CriterionIdsAreUniqueAndWellFormed) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_criteria(3)->set_id("growth");
  ExpectInvalid(model, "model.criteria[3].id");

  model = DefaultModel();
  model.mutable_criteria(2)->set_id("Growth");
  ExpectInvalid(model, "model.criteria[2].id");

  model = DefaultModel();
  model.mutable_criteria(2)->clear_id();
  ExpectInvalid(model, "model.criteria[2].id");
}

TEST(ValidateModelTest, CriterionDisplayNameAtMost100Chars) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_criteria(0)->set_display_name(std::string(101, 'x'));
  ExpectInvalid(model, "model.criteria[0].display_name");
  model.mutable_criteria(0)->set_display_name(std::string(100, 'x'));
  EXPECT_TRUE(ValidateModel(&model).ok());
}

TEST(ValidateModelTest, KindIsRequired) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_criteria(1)->set_kind(v1::CRITERION_KIND_UNSPECIFIED);
  ExpectInvalid(model, "model.criteria[1].kind");
}

TEST(ValidateModelTest, DerivedThresholdsAreNineAscendingFiniteValues) {
  v1::ScoreModel model = DefaultModel();
  for (double t : {1, 2, 3}) model.mutable_criteria(0)->add_thresholds(t);
  ExpectInvalid(model, "model.criteria[0].thresholds");

  model = DefaultModel();
  for (double t : {1, 2, 3, 5, 4, 6, 7, 8, 9}) {
    model.mutable_criteria(0)->add_thresholds(t);
  }
  ExpectInvalid(model, "model.criteria[0].thresholds[4]");

  model = DefaultModel();
  for (double t : {1.0, 2.0, std::numeric_limits<double>::quiet_NaN(), 4.0, 5.0,
                   6.0, 7.0, 8.0, 9.0}) {
    model.mutable_criteria(0)->add_thresholds(t);
  }
  ExpectInvalid(model, "model.criteria[0].thresholds[2]");
}

TEST(ValidateModelTest, ManualHasNoThresholds) {
  v1::ScoreModel model = DefaultModel();
  for (double t : {1, 2, 3, 4, 5, 6, 7, 8, 9}) {
    model.mutable_criteria(kStrategicFit)->add_thresholds(t);
  }
  ExpectInvalid(model, "model.criteria[7].thresholds");
}

TEST(ValidateModelTest, OneToThirtyCriteria) {
  v1::ScoreModel model = DefaultModel();
  model.clear_criteria();
  ExpectInvalid(model, "model.criteria");

  // 30 criteria weighing 4 (x10) and 3 (x20) add up to 100.
  model = DefaultModel();
  model.clear_criteria();
  model.mutable_portfolio()->clear_attractiveness_criteria();
  model.mutable_portfolio()->clear_strength_criteria();
  for (int i = 0; i < 30; ++i) {
    v1::Criterion* criterion = model.add_criteria();
    criterion->set_id(absl::StrCat("c", i));
    criterion->set_kind(v1::MANUAL);
    criterion->set_weight(i < 10 ? 4 : 3);
  }
  model.mutable_portfolio()->add_attractiveness_criteria("c0");
  model.mutable_portfolio()->add_strength_criteria("c1");
  EXPECT_TRUE(ValidateModel(&model).ok());

  v1::Criterion* extra = model.add_criteria();
  extra->set_id("c30");
  extra->set_kind(v1::MANUAL);
  extra->set_weight(1);
  ExpectInvalid(model, "model.criteria");
}

TEST(ValidateModelTest, TierBandsMustAscend) {
  // A band whose demote line is above its promote line.
  v1::ScoreModel model = DefaultModel();
  model.mutable_tiers()->mutable_key()->set_demote_below(72);
  ExpectInvalid(model, "model.tiers.key.demote_below");

  model = DefaultModel();
  model.mutable_tiers()->mutable_key()->set_promote_at(101);
  ExpectInvalid(model, "model.tiers.key.promote_at");

  model = DefaultModel();
  model.mutable_tiers()->mutable_maintain()->set_demote_below(-1);
  ExpectInvalid(model, "model.tiers.maintain.demote_below");

  // Overlapping: potential key's promote line equals key's.
  model = DefaultModel();
  model.mutable_tiers()->mutable_potential_key()->set_promote_at(70);
  ExpectInvalid(model, "model.tiers.key.promote_at");

  // Overlapping demote lines (the promote lines still ascend).
  model = DefaultModel();
  model.mutable_tiers()->mutable_potential_key()->set_promote_at(68);
  model.mutable_tiers()->mutable_potential_key()->set_demote_below(65);
  ExpectInvalid(model, "model.tiers.key.demote_below");

  // Descending: maintain above potential key.
  model = DefaultModel();
  model.mutable_tiers()->mutable_maintain()->set_promote_at(60);
  model.mutable_tiers()->mutable_maintain()->set_demote_below(58);
  ExpectInvalid(model, "model.tiers.potential_key.promote_at");

  // Missing altogether: every line is 0.
  model = DefaultModel();
  model.clear_tiers();
  ExpectInvalid(model, "model.tiers.key.promote_at");
}

TEST(ValidateModelTest, PortfolioAxesNameCriteriaOnceAndAreDisjoint) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_portfolio()->set_attractiveness_criteria(0, "size");
  ExpectInvalid(model, "model.portfolio.attractiveness_criteria[0]");

  model = DefaultModel();
  model.mutable_portfolio()->add_strength_criteria("growth");
  ExpectInvalid(model, "model.portfolio.strength_criteria[4]");

  model = DefaultModel();
  model.mutable_portfolio()->add_attractiveness_criteria("growth");
  ExpectInvalid(model, "model.portfolio.attractiveness_criteria[4]");

  model = DefaultModel();
  model.mutable_portfolio()->clear_strength_criteria();
  ExpectInvalid(model, "model.portfolio.strength_criteria");
}

TEST(ValidateModelTest, MidpointIsZeroOrOneToTen) {
  v1::ScoreModel model = DefaultModel();
  model.mutable_portfolio()->set_midpoint(11);
  ExpectInvalid(model, "model.portfolio.midpoint");
  model.mutable_portfolio()->set_midpoint(0.5);
  ExpectInvalid(model, "model.portfolio.midpoint");
  model.mutable_portfolio()->set_midpoint(10);
  EXPECT_TRUE(ValidateModel(&model).ok());
}

TEST(ValidateModelTest, CurrencyAndRatesAreIsoCodes) {
  v1::ScoreModel model = DefaultModel();
  model.set_currency("eur");
  ExpectInvalid(model, "model.currency");
  model.clear_currency();
  ExpectInvalid(model, "model.currency");

  model = DefaultModel();
  (*model.mutable_exchange_rates_micros())["usd"] = 920000;
  ExpectInvalid(model, "model.exchange_rates_micros[\"usd\"]");

  model = DefaultModel();
  (*model.mutable_exchange_rates_micros())["USD"] = 0;
  ExpectInvalid(model, "model.exchange_rates_micros[\"USD\"]");
}

TEST(ValidateModelTest, MissingRatingIsZeroOrOneToTen) {
  v1::ScoreModel model = DefaultModel();
  model.set_missing_rating(11);
  ExpectInvalid(model, "model.missing_rating");
  model.set_missing_rating(-1);
  ExpectInvalid(model, "model.missing_rating");
  model.set_missing_rating(10);
  EXPECT_TRUE(ValidateModel(&model).ok());
}

TEST(ValidateModelTest, DisplayNameRequiredAndAtMost200Chars) {
  v1::ScoreModel model = DefaultModel();
  model.clear_display_name();
  ExpectInvalid(model, "model.display_name");
  model.set_display_name(std::string(201, 'x'));
  ExpectInvalid(model, "model.display_name");
}

// ---------------------------------------------------------------------------
// RatingFor, MinorPerMajor, ToModelCurrency.

TEST(RatingForTest, CountsThresholdsAtOrBelowTheValue) {
  const auto revenue = Field(DefaultThresholds(v1::REVENUE_SIZE));
  EXPECT_EQ(RatingFor(0, revenue), 1);
  EXPECT_EQ(RatingFor(249999.99, revenue), 1);
  EXPECT_EQ(RatingFor(250000, revenue), 2);  // on a threshold counts
  EXPECT_EQ(RatingFor(12900000, revenue), 7);
  EXPECT_EQ(RatingFor(59999999, revenue), 9);
  EXPECT_EQ(RatingFor(60000000, revenue), 10);
  EXPECT_EQ(RatingFor(1e12, revenue), 10);

  const auto growth = Field(DefaultThresholds(v1::GROWTH));
  EXPECT_EQ(RatingFor(-50, growth), 1);
  EXPECT_EQ(RatingFor(0, growth), 5);
  // Equal thresholds both count once the value reaches them.
  EXPECT_EQ(RatingFor(1, Field({1, 1, 2, 3, 4, 5, 6, 7, 8})), 3);
}

TEST(MinorPerMajorTest, FollowsIso4217) {
  EXPECT_EQ(MinorPerMajor("EUR"), 100);
  EXPECT_EQ(MinorPerMajor("DKK"), 100);
  EXPECT_EQ(MinorPerMajor("JPY"), 1);
  EXPECT_EQ(MinorPerMajor("KRW"), 1);
  EXPECT_EQ(MinorPerMajor("ISK"), 1);
  EXPECT_EQ(MinorPerMajor("KWD"), 1000);
  EXPECT_EQ(MinorPerMajor("BHD"), 1000);
}

TEST(ToModelCurrencyTest, ModelCurrencyNeedsNoRate) {
  const v1::ScoreModel model = DefaultModel();
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("EUR", 12345), model), 123.45);
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("EUR", -500), model), -5);
}

TEST(ToModelCurrencyTest, OtherCurrenciesGoThroughTheirRate) {
  v1::ScoreModel model = DefaultModel();
  // 1,000.00 DKK at 0.134 EUR.
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("DKK", 100000), model), 134);
  // 10,000.00 USD at 0.92 EUR.
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("USD", 1000000), model), 9200);
  // No rate for JPY in the default model.
  EXPECT_FALSE(ToModelCurrency(Cents("JPY", 1000), model).has_value());
  // With one: 1,000 JPY (no minor unit) at 0.006 EUR; 1.500 KWD at 3 EUR.
  (*model.mutable_exchange_rates_micros())["JPY"] = 6000;
  (*model.mutable_exchange_rates_micros())["KWD"] = 3000000;
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("JPY", 1000), model), 6);
  EXPECT_DOUBLE_EQ(*ToModelCurrency(Cents("KWD", 1500), model), 4.5);
}

// ---------------------------------------------------------------------------
// FiguresForYear and LatestYear.

TEST(FiguresForYearTest, YearFactBeatsQuarters) {
  AccountFacts facts;
  AddFact(&facts, "2025", "EUR", 1000, 300, 50);
  AddFact(&facts, "2025-Q1", "EUR", 100, 10);
  AddFact(&facts, "2025-03", "EUR", 70, 7);
  std::optional<AnnualFigures> figures =
      FiguresForYear(facts, DefaultModel(), 2025);
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ(figures->year, 2025);
  EXPECT_DOUBLE_EQ(figures->revenue, 1000);
  EXPECT_DOUBLE_EQ(figures->gross_margin, 300);
  EXPECT_DOUBLE_EQ(figures->cost_to_serve, 50);
  EXPECT_TRUE(figures->complete);
}

TEST(FiguresForYearTest, QuartersBeatMonthsAndAreAnnualised) {
  AccountFacts facts;
  AddFact(&facts, "2025-Q1", "EUR", 300, 60, 12);
  AddFact(&facts, "2025-Q2", "EUR", 300, 60, 12);
  AddFact(&facts, "2025-07", "EUR", 999, 99);
  std::optional<AnnualFigures> figures =
      FiguresForYear(facts, DefaultModel(), 2025);
  ASSERT_TRUE(figures.has_value());
  // Two quarters of 600 in all: x 4/2.
  EXPECT_DOUBLE_EQ(figures->revenue, 1200);
  EXPECT_DOUBLE_EQ(figures->gross_margin, 240);
  EXPECT_DOUBLE_EQ(figures->cost_to_serve, 48);
  EXPECT_FALSE(figures->complete);
}

TEST(FiguresForYearTest, AllFourQuartersAreComplete) {
  AccountFacts facts;
  for (const char* quarter : {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}) {
    AddFact(&facts, quarter, "EUR", 250, 50);
  }
  std::optional<AnnualFigures> figures =
      FiguresForYear(facts, DefaultModel(), 2025);
  ASSERT_TRUE(figures.has_value());
  EXPECT_DOUBLE_EQ(figures->revenue, 1000);
  EXPECT_DOUBLE_EQ(figures->cost_to_serve, 0);  // absent cost is zero
  EXPECT_TRUE(figures->complete);
}

TEST(FiguresForYearTest, PartialMonthsAreAnnualised) {
  AccountFacts facts;
  AddFact(&facts, "2025-01", "EUR", 100, 20);
  AddFact(&facts, "2025-02", "EUR", 100, 20);
  AddFact(&facts, "2025-03", "EUR", 100, 20);
  AddFact(&facts, "2024-12", "EUR", 5000, 20);  // another year
  std::optional<AnnualFigures> figures =
      FiguresForYear(facts, DefaultModel(), 2025);
  ASSERT_TRUE(figures.has_value());
  // Three months of 300: x 12/3.
  EXPECT_DOUBLE_EQ(figures->revenue, 1200);
  EXPECT_DOUBLE_EQ(figures->gross_margin, 240);
  EXPECT_FALSE(figures->complete);
}

TEST(FiguresForYearTest, ConvertsAndLeavesOutFactsWithoutARate) {
  AccountFacts facts;
  // The year fact is in yen, which the default model has no rate for, so
  // the (convertible) quarter is used instead.
  AddFact(&facts, "2025", "JPY", 1000000, 1000);
  AddFact(&facts, "2025-Q1", "DKK", 1000, 100);
  std::optional<AnnualFigures> figures =
      FiguresForYear(facts, DefaultModel(), 2025);
  ASSERT_TRUE(figures.has_value());
  // 1,000 DKK = 134 EUR, x 4.
  EXPECT_DOUBLE_EQ(figures->revenue, 536);
  EXPECT_FALSE(figures->complete);

  AccountFacts yen_only;
  AddFact(&yen_only, "2025", "JPY", 1000000, 1000);
  EXPECT_FALSE(FiguresForYear(yen_only, DefaultModel(), 2025).has_value());
}

TEST(FiguresForYearTest, NothingForAYearWithoutFacts) {
  AccountFacts facts;
  AddFact(&facts, "2025", "EUR", 1000, 300);
  EXPECT_FALSE(FiguresForYear(facts, DefaultModel(), 2024).has_value());
}

TEST(LatestYearTest, LatestConvertibleYearOfAnyPeriod) {
  AccountFacts facts;
  EXPECT_FALSE(LatestYear(facts, DefaultModel()).has_value());
  AddFact(&facts, "2023", "EUR", 1000, 300);
  AddFact(&facts, "2025-03", "EUR", 100, 30);
  AddFact(&facts, "2026", "JPY", 100000, 300);  // no rate: left out
  AddFact(&facts, "latest", "EUR", 100, 30);    // not a period
  EXPECT_EQ(LatestYear(facts, DefaultModel()), 2025);
}

// ---------------------------------------------------------------------------
// ScoreAccount.

// A well-run account, every criterion with data.
AccountFacts Acme() {
  AccountFacts facts;
  facts.set_account_id("acme");
  facts.set_display_name("Acme A/S");
  AddFact(&facts, "2025", "EUR", 12900000, 3225000, 903000);
  AddFact(&facts, "2025-Q4", "EUR", 5000000, 1);  // the year fact wins
  AddFact(&facts, "2024", "EUR", 11500000, 2500000, 800000);
  *facts.mutable_potential_revenue() = Cents("EUR", int64_t{3000000000});
  facts.mutable_engagement()->set_nps(35);
  facts.mutable_engagement()->set_role_coverage_percent(60);
  facts.mutable_engagement()->set_overdue(false);
  AddContact(&facts, "c1",
             {kam::registry::v1::USER, kam::registry::v1::AMBASSADOR},
             kam::registry::v1::MANAGEMENT, kam::registry::v1::ADVOCATE);
  // An executive advocate, but not an ambassador: does not count.
  AddContact(&facts, "c2", {kam::registry::v1::DECIDER},
             kam::registry::v1::EXECUTIVE, kam::registry::v1::ADVOCATE);
  AddContact(&facts, "c3", {kam::registry::v1::AMBASSADOR},
             kam::registry::v1::OPERATIONAL, kam::registry::v1::NEUTRAL);
  v1::Rating& fit = (*facts.mutable_ratings())["strategic-fit"];
  fit.set_value(9);
  fit.set_rater("kam@example.com");
  return facts;
}

TEST(ScoreAccountTest, HandCheckedAccountUnderDefaultModel) {
  // By hand (value -> rating by the default thresholds, x weight):
  //   revenue size     12.9M EUR          -> 7  x 20 = 140
  //   profitability    (3.225M - 0.903M) / 12.9M = 18%
  //                                       -> 6  x 20 = 120
  //   growth           12.9M / 11.5M - 1 = +12.17%
  //                                       -> 8  x 15 = 120
  //   share of wallet  12.9M / 30M = 43%  -> 7  x 10 =  70
  //   satisfaction     NPS 35             -> 8  x 10 =  80
  //   engagement       60 / 2 + 50 = 80   -> 9  x 10 =  90
  //   reference value  management advocate 3*2+1 = 7
  //                                       -> 8  x  5 =  40
  //   strategic fit    rated 9            -> 9  x 10 =  90
  //   score = 750 / 10 = 75.00
  //   attractiveness = (140 + 120 + 120 + 90) / 65 = 7.2307... -> 7.23
  //   strength       = (70 + 80 + 90 + 40) / 35    = 8.00
  const v1::ScoreModel model = ValidDefaultModel();
  v1::Score score;
  score.set_previous_score(61);  // the caller's, left alone
  ScoreAccount(model, Acme(), &score);

  EXPECT_EQ(score.account(), "accounts/acme");
  EXPECT_EQ(score.display_name(), "Acme A/S");
  EXPECT_EQ(score.model(), "scoringModels/default");
  EXPECT_EQ(score.model_version(), 1);
  EXPECT_DOUBLE_EQ(score.score(), 75);
  EXPECT_DOUBLE_EQ(score.attractiveness(), 7.23);
  EXPECT_DOUBLE_EQ(score.strength(), 8);
  EXPECT_EQ(score.quadrant(), v1::STRATEGIC);
  EXPECT_EQ(score.fiscal_year(), 2025);
  EXPECT_EQ(score.revenue().currency_code(), "EUR");
  EXPECT_EQ(score.revenue().minor_units(), 1290000000);
  EXPECT_EQ(score.gross_profit().currency_code(), "EUR");
  EXPECT_EQ(score.gross_profit().minor_units(), 322500000);
  EXPECT_EQ(score.previous_score(), 61);
  EXPECT_EQ(score.computed_tier(), kUnspecified);

  const std::vector<int> ratings = {7, 6, 8, 7, 8, 9, 8, 9};
  const std::vector<double> points = {14, 12, 12, 7, 8, 9, 4, 9};
  ASSERT_EQ(score.breakdown_size(), 8);
  for (int i = 0; i < 8; ++i) {
    const v1::CriterionScore& entry = score.breakdown(i);
    EXPECT_EQ(entry.criterion_id(), model.criteria(i).id());
    EXPECT_EQ(entry.kind(), model.criteria(i).kind());
    EXPECT_EQ(entry.weight(), model.criteria(i).weight());
    EXPECT_EQ(entry.rating(), ratings[i]) << entry.criterion_id();
    EXPECT_DOUBLE_EQ(entry.points(), points[i]) << entry.criterion_id();
    EXPECT_FALSE(entry.missing()) << entry.criterion_id();
  }
  EXPECT_DOUBLE_EQ(score.breakdown(kRevenueSize).value(), 12900000);
  EXPECT_NEAR(score.breakdown(kProfitability).value(), 18, 1e-9);
  EXPECT_NEAR(score.breakdown(kGrowth).value(), 12.1739, 1e-4);
  EXPECT_NEAR(score.breakdown(kShareOfWallet).value(), 43, 1e-9);
  EXPECT_DOUBLE_EQ(score.breakdown(kSatisfaction).value(), 35);
  EXPECT_DOUBLE_EQ(score.breakdown(kEngagement).value(), 80);
  EXPECT_DOUBLE_EQ(score.breakdown(kReferenceValue).value(), 7);
  EXPECT_FALSE(score.breakdown(kStrategicFit).has_value());

  EXPECT_EQ(score.breakdown(kRevenueSize).explanation(),
            "revenue 12.9M EUR in 2025 -> 7");
  EXPECT_EQ(score.breakdown(kProfitability).explanation(),
            "margin after cost to serve 18.0% in 2025 -> 6");
  EXPECT_EQ(score.breakdown(kGrowth).explanation(),
            "revenue +12.2% from 2024 to 2025 -> 8");
  EXPECT_EQ(score.breakdown(kShareOfWallet).explanation(),
            "43.0% of 30M EUR potential -> 7");
  EXPECT_EQ(score.breakdown(kSatisfaction).explanation(), "NPS 35 -> 8");
  EXPECT_EQ(score.breakdown(kEngagement).explanation(),
            "role coverage 60%, on cadence -> 9");
  EXPECT_EQ(score.breakdown(kReferenceValue).explanation(),
            "best ambassador: management, advocate (7) -> 8");
  EXPECT_EQ(score.breakdown(kStrategicFit).explanation(),
            "rated 9 by kam@example.com");

  // And it is a key account from its first score.
  EXPECT_EQ(NextTier(model.tiers(), kUnspecified, score.score()), kKey);
}

TEST(ScoreAccountTest, TopOfEveryScaleScores100) {
  AccountFacts facts;
  facts.set_account_id("best");
  AddFact(&facts, "2025", "EUR", 60000000, 30000000, 1000000);
  AddFact(&facts, "2024", "EUR", 40000000, 20000000);
  *facts.mutable_potential_revenue() = Cents("EUR", int64_t{7000000000});
  facts.mutable_engagement()->set_nps(60);
  facts.mutable_engagement()->set_role_coverage_percent(100);
  AddContact(&facts, "c", {kam::registry::v1::AMBASSADOR},
             kam::registry::v1::EXECUTIVE, kam::registry::v1::NEUTRAL);
  (*facts.mutable_ratings())["strategic-fit"].set_value(10);
  v1::Score score;
  ScoreAccount(ValidDefaultModel(), facts, &score);
  EXPECT_DOUBLE_EQ(score.score(), 100);
  EXPECT_DOUBLE_EQ(score.attractiveness(), 10);
  EXPECT_DOUBLE_EQ(score.strength(), 10);
}

TEST(ScoreAccountTest, MissingDataUsesMissingRatingAndSaysSo) {
  v1::ScoreModel model = DefaultModel();
  model.set_missing_rating(3);
  ASSERT_TRUE(ValidateModel(&model).ok());
  AccountFacts facts;
  facts.set_account_id("newco");
  v1::Score score;
  ScoreAccount(model, facts, &score);

  // Seven criteria without data at 3; no ambassador is a fact, rated 1:
  // (95 x 3 + 5 x 1) / 10 = 29.
  EXPECT_DOUBLE_EQ(score.score(), 29);
  for (int i = 0; i < score.breakdown_size(); ++i) {
    const v1::CriterionScore& entry = score.breakdown(i);
    if (i == kReferenceValue) continue;
    EXPECT_TRUE(entry.missing()) << entry.criterion_id();
    EXPECT_EQ(entry.rating(), 3) << entry.criterion_id();
    EXPECT_FALSE(entry.has_value()) << entry.criterion_id();
    EXPECT_TRUE(absl::EndsWith(entry.explanation(), "(missing, rated 3)"))
        << entry.explanation();
  }
  EXPECT_EQ(score.breakdown(kSatisfaction).explanation(),
            "no NPS yet (missing, rated 3)");
  const v1::CriterionScore& reference = score.breakdown(kReferenceValue);
  EXPECT_FALSE(reference.missing());
  EXPECT_EQ(reference.rating(), 1);
  EXPECT_DOUBLE_EQ(reference.value(), 0);
  EXPECT_EQ(reference.explanation(), "no ambassador -> 1");

  // Without financials there is no fiscal year and no money.
  EXPECT_EQ(score.fiscal_year(), 0);
  EXPECT_FALSE(score.has_revenue());
  EXPECT_FALSE(score.has_gross_profit());
  // attractiveness: all 3; strength: (30 x 3 + 5 x 1) / 35 = 2.714 -> 2.71.
  EXPECT_DOUBLE_EQ(score.attractiveness(), 3);
  EXPECT_DOUBLE_EQ(score.strength(), 2.71);
  EXPECT_EQ(score.quadrant(), v1::STREAMLINE);
}

TEST(ScoreAccountTest, EachCriterionMissingOnItsOwn) {
  const v1::ScoreModel model = ValidDefaultModel();
  AccountFacts facts;
  facts.set_account_id("thin");
  // Revenue 0 in the only year: size rates 1 (a fact), profitability and
  // growth have nothing to go on.
  AddFact(&facts, "2025", "EUR", 0, 0);
  // An engagement summary without NPS: satisfaction missing, engagement
  // 20 / 2 + 0 (overdue) = 10 -> 2.
  facts.mutable_engagement()->set_role_coverage_percent(20);
  facts.mutable_engagement()->set_overdue(true);
  // Potential revenue in a currency without a rate.
  *facts.mutable_potential_revenue() = Cents("JPY", 1000000);
  v1::Score score;
  ScoreAccount(model, facts, &score);

  EXPECT_FALSE(score.breakdown(kRevenueSize).missing());
  EXPECT_EQ(score.breakdown(kRevenueSize).rating(), 1);
  EXPECT_TRUE(score.breakdown(kProfitability).missing());
  EXPECT_EQ(score.breakdown(kProfitability).explanation(),
            "no revenue in 2025 (missing, rated 1)");
  EXPECT_TRUE(score.breakdown(kGrowth).missing());
  EXPECT_TRUE(score.breakdown(kShareOfWallet).missing());
  EXPECT_TRUE(score.breakdown(kSatisfaction).missing());
  EXPECT_FALSE(score.breakdown(kEngagement).missing());
  EXPECT_DOUBLE_EQ(score.breakdown(kEngagement).value(), 10);
  EXPECT_EQ(score.breakdown(kEngagement).rating(), 2);
  EXPECT_EQ(score.breakdown(kEngagement).explanation(),
            "role coverage 20%, overdue -> 2");
  EXPECT_TRUE(score.breakdown(kStrategicFit).missing());
  EXPECT_EQ(score.fiscal_year(), 2025);
  EXPECT_EQ(score.revenue().minor_units(), 0);
}

TEST(ScoreAccountTest, FinancialsWithoutARateAreMissingAndNamed) {
  AccountFacts facts;
  facts.set_account_id("tokyo");
  AddFact(&facts, "2025", "JPY", 1000000, 300000);
  v1::Score score;
  ScoreAccount(ValidDefaultModel(), facts, &score);
  EXPECT_TRUE(score.breakdown(kRevenueSize).missing());
  EXPECT_EQ(score.breakdown(kRevenueSize).explanation(),
            "no financials convertible to EUR, no rate for JPY (missing, "
            "rated 1)");
  EXPECT_FALSE(score.has_revenue());
}

TEST(ScoreAccountTest, ForeignCurrencyRevenueIsConverted) {
  AccountFacts facts;
  facts.set_account_id("copenhagen");
  // 10,000,000.00 DKK at 0.134 = 1,340,000 EUR; the gross margin likewise.
  AddFact(&facts, "2025", "DKK", 10000000, 2500000);
  v1::Score score;
  ScoreAccount(ValidDefaultModel(), facts, &score);
  EXPECT_EQ(score.revenue().currency_code(), "EUR");
  EXPECT_EQ(score.revenue().minor_units(), 134000000);
  EXPECT_EQ(score.gross_profit().minor_units(), 33500000);
  EXPECT_EQ(score.breakdown(kRevenueSize).rating(), 4);  // 1M <= 1.34M < 2M
}

TEST(ScoreAccountTest, PartialYearIsAnnualisedAndSaysSo) {
  AccountFacts facts;
  facts.set_account_id("halfyear");
  AddFact(&facts, "2025-Q1", "EUR", 1000000, 200000);
  AddFact(&facts, "2025-Q2", "EUR", 1000000, 200000);
  v1::Score score;
  ScoreAccount(ValidDefaultModel(), facts, &score);
  EXPECT_EQ(score.revenue().minor_units(), 400000000);
  EXPECT_EQ(score.breakdown(kRevenueSize).explanation(),
            "revenue 4M EUR in 2025 (annualised) -> 6");
}

TEST(ScoreAccountTest, RevenueIsShownCompactly) {
  struct Case {
    int64_t revenue;
    std::string explanation;
  };
  for (const Case& c : {
           Case{250000, "revenue 250k EUR in 2025 -> 2"},
           Case{999999, "revenue 1M EUR in 2025 -> 3"},
           Case{1500, "revenue 1.5k EUR in 2025 -> 1"},
           Case{120000000, "revenue 120M EUR in 2025 -> 10"},
       }) {
    AccountFacts facts;
    AddFact(&facts, "2025", "EUR", c.revenue, 0);
    v1::Score score;
    ScoreAccount(ValidDefaultModel(), facts, &score);
    EXPECT_EQ(score.breakdown(kRevenueSize).explanation(), c.explanation);
  }
}

// The reference value of an account with the given contacts.
double ReferenceValue(const AccountFacts& facts) {
  v1::Score score;
  ScoreAccount(ValidDefaultModel(), facts, &score);
  return score.breakdown(kReferenceValue).value();
}

TEST(ScoreAccountTest, ReferenceValueLevels) {
  using kam::registry::v1::ADVOCATE;
  using kam::registry::v1::AMBASSADOR;
  using kam::registry::v1::NEUTRAL;
  struct Case {
    kam::registry::v1::OrgLevel level;
    kam::registry::v1::Attitude attitude;
    double value;
  };
  for (const Case& c : {
           Case{kam::registry::v1::ORG_LEVEL_UNSPECIFIED, NEUTRAL, 0},
           Case{kam::registry::v1::ORG_LEVEL_UNSPECIFIED, ADVOCATE, 1},
           Case{kam::registry::v1::OPERATIONAL, NEUTRAL, 3},
           Case{kam::registry::v1::OPERATIONAL, ADVOCATE, 4},
           Case{kam::registry::v1::MANAGEMENT, NEUTRAL, 6},
           Case{kam::registry::v1::MANAGEMENT, ADVOCATE, 7},
           Case{kam::registry::v1::EXECUTIVE, NEUTRAL, 9},
           Case{kam::registry::v1::EXECUTIVE, ADVOCATE, 10},
       }) {
    AccountFacts facts;
    AddContact(&facts, "a", {AMBASSADOR}, c.level, c.attitude);
    EXPECT_DOUBLE_EQ(ReferenceValue(facts), c.value)
        << "level " << c.level << " attitude " << c.attitude;
  }

  // The best ambassador counts; non-ambassadors never do.
  AccountFacts facts;
  AddContact(&facts, "ceo", {kam::registry::v1::DECIDER},
             kam::registry::v1::EXECUTIVE, ADVOCATE);
  EXPECT_DOUBLE_EQ(ReferenceValue(facts), 0);
  AddContact(&facts, "ops", {AMBASSADOR}, kam::registry::v1::OPERATIONAL,
             ADVOCATE);
  AddContact(&facts, "mgr", {AMBASSADOR}, kam::registry::v1::MANAGEMENT,
             NEUTRAL);
  EXPECT_DOUBLE_EQ(ReferenceValue(facts), 6);
}

// ---------------------------------------------------------------------------
// NextTier and IsHigherTier (default lines: key 70/62, potential key 55/50,
// maintain 35/30).

TEST(NextTierTest, FirstScoreTakesTheTierItReaches) {
  const v1::TierThresholds tiers = DefaultModel().tiers();
  EXPECT_EQ(NextTier(tiers, kUnspecified, 70), kKey);
  EXPECT_EQ(NextTier(tiers, kUnspecified, 69.99), kPotentialKey);
  EXPECT_EQ(NextTier(tiers, kUnspecified, 55), kPotentialKey);
  EXPECT_EQ(NextTier(tiers, kUnspecified, 40), kMaintain);
  EXPECT_EQ(NextTier(tiers, kUnspecified, 34.99), kTransactional);
  EXPECT_EQ(NextTier(tiers, kUnspecified, 0), kTransactional);
}

TEST(NextTierTest, PromotesSeveralStepsAtOnce) {
  const v1::TierThresholds tiers = DefaultModel().tiers();
  EXPECT_EQ(NextTier(tiers, kTransactional, 71), kKey);
  EXPECT_EQ(NextTier(tiers, kTransactional, 56), kPotentialKey);
  EXPECT_EQ(NextTier(tiers, kMaintain, 70), kKey);
  // Below the promote line nothing moves up, even above demote_below.
  EXPECT_EQ(NextTier(tiers, kMaintain, 54.99), kMaintain);
  EXPECT_EQ(NextTier(tiers, kTransactional, 34.99), kTransactional);
}

TEST(NextTierTest, NoFlappingInsideTheBand) {
  const v1::TierThresholds tiers = DefaultModel().tiers();
  // A key account oscillating between key's demote (62) and promote (70)
  // lines stays key.
  Tier tier = kKey;
  for (double score : {69.0, 62.0, 69.99, 62.01, 66.5, 62.0}) {
    tier = NextTier(tiers, tier, score);
    EXPECT_EQ(tier, kKey) << score;
  }
  // A potential key account in the same band does not rise into key.
  tier = kPotentialKey;
  for (double score : {69.0, 65.0, 69.99, 50.0, 54.99}) {
    tier = NextTier(tiers, tier, score);
    EXPECT_EQ(tier, kPotentialKey) << score;
  }
}

TEST(NextTierTest, DemotesToTheBandBelow) {
  const v1::TierThresholds tiers = DefaultModel().tiers();
  EXPECT_EQ(NextTier(tiers, kKey, 61.99), kPotentialKey);
  // Below potential key's promote line but above its demote line: a fallen
  // key account lands in potential key, not in maintain.
  EXPECT_EQ(NextTier(tiers, kKey, 52), kPotentialKey);
  EXPECT_EQ(NextTier(tiers, kPotentialKey, 49.99), kMaintain);
  EXPECT_EQ(NextTier(tiers, kMaintain, 29.99), kTransactional);
  EXPECT_EQ(NextTier(tiers, kMaintain, 30), kMaintain);
}

TEST(NextTierTest, DemotesSeveralSteps) {
  const v1::TierThresholds tiers = DefaultModel().tiers();
  EXPECT_EQ(NextTier(tiers, kKey, 49.99), kMaintain);
  EXPECT_EQ(NextTier(tiers, kKey, 32), kMaintain);
  EXPECT_EQ(NextTier(tiers, kKey, 20), kTransactional);
  EXPECT_EQ(NextTier(tiers, kPotentialKey, 29), kTransactional);
}

TEST(IsHigherTierTest, KeyIsHighestUnspecifiedLowest) {
  EXPECT_TRUE(IsHigherTier(kKey, kPotentialKey));
  EXPECT_TRUE(IsHigherTier(kPotentialKey, kMaintain));
  EXPECT_TRUE(IsHigherTier(kMaintain, kTransactional));
  EXPECT_TRUE(IsHigherTier(kTransactional, kUnspecified));
  EXPECT_FALSE(IsHigherTier(kKey, kKey));
  EXPECT_FALSE(IsHigherTier(kTransactional, kMaintain));
}

// ---------------------------------------------------------------------------
// QuadrantOf.

TEST(QuadrantOfTest, MidpointCountsAsHigh) {
  EXPECT_EQ(QuadrantOf(5.5, 5.5, 5.5), v1::STRATEGIC);
  EXPECT_EQ(QuadrantOf(5.5, 5.49, 5.5), v1::STAR);
  EXPECT_EQ(QuadrantOf(5.49, 5.5, 5.5), v1::STATUS);
  EXPECT_EQ(QuadrantOf(5.49, 5.49, 5.5), v1::STREAMLINE);
  EXPECT_EQ(QuadrantOf(10, 1, 5.5), v1::STAR);
}

// ---------------------------------------------------------------------------
// ComputeAbc.

AbcItem Item(const std::string& id, int64_t gross_profit) {
  return AbcItem{absl::StrCat("accounts/", id), absl::StrCat("Account ", id),
                 gross_profit};
}

std::vector<v1::AbcClass> Classes(const v1::AbcAnalysis& analysis) {
  std::vector<v1::AbcClass> classes;
  for (const v1::AbcEntry& entry : analysis.entries()) {
    classes.push_back(entry.abc_class());
  }
  return classes;
}

TEST(ComputeAbcTest, TheAccountCrossingTheLineIsA) {
  v1::AbcAnalysis analysis;
  // Shares 60%, 30%, 10%: the second crosses 80% (60 before it) and is A;
  // the third has 90% before it, below 95%: B.
  ComputeAbc({Item("c", 100), Item("a", 600), Item("b", 300)}, 80, 15, "EUR",
             &analysis);
  EXPECT_EQ(analysis.a_percent(), 80);
  EXPECT_EQ(analysis.b_percent(), 15);
  EXPECT_EQ(Classes(analysis),
            (std::vector<v1::AbcClass>{v1::A, v1::A, v1::B}));
  EXPECT_EQ(analysis.entries(0).account(), "accounts/a");
  EXPECT_EQ(analysis.entries(0).display_name(), "Account a");
  EXPECT_EQ(analysis.entries(0).rank(), 1);
  EXPECT_EQ(analysis.entries(2).rank(), 3);
  EXPECT_EQ(analysis.entries(1).gross_profit().currency_code(), "EUR");
  EXPECT_EQ(analysis.entries(1).gross_profit().minor_units(), 300);
  EXPECT_EQ(analysis.total_gross_profit().currency_code(), "EUR");
  EXPECT_EQ(analysis.total_gross_profit().minor_units(), 1000);
  EXPECT_EQ(analysis.a_count(), 2);
  EXPECT_EQ(analysis.b_count(), 1);
  EXPECT_EQ(analysis.c_count(), 0);
}

TEST(ComputeAbcTest, SingleDominantAccountIsTheOnlyA) {
  v1::AbcAnalysis analysis;
  // 90%, 6%, 4%: the first is A on its own; 90% before the second is below
  // 95%: B; 96% before the third: C.
  ComputeAbc({Item("big", 900), Item("mid", 60), Item("small", 40)}, 80, 15,
             "EUR", &analysis);
  EXPECT_EQ(Classes(analysis),
            (std::vector<v1::AbcClass>{v1::A, v1::B, v1::C}));
  EXPECT_EQ(analysis.entries(0).share_bp(), 9000);
}

TEST(ComputeAbcTest, ExactlyEightyPercentBeforeMakesTheNextB) {
  v1::AbcAnalysis analysis;
  // 50% + 30% = exactly 80% before the third: not below 80, so B; 90% before
  // the fourth: B; 96% before the fifth: C.
  ComputeAbc({Item("a", 500), Item("b", 300), Item("c", 100), Item("d", 60),
              Item("e", 40)},
             80, 15, "EUR", &analysis);
  EXPECT_EQ(Classes(analysis),
            (std::vector<v1::AbcClass>{v1::A, v1::A, v1::B, v1::B, v1::C}));
  EXPECT_EQ(analysis.entries(1).cumulative_bp(), 8000);
  EXPECT_EQ(analysis.a_count(), 2);
  EXPECT_EQ(analysis.b_count(), 2);
  EXPECT_EQ(analysis.c_count(), 1);
}

TEST(ComputeAbcTest, NoPositiveGrossProfitIsC) {
  v1::AbcAnalysis analysis;
  ComputeAbc({Item("loss", -500), Item("zero", 0), Item("win", 100)}, 80, 15,
             "EUR", &analysis);
  ASSERT_EQ(analysis.entries_size(), 3);
  EXPECT_EQ(analysis.entries(0).account(), "accounts/win");
  EXPECT_EQ(analysis.entries(1).account(), "accounts/zero");
  EXPECT_EQ(analysis.entries(2).account(), "accounts/loss");
  EXPECT_EQ(Classes(analysis),
            (std::vector<v1::AbcClass>{v1::A, v1::C, v1::C}));
  // Losses do not reduce the total the shares are taken of.
  EXPECT_EQ(analysis.total_gross_profit().minor_units(), 100);
  EXPECT_EQ(analysis.entries(2).share_bp(), 0);
  EXPECT_EQ(analysis.entries(2).cumulative_bp(), 10000);
  EXPECT_EQ(analysis.entries(2).gross_profit().minor_units(), -500);

  // Nothing positive at all: everyone is C, with zero shares.
  ComputeAbc({Item("x", 0), Item("y", -1)}, 80, 15, "EUR", &analysis);
  EXPECT_EQ(Classes(analysis), (std::vector<v1::AbcClass>{v1::C, v1::C}));
  EXPECT_EQ(analysis.entries(0).share_bp(), 0);
  EXPECT_EQ(analysis.c_count(), 2);
  EXPECT_EQ(analysis.a_count(), 0);
}

TEST(ComputeAbcTest, TiesAreOrderedByAccountName) {
  v1::AbcAnalysis analysis;
  ComputeAbc({Item("b", 100), Item("c", 100), Item("a", 100)}, 80, 15, "EUR",
             &analysis);
  EXPECT_EQ(analysis.entries(0).account(), "accounts/a");
  EXPECT_EQ(analysis.entries(1).account(), "accounts/b");
  EXPECT_EQ(analysis.entries(2).account(), "accounts/c");
}

TEST(ComputeAbcTest, BasisPointsRoundDown) {
  v1::AbcAnalysis analysis;
  ComputeAbc({Item("a", 1), Item("b", 1), Item("c", 1)}, 80, 15, "DKK",
             &analysis);
  EXPECT_EQ(analysis.entries(0).share_bp(), 3333);
  EXPECT_EQ(analysis.entries(0).cumulative_bp(), 3333);
  EXPECT_EQ(analysis.entries(1).cumulative_bp(), 6666);
  EXPECT_EQ(analysis.entries(2).share_bp(), 3333);
  EXPECT_EQ(analysis.entries(2).cumulative_bp(), 10000);
  // 33.33% and 66.67% before: A, A, then 66.67% < 80: A as well.
  EXPECT_EQ(Classes(analysis),
            (std::vector<v1::AbcClass>{v1::A, v1::A, v1::A}));
}

TEST(ComputeAbcTest, LargeAmountsDoNotOverflow) {
  v1::AbcAnalysis analysis;
  const int64_t big = int64_t{4000000000000000000};  // 4e18 minor units
  ComputeAbc({Item("a", big), Item("b", big / 4)}, 80, 15, "EUR", &analysis);
  EXPECT_EQ(analysis.entries(0).share_bp(), 8000);
  EXPECT_EQ(analysis.entries(1).cumulative_bp(), 10000);
  EXPECT_EQ(Classes(analysis), (std::vector<v1::AbcClass>{v1::A, v1::B}));
}

}  // namespace
}  // namespace kam::scoring
