#include "tests/concurrency/concurrent_callers.h"

#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kam::concurrency_test {

void RunConcurrently(int callers, const std::function<void(int caller)>& body) {
  absl::Mutex mu;
  int waiting = 0;
  bool open = false;
  std::vector<std::thread> threads;
  threads.reserve(callers);
  for (int caller = 0; caller < callers; ++caller) {
    threads.emplace_back([&, caller] {
      {
        absl::MutexLock lock(&mu);
        ++waiting;
        mu.Await(absl::Condition(&open));
      }
      body(caller);
    });
  }
  {
    absl::MutexLock lock(&mu);
    auto all_waiting = [&] { return waiting == callers; };
    mu.Await(absl::Condition(&all_waiting));
    open = true;
  }
  for (std::thread& thread : threads) thread.join();
}

void StatusTally::Add(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  ++counts_[status.error_code()];
}

int StatusTally::count(grpc::StatusCode code) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(code);
  return it == counts_.end() ? 0 : it->second;
}

int StatusTally::total() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [code, count] : counts_) total += count;
  return total;
}

std::string StatusTally::ToString() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> parts;
  for (const auto& [code, count] : counts_) {
    const std::string name =
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    parts.push_back(absl::StrCat(name, " x", count));
  }
  return parts.empty() ? "no calls" : absl::StrJoin(parts, ", ");
}

}  // namespace kam::concurrency_test
