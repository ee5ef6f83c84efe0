#ifndef KAM_COMMON_STORE_H_
#define KAM_COMMON_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

  // Applies the batch atomically, honouring sync_writes.
  absl::Status Write(rocksdb::WriteBatch* batch);

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

  // Flushes memtables and syncs the WAL; used at shutdown.
  absl::Status Flush();

  rocksdb::DB* db() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  Store() = default;

  std::string path_;
  bool sync_writes_ = true;
  std::function<absl::Status(const rocksdb::WriteBatch&)> write_fault_;
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
