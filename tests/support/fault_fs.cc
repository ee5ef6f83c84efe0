#include "tests/support/fault_fs.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"

namespace kam::test_support {

// One word, so a call reads the whole fault at once: bits 0-1 the error,
// 2-3 the operations, 4-5 the file kinds.
struct FaultFileSystem::State {
  std::atomic<int> fault{0};
  std::atomic<int> refused{0};
};

namespace {

using State = FaultFileSystem::State;

// The error for an operation on a file of `kind`, or OK.
rocksdb::IOStatus Check(State* state, int kind, int operation) {
  const int fault = state->fault.load();
  const int error = fault & 3;
  if (error == FaultFileSystem::kNone || ((fault >> 2) & operation) == 0 ||
      ((fault >> 4) & kind) == 0) {
    return rocksdb::IOStatus::OK();
  }
  state->refused.fetch_add(1);
  if (error == FaultFileSystem::kNoSpace) {
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }
  return rocksdb::IOStatus::IOError("injected write failure");
}

class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> file, State* state,
            int kind)
      : FSWritableFileOwnerWrapper(std::move(file)),
        state_(state),
        kind_(kind) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = Check(state_, kind_, FaultFileSystem::kAppend);
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, dbg) : s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = Check(state_, kind_, FaultFileSystem::kAppend);
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, info, dbg)
                  : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = Check(state_, kind_, FaultFileSystem::kSync);
    return s.ok() ? FSWritableFileOwnerWrapper::Sync(options, dbg) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = Check(state_, kind_, FaultFileSystem::kSync);
    return s.ok() ? FSWritableFileOwnerWrapper::Fsync(options, dbg) : s;
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = Check(state_, kind_, FaultFileSystem::kSync);
    return s.ok() ? FSWritableFileOwnerWrapper::RangeSync(offset, nbytes,
                                                          options, dbg)
                  : s;
  }

 private:
  State* const state_;
  const int kind_;
};

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFs(std::shared_ptr<State> state)
      : FileSystemWrapper(rocksdb::FileSystem::Default()),
        state_(std::move(state)) {}

  const char* Name() const override { return "kam.FaultFs"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    Wrap(name, s, file);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->ReopenWritableFile(name, options, file, dbg);
    Wrap(name, s, file);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->ReuseWritableFile(name, old_name, options, file, dbg);
    Wrap(name, s, file);
    return s;
  }

 private:
  void Wrap(const std::string& name, const rocksdb::IOStatus& s,
            std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (!s.ok()) return;
    int kind = 0;
    if (absl::EndsWith(name, ".log")) kind = FaultFileSystem::kWal;
    if (absl::EndsWith(name, ".sst")) kind = FaultFileSystem::kTable;
    if (kind == 0) return;
    *file = std::make_unique<FaultFile>(std::move(*file), state_.get(), kind);
  }

  std::shared_ptr<State> state_;
};

}  // namespace

FaultFileSystem::FaultFileSystem()
    : state_(std::make_shared<State>()),
      env_(rocksdb::NewCompositeEnv(std::make_shared<FaultFs>(state_))) {}

FaultFileSystem::~FaultFileSystem() = default;

void FaultFileSystem::Inject(Error error, int operations, int files) {
  state_->fault.store(
      error == kNone ? 0 : (error | (operations << 2) | (files << 4)));
}

int FaultFileSystem::refused() const { return state_->refused.load(); }

}  // namespace kam::test_support
