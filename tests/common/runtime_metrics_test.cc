// The process and RocksDB figures every kam server exports: the names the
// dashboards and alerts in deploy/ query, with plausible values.
#include "common/runtime_metrics.h"

#include <map>
#include <string>

#include "common/metrics.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

// Each sample by its name, with its labels in braces if it has any
// ("kam_store_writes_refused_total{reason=disk_full}").
std::map<std::string, double> Values(const prometheus::Collectable& c) {
  std::map<std::string, double> values;
  for (const auto& family : c.Collect()) {
    EXPECT_FALSE(family.metric.empty()) << family.name;
    for (const auto& metric : family.metric) {
      std::string name = family.name;
      for (const auto& label : metric.label) {
        name += "{" + label.name + "=" + label.value + "}";
      }
      EXPECT_EQ(values.count(name), 0u) << "two samples " << name;
      values[name] = family.type == prometheus::MetricType::Counter
                         ? metric.counter.value
                         : metric.gauge.value;
    }
  }
  return values;
}

TEST(ProcessCollectorTest, ExportsCpuMemoryFdsAndStartTime) {
  auto values = Values(ProcessCollector());
  ASSERT_EQ(values.count("process_cpu_seconds_total"), 1u);
  EXPECT_GE(values["process_cpu_seconds_total"], 0);
  EXPECT_GT(values["process_resident_memory_bytes"], 1 << 20);
  EXPECT_GE(values["process_virtual_memory_bytes"],
            values["process_resident_memory_bytes"]);
  EXPECT_GE(values["process_open_fds"], 3);  // at least stdin/out/err
  // Started within the last day, as a Unix time.
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(values["process_start_time_seconds"], now + 1);
  EXPECT_GT(values["process_start_time_seconds"], now - 86400);
}

TEST(StoreCollectorTest, ExportsRocksDbSizesUntilDetached) {
  test_support::TempDir dir;
  Store::Options options;
  options.path = dir.Sub("db");
  options.column_families = {"things"};
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put((*store)->Family("things"), "key" + std::to_string(i),
              std::string(100, 'x'));
  }
  ASSERT_TRUE((*store)->Write(&batch).ok());

  StoreCollector collector(store->get());
  auto before = Values(collector);
  for (const char* name :
       {"kam_rocksdb_sst_files_bytes", "kam_rocksdb_live_data_bytes",
        "kam_rocksdb_memtable_bytes", "kam_rocksdb_pending_compaction_bytes",
        "kam_rocksdb_running_compactions", "kam_rocksdb_estimated_keys"}) {
    EXPECT_EQ(before.count(name), 1u) << name;
  }
  EXPECT_GE(before["kam_rocksdb_estimated_keys"], 100);
  EXPECT_GT(before["kam_rocksdb_memtable_bytes"], 100 * 100);

  ASSERT_TRUE((*store)->Flush().ok());
  auto after = Values(collector);
  EXPECT_GT(after["kam_rocksdb_sst_files_bytes"], 0);

  collector.Detach();
  EXPECT_TRUE(collector.Collect().empty());
}

TEST(StoreCollectorTest, ExportsFreeSpaceReserveAndRefusedWrites) {
  test_support::TempDir dir;
  Store::Options options;
  options.path = dir.Sub("db");
  options.column_families = {"things"};
  options.disk_reserve = "99%";  // more than this machine has free
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  StoreCollector collector(store->get());

  auto before = Values(collector);
  EXPECT_GT(before["kam_store_disk_free_bytes"], 0);
  EXPECT_GT(before["kam_store_disk_size_bytes"],
            before["kam_store_disk_free_bytes"]);
  EXPECT_NEAR(before["kam_store_disk_reserve_bytes"],
              0.99 * before["kam_store_disk_size_bytes"], 1 << 20);
  EXPECT_EQ(before["kam_store_writes_refusing"], 1)
      << "free space is below the reserve";
  EXPECT_EQ(before["kam_store_writes_refused_total{reason=disk_full}"], 0);
  EXPECT_EQ(before["kam_store_writes_refused_total{reason=storage_error}"], 0);

  rocksdb::WriteBatch batch;
  batch.Put((*store)->Family("things"), "k", "v");
  EXPECT_EQ((*store)->Write(&batch).code(),
            absl::StatusCode::kResourceExhausted);
  auto after = Values(collector);
  EXPECT_EQ(after["kam_store_writes_refused_total{reason=disk_full}"], 1);
  EXPECT_EQ(after["kam_store_writes_refusing"], 1);
}

}  // namespace
}  // namespace kam
