#include "common/store.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"

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
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  if (options.env != nullptr) db_options.env = options.env;

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
  store->db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) {
    store->families_[names[i]] = handles[i];
  }
  return store;
}

Store::~Store() {
  if (db_ == nullptr) return;
  db_->FlushWAL(/*sync=*/true);
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
  rocksdb::WriteOptions options;
  options.sync = sync_writes_;
  return FromRocksStatus(db_->Write(options, batch), "write");
}

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
