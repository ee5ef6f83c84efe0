#ifndef KAM_COMMON_RUNTIME_METRICS_H_
#define KAM_COMMON_RUNTIME_METRICS_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"

namespace kam {

class Metrics;
class Store;

// ProcessCollector exports the process's own figures under the names every
// Prometheus client library uses, read from /proc at scrape time:
//   process_cpu_seconds_total, process_resident_memory_bytes,
//   process_virtual_memory_bytes, process_open_fds,
//   process_start_time_seconds.
// Every kam server registers one (Metrics does, on construction).
class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// StoreCollector exports a service's RocksDB figures at scrape time, summed
// over its column families:
//   kam_rocksdb_sst_files_bytes        on-disk size of all SST files
//   kam_rocksdb_live_data_bytes        estimate of the live data
//   kam_rocksdb_memtable_bytes         memtables, active and immutable
//   kam_rocksdb_pending_compaction_bytes  bytes compaction still has to
//                                      rewrite (grows when it falls behind)
//   kam_rocksdb_running_compactions
//   kam_rocksdb_estimated_keys
// and the store's disk (Store::disk_stats, one statvfs per scrape):
//   kam_store_disk_free_bytes          free under the data directory
//   kam_store_disk_size_bytes          size of that file system
//   kam_store_disk_reserve_bytes       writes are refused below this
//   kam_store_writes_refusing          1 while writes are refused
//   kam_store_writes_refused_total{reason="disk_full"|"storage_error"}
// Detach() (or destroying the owning StoreMetrics) must happen before the
// store closes; a scrape after that exports nothing for the store.
class StoreCollector final : public prometheus::Collectable {
 public:
  explicit StoreCollector(const Store* store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;
  void Detach();

 private:
  mutable absl::Mutex mu_;
  const Store* store_ ABSL_GUARDED_BY(mu_);
};

// StoreMetrics exports a store's figures on a service's Metrics for as long
// as it lives. Declare it after the store it watches, so it is destroyed
// (and stops reading the store) first.
//
// Example:
//   auto store = kam::Store::Open(options);
//   kam::StoreMetrics store_metrics(&host.metrics(), store->get());
class StoreMetrics {
 public:
  StoreMetrics(Metrics* metrics, const Store* store);
  ~StoreMetrics();
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

 private:
  std::shared_ptr<StoreCollector> collector_;
};

}  // namespace kam

#endif  // KAM_COMMON_RUNTIME_METRICS_H_
