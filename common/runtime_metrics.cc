#include "common/runtime_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/store.h"
#include "rocksdb/db.h"

namespace kam {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

// The fields of /proc/self/stat after the command name (which may contain
// spaces, so it is skipped up to its closing parenthesis).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 2));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

int OpenFds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    --count;  // the directory stream's own descriptor
  }
  return count;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const std::vector<std::string> stat = StatFields();
  // Fields counted from `state` (field 3 of proc(5)) as index 0.
  constexpr size_t kUtime = 11, kStime = 12, kStartTime = 19, kVsize = 20,
                   kRss = 21;
  if (stat.size() > kRss) {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    out.push_back(Family(
        "process_cpu_seconds_total",
        "User and system CPU time spent, in seconds", MetricType::Counter,
        (std::stod(stat[kUtime]) + std::stod(stat[kStime])) / ticks));
    out.push_back(Family("process_resident_memory_bytes",
                         "Resident memory size in bytes", MetricType::Gauge,
                         std::stod(stat[kRss]) * page));
    out.push_back(Family("process_virtual_memory_bytes",
                         "Virtual memory size in bytes", MetricType::Gauge,
                         std::stod(stat[kVsize])));
    out.push_back(
        Family("process_start_time_seconds",
               "Start time of the process since the Unix epoch, in "
               "seconds",
               MetricType::Gauge,
               BootTimeSeconds() + std::stod(stat[kStartTime]) / ticks));
  }
  out.push_back(Family("process_open_fds", "Open file descriptors",
                       MetricType::Gauge, OpenFds()));
  return out;
}

std::vector<prometheus::MetricFamily> StoreCollector::Collect() const {
  absl::MutexLock lock(&mu_);
  std::vector<prometheus::MetricFamily> out;
  if (store_ == nullptr) return out;
  rocksdb::DB* db = store_->db();
  struct Property {
    const std::string& rocksdb_name;
    const char* name;
    const char* help;
  };
  const Property properties[] = {
      {rocksdb::DB::Properties::kTotalSstFilesSize,
       "kam_rocksdb_sst_files_bytes",
       "On-disk size of the service's RocksDB SST files"},
      {rocksdb::DB::Properties::kEstimateLiveDataSize,
       "kam_rocksdb_live_data_bytes", "Estimated live data in RocksDB"},
      {rocksdb::DB::Properties::kCurSizeAllMemTables,
       "kam_rocksdb_memtable_bytes", "RocksDB memtables, active and immutable"},
      {rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
       "kam_rocksdb_pending_compaction_bytes",
       "Bytes RocksDB compaction still has to rewrite"},
      {rocksdb::DB::Properties::kNumRunningCompactions,
       "kam_rocksdb_running_compactions", "RocksDB compactions running now"},
      {rocksdb::DB::Properties::kEstimateNumKeys, "kam_rocksdb_estimated_keys",
       "Estimated keys in RocksDB, all column families"},
  };
  for (const Property& p : properties) {
    uint64_t value = 0;
    // Aggregated over column families; running compactions is DB-wide.
    if (!db->GetAggregatedIntProperty(p.rocksdb_name, &value)) {
      if (!db->GetIntProperty(p.rocksdb_name, &value)) continue;
    }
    out.push_back(Family(p.name, p.help, prometheus::MetricType::Gauge,
                         static_cast<double>(value)));
  }

  const Store::DiskStats disk = store_->disk_stats();
  out.push_back(Family("kam_store_disk_free_bytes",
                       "Bytes free under the data directory (statvfs "
                       "f_bavail): writes stop at kam_store_disk_reserve_bytes",
                       prometheus::MetricType::Gauge,
                       static_cast<double>(disk.free_bytes)));
  out.push_back(Family("kam_store_disk_size_bytes",
                       "Size of the file system of the data directory",
                       prometheus::MetricType::Gauge,
                       static_cast<double>(disk.size_bytes)));
  out.push_back(Family("kam_store_disk_reserve_bytes",
                       "Free space writes must leave under the data directory "
                       "(--disk_reserve); below it they are refused",
                       prometheus::MetricType::Gauge,
                       static_cast<double>(disk.reserve_bytes)));
  out.push_back(Family("kam_store_writes_refusing",
                       "1 while the store refuses writes (disk full or a "
                       "storage error), else 0; reads are served either way",
                       prometheus::MetricType::Gauge, disk.refusing ? 1 : 0));
  prometheus::MetricFamily refused =
      Family("kam_store_writes_refused_total",
             "Writes refused by the store, by reason: disk_full (free space "
             "below the reserve, or RocksDB met ENOSPC) or storage_error",
             prometheus::MetricType::Counter, 0);
  refused.metric.clear();
  for (const auto& [reason, count] :
       {std::pair<const char*, uint64_t>{"disk_full", disk.refused_disk_full},
        {"storage_error", disk.refused_storage_error}}) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"reason", reason});
    metric.counter.value = static_cast<double>(count);
    refused.metric.push_back(std::move(metric));
  }
  out.push_back(std::move(refused));
  return out;
}

void StoreCollector::Detach() {
  absl::MutexLock lock(&mu_);
  store_ = nullptr;
}

StoreMetrics::StoreMetrics(Metrics* metrics, const Store* store)
    : collector_(std::make_shared<StoreCollector>(store)) {
  metrics->AddCollectable(collector_);
}

StoreMetrics::~StoreMetrics() { collector_->Detach(); }

}  // namespace kam
