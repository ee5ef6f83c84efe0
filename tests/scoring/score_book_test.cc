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
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/engagement/v1/engagement.pb.h"
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

// Re-listing the registry and engagement feeds through the inbox
// (StageRelistStart, listed items, StageRelistEnd): a book that was away
// while the registry trimmed its feed ends with the same facts, scores and
// tiers as a book that saw every event, deletions made meanwhile included,
// and no account's tier ends or blinks while the listing is under way.
class RelistTest : public ::testing::Test {
 protected:
  struct Book {
    test_support::TempDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<ScoreBook> book;
  };

  void SetUp() override {
    for (Book* b : {&away_, &present_}) {
      Store::Options options;
      options.path = b->dir.Sub("db");
      options.column_families = ScoreBook::ColumnFamilies();
      auto store = Store::Open(options);
      ASSERT_TRUE(store.ok()) << store.status();
      b->store = std::move(*store);
      b->book = std::make_unique<ScoreBook>(b->store.get(), &clock_, nullptr,
                                            ScoreBook::Options{});
      ASSERT_TRUE(b->book->Load().ok());
    }
  }

  static kam::registry::v1::Account Account(const std::string& id,
                                            int64_t potential) {
    kam::registry::v1::Account account;
    account.set_name("accounts/" + id);
    account.set_account_id(id);
    account.set_display_name(id);
    account.mutable_potential_revenue()->set_currency_code("EUR");
    account.mutable_potential_revenue()->set_minor_units(potential);
    return account;
  }
  static kam::registry::v1::Contact Contact(const std::string& account,
                                            const std::string& id) {
    kam::registry::v1::Contact contact;
    contact.set_name("accounts/" + account + "/contacts/" + id);
    contact.set_contact_id(id);
    contact.add_roles(kam::registry::v1::DECIDER);
    contact.set_level(kam::registry::v1::EXECUTIVE);
    return contact;
  }
  static kam::registry::v1::FinancialFact Fact(const std::string& account,
                                               int64_t revenue) {
    kam::registry::v1::FinancialFact fact;
    fact.set_name("accounts/" + account + "/financials/2026");
    fact.set_period("2026");
    fact.mutable_revenue()->set_currency_code("EUR");
    fact.mutable_revenue()->set_minor_units(revenue);
    return fact;
  }
  static kam::engagement::v1::EngagementSummary Summary(
      const std::string& account, int interactions) {
    kam::engagement::v1::EngagementSummary summary;
    summary.set_account("accounts/" + account);
    summary.set_interactions_90d(interactions);
    summary.set_interactions_365d(interactions);
    summary.set_executive_touches_90d(interactions);
    return summary;
  }
  template <typename M>
  static ChangeEvent Event(uint64_t sequence, ChangeEvent::Kind kind,
                           const std::string& name, const M& resource) {
    ChangeEvent event;
    event.set_sequence(sequence);
    event.set_kind(kind);
    event.set_resource_name(name);
    event.mutable_resource()->PackFrom(resource);
    return event;
  }

  // Stages events of one feed as a FeedConsumer would, one batch each.
  void Stage(Book& b, const std::string& feed,
             const std::vector<ChangeEvent>& events) {
    for (const ChangeEvent& event : events) {
      rocksdb::WriteBatch batch;
      absl::Status staged =
          feed == "registry" ? b.book->StageRegistryEvent(event, &batch)
                             : b.book->StageEngagementEvent(event, &batch);
      ASSERT_TRUE(staged.ok()) << staged;
      ASSERT_TRUE(b.store->Write(&batch).ok());
    }
  }
  void Drain(Book& b, int step = 1000) {
    for (int i = 0; i < 10000; ++i) {
      absl::StatusOr<int> applied = b.book->ApplyInbox(step);
      ASSERT_TRUE(applied.ok()) << applied.status();
      if (*applied == 0) return;
    }
    FAIL() << "the inbox never drained";
  }
  void Relist(Book& b, const std::string& feed,
              const std::vector<ChangeEvent>& listing,
              std::function<void()> before_end = nullptr) {
    rocksdb::WriteBatch start;
    ASSERT_TRUE(ScoreBook::StageRelistStart(*b.store, feed, &start).ok());
    ASSERT_TRUE(b.store->Write(&start).ok());
    Stage(b, feed, listing);
    if (before_end) before_end();
    rocksdb::WriteBatch end;
    ASSERT_TRUE(ScoreBook::StageRelistEnd(*b.store, feed, &end).ok());
    ASSERT_TRUE(b.store->Write(&end).ok());
  }

  // What a caller sees of an account: its score (without the time it was
  // computed) or NOT_FOUND.
  std::string Seen(Book& b, const std::string& id) {
    v1::GetScoreRequest request;
    request.set_account("accounts/" + id);
    v1::Score score;
    absl::Status status = b.book->GetScore(request, &score);
    if (!status.ok()) return std::string(absl::StatusCodeToString(status.code()));
    score.clear_compute_time();
    return score.ShortDebugString();
  }
  std::vector<v1::TierChange> History(Book& b, const std::string& id) {
    v1::ListTierHistoryRequest request;
    request.set_account("accounts/" + id);
    v1::ListTierHistoryResponse response;
    EXPECT_TRUE(b.book->ListTierHistory(request, &response).ok());
    return {response.changes().begin(), response.changes().end()};
  }

  FakeClock clock_{Start()};
  Book away_;
  Book present_;
};

TEST_F(RelistTest, ARelistedBookEndsEqualToOneThatSawEveryEvent) {
  using K = ChangeEvent;
  const std::vector<ChangeEvent> before = {
      Event(1, K::CREATED, "accounts/a", Account("a", 100000000)),
      Event(2, K::CREATED, "accounts/b", Account("b", 50000000)),
      Event(3, K::CREATED, "accounts/c", Account("c", 1000)),
      Event(4, K::CREATED, "accounts/a/contacts/x", Contact("a", "x")),
      Event(5, K::CREATED, "accounts/b/contacts/y", Contact("b", "y")),
      Event(6, K::UPDATED, "accounts/a/financials/2026", Fact("a", 9000000)),
  };
  // What happened while `away_` was away (the registry trimmed it).
  const std::vector<ChangeEvent> meanwhile = {
      Event(7, K::DELETED, "accounts/a/contacts/x", Contact("a", "x")),
      Event(8, K::DELETED, "accounts/b", Account("b", 50000000)),
      Event(9, K::UPDATED, "accounts/c", Account("c", 900000000)),
      Event(10, K::CREATED, "accounts/d", Account("d", 70000000)),
      Event(11, K::CREATED, "accounts/d/contacts/z", Contact("d", "z")),
  };
  // The registry's state after event 11, as ListSnapshot lists it.
  const std::vector<ChangeEvent> listing = {
      Event(0, K::CREATED, "accounts/a", Account("a", 100000000)),
      Event(0, K::CREATED, "accounts/c", Account("c", 900000000)),
      Event(0, K::CREATED, "accounts/d", Account("d", 70000000)),
      Event(0, K::CREATED, "accounts/d/contacts/z", Contact("d", "z")),
      Event(0, K::CREATED, "accounts/a/financials/2026", Fact("a", 9000000)),
  };
  const std::vector<ChangeEvent> summaries = {
      Event(1, K::UPDATED, "accounts/a", Summary("a", 12)),
      Event(2, K::UPDATED, "accounts/c", Summary("c", 3)),
  };
  for (Book* b : {&away_, &present_}) {
    Stage(*b, "registry", before);
    Stage(*b, "engagement", summaries);
    Drain(*b);
  }
  ASSERT_NE(Seen(away_, "b"), "NOT_FOUND");

  Stage(present_, "registry", meanwhile);
  Drain(present_);
  // One event of the old feed still waits in the away book's inbox when it
  // learns it must re-list: the listing supersedes it.
  Stage(away_, "registry", {meanwhile[2]});
  Relist(away_, "registry", listing, [&] {
    // Applied one item at a time up to the end marker: b, gone from the
    // registry, keeps its tier until the listing is complete.
    for (size_t i = 0; i < listing.size() + 1; ++i) {
      ASSERT_TRUE(away_.book->ApplyInbox(1).ok());
    }
    EXPECT_NE(Seen(away_, "b"), "NOT_FOUND");
  });
  Drain(away_, 1);

  for (const std::string id : {"a", "b", "c", "d"}) {
    EXPECT_EQ(Seen(away_, id), Seen(present_, id)) << id;
  }
  EXPECT_EQ(Seen(away_, "b"), "NOT_FOUND");
  std::vector<v1::TierChange> history = History(away_, "b");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().reason(), v1::ACCOUNT_DELETED);
  for (const std::string id : {"a", "c", "d"}) {
    for (const v1::TierChange& change : History(away_, id)) {
      EXPECT_NE(change.reason(), v1::ACCOUNT_DELETED)
          << id << " blinked: " << change.ShortDebugString();
    }
  }

  // Engagement: c's summary is gone from engagement's current state.
  Stage(present_, "engagement",
        {Event(3, K::UPDATED, "accounts/a", Summary("a", 12)),
         Event(4, K::DELETED, "accounts/c", Summary("c", 0))});
  Drain(present_);
  Relist(away_, "engagement",
         {Event(0, K::CREATED, "accounts/a", Summary("a", 12))});
  Drain(away_, 2);
  for (const std::string id : {"a", "c", "d"}) {
    EXPECT_EQ(Seen(away_, id), Seen(present_, id)) << id;
  }
}

TEST_F(RelistTest, ACrashedListingStartsOverFromItsStart) {
  using K = ChangeEvent;
  Stage(away_, "registry",
        {Event(1, K::CREATED, "accounts/a", Account("a", 100000000)),
         Event(2, K::CREATED, "accounts/b", Account("b", 100000000))});
  Drain(away_);
  // A listing that brought only a, then the process died before the end;
  // the consumer starts the listing again and this time gets both.
  rocksdb::WriteBatch start;
  ASSERT_TRUE(ScoreBook::StageRelistStart(*away_.store, "registry", &start).ok());
  ASSERT_TRUE(away_.store->Write(&start).ok());
  Stage(away_, "registry",
        {Event(0, K::CREATED, "accounts/a", Account("a", 100000000))});
  Drain(away_);
  Relist(away_, "registry",
         {Event(0, K::CREATED, "accounts/a", Account("a", 100000000)),
          Event(0, K::CREATED, "accounts/b", Account("b", 100000000))});
  Drain(away_);
  EXPECT_NE(Seen(away_, "a"), "NOT_FOUND");
  EXPECT_NE(Seen(away_, "b"), "NOT_FOUND");
}

TEST_F(RelistTest, AListedItemWithoutANameIsRefused) {
  ChangeEvent item = Event(0, ChangeEvent::CREATED, "", Account("a", 1));
  rocksdb::WriteBatch batch;
  absl::Status staged = away_.book->StageRegistryEvent(item, &batch);
  EXPECT_EQ(staged.code(), absl::StatusCode::kInvalidArgument) << staged;
  EXPECT_EQ(ScoreBook::StageRelistStart(*away_.store, "planning", &batch).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kam::scoring
