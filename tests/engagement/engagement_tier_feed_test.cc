// Engagement follows scoring's tier feed: a TierChange sets the account's
// tier, which picks its cadence targets and shows in its summary, and a
// deletion (tier unspecified) puts it back on --default_tier. In-process,
// on a real store, because the two services' feeds point at each other and
// cannot both be started on port 0 knowing the other's address.
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "rocksdb/write_batch.h"
#include "services/engagement/engagement_ledger.h"
#include "tests/support/temp_dir.h"

namespace kam::engagement {
namespace {

using kam::common::v1::ChangeEvent;
using kam::common::v1::Tier;

class TierFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store::Options options;
    options.path = dir_.Sub("db");
    options.column_families = EngagementLedger::ColumnFamilies();
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ledger_ = std::make_unique<EngagementLedger>(
        store_.get(), &clock_,
        EngagementLedger::Options{kam::common::v1::MAINTAIN});

    kam::registry::v1::Account account;
    account.set_name("accounts/vestwind");
    account.set_account_id("vestwind");
    account.set_display_name("Vestwind Energy");
    account.set_lifecycle_status(kam::registry::v1::ACTIVE);
    *account.mutable_create_time() = ToProtoTime(clock_.Now());
    ChangeEvent event;
    event.set_sequence(1);
    event.set_kind(ChangeEvent::CREATED);
    event.set_resource_name(account.name());
    event.mutable_resource()->PackFrom(account);
    Apply([&](rocksdb::WriteBatch* batch) {
      return ledger_->ApplyRegistryEvent(event, batch);
    });
  }

  template <typename Fn>
  void Apply(Fn fn) {
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(fn(&batch).ok());
    ASSERT_TRUE(store_->Write(&batch).ok());
  }

  void ApplyTier(Tier tier) {
    kam::scoring::v1::TierChange change;
    change.set_account("accounts/vestwind");
    change.set_tier(tier);
    ChangeEvent event;
    event.set_kind(ChangeEvent::UPDATED);
    event.set_resource_name(change.account());
    event.mutable_resource()->PackFrom(change);
    Apply([&](rocksdb::WriteBatch* batch) {
      return ledger_->ApplyScoringEvent(event, batch);
    });
  }

  Tier SummaryTier() {
    v1::GetEngagementSummaryRequest request;
    request.set_account("accounts/vestwind");
    v1::EngagementSummary summary;
    absl::Status status = ledger_->GetEngagementSummary(request, &summary);
    EXPECT_TRUE(status.ok()) << status;
    return summary.tier();
  }

  test_support::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1780000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EngagementLedger> ledger_;
};

TEST_F(TierFeedTest, UntieredAccountHasTheDefaultTier) {
  EXPECT_EQ(SummaryTier(), kam::common::v1::MAINTAIN);
}

TEST_F(TierFeedTest, ScoringsTierChangeSetsTheAccountsTier) {
  ApplyTier(kam::common::v1::KEY);
  EXPECT_EQ(SummaryTier(), kam::common::v1::KEY);

  // Key accounts are held to the key cadence: overdue lists it under KEY.
  v1::ListOverdueAccountsRequest overdue;
  overdue.set_tier(kam::common::v1::KEY);
  v1::ListOverdueAccountsResponse response;
  clock_.Advance(absl::Hours(24 * 45));  // past the key visit interval (30d)
  ASSERT_TRUE(ledger_->ListOverdueAccounts(overdue, &response).ok());
  ASSERT_EQ(response.accounts_size(), 1);
  EXPECT_EQ(response.accounts(0).account(), "accounts/vestwind");
}

TEST_F(TierFeedTest, AccountDroppedByScoringFallsBackToTheDefaultTier) {
  ApplyTier(kam::common::v1::KEY);
  ApplyTier(kam::common::v1::TIER_UNSPECIFIED);
  EXPECT_EQ(SummaryTier(), kam::common::v1::MAINTAIN);
}

TEST_F(TierFeedTest, OtherResourcesOnTheFeedAreIgnored) {
  ChangeEvent event;
  event.set_kind(ChangeEvent::UPDATED);
  event.mutable_resource()->PackFrom(kam::registry::v1::Account());
  Apply([&](rocksdb::WriteBatch* batch) {
    return ledger_->ApplyScoringEvent(event, batch);
  });
  EXPECT_EQ(SummaryTier(), kam::common::v1::MAINTAIN);
}

}  // namespace
}  // namespace kam::engagement
