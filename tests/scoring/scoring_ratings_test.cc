// Manual ratings: a person rates an account on the active model's manual
// criterion ("strategic-fit" in the default model) and sees the score move
// at once; a bad rating is refused with the field it got wrong and changes
// nothing.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

class RatingsTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedAcme();
  }
};

TEST_F(RatingsTest, ARatingRescoresTheAccountAtOnce) {
  sv1::Rating rating;
  ASSERT_TRUE(IsOk(
      scoring().SetRating(NewRating("acme", "strategic-fit", 9), &rating)));
  EXPECT_EQ(rating.name(), "accounts/acme/ratings/strategic-fit");
  EXPECT_EQ(rating.value(), 9);
  EXPECT_EQ(rating.rater(), "kam@supplier.example");
  EXPECT_EQ(rating.note(), "Quarterly account review");
  EXPECT_EQ(FromProto(rating.rate_time()), FixedNow());

  // No waiting: the answer to SetRating means the score is there.
  // strategic-fit (weight 10) goes from 1 (missing) to 9: +8.
  const sv1::Score score = MustGetScore("acme");
  EXPECT_DOUBLE_EQ(score.score(), kAcmeScore + 8);
  const sv1::CriterionScore* fit = FindCriterion(score, "strategic-fit");
  ASSERT_NE(fit, nullptr);
  EXPECT_EQ(fit->rating(), 9);
  EXPECT_FALSE(fit->missing());
  EXPECT_DOUBLE_EQ(fit->points(), 9);
  EXPECT_TRUE(absl::StrContains(fit->explanation(), "kam@supplier.example"))
      << fit->explanation();
  EXPECT_DOUBLE_EQ(score.previous_score(), kAcmeScore);
  EXPECT_DOUBLE_EQ(score.trend(), 8);
  EXPECT_DOUBLE_EQ(MustGetTier("acme").score(), kAcmeScore + 8);

  // A new rating replaces the old one.
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 3))));
  EXPECT_DOUBLE_EQ(MustGetScore("acme").score(), kAcmeScore + 2);
  sv1::ListRatingsResponse ratings;
  ASSERT_TRUE(IsOk(scoring().ListRatings(AccountName("acme"), &ratings)));
  ASSERT_EQ(ratings.ratings_size(), 1);
  EXPECT_EQ(ratings.ratings(0).name(), "accounts/acme/ratings/strategic-fit");
  EXPECT_EQ(ratings.ratings(0).value(), 3);

  std::vector<sv1::ScorePoint> points;
  ASSERT_TRUE(IsOk(scoring().ListScoreHistory(AccountName("acme"), &points)));
  ASSERT_GE(points.size(), 3u);
  EXPECT_DOUBLE_EQ(points[0].score(), kAcmeScore + 2);
  EXPECT_DOUBLE_EQ(points[1].score(), kAcmeScore + 8);
  EXPECT_DOUBLE_EQ(points[2].score(), kAcmeScore);
}

TEST_F(RatingsTest, BadRatingsAreRefusedAndChangeNothing) {
  ASSERT_TRUE(IsOk(scoring().SetRating(NewRating("acme", "strategic-fit", 9))));
  const std::string before = Snapshot({"acme"});

  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetRating(NewRating("acme", "strategic-fit", 0)), "value"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetRating(NewRating("acme", "strategic-fit", 11)), "value"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetRating(NewRating("acme", "no-such-criterion", 5)),
      "criterion_id"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetRating(NewRating("acme", "", 5)), "criterion_id"));
  // Revenue size is derived from the facts: nobody rates it by hand.
  const grpc::Status derived =
      scoring().SetRating(NewRating("acme", "revenue-size", 5));
  EXPECT_TRUE(IsInvalidArgumentFor(derived, "criterion_id"));
  EXPECT_TRUE(absl::StrContains(derived.error_message(), "strategic-fit"))
      << "the error should say which criteria can be rated: "
      << derived.error_message();
  sv1::SetRatingRequest no_rater = NewRating("acme", "strategic-fit", 5);
  no_rater.clear_rater();
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().SetRating(no_rater), "rater"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().SetRating(NewRating("acme/..", "strategic-fit", 5)),
      "account"));
  sv1::SetRatingRequest bare_id = NewRating("acme", "strategic-fit", 5);
  bare_id.set_account("acme");
  EXPECT_TRUE(IsInvalidArgumentFor(scoring().SetRating(bare_id), "account"));
  // An account scoring has never heard of: fix the registry first.
  EXPECT_TRUE(
      HasCode(scoring().SetRating(NewRating("nobody", "strategic-fit", 5)),
              grpc::StatusCode::FAILED_PRECONDITION));

  EXPECT_EQ(Snapshot({"acme"}), before);
  sv1::ListRatingsResponse ratings;
  EXPECT_TRUE(HasCode(scoring().ListRatings(AccountName("nobody"), &ratings),
                      grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace kam::scoring_test
