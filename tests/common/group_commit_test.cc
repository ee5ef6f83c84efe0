// Writes side by side: the lock table's exclusion and the change feed's group
// commit (sequences without gaps in commit order, one write for a group, a
// failed group leaving nothing behind), with many threads on a real RocksDB.
#include <atomic>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/change_feed.h"
#include "common/lock_table.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "kam/common/v1/types.pb.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

using kam::common::v1::ChangeEvent;
using kam::common::v1::Money;

TEST(LockTableTest, OneKeyIsHeldByOneChangeAtATime) {
  LockTable table;
  // A plain int, read and written in two steps under the lock: a lost
  // update (or a TSan report) if two holders ever overlap.
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        LockTable::Locks locks = table.Lock({"accounts/acme"});
        const int read = counter;
        std::this_thread::yield();
        counter = read + 1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter, 16 * 2000);
}

TEST(LockTableTest, LockAllExcludesKeyedChangesAndKeysInAnyOrderDoNotDeadlock) {
  LockTable table;
  int a = 0;
  int b = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        // Half the threads name the keys in the other order.
        LockTable::Locks locks =
            t % 2 == 0 ? table.Lock({"accounts/a", "accounts/b"})
                       : table.Lock({"accounts/b", "accounts/a", ""});
        ++a;
        ++b;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) {
      LockTable::Locks all = table.LockAll();
      EXPECT_TRUE(all.exclusive());
      EXPECT_EQ(a, b);  // no keyed change is half way
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(a, 8 * 1000);
  EXPECT_EQ(b, 8 * 1000);
}

TEST(LockTableTest, SharedHoldersRunTogetherAndExcludeAnExclusiveOne) {
  LockTable table;
  LockTable::Locks first = table.Lock({"accounts/a/interactions/1"},
                                      /*shared=*/{"accounts/a"});
  // A second shared holder of the account gets in while the first holds it.
  LockTable::Locks second = table.Lock({"accounts/a/interactions/2"},
                                       /*shared=*/{"accounts/a"});
  EXPECT_EQ(table.held_keys(), 3);
  std::atomic<bool> exclusive_in{false};
  std::thread deleter([&] {
    LockTable::Locks locks = table.Lock({"accounts/a"});
    exclusive_in = true;
  });
  // The exclusive holder cannot get in until both shared holders are gone.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(exclusive_in.load());
  first = LockTable::Locks();
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE(exclusive_in.load());
  second = LockTable::Locks();
  deleter.join();
  EXPECT_TRUE(exclusive_in.load());
  EXPECT_EQ(table.held_keys(), 0);
}

TEST(LockTableTest, LocksMoveAndReleaseOnce) {
  LockTable table;
  LockTable::Locks outer;
  {
    LockTable::Locks inner = table.Lock({"k"});
    outer = std::move(inner);
  }
  // Still held after `inner` died: LockAll would block. Release and take it.
  outer = LockTable::Locks();
  LockTable::Locks all = table.LockAll();
  EXPECT_TRUE(all.exclusive());
}

class GroupCommitTest : public ::testing::Test {
 protected:
  GroupCommitTest() {
    Store::Options options;
    options.path = dir_.Sub("db");
    options.column_families = {"outbox", "data", "more"};
    options.write_fault = [this](const rocksdb::WriteBatch&) {
      return failing_.load() ? absl::UnavailableError("injected")
                             : absl::OkStatus();
    };
    store_ = *Store::Open(options);
    feed_ = std::make_unique<ChangeFeed>(store_.get(), store_->Family("outbox"),
                                         &clock_);
  }

  // One change: a row in "data" (and a row in "more" to mix families), its
  // event carrying the same number.
  absl::Status WriteOne(int64_t n) {
    const std::string key = absl::StrCat("accounts/", n);
    ChangeFeed::Writer writer(feed_.get(), {key});
    rocksdb::WriteBatch batch;
    batch.Put(store_->Family("data"), key, absl::StrCat(n));
    batch.Put(store_->Family("more"), key, "m");
    Money money;
    money.set_currency_code("EUR");
    money.set_minor_units(n);
    writer.Append(&batch, ChangeEvent::CREATED, key, money);
    return writer.Commit(&batch);
  }

  std::vector<ChangeEvent> ReadAll() {
    std::vector<ChangeEvent> events;
    EXPECT_TRUE(feed_->Read(0, 1 << 20, &events).ok());
    return events;
  }

  test_support::TempDir dir_;
  std::atomic<bool> failing_{false};
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_F(GroupCommitTest, ConcurrentWritersShareFsyncsAndTheFeedHasNoGaps) {
  constexpr int kThreads = 32;
  constexpr int kEach = 40;
  // A tailer that reads while the writers commit: what it sees must always
  // be a gap-free prefix of the feed, never a later sequence before an
  // earlier one.
  std::atomic<bool> done{false};
  std::atomic<int> tailer_errors{0};
  std::thread tailer([&] {
    uint64_t cursor = 0;
    while (!done.load() || cursor < feed_->head()) {
      std::vector<ChangeEvent> events;
      if (!feed_->Read(cursor, 512, &events).ok()) ++tailer_errors;
      for (const ChangeEvent& event : events) {
        if (event.sequence() != cursor + 1) ++tailer_errors;
        cursor = event.sequence();
        // The change an event announces is already readable.
        std::string value;
        if (!store_->Get(store_->Family("data"), event.resource_name(), &value)
                 .ok()) {
          ++tailer_errors;
        }
      }
    }
  });
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!WriteOne(1 + t * kEach + i).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  tailer.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(tailer_errors.load(), 0);
  EXPECT_EQ(feed_->head(), static_cast<uint64_t>(kThreads * kEach));
  std::vector<ChangeEvent> events = ReadAll();
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kEach));
  std::set<int64_t> numbers;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), i + 1);
    Money money;
    ASSERT_TRUE(events[i].resource().UnpackTo(&money));
    EXPECT_EQ(events[i].resource_name(),
              absl::StrCat("accounts/", money.minor_units()));
    EXPECT_EQ(events[i].commit_time().seconds(), 1800000000);
    numbers.insert(money.minor_units());
  }
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kThreads * kEach));
  // 32 writers waiting on fsyncs: commits were written in groups.
  const ChangeFeed::GroupStats stats = feed_->group_stats();
  EXPECT_EQ(stats.commits, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LT(stats.groups, stats.commits);
}

TEST_F(GroupCommitTest, AFailedGroupWritesNothingAndUsesNoSequence) {
  ASSERT_TRUE(WriteOne(1).ok());
  failing_ = true;
  // Several writers fail together (whatever groups they form).
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (!WriteOne(100 + t).ok()) ++failed;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 8);
  EXPECT_EQ(feed_->head(), 1u);
  failing_ = false;
  ASSERT_TRUE(WriteOne(3).ok());
  std::string value;
  for (int t = 0; t < 8; ++t) {
    EXPECT_TRUE(absl::IsNotFound(store_->Get(
        store_->Family("data"), absl::StrCat("accounts/", 100 + t), &value)));
  }
  std::vector<ChangeEvent> events = ReadAll();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].sequence(), 2u);
  EXPECT_EQ(events[1].resource_name(), "accounts/3");
}

TEST_F(GroupCommitTest, SequencesResumeAfterReopen) {
  ASSERT_TRUE(WriteOne(1).ok());
  ASSERT_TRUE(WriteOne(2).ok());
  feed_.reset();
  store_.reset();
  Store::Options options;
  options.path = dir_.Sub("db");
  options.column_families = {"outbox", "data", "more"};
  store_ = *Store::Open(options);
  feed_ = std::make_unique<ChangeFeed>(store_.get(), store_->Family("outbox"),
                                       &clock_);
  EXPECT_EQ(feed_->head(), 2u);
  ASSERT_TRUE(WriteOne(3).ok());
  std::vector<ChangeEvent> events = ReadAll();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].sequence(), 3u);
}

TEST_F(GroupCommitTest, MergesNeverGoBackwardsWhateverTheCommitOrder) {
  rocksdb::WriteBatch first;
  first.Merge(store_->Family("data"), "counter", MaxCounterOperand(17));
  ASSERT_TRUE(store_->Write(&first).ok());
  rocksdb::WriteBatch second;
  second.Merge(store_->Family("data"), "counter", MaxCounterOperand(9));
  ASSERT_TRUE(store_->Write(&second).ok());
  std::string value;
  ASSERT_TRUE(store_->Get(store_->Family("data"), "counter", &value).ok());
  EXPECT_EQ(value, "17");
  // Over a plain stored value too (stores written before merges existed).
  rocksdb::WriteBatch put;
  put.Put(store_->Family("data"), "old", "40");
  put.Merge(store_->Family("data"), "old", MaxCounterOperand(41));
  ASSERT_TRUE(store_->Write(&put).ok());
  ASSERT_TRUE(store_->Get(store_->Family("data"), "old", &value).ok());
  EXPECT_EQ(value, "41");

  // Latest times, field by field; 0 is "none" and never wins, and a time
  // before 1970 (negative) still beats "none".
  rocksdb::WriteBatch times;
  times.Merge(store_->Family("more"), "t", LatestTimesOperand({5, 0, -3}));
  times.Merge(store_->Family("more"), "t", LatestTimesOperand({2, 7, 0}));
  ASSERT_TRUE(store_->Write(&times).ok());
  ASSERT_TRUE(store_->Get(store_->Family("more"), "t", &value).ok());
  ASSERT_EQ(value.size(), 24u);
  int64_t fields[3];
  std::memcpy(fields, value.data(), 24);
  EXPECT_EQ(fields[0], 5);
  EXPECT_EQ(fields[1], 7);
  EXPECT_EQ(fields[2], -3);
}

}  // namespace
}  // namespace kam
