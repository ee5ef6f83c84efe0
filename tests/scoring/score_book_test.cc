// Tier overrides ending by the clock, in-process on a real store with a
// fake clock (the integration tests run on a fixed clock, where no override
// can ever expire). An override ends either at ExpireOverrides' sweep or
// earlier, when the account is rescored after its expiry: both ways must
// leave the service working and must not end a newer override.
#include "services/scoring/score_book.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "rocksdb/write_batch.h"
#include "tests/support/temp_dir.h"

namespace kam::scoring {
namespace {

using kam::common::v1::ChangeEvent;
using kam::common::v1::Tier;

absl::Time Start() {
  return absl::FromCivil(absl::CivilSecond(2026, 6, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}

class OverrideExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store::Options options;
    options.path = dir_.Sub("db");
    options.column_families = ScoreBook::ColumnFamilies();
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    book_ = std::make_unique<ScoreBook>(store_.get(), &clock_, nullptr,
                                        ScoreBook::Options{});
    ASSERT_TRUE(book_->Load().ok());

    // One account, known from the registry's feed, scored without facts
    // (10 points: transactional).
    kam::registry::v1::Account account;
    account.set_name("accounts/acme");
    account.set_account_id("acme");
    account.set_display_name("Acme");
    ChangeEvent event;
    event.set_sequence(1);
    event.set_kind(ChangeEvent::CREATED);
    event.set_resource_name(account.name());
    event.mutable_resource()->PackFrom(account);
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(book_->StageRegistryEvent(event, &batch).ok());
    ASSERT_TRUE(store_->Write(&batch).ok());
    absl::StatusOr<int> applied = book_->ApplyInbox(100);
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_EQ(Tier("acme").tier(), kam::common::v1::TRANSACTIONAL);
  }

  v1::AccountTier Tier(const std::string& id) {
    v1::AccountTier tier;
    absl::Status status = book_->GetTier("accounts/" + id, &tier);
    EXPECT_TRUE(status.ok()) << status;
    return tier;
  }

  void SetOverride(kam::common::v1::Tier tier, absl::Duration lasting) {
    v1::SetTierOverrideRequest request;
    request.set_account("accounts/acme");
    request.set_tier(tier);
    request.set_reason("Strategic partner");
    request.set_author("head-of-sales@supplier.example");
    *request.mutable_expire_time() = ToProtoTime(clock_.Now() + lasting);
    v1::AccountTier out;
    absl::Status status = book_->SetTierOverride(request, &out);
    ASSERT_TRUE(status.ok()) << status;
  }

  void Rate(int value) {
    v1::SetRatingRequest request;
    request.set_account("accounts/acme");
    request.set_criterion_id("strategic-fit");
    request.set_value(value);
    request.set_rater("kam@supplier.example");
    v1::Rating rating;
    absl::Status status = book_->SetRating(request, &rating);
    ASSERT_TRUE(status.ok()) << status;
  }

  // ExpireOverrides on another thread. A sweep that never returns holds the
  // book's writer lock for good, so nothing could ever be written again:
  // fail and end the binary rather than hang until the CTest timeout.
  absl::StatusOr<int> ExpireOverrides() {
    auto result = std::make_shared<absl::StatusOr<int>>(0);
    auto done = std::make_shared<absl::Notification>();
    ScoreBook* book = book_.get();
    std::thread([book, result, done] {
      *result = book->ExpireOverrides();
      done->Notify();
    }).detach();
    if (!done->WaitForNotificationWithTimeout(absl::Seconds(10))) {
      std::fprintf(stderr,
                   "FAILED: ScoreBook::ExpireOverrides did not return within "
                   "10s (it loops, holding the writer lock)\n");
      std::fflush(stderr);
      std::_Exit(1);
    }
    return *result;
  }

  std::vector<v1::TierChange> History() {
    v1::ListTierHistoryRequest request;
    request.set_account("accounts/acme");
    v1::ListTierHistoryResponse response;
    absl::Status status = book_->ListTierHistory(request, &response);
    EXPECT_TRUE(status.ok()) << status;
    return {response.changes().begin(), response.changes().end()};
  }

  test_support::TempDir dir_;
  FakeClock clock_{Start()};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ScoreBook> book_;
};

TEST_F(OverrideExpiryTest, TheSweepEndsAnOverrideAtItsExpiry) {
  SetOverride(kam::common::v1::KEY, absl::Hours(1));
  absl::StatusOr<int> expired = ExpireOverrides();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0) << "not yet";
  EXPECT_EQ(Tier("acme").source(), v1::OVERRIDE);

  clock_.Advance(absl::Hours(2));
  expired = ExpireOverrides();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 1);
  const v1::AccountTier tier = Tier("acme");
  EXPECT_EQ(tier.tier(), kam::common::v1::TRANSACTIONAL);
  EXPECT_EQ(tier.source(), v1::COMPUTED);
  ASSERT_FALSE(History().empty());
  EXPECT_EQ(History().front().reason(), v1::OVERRIDE_EXPIRED);
}

TEST_F(OverrideExpiryTest, AnOverrideEndedByARescoreLeavesTheSweepWorking) {
  SetOverride(kam::common::v1::KEY, absl::Hours(1));
  clock_.Advance(absl::Hours(2));
  // Rescored before the sweep came round: the override ends here.
  Rate(8);
  EXPECT_EQ(Tier("acme").source(), v1::COMPUTED);
  EXPECT_EQ(History().front().reason(), v1::OVERRIDE_EXPIRED);

  absl::StatusOr<int> expired = ExpireOverrides();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0) << "nothing was left to end";
  // Writes still go through.
  Rate(9);
}

TEST_F(OverrideExpiryTest, TheSweepDoesNotEndANewerOverride) {
  SetOverride(kam::common::v1::KEY, absl::Hours(1));
  clock_.Advance(absl::Hours(2));
  Rate(8);  // ends the first override
  SetOverride(kam::common::v1::POTENTIAL_KEY, absl::Hours(24 * 30));

  absl::StatusOr<int> expired = ExpireOverrides();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0);
  const v1::AccountTier tier = Tier("acme");
  EXPECT_EQ(tier.tier(), kam::common::v1::POTENTIAL_KEY);
  EXPECT_EQ(tier.source(), v1::OVERRIDE)
      << "the first override's expiry ended the second one";
}

}  // namespace
}  // namespace kam::scoring
