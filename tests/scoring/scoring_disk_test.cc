// A full disk under a real kam-scoring: rating writes are refused with
// RESOURCE_EXHAUSTED saying the disk is full while GetTier, BatchGetTiers,
// GetScore and health keep answering and the process stays up; once space
// is freed writes succeed again, and the last acknowledged rating survives a
// restart.
//
// scoring's data directory is a 64 MiB tmpfs of its own (root only; skipped
// otherwise), filled with a filler file beside the database.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/small_disk.h"

namespace kam::scoring_test {
namespace {

using test_support::FindMetric;
using ::testing::HasSubstr;

constexpr uint64_t kMiB = 1 << 20;

class ScoringDiskTest : public ScoringTest {
 protected:
  ScoringDiskTest() { scoring_args_ = {"--disk_reserve=8MiB"}; }

  void SetUp() override {
    std::filesystem::create_directories(dir_.Sub("scoring/data"));
    auto disk =
        test_support::SmallDisk::MountAt(dir_.Sub("scoring/data"), 64 * kMiB);
    if (!disk.ok()) GTEST_SKIP() << disk.status();
    disk_ = std::move(disk).value();
    ScoringTest::SetUp();
  }

  double ScoringMetric(const std::string& name) {
    std::optional<double> value = FindMetric(ScrapeScoring(), name, {});
    EXPECT_TRUE(value.has_value()) << name << " not exported";
    return value.value_or(-1);
  }

  std::unique_ptr<test_support::SmallDisk> disk_;
};

TEST_F(ScoringDiskTest, TierLookupsGoOnWhileWritesAreRefused) {
  SeedAcme();
  const sv1::AccountTier tier = MustGetTier("acme");

  ASSERT_TRUE(disk_->FillLeaving(9 * kMiB).ok());
  absl::SleepFor(absl::Milliseconds(300));  // scoring's next disk reading
  int last_acknowledged = 0;
  grpc::Status refused;
  for (int i = 0; i < 5000; ++i) {
    sv1::SetRatingRequest rating =
        NewRating("acme", "strategic-fit", 5 + i % 2);
    rating.set_note(std::string(2000, 'n'));
    refused = scoring().SetRating(rating);
    if (!refused.ok()) break;
    last_acknowledged = rating.value();
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(refused);
  EXPECT_THAT(refused.error_message(), HasSubstr("disk full"));
  ASSERT_NE(last_acknowledged, 0) << "no rating was written before the disk "
                                     "filled";

  // Reads, above all tier lookups, go on; the process stays up.
  for (int i = 0; i < 20; ++i) {
    sv1::AccountTier now;
    ASSERT_TRUE(scoring().GetTier(AccountName("acme"), &now).ok());
    EXPECT_EQ(now.tier(), tier.tier());
  }
  sv1::BatchGetTiersResponse batch;
  EXPECT_TRUE(scoring().BatchGetTiers({AccountName("acme")}, &batch).ok());
  sv1::Score score;
  EXPECT_TRUE(scoring().GetScore(AccountName("acme"), &score).ok());
  EXPECT_TRUE(scoring_process().running());
  EXPECT_LT(ScoringMetric("kam_store_disk_free_bytes"), 9.0 * kMiB);
  EXPECT_EQ(ScoringMetric("kam_store_writes_refusing"), 1);

  // Space returns: writes succeed again.
  disk_->RemoveFiller();
  const absl::Time freed = absl::Now();
  grpc::Status resumed;
  do {
    resumed = scoring().SetRating(NewRating("acme", "strategic-fit", 9));
    if (!resumed.ok()) absl::SleepFor(absl::Milliseconds(50));
  } while (!resumed.ok() && absl::Now() - freed < absl::Seconds(10));
  ASSERT_TRUE(resumed.ok()) << Describe(resumed);
  std::printf(
      "[ disk     ] scoring writes resumed %.0f ms after the filler "
      "went\n",
      absl::ToDoubleMilliseconds(absl::Now() - freed));

  // What was acknowledged is there after a restart.
  RestartScoring();
  sv1::ListRatingsResponse ratings;
  ASSERT_TRUE(scoring().ListRatings(AccountName("acme"), &ratings).ok());
  bool found = false;
  for (const sv1::Rating& rating : ratings.ratings()) {
    if (absl::EndsWith(rating.name(), "/strategic-fit")) {
      found = true;
      EXPECT_EQ(rating.value(), 9);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(MustGetTier("acme").tier(), tier.tier());
}

}  // namespace
}  // namespace kam::scoring_test
