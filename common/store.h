#ifndef KAM_COMMON_STORE_H_
#define KAM_COMMON_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/write_batch.h"

namespace kam {

// Store is a service's RocksDB: a fixed set of column families, atomic
// write batches, and absl::Status results. One process owns one Store; no
// other service ever opens it.
//
// Durability: with sync_writes (the default) Write returns only after the
// WAL is fsync'ed, so an acknowledged write survives a power cut as well as
// `kill -9`. Without it, writes still reach the OS before Write returns and
// survive `kill -9` of the process, but not a machine crash.
//
// A full disk: Write refuses a batch with RESOURCE_EXHAUSTED ("disk full:
// ...") while the free space under the data directory, less the batch, would
// fall below the disk reserve, so RocksDB keeps room for its memtable
// flushes and compactions and never meets ENOSPC in its write-ahead log in
// the first place. If a RocksDB write or a background flush or compaction
// fails all the same, the Store stops sending writes to RocksDB (a write
// after a failed WAL append must not reach it) and refuses them too:
// RESOURCE_EXHAUSTED when the disk is full, UNAVAILABLE for other I/O
// errors. Every 250 ms (Options::resume_interval) a refused write checks
// whether the space is back and, if so, resumes the database (DB::Resume: the
// memtables are flushed and a new WAL started); writes then succeed again.
// Nothing acknowledged is lost on the way: a refused write was never
// acknowledged. Reads are served throughout.
class Store {
 public:
  struct Options {
    // Directory of the database; created if missing.
    std::string path;
    // Column families besides "default". Existing ones not listed are opened
    // too, so an older binary can open a newer database.
    std::vector<std::string> column_families;
    bool sync_writes = true;
    // Shared LRU block cache for all column families.
    size_t block_cache_bytes = 64 << 20;
    // The RocksDB environment (file system); null for the default. Tests
    // pass one that injects faults. Must outlive the Store.
    rocksdb::Env* env = nullptr;
    // Tests: called before each Write; a non-OK status fails that write
    // without touching the database.
    std::function<absl::Status(const rocksdb::WriteBatch&)> write_fault;
    // The free space writes must leave under the data directory: a size
    // ("256MiB", "1GiB") or a share of the volume ("5%"); "0" turns the
    // guard off (writes go on until RocksDB meets ENOSPC, and the latch
    // catches that). Empty: the --disk_reserve flag (env KAM_DISK_RESERVE),
    // default 256MiB.
    std::string disk_reserve;
    // After a storage error, how often a refused write checks whether the
    // database can resume.
    absl::Duration resume_interval = absl::Milliseconds(250);
  };

  // The guard and latch in front of RocksDB's write path (store.cc).
  class WriteGate;

  // Past this many bytes of write-ahead log, RocksDB flushes the memtables
  // that hold the oldest WAL file alive; past this many bytes of memtables
  // in all column families, it flushes the largest. Together they bound a
  // store's WAL on disk and its write buffers in memory.
  static constexpr uint64_t kMaxTotalWalBytes = uint64_t{128} << 20;
  static constexpr size_t kMaxMemtableBytes = size_t{128} << 20;

  // What the Store knows of its disk; for metrics.
  struct DiskStats {
    uint64_t free_bytes = 0;         // available to us under the data directory
    uint64_t size_bytes = 0;         // size of that file system
    uint64_t reserve_bytes = 0;      // writes are refused below this
    bool refusing = false;           // writes are being refused now
    uint64_t refused_disk_full = 0;  // writes refused: disk full
    uint64_t refused_storage_error = 0;  // writes refused: other I/O errors
  };

  // Opens (creating if needed) the database at options.path. On error the
  // message names the path; typical causes are a second process holding the
  // lock or a directory we cannot write.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options);

  // Closes the database after syncing the WAL.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The handle of a column family named in Options; aborts on an unknown
  // name, which is a programming error.
  rocksdb::ColumnFamilyHandle* Family(absl::string_view name) const;

  // Reads one value. NOT_FOUND (with an empty message) if the key is absent.
  absl::Status Get(rocksdb::ColumnFamilyHandle* family, absl::string_view key,
                   std::string* value) const;

  // Reads and parses one protobuf value. Returns false if the key is absent,
  // INTERNAL if the stored bytes do not parse.
  absl::StatusOr<bool> GetProto(rocksdb::ColumnFamilyHandle* family,
                                absl::string_view key,
                                google::protobuf::Message* message) const;

  // Applies the batch atomically, honouring sync_writes. Refuses it, writing
  // nothing, with RESOURCE_EXHAUSTED when the disk is (nearly) full and with
  // UNAVAILABLE after a storage error (see the class comment); both messages
  // say why and what to do.
  absl::Status Write(rocksdb::WriteBatch* batch);

  // The disk's figures, read afresh (one statvfs).
  DiskStats disk_stats() const;

  // An iterator over one column family, optionally at a snapshot.
  std::unique_ptr<rocksdb::Iterator> NewIterator(
      rocksdb::ColumnFamilyHandle* family,
      const rocksdb::Snapshot* snapshot = nullptr) const;

  // An iterator for a scan over a whole family (a full rescoring run): it
  // reads ahead and leaves the block cache to the point reads that need it.
  std::unique_ptr<rocksdb::Iterator> NewBulkIterator(
      rocksdb::ColumnFamilyHandle* family) const;

  // Writes a consistent copy of the database into `directory` (which must not
  // exist yet), using hard links where possible. For backups.
  absl::Status Checkpoint(const std::string& directory);

  // Flushes memtables and syncs the WAL; used at shutdown. While writes are
  // refused after a storage error it does nothing and returns that error:
  // what was acknowledged is in the WAL already.
  absl::Status Flush();

  rocksdb::DB* db() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  Store();

  std::string path_;
  bool sync_writes_ = true;
  std::function<absl::Status(const rocksdb::WriteBatch&)> write_fault_;
  // Shared with the RocksDB event listener that reports background errors.
  std::shared_ptr<WriteGate> gate_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families_;
};

// Merges: every family of a Store merges by the kind of the operand, so
// writers that commit side by side can each stage "at least this" for a
// value (batch->Merge) and the stored value never goes backwards, whatever
// their commit order. The stored value stays in its plain form (as a Put
// would write it), so readers need not know it was merged.
//
// MaxCounterOperand: the value is a decimal uint64; keeps the largest. A
// stored value that is not a number counts as 0.
std::string MaxCounterOperand(uint64_t value);
// LatestTimesOperand: the value is N little-endian int64 microsecond times,
// 0 meaning "none"; keeps the latest of each. A stored value of another
// length counts as all "none".
std::string LatestTimesOperand(const std::vector<int64_t>& micros);

// PutProto serialises `message` into the batch at family/key.
void PutProto(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* family,
              absl::string_view key, const google::protobuf::Message& message);

// ParseProto parses a stored value (e.g. an iterator's value()) into
// `message`; false if the bytes are not a valid message.
inline bool ParseProto(const rocksdb::Slice& value,
                       google::protobuf::Message* message) {
  return message->ParseFromArray(value.data(), static_cast<int>(value.size()));
}

}  // namespace kam

#endif  // KAM_COMMON_STORE_H_
