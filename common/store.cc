#include "common/store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "rocksdb/cache.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"

// Here rather than in common/server.cc so that every binary that opens a
// Store has it without wiring; InitProgram maps KAM_DISK_RESERVE onto it.
ABSL_FLAG(std::string, disk_reserve, "256MiB",
          "Free space to keep under --data_dir for RocksDB's flushes and "
          "compactions: writes that would leave less are refused with "
          "RESOURCE_EXHAUSTED (reads go on). A size (256MiB, 1GiB) or a share "
          "of the volume (5%); 0 turns the guard off. Env: KAM_DISK_RESERVE");

namespace kam {
namespace {

// Options tuned for what kam does most: point lookups by key and short
// prefix scans, on small values.
rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kNoCompression;
  options.bottommost_compression = rocksdb::kZSTD;
  options.level_compaction_dynamic_level_bytes = true;
  options.memtable_prefix_bloom_size_ratio = 0.02;
  options.memtable_whole_key_filtering = true;
  return options;
}

constexpr char kMaxCounter = 'N';
constexpr char kLatestTimes = 'T';

void MergeMaxCounter(const rocksdb::Slice* existing,
                     const std::vector<rocksdb::Slice>& operands,
                     std::string* out) {
  uint64_t max = 0;
  if (existing != nullptr) {
    (void)absl::SimpleAtoi(
        absl::string_view(existing->data(), existing->size()), &max);
  }
  for (const rocksdb::Slice& operand : operands) {
    uint64_t value = 0;
    if (absl::SimpleAtoi(
            absl::string_view(operand.data() + 1, operand.size() - 1),
            &value)) {
      max = std::max(max, value);
    }
  }
  *out = absl::StrCat(max);
}

void MergeLatestTimes(const rocksdb::Slice* existing,
                      const std::vector<rocksdb::Slice>& operands,
                      std::string* out) {
  const size_t size = operands.front().size() - 1;
  if (existing != nullptr && existing->size() == size) {
    out->assign(existing->data(), existing->size());
  } else {
    out->assign(size, '\0');
  }
  for (const rocksdb::Slice& operand : operands) {
    if (operand.size() - 1 != size) continue;
    for (size_t at = 0; at + 8 <= size; at += 8) {
      int64_t current = 0;
      int64_t offered = 0;
      std::memcpy(&current, out->data() + at, 8);
      std::memcpy(&offered, operand.data() + 1 + at, 8);
      if (offered != 0 && (current == 0 || offered > current)) {
        std::memcpy(out->data() + at, &offered, 8);
      }
    }
  }
}

// The merge operator of every family: dispatches on the operand's kind.
class KamMergeOperator : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    if (in.operand_list.empty()) return false;
    for (const rocksdb::Slice& operand : in.operand_list) {
      if (operand.empty() || operand[0] != in.operand_list.front()[0]) {
        return false;  // mixed or unknown kinds: a programming error
      }
    }
    switch (in.operand_list.front()[0]) {
      case kMaxCounter:
        MergeMaxCounter(in.existing_value, in.operand_list, &out->new_value);
        return true;
      case kLatestTimes:
        MergeLatestTimes(in.existing_value, in.operand_list, &out->new_value);
        return true;
      default:
        return false;
    }
  }
  const char* Name() const override { return "kam.Merge"; }
};

// InfoLog is RocksDB's info LOG in the data directory, written with stdio
// and never failing. RocksDB's own file logger asserts (and so aborts the
// process, in Debian's build) on the line after one it could not write,
// which on a full disk is the first thing to die. Here a line that cannot
// be written is dropped.
//
// Each start appends to LOG (a second process that fails on the database
// lock must not move the running one's log away); a LOG over kRotateBytes
// at start becomes LOG.old.
class InfoLog : public rocksdb::Logger {
 public:
  static constexpr uintmax_t kRotateBytes = 64 << 20;

  explicit InfoLog(const std::string& directory)
      : Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
    const std::string path = directory + "/LOG";
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) > kRotateBytes && !ec) {
      std::filesystem::rename(path, path + ".old", ec);
    }
    file_ = std::fopen(path.c_str(), "a");
  }
  ~InfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (file_ == nullptr) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line), format, ap);
    if (n < 0) return;
    const std::string stamp = absl::FormatTime(
        "%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::UTCTimeZone());
    absl::MutexLock lock(&mu_);
    std::fputs(stamp.c_str(), file_);
    std::fputs(line, file_);
    std::fputc('\n', file_);
    if (std::fflush(file_) != 0) std::clearerr(file_);
  }

 private:
  absl::Mutex mu_;
  std::FILE* file_;
};

// The disk reserve from its text form: a size with an optional unit suffix
// (B, KiB, MiB, GiB, TiB) or a percentage of the volume.
struct DiskReserve {
  uint64_t bytes = 0;
  double share = 0;  // of the volume's size, when > 0
};

absl::StatusOr<DiskReserve> ParseDiskReserve(absl::string_view text) {
  const std::string original(text);
  text = absl::StripAsciiWhitespace(text);
  DiskReserve reserve;
  if (absl::ConsumeSuffix(&text, "%")) {
    double percent = 0;
    if (!absl::SimpleAtod(text, &percent) || percent < 0 || percent >= 100) {
      return absl::InvalidArgumentError(absl::StrCat(
          "disk reserve ", original, ": a share must be 0% to 99%"));
    }
    reserve.share = percent / 100;
    return reserve;
  }
  uint64_t unit = 1;
  for (const auto& [suffix, size] :
       {std::pair<const char*, uint64_t>{"KiB", 1ull << 10},
        {"MiB", 1ull << 20},
        {"GiB", 1ull << 30},
        {"TiB", 1ull << 40},
        {"B", 1}}) {
    if (absl::ConsumeSuffix(&text, suffix)) {
      unit = size;
      break;
    }
  }
  uint64_t count = 0;
  if (!absl::SimpleAtoi(text, &count) || count > (1ull << 62) / unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("disk reserve ", original,
                     ": want a size such as 256MiB or 1GiB, or a share such "
                     "as 5%"));
  }
  reserve.bytes = count * unit;
  return reserve;
}

std::string Mebibytes(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Monotonic: a step of the wall clock must not stop the disk readings.
int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// WriteGate decides whether a write may reach RocksDB: the free-space guard
// and the latch after a storage error (see the Store class comment).
//
// The fast path is two relaxed atomic loads, one fetch_sub and a clock read:
// free space is read with statvfs at most every kRefresh, or sooner when the
// writes since the last reading (counted against it) would cross the
// reserve.
class Store::WriteGate {
 public:
  static constexpr int64_t kRefresh = 200'000'000;  // ns
  // A write that would cross the reserve reads the disk again, but not more
  // often than this, so a storm of refused writes costs no statvfs each.
  static constexpr int64_t kRecheck = 10'000'000;

  WriteGate(std::string path, DiskReserve reserve)
      : path_(std::move(path)), reserve_spec_(reserve) {}

  // OK if a batch of `size` bytes may be written now.
  absl::Status Admit(int64_t size) {
    if (!guarded_) return absl::OkStatus();
    const int64_t now = NowNanos();
    const int64_t estimate =
        free_estimate_.fetch_sub(size, std::memory_order_relaxed) - size;
    if (estimate >= reserve_.load(std::memory_order_relaxed) &&
        now < next_refresh_.load(std::memory_order_relaxed)) {
      if (refused_size_.load(std::memory_order_relaxed) >= 0) {
        refused_size_.store(-1, std::memory_order_relaxed);
      }
      return absl::OkStatus();
    }
    absl::MutexLock lock(&mu_);
    // Either way the estimate no longer counts this batch.
    if (now >= next_refresh_.load(std::memory_order_relaxed) ||
        now - last_refresh_ >= kRecheck) {
      RefreshLocked(now);
    } else {
      free_estimate_.fetch_add(size, std::memory_order_relaxed);
    }
    const int64_t free = free_estimate_.load(std::memory_order_relaxed);
    const int64_t reserve = reserve_.load(std::memory_order_relaxed);
    if (free - size >= reserve) {
      free_estimate_.fetch_sub(size, std::memory_order_relaxed);
      refused_size_.store(-1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    refused_size_.store(size, std::memory_order_relaxed);
    refused_disk_full_.fetch_add(1, std::memory_order_relaxed);
    return absl::ResourceExhaustedError(
        absl::StrCat("disk full: ", Mebibytes(free), " free under ", path_,
                     " and writes must leave ", Mebibytes(reserve),
                     " (--disk_reserve); free space or grow the volume"));
  }

  // Stops writes after RocksDB reported `error` (from a write or in the
  // background). Only I/O errors latch: they are what leaves RocksDB's
  // write path unusable.
  void Latch(const rocksdb::Status& error) {
    if (error.ok() || !error.IsIOError()) return;
    absl::MutexLock lock(&mu_);
    if (!latched_.load(std::memory_order_relaxed)) {
      std::fprintf(stderr,
                   "kam: store %s: writes refused after a storage error: %s\n",
                   path_.c_str(), error.ToString().c_str());
      latched_since_ = absl::Now();
      next_recovery_ = NowNanos() + resume_interval_;
    }
    cause_ = error.ToString();
    no_space_ = error.IsNoSpace();
    latched_.store(true, std::memory_order_release);
  }

  bool latched() const { return latched_.load(std::memory_order_acquire); }

  // While latched: tries to resume `db` (at most every resume interval, and
  // only once the reserve is free) and returns OK if writes may go on, else
  // the refusal. Called by writers, so recovery needs no thread of its own.
  absl::Status Recover(rocksdb::DB* db) {
    absl::MutexLock lock(&mu_);
    if (!latched_.load(std::memory_order_relaxed)) return absl::OkStatus();
    const int64_t now = NowNanos();
    if (now >= next_recovery_) {
      next_recovery_ = now + resume_interval_;
      RefreshLocked(now);
      if (free_estimate_.load(std::memory_order_relaxed) >=
          reserve_.load(std::memory_order_relaxed)) {
        // Flushes the memtables (the WAL cannot be trusted) and starts a new
        // WAL. Fails again while the cause lasts; a fatal error (an I/O
        // error that is not "no space") never clears before a restart.
        rocksdb::Status s = db->Resume();
        if (s.ok()) {
          std::fprintf(stderr,
                       "kam: store %s: writes resumed (refused since %s)\n",
                       path_.c_str(), Rfc3339(latched_since_).c_str());
          latched_.store(false, std::memory_order_release);
          return absl::OkStatus();
        }
        if (!s.IsBusy()) {
          cause_ = s.ToString();
          no_space_ = s.IsNoSpace();
        }
      }
    }
    return RefusalLocked();
  }

  // The refusal while latched, saying why; counts it.
  absl::Status Refusal() {
    absl::MutexLock lock(&mu_);
    return RefusalLocked();
  }

  void set_resume_interval(absl::Duration interval) {
    absl::MutexLock lock(&mu_);
    resume_interval_ = absl::ToInt64Nanoseconds(interval);
  }

  DiskStats Stats() {
    absl::MutexLock lock(&mu_);
    RefreshLocked(NowNanos());
    DiskStats stats;
    stats.free_bytes = static_cast<uint64_t>(
        std::max<int64_t>(0, free_estimate_.load(std::memory_order_relaxed)));
    stats.size_bytes = size_bytes_;
    stats.reserve_bytes =
        static_cast<uint64_t>(reserve_.load(std::memory_order_relaxed));
    // Refusing: latched, below the reserve, or the last write refused would
    // still not fit (once it would, the gauge clears without waiting for
    // the next write).
    const int64_t free = static_cast<int64_t>(stats.free_bytes);
    const int64_t reserve = static_cast<int64_t>(stats.reserve_bytes);
    const int64_t refused_size = refused_size_.load(std::memory_order_relaxed);
    stats.refusing = latched_.load(std::memory_order_relaxed) ||
                     free < reserve ||
                     (refused_size >= 0 && free - refused_size < reserve);
    stats.refused_disk_full =
        refused_disk_full_.load(std::memory_order_relaxed);
    stats.refused_storage_error =
        refused_storage_error_.load(std::memory_order_relaxed);
    return stats;
  }

  // Reads the disk; the first reading, at open, must succeed.
  absl::Status Refresh() {
    absl::MutexLock lock(&mu_);
    struct statvfs fs;
    if (statvfs(path_.c_str(), &fs) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read free space under ", path_, ": ", std::strerror(errno)));
    }
    RefreshLocked(NowNanos());
    return absl::OkStatus();
  }

 private:
  absl::Status RefusalLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t free = free_estimate_.load(std::memory_order_relaxed);
    const int64_t reserve = reserve_.load(std::memory_order_relaxed);
    const std::string since = Rfc3339(latched_since_);
    if (no_space_ || free < reserve) {
      refused_disk_full_.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(
          absl::StrCat("disk full: ", Mebibytes(free), " free under ", path_,
                       " and writes must leave ", Mebibytes(reserve),
                       " (--disk_reserve); writes refused since ", since,
                       " after: ", cause_, "; free space or grow the volume"));
    }
    refused_storage_error_.fetch_add(1, std::memory_order_relaxed);
    return absl::UnavailableError(absl::StrCat(
        "storage error under ", path_, ": writes refused since ", since,
        " after: ", cause_,
        "; they resume when the disk recovers, or restart the service"));
  }

  void RefreshLocked(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    last_refresh_ = now;
    next_refresh_.store(now + kRefresh, std::memory_order_relaxed);
    struct statvfs fs;
    if (statvfs(path_.c_str(), &fs) != 0) return;  // keep the last reading
    const int64_t unit = static_cast<int64_t>(fs.f_frsize);
    size_bytes_ = static_cast<uint64_t>(fs.f_blocks) * unit;
    reserve_.store(reserve_spec_.share > 0
                       ? static_cast<int64_t>(reserve_spec_.share *
                                              static_cast<double>(size_bytes_))
                       : static_cast<int64_t>(reserve_spec_.bytes),
                   std::memory_order_relaxed);
    free_estimate_.store(static_cast<int64_t>(fs.f_bavail) * unit,
                         std::memory_order_relaxed);
  }

  const std::string path_;
  const DiskReserve reserve_spec_;
  // A reserve of 0 turns the guard off.
  const bool guarded_ = reserve_spec_.bytes > 0 || reserve_spec_.share > 0;

  // Free bytes at the last reading, less the writes admitted since.
  std::atomic<int64_t> free_estimate_{0};
  std::atomic<int64_t> reserve_{0};
  std::atomic<int64_t> next_refresh_{0};
  std::atomic<bool> latched_{false};
  // The size of the last write the guard refused, -1 if the last one it saw
  // was admitted.
  std::atomic<int64_t> refused_size_{-1};
  std::atomic<uint64_t> refused_disk_full_{0};
  std::atomic<uint64_t> refused_storage_error_{0};

  absl::Mutex mu_;
  int64_t last_refresh_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t size_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_recovery_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t resume_interval_ ABSL_GUARDED_BY(mu_) = 250'000'000;
  absl::Time latched_since_ ABSL_GUARDED_BY(mu_);
  std::string cause_ ABSL_GUARDED_BY(mu_);
  bool no_space_ ABSL_GUARDED_BY(mu_) = false;
};

namespace {

// Reports RocksDB's background errors (a failed WAL write, flush or
// compaction) to the gate, and turns RocksDB's own recovery from a full disk
// off: the gate resumes the database itself once the reserve is free, which
// is sooner than RocksDB's 5-second retries, and one owner of recovery is
// simpler to reason about.
class StorageErrorListener : public rocksdb::EventListener {
 public:
  explicit StorageErrorListener(std::shared_ptr<Store::WriteGate> gate)
      : gate_(std::move(gate)) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                         rocksdb::Status* error) override {
    if (error != nullptr) gate_->Latch(*error);
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                            rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }

 private:
  std::shared_ptr<Store::WriteGate> gate_;
};

}  // namespace

std::string MaxCounterOperand(uint64_t value) {
  return absl::StrCat(std::string(1, kMaxCounter), value);
}

std::string LatestTimesOperand(const std::vector<int64_t>& micros) {
  std::string operand(1, kLatestTimes);
  for (int64_t t : micros) {
    operand.append(reinterpret_cast<const char*>(&t), sizeof(t));
  }
  return operand;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create data directory ", options.path, ": ", ec.message()));
  }
  absl::StatusOr<DiskReserve> reserve = ParseDiskReserve(
      options.disk_reserve.empty() ? absl::GetFlag(FLAGS_disk_reserve)
                                   : options.disk_reserve);
  if (!reserve.ok()) return reserve.status();
  auto gate = std::make_shared<WriteGate>(options.path, *reserve);
  gate->set_resume_interval(options.resume_interval);
  if (absl::Status s = gate->Refresh(); !s.ok()) return s;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  // Bounded WAL and memtables. A WAL file is deleted only once every column
  // family with data in it has flushed, and by default RocksDB lets the WALs
  // grow to four times all families' write buffers (gigabytes for a service
  // with a dozen families) before it forces the laggards to flush: a soak of
  // a million updates kept 180 MB of WAL alive in the registry and it grew
  // without end. Past these totals the oldest memtables are flushed.
  db_options.max_total_wal_size = kMaxTotalWalBytes;
  db_options.db_write_buffer_size = kMaxMemtableBytes;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.info_log = std::make_shared<InfoLog>(options.path);
  db_options.listeners.push_back(std::make_shared<StorageErrorListener>(gate));

  // Open every family the database already has, plus the requested ones.
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing)
          .ok()) {
    for (const auto& name : existing) {
      if (name != rocksdb::kDefaultColumnFamilyName) names.push_back(name);
    }
  }
  for (const auto& name : options.column_families) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  auto merge = std::make_shared<KamMergeOperator>();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) {
    descriptors.emplace_back(name, FamilyOptions(cache));
    descriptors.back().options.merge_operator = merge;
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open database at ", options.path, ": ", s.ToString()));
  }
  std::unique_ptr<Store> store(new Store());
  store->path_ = options.path;
  store->sync_writes_ = options.sync_writes;
  store->write_fault_ = options.write_fault;
  store->gate_ = std::move(gate);
  store->db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) {
    store->families_[names[i]] = handles[i];
  }
  return store;
}

Store::Store() = default;

Store::~Store() {
  if (db_ == nullptr) return;
  // After a storage error the WAL writer must not be touched again.
  if (!gate_->latched()) db_->FlushWAL(/*sync=*/true);
  for (auto& [name, handle] : families_) {
    db_->DestroyColumnFamilyHandle(handle);
  }
  db_->Close();
}

rocksdb::ColumnFamilyHandle* Store::Family(absl::string_view name) const {
  auto it = families_.find(name);
  if (it == families_.end()) {
    std::fprintf(stderr, "kam: unknown column family %.*s\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

absl::Status Store::Get(rocksdb::ColumnFamilyHandle* family,
                        absl::string_view key, std::string* value) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), family,
                               rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return absl::NotFoundError("");
  return FromRocksStatus(s, "read");
}

absl::StatusOr<bool> Store::GetProto(rocksdb::ColumnFamilyHandle* family,
                                     absl::string_view key,
                                     google::protobuf::Message* message) const {
  std::string value;
  absl::Status s = Get(family, key, &value);
  if (absl::IsNotFound(s)) return false;
  if (!s.ok()) return s;
  if (!message->ParseFromString(value)) {
    return absl::InternalError(
        absl::StrCat("corrupt ", message->GetTypeName(), " at key ", key));
  }
  return true;
}

absl::Status Store::Write(rocksdb::WriteBatch* batch) {
  if (write_fault_) {
    if (absl::Status fault = write_fault_(*batch); !fault.ok()) return fault;
  }
  if (gate_->latched()) {
    if (absl::Status refused = gate_->Recover(db_.get()); !refused.ok()) {
      return refused;
    }
  }
  if (absl::Status room =
          gate_->Admit(static_cast<int64_t>(batch->GetDataSize()));
      !room.ok()) {
    return room;
  }
  rocksdb::WriteOptions options;
  options.sync = sync_writes_;
  rocksdb::Status s = db_->Write(options, batch);
  if (!s.ok()) {
    gate_->Latch(s);
    // RocksDB's words for what happened are in the refusal.
    if (gate_->latched()) return gate_->Refusal();
  }
  return FromRocksStatus(s, "write");
}

Store::DiskStats Store::disk_stats() const { return gate_->Stats(); }

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(
    rocksdb::ColumnFamilyHandle* family,
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, family));
}

std::unique_ptr<rocksdb::Iterator> Store::NewBulkIterator(
    rocksdb::ColumnFamilyHandle* family) const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.readahead_size = 2 << 20;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, family));
}

absl::Status Store::Checkpoint(const std::string& directory) {
  rocksdb::Checkpoint* raw = nullptr;
  {
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!s.ok()) return FromRocksStatus(s, "checkpoint");
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocksStatus(checkpoint->CreateCheckpoint(directory), "checkpoint");
}

absl::Status Store::Flush() {
  if (gate_->latched()) {
    if (absl::Status refused = gate_->Recover(db_.get()); !refused.ok()) {
      return refused;
    }
  }
  rocksdb::FlushOptions options;
  options.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (auto& [name, handle] : families_) handles.push_back(handle);
  {
    rocksdb::Status s = db_->Flush(options, handles);
    if (!s.ok()) return FromRocksStatus(s, "flush");
  }
  return FromRocksStatus(db_->FlushWAL(/*sync=*/true), "sync WAL");
}

void PutProto(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* family,
              absl::string_view key, const google::protobuf::Message& message) {
  batch->Put(family, rocksdb::Slice(key.data(), key.size()),
             message.SerializeAsString());
}

}  // namespace kam
