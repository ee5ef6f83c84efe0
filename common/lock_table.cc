#include "common/lock_table.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace kam {
namespace {

// Sorted, unique, without empty keys.
std::vector<std::string> Normalize(const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    if (!key.empty()) out.push_back(key);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool LockTable::Free(const Locks& wanted) const {
  if (all_ || all_waiting_ > 0) return false;
  for (const std::string& key : wanted.exclusive_) {
    if (held_.contains(key)) return false;
  }
  for (const std::string& key : wanted.shared_) {
    auto it = held_.find(key);
    if (it != held_.end() && it->second.exclusive) return false;
  }
  return true;
}

LockTable::Locks LockTable::Lock(const std::vector<std::string>& exclusive,
                                 const std::vector<std::string>& shared) {
  Locks locks;
  locks.exclusive_ = Normalize(exclusive);
  std::vector<std::string> both = Normalize(shared);
  // A key wanted both ways is held exclusive.
  std::set_difference(both.begin(), both.end(), locks.exclusive_.begin(),
                      locks.exclusive_.end(),
                      std::back_inserter(locks.shared_));
  struct Ready {
    const LockTable* table;
    const Locks* wanted;
    bool operator()() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return table->Free(*wanted);
    }
  } ready{this, &locks};
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&ready));
  for (const std::string& key : locks.exclusive_) held_[key].exclusive = true;
  for (const std::string& key : locks.shared_) ++held_[key].shared;
  ++keyed_;
  locks.table_ = this;
  return locks;
}

LockTable::Locks LockTable::LockAll() {
  struct Ready {
    const LockTable* table;
    bool operator()() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return !table->all_ && table->keyed_ == 0;
    }
  } ready{this};
  Locks locks;
  absl::MutexLock lock(&mu_);
  ++all_waiting_;
  mu_.Await(absl::Condition(&ready));
  --all_waiting_;
  all_ = true;
  locks.table_ = this;
  locks.all_ = true;
  return locks;
}

int LockTable::held_keys() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(held_.size());
}

void LockTable::Release(Locks* locks) {
  absl::MutexLock lock(&mu_);
  if (locks->all_) {
    all_ = false;
    return;
  }
  for (const std::string& key : locks->exclusive_) held_.erase(key);
  for (const std::string& key : locks->shared_) {
    auto it = held_.find(key);
    if (--it->second.shared == 0 && !it->second.exclusive) held_.erase(it);
  }
  --keyed_;
}

LockTable::Locks::Locks(Locks&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)),
      all_(other.all_),
      exclusive_(std::move(other.exclusive_)),
      shared_(std::move(other.shared_)) {}

LockTable::Locks& LockTable::Locks::operator=(Locks&& other) noexcept {
  if (this != &other) {
    Release();
    table_ = std::exchange(other.table_, nullptr);
    all_ = other.all_;
    exclusive_ = std::move(other.exclusive_);
    shared_ = std::move(other.shared_);
  }
  return *this;
}

LockTable::Locks::~Locks() { Release(); }

void LockTable::Locks::Release() {
  if (table_ == nullptr) return;
  table_->Release(this);
  table_ = nullptr;
  exclusive_.clear();
  shared_.clear();
}

}  // namespace kam
