// Token auth on kam-scoring: services that only look tiers up get a
// tier-reader token that can do exactly that; people get viewer, editor or
// admin tokens for the rest.

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

class AuthTest : public ScoringTest {
 protected:
  AuthTest() {
    const std::string tokens = dir_.Sub("tokens");
    std::ofstream(tokens) << "# role token\n"
                          << "tier-reader tier-token\n"
                          << "viewer view-token\n"
                          << "editor edit-token\n"
                          << "admin admin-token\n";
    scoring_args_.push_back("--auth_tokens_file=" + tokens);
    scoring_token_ = "admin-token";
  }

  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedAcme();
  }

  // A client of the same server with another token.
  ScoringClient As(const std::string& token) {
    return ScoringClient(scoring_process().grpc_address(), token);
  }
};

TEST_F(AuthTest, ATierReaderLooksUpTiersAndNothingElse) {
  ScoringClient reader = As("tier-token");
  sv1::AccountTier tier;
  ASSERT_TRUE(IsOk(reader.GetTier(AccountName("acme"), &tier)));
  EXPECT_EQ(tier.tier(), cv1::POTENTIAL_KEY);
  sv1::BatchGetTiersResponse batch;
  ASSERT_TRUE(IsOk(reader.BatchGetTiers({AccountName("acme")}, &batch)));
  EXPECT_TRUE(batch.tiers(0).found());
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events = reader.ReadTierFeed();
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_FALSE(events->empty());

  sv1::Score score;
  EXPECT_TRUE(HasCode(reader.GetScore(AccountName("acme"), &score),
                      grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_TRUE(HasCode(reader.SetRating(NewRating("acme", "strategic-fit", 9)),
                      grpc::StatusCode::PERMISSION_DENIED));
  sv1::ListRatingsResponse ratings;
  ASSERT_TRUE(IsOk(scoring().ListRatings(AccountName("acme"), &ratings)));
  EXPECT_EQ(ratings.ratings_size(), 0) << "the refused rating wrote nothing";
  EXPECT_DOUBLE_EQ(MustGetScore("acme").score(), kAcmeScore);
}

TEST_F(AuthTest, CallsWithoutAValidTokenAreUnauthenticated) {
  sv1::AccountTier tier;
  EXPECT_TRUE(HasCode(As("").GetTier(AccountName("acme"), &tier),
                      grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_TRUE(HasCode(As("wrong").GetTier(AccountName("acme"), &tier),
                      grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_FALSE(As("").ReadTierFeed().ok());
}

TEST_F(AuthTest, RolesDecideWhoMayReadRateAndRescore) {
  ScoringClient viewer = As("view-token");
  ScoringClient editor = As("edit-token");
  sv1::Score score;
  EXPECT_TRUE(IsOk(viewer.GetScore(AccountName("acme"), &score)));
  EXPECT_TRUE(HasCode(viewer.SetRating(NewRating("acme", "strategic-fit", 9)),
                      grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_TRUE(IsOk(editor.SetRating(NewRating("acme", "strategic-fit", 9))));
  EXPECT_DOUBLE_EQ(MustGetScore("acme").score(), kAcmeScore + 8);

  // Full runs are for admins.
  sv1::StartRescoringRequest start;
  sv1::RescoringRun run;
  EXPECT_TRUE(
      HasCode(editor.Call(&sv1::Scoring::Stub::StartRescoring, start, &run),
              grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_TRUE(
      IsOk(scoring().Call(&sv1::Scoring::Stub::StartRescoring, start, &run)));
  absl::StatusOr<sv1::RescoringRun> ended = scoring().WaitForRun(run.name());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), sv1::SUCCEEDED);
}

}  // namespace
}  // namespace kam::scoring_test
