#ifndef KAM_COMMON_LOCK_TABLE_H_
#define KAM_COMMON_LOCK_TABLE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace kam {

// LockTable serialises the read-modify-write of one logical resource (an
// account and everything under it, a request id, a model) while letting
// changes to different resources prepare and commit side by side.
//
// A key names what a change reads and then writes, by resource name, e.g.
// "accounts/acme" or "requests/CreateAccount/r-17". Keys are exact: two
// different keys never wait for each other, however many a change holds (a
// batch of a thousand interactions holds a thousand keys). A key is held
// exclusive (one holder) or shared (any number of shared holders, no
// exclusive one): e.g. appending an interaction shares its account with
// other appends and excludes a delete that recomputes the account's
// statistics. A change that touches everything (a model activation, an
// import, a chunk of a rescoring run) takes the whole table instead.
//
// Deadlock freedom: a change takes all of its keys at once (all or nothing,
// so no order is needed) and holds at most one Locks at a time. Taking a
// second Locks while holding one may deadlock and is not allowed.
//
// Example:
//   LockTable::Locks locks = table.Lock({"accounts/acme/interactions/i-1"},
//                                       /*shared=*/{"accounts/acme"});
//   ... read, validate, stage, commit ...
//   // released when `locks` goes out of scope
class LockTable {
 public:
  LockTable() = default;
  LockTable(const LockTable&) = delete;
  LockTable& operator=(const LockTable&) = delete;

  // The locks one change holds; movable, released on destruction.
  class Locks {
   public:
    Locks() = default;
    Locks(Locks&& other) noexcept;
    Locks& operator=(Locks&& other) noexcept;
    ~Locks();

    // True if this holds the whole table.
    bool exclusive() const { return all_; }

   private:
    friend class LockTable;
    void Release();

    LockTable* table_ = nullptr;
    bool all_ = false;
    std::vector<std::string> exclusive_;
    std::vector<std::string> shared_;
  };

  // Blocks until every key of `exclusive` is free and every key of `shared`
  // has no exclusive holder, then holds them all. Duplicates are fine (a key
  // named in both is held exclusive) and empty keys are ignored, so optional
  // parts (no request id, no parent) can be passed as they are. Waits for a
  // LockAll that is held or waiting.
  Locks Lock(const std::vector<std::string>& exclusive,
             const std::vector<std::string>& shared = {});

  // Blocks until no other change holds anything, then holds the table. A
  // waiting LockAll stops new keyed changes from starting, so it is not
  // starved by a stream of them.
  Locks LockAll();

  // Keys held right now (for tests).
  int held_keys() const;

 private:
  struct Holders {
    int shared = 0;
    bool exclusive = false;
  };

  bool Free(const Locks& wanted) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(Locks* locks);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Holders> held_ ABSL_GUARDED_BY(mu_);
  // Keyed Locks outstanding.
  int keyed_ ABSL_GUARDED_BY(mu_) = 0;
  bool all_ ABSL_GUARDED_BY(mu_) = false;
  int all_waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kam

#endif  // KAM_COMMON_LOCK_TABLE_H_
