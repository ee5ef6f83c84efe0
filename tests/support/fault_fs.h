#ifndef KAM_TESTS_SUPPORT_FAULT_FS_H_
#define KAM_TESTS_SUPPORT_FAULT_FS_H_

#include <atomic>
#include <memory>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace kam::test_support {

// FaultFileSystem wraps the real file system for a Store in a test and fails
// writes on demand, as a failing or full disk would: while a fault is set,
// the chosen operations on the chosen kinds of file fail with an I/O error
// or with "no space left on device". The fault is checked on every call, so
// files opened before it are hit too. Reads, the MANIFEST and RocksDB's info
// LOG are never failed.
//
// Example:
//   FaultFileSystem faults;
//   Store::Options options;
//   options.env = faults.env();
//   ...
//   faults.Inject(FaultFileSystem::kNoSpace);  // the next commit fails
//   ...
//   faults.Clear();
class FaultFileSystem {
 public:
  enum Error { kNone = 0, kIOError = 1, kNoSpace = 2 };
  // Which calls fail (a bit set).
  enum Operation { kAppend = 1, kSync = 2 };
  // Which files (a bit set): write-ahead logs (*.log) and table files (*.sst,
  // written by memtable flushes and compactions).
  enum FileKind { kWal = 1, kTable = 2 };

  FaultFileSystem();
  ~FaultFileSystem();
  FaultFileSystem(const FaultFileSystem&) = delete;
  FaultFileSystem& operator=(const FaultFileSystem&) = delete;

  // Must outlive every Store opened with it.
  rocksdb::Env* env() const { return env_.get(); }

  void Inject(Error error, int operations = kAppend | kSync, int files = kWal);
  void Clear() { Inject(kNone); }

  // Calls failed so far.
  int refused() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_FAULT_FS_H_
