// What a Store does when its disk fails or fills: the write that fails says
// why, later writes are refused without reaching RocksDB (whose write path
// aborts the process if used again after a failed WAL write), reads go on,
// and writes resume once the cause is gone, with nothing acknowledged lost.
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fault_fs.h"
#include "tests/support/small_disk.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

using ::kam::test_support::FaultFileSystem;
using ::testing::HasSubstr;
using ::testing::Not;

Store::Options OptionsFor(const std::string& path, FaultFileSystem* faults) {
  Store::Options options;
  options.path = path;
  options.column_families = {"things"};
  options.env = faults != nullptr ? faults->env() : nullptr;
  options.disk_reserve = "0";
  return options;
}

absl::Status Put(Store* store, const std::string& key,
                 const std::string& value = "v") {
  rocksdb::WriteBatch batch;
  batch.Put(store->Family("things"), key, value);
  return store->Write(&batch);
}

// Writes until `done` returns OK or the deadline passes.
absl::Status PutUntilAccepted(Store* store, const std::string& key) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::Status s;
  do {
    s = Put(store, key);
    if (s.ok()) return s;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  return s;
}

void ExpectAllThere(const std::string& path, int count) {
  auto store = Store::Open(OptionsFor(path, nullptr));
  ASSERT_TRUE(store.ok()) << store.status();
  std::string value;
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(
        (*store)
            ->Get((*store)->Family("things"), absl::StrCat("k", i), &value)
            .ok())
        << "acknowledged k" << i << " lost";
  }
}

TEST(StoreDiskTest, WalOutOfSpaceRefusesWritesWithoutReachingRocksDb) {
  test_support::TempDir dir;
  FaultFileSystem faults;
  Store::Options options = OptionsFor(dir.path(), &faults);
  options.resume_interval = absl::Hours(1);  // no recovery in this test
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(Put(store->get(), "k0").ok());

  faults.Inject(FaultFileSystem::kNoSpace);
  absl::Status failed = Put(store->get(), "lost");
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted) << failed;
  EXPECT_THAT(std::string(failed.message()), HasSubstr("disk full"));
  EXPECT_THAT(std::string(failed.message()),
              HasSubstr("no space left on device"));
  const int reached = faults.refused();
  EXPECT_GT(reached, 0);

  for (int i = 0; i < 20; ++i) {
    absl::Status refused = Put(store->get(), "refused");
    EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  }
  EXPECT_EQ(faults.refused(), reached) << "a refused write reached RocksDB";
  EXPECT_TRUE((*store)->disk_stats().refusing);
  EXPECT_GE((*store)->disk_stats().refused_disk_full, 20u);

  std::string value;
  EXPECT_TRUE((*store)->Get((*store)->Family("things"), "k0", &value).ok())
      << "reads must go on";
  faults.Clear();
  store->reset();  // closing must not touch the failed WAL either
  ExpectAllThere(dir.path(), 1);
}

TEST(StoreDiskTest, WritesResumeOnceTheWalCanBeWrittenAgain) {
  test_support::TempDir dir;
  FaultFileSystem faults;
  Store::Options options = OptionsFor(dir.path(), &faults);
  options.resume_interval = absl::Milliseconds(50);
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  int acknowledged = 0;
  for (; acknowledged < 10; ++acknowledged) {
    ASSERT_TRUE(Put(store->get(), absl::StrCat("k", acknowledged)).ok());
  }

  faults.Inject(FaultFileSystem::kNoSpace, FaultFileSystem::kAppend);
  EXPECT_EQ(Put(store->get(), "lost").code(),
            absl::StatusCode::kResourceExhausted);
  faults.Clear();

  absl::Status resumed =
      PutUntilAccepted(store->get(), absl::StrCat("k", acknowledged));
  ASSERT_TRUE(resumed.ok()) << resumed;
  ++acknowledged;
  for (int i = 0; i < 10; ++i, ++acknowledged) {
    ASSERT_TRUE(Put(store->get(), absl::StrCat("k", acknowledged)).ok());
  }
  EXPECT_FALSE((*store)->disk_stats().refusing);
  ASSERT_TRUE((*store)->Flush().ok());
  store->reset();
  ExpectAllThere(dir.path(), acknowledged);
}

TEST(StoreDiskTest, FailedWalSyncIsUnavailableUntilRestart) {
  test_support::TempDir dir;
  FaultFileSystem faults;
  Store::Options options = OptionsFor(dir.path(), &faults);
  options.resume_interval = absl::Milliseconds(20);
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(Put(store->get(), "k0").ok());

  faults.Inject(FaultFileSystem::kIOError, FaultFileSystem::kSync);
  absl::Status failed = Put(store->get(), "unacknowledged");
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(std::string(failed.message()),
              HasSubstr("injected write failure"));
  faults.Clear();
  // RocksDB 7.8 treats a failed WAL write as fatal: it does not resume, and
  // the Store keeps refusing (rather than aborting) until it is reopened.
  absl::SleepFor(absl::Milliseconds(50));
  absl::Status still = Put(store->get(), "refused");
  EXPECT_EQ(still.code(), absl::StatusCode::kUnavailable) << still;
  EXPECT_THAT(std::string(still.message()), HasSubstr("restart"));
  store->reset();

  auto reopened = Store::Open(OptionsFor(dir.path(), &faults));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE(Put(reopened->get(), "k1").ok());
  reopened->reset();
  ExpectAllThere(dir.path(), 2);
}

TEST(StoreDiskTest, FlushOutOfSpaceInTheBackgroundRefusesThenResumes) {
  test_support::TempDir dir;
  FaultFileSystem faults;
  Store::Options options = OptionsFor(dir.path(), &faults);
  options.resume_interval = absl::Milliseconds(50);
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  int acknowledged = 0;
  for (; acknowledged < 10; ++acknowledged) {
    ASSERT_TRUE(Put(store->get(), absl::StrCat("k", acknowledged)).ok());
  }

  faults.Inject(FaultFileSystem::kNoSpace,
                FaultFileSystem::kAppend | FaultFileSystem::kSync,
                FaultFileSystem::kTable);
  rocksdb::FlushOptions flush;
  EXPECT_FALSE((*store)->db()->Flush(flush, (*store)->Family("things")).ok());
  absl::Status refused = Put(store->get(), "refused");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("disk full"));
  std::string value;
  EXPECT_TRUE((*store)->Get((*store)->Family("things"), "k0", &value).ok());

  faults.Clear();
  absl::Status resumed =
      PutUntilAccepted(store->get(), absl::StrCat("k", acknowledged));
  ASSERT_TRUE(resumed.ok()) << resumed;
  ++acknowledged;
  store->reset();
  ExpectAllThere(dir.path(), acknowledged);
}

TEST(StoreDiskTest, ReserveRefusesWritesThatWouldLeaveTooLittleFree) {
  test_support::TempDir dir;
  Store::Options options = OptionsFor(dir.path(), nullptr);
  options.disk_reserve = "99%";
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  const Store::DiskStats stats = (*store)->disk_stats();
  ASSERT_LT(stats.free_bytes, stats.reserve_bytes)
      << "this machine's disk is over 99% free";
  absl::Status refused = Put(store->get(), "k");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("disk full: "));
  EXPECT_THAT(std::string(refused.message()), HasSubstr(dir.path()));
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("free space or grow the volume"));
  EXPECT_EQ((*store)->disk_stats().refused_disk_full, 1u);
}

TEST(StoreDiskTest, BadReserveIsRejectedAtOpen) {
  test_support::TempDir dir;
  Store::Options options = OptionsFor(dir.path(), nullptr);
  for (const char* bad : {"lots", "100%", "-1MiB", "12PiB"}) {
    options.disk_reserve = bad;
    auto store = Store::Open(options);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// Fills a store on `disk` with 64 KiB values until a write is refused;
// returns the number acknowledged and the refusal.
int FillStore(Store* store, absl::Status* refusal) {
  const std::string value(64 << 10, 'x');
  int acknowledged = 0;
  for (; acknowledged < 1000; ++acknowledged) {
    *refusal = Put(store, absl::StrCat("k", acknowledged), value);
    if (!refusal->ok()) break;
  }
  return acknowledged;
}

// Frees the disk and writes again; then every acknowledged key must be
// there after a reopen.
void FreeAndExpectRecovery(test_support::SmallDisk* disk,
                           const Store::Options& options,
                           std::unique_ptr<Store> store, int acknowledged) {
  disk->RemoveFiller();
  absl::Status resumed =
      PutUntilAccepted(store.get(), absl::StrCat("k", acknowledged));
  ASSERT_TRUE(resumed.ok()) << resumed;
  ++acknowledged;
  EXPECT_FALSE(store->disk_stats().refusing);
  store.reset();
  auto reopened = Store::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  std::string read;
  for (int i = 0; i < acknowledged; ++i) {
    EXPECT_TRUE(
        (*reopened)
            ->Get((*reopened)->Family("things"), absl::StrCat("k", i), &read)
            .ok())
        << "acknowledged k" << i << " lost";
  }
}

// On a real, small file system: writes stop at the reserve, so RocksDB
// never meets ENOSPC; reads go on; writes resume when space is freed.
TEST(StoreDiskTest, SmallDiskStopsWritesAtTheReserve) {
  auto disk = test_support::SmallDisk::Mount(32 << 20);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  Store::Options options = OptionsFor((*disk)->Sub("data"), nullptr);
  options.disk_reserve = "4MiB";
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*disk)->FillLeaving(12 << 20).ok());
  absl::SleepFor(absl::Milliseconds(250));  // the store's next reading

  absl::Status refusal;
  const int acknowledged = FillStore(store->get(), &refusal);
  ASSERT_EQ(refusal.code(), absl::StatusCode::kResourceExhausted) << refusal;
  EXPECT_THAT(std::string(refusal.message()), HasSubstr("disk full"));
  EXPECT_THAT(std::string(refusal.message()), Not(HasSubstr("after:")))
      << "the guard, not a failed RocksDB write, should have refused";
  EXPECT_GT(acknowledged, 10);
  const Store::DiskStats stats = (*store)->disk_stats();
  EXPECT_LT(stats.free_bytes, 5u << 20);
  EXPECT_GE(stats.free_bytes, 3u << 20) << "the reserve was not kept";
  EXPECT_TRUE(stats.refusing);
  std::string read;
  EXPECT_TRUE((*store)->Get((*store)->Family("things"), "k0", &read).ok());

  FreeAndExpectRecovery(disk->get(), options, std::move(*store), acknowledged);
}

// Without a reserve RocksDB does meet ENOSPC in its WAL: the process must
// not abort (RocksDB's info LOG and WAL writers assert after a failed
// write), and writes must resume when space is freed.
TEST(StoreDiskTest, SmallDiskWithoutReserveSurvivesEnospc) {
  auto disk = test_support::SmallDisk::Mount(32 << 20);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  Store::Options options = OptionsFor((*disk)->Sub("data"), nullptr);
  options.disk_reserve = "0";
  options.resume_interval = absl::Milliseconds(50);
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*disk)->FillLeaving(8 << 20).ok());

  absl::Status refusal;
  const int acknowledged = FillStore(store->get(), &refusal);
  ASSERT_EQ(refusal.code(), absl::StatusCode::kResourceExhausted) << refusal;
  EXPECT_THAT(std::string(refusal.message()),
              HasSubstr("No space left on device"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Put(store->get(), "refused").code(),
              absl::StatusCode::kResourceExhausted);
  }
  std::string read;
  EXPECT_TRUE((*store)->Get((*store)->Family("things"), "k0", &read).ok());

  FreeAndExpectRecovery(disk->get(), options, std::move(*store), acknowledged);
}

}  // namespace
}  // namespace kam
