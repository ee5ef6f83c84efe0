// The read-only follower (kam-scoring --follow_primary): it converges on the
// primary's tiers, serves them while the primary is down, catches up after,
// mirrors the tier feed with the primary's own sequence numbers, and
// refuses what only the primary does.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace kam::scoring_test {
namespace {

class ScoringFollowerTest : public ScoringTest {
 protected:
  // Starts (or restarts) the follower on its own data directory, following
  // the primary's current address.
  void StartFollower() {
    follower_client_.reset();
    follower_.reset();
    auto process = test_support::ServiceProcess::Start(
        {.binary = ScoringBinary(),
         .data_dir = dir_.Sub("follower-data"),
         .run_dir = dir_.path(),
         .extra_args = {"--follow_primary=" + scoring_process().grpc_address(),
                        "--rescore_interval=20ms",
                        "--fixed_time=" + std::string(kFixedTime)}});
    ASSERT_TRUE(process.ok()) << process.status();
    follower_ = *std::move(process);
    follower_client_ =
        std::make_unique<ScoringClient>(follower_->grpc_address());
  }

  void TearDown() override {
    if (follower_ != nullptr && HasFailure()) {
      std::fprintf(stderr, "---- follower log ----\n%s\n----\n",
                   follower_->LogTail().c_str());
    }
    follower_client_.reset();
    if (follower_ != nullptr) follower_->Kill();
    ScoringTest::TearDown();
  }

  // Waits until the follower answers every portfolio account's tier as the
  // primary does: tier, source, since when, override. (Not the score: a
  // follower knows the score at the tier's last change only.)
  ::testing::AssertionResult Converged() {
    std::vector<std::string> names;
    for (const std::string& id : PortfolioIds())
      names.push_back(AccountName(id));
    std::string last;
    const bool same = test_support::WaitUntil(
        [&] {
          sv1::BatchGetTiersResponse primary, follower;
          if (!scoring().BatchGetTiers(names, &primary).ok() ||
              !follower_client_->BatchGetTiers(names, &follower).ok()) {
            return false;
          }
          for (auto* response : {&primary, &follower}) {
            for (sv1::AccountTier& tier : *response->mutable_tiers()) {
              tier.clear_score();
            }
          }
          last = follower.ShortDebugString();
          return primary.ShortDebugString() == follower.ShortDebugString();
        },
        absl::Seconds(15), absl::Milliseconds(50));
    if (same) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "follower still answers " << last;
  }

  std::unique_ptr<test_support::ServiceProcess> follower_;
  std::unique_ptr<ScoringClient> follower_client_;
};

TEST_F(ScoringFollowerTest, ConvergesServesWhilePrimaryIsDownAndCatchesUp) {
  SeedPortfolio();
  StartFollower();
  ASSERT_TRUE(Converged());

  // The mirrored feed has the primary's sequence numbers and events.
  auto primary_feed = scoring().ReadTierFeed(0);
  auto follower_feed = follower_client_->ReadTierFeed(0);
  ASSERT_TRUE(primary_feed.ok()) << primary_feed.status();
  ASSERT_TRUE(follower_feed.ok()) << follower_feed.status();
  ASSERT_EQ(follower_feed->size(), primary_feed->size());
  for (size_t i = 0; i < primary_feed->size(); ++i) {
    EXPECT_EQ((*follower_feed)[i].sequence(), (*primary_feed)[i].sequence());
    EXPECT_EQ((*follower_feed)[i].resource().value(),
              (*primary_feed)[i].resource().value());
  }

  // The primary goes down: the follower keeps answering.
  const sv1::AccountTier alpha_before = MustGetTier("alpha");
  KillScoring();
  sv1::AccountTier alpha;
  ASSERT_TRUE(IsOk(follower_client_->GetTier(AccountName("alpha"), &alpha)));
  EXPECT_EQ(alpha.tier(), alpha_before.tier());
  EXPECT_EQ(alpha.effective_time().seconds(),
            alpha_before.effective_time().seconds());

  // The primary returns (on a new port) and an override changes a tier
  // while the follower is away; the follower, restarted against it, catches
  // up from its cursor.
  StartScoring();
  ASSERT_TRUE(
      IsOk(scoring().SetOverride(NewOverride("zeta", cv1::KEY), nullptr)));
  StartFollower();
  ASSERT_TRUE(Converged());
  sv1::AccountTier zeta;
  ASSERT_TRUE(IsOk(follower_client_->GetTier(AccountName("zeta"), &zeta)));
  EXPECT_EQ(zeta.tier(), cv1::KEY);
  EXPECT_EQ(zeta.source(), sv1::OVERRIDE);
  EXPECT_EQ(zeta.override().author(), NewOverride("zeta", cv1::KEY).author());
}

TEST_F(ScoringFollowerTest, ServesOnlyLookups) {
  SeedPortfolio();
  StartFollower();
  ASSERT_TRUE(Converged());
  // Ready for lookups (its readiness name SERVING) once caught up.
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        grpc::health::v1::HealthCheckResponse health;
        return RegistryClient(follower_->grpc_address())
                   .HealthCheck("kam.scoring.v1.Scoring", &health)
                   .ok() &&
               health.status() ==
                   grpc::health::v1::HealthCheckResponse::SERVING;
      },
      absl::Seconds(10)));
  sv1::AccountTier tier;
  EXPECT_TRUE(HasCode(follower_client_->GetTier(AccountName("nobody"), &tier),
                      grpc::StatusCode::NOT_FOUND));
  sv1::Score score;
  EXPECT_TRUE(HasCode(follower_client_->GetScore(AccountName("alpha"), &score),
                      grpc::StatusCode::UNIMPLEMENTED));
  EXPECT_TRUE(HasCode(follower_client_->SetOverride(
                          NewOverride("alpha", cv1::MAINTAIN), nullptr),
                      grpc::StatusCode::UNIMPLEMENTED));
}

}  // namespace
}  // namespace kam::scoring_test
