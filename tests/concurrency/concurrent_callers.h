#ifndef KAM_TESTS_CONCURRENCY_CONCURRENT_CALLERS_H_
#define KAM_TESTS_CONCURRENCY_CONCURRENT_CALLERS_H_

// The harness of the concurrency tests: many client threads released at
// once against a real server, so their read-modify-writes overlap as much as
// the machine allows. What the tests then assert never depends on timing:
// only on what the server acknowledged and what it shows afterwards.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

namespace kam::concurrency_test {

// RunConcurrently starts `callers` threads, holds each at a start gate until
// all of them exist, then releases them together to run `body(caller)`
// (caller = 0..callers-1), and joins them all. `body` must bound its own
// work (a fixed number of calls, each with a deadline); gtest assertions
// inside it are fine (use EXPECT_*, not ASSERT_*, off the main thread).
//
// Example:
//   RunConcurrently(16, [&](int caller) { client.Create(...); });
void RunConcurrently(int callers, const std::function<void(int caller)>& body);

// StatusTally counts the status codes of many concurrent calls.
// Thread-safe.
class StatusTally {
 public:
  void Add(const grpc::Status& status);
  int count(grpc::StatusCode code) const;
  int total() const;
  // e.g. "OK x1, ALREADY_EXISTS x15", for failure messages.
  std::string ToString() const;

 private:
  mutable absl::Mutex mu_;
  std::map<grpc::StatusCode, int> counts_ ABSL_GUARDED_BY(mu_);
};

// How many times a caller re-reads and retries a read-modify-write that got
// ABORTED (a stale etag) before giving up; with N callers on one resource
// each round lets at least one through, so N rounds always suffice when the
// server is correct.
inline constexpr int kMaxRetries = 200;

}  // namespace kam::concurrency_test

#endif  // KAM_TESTS_CONCURRENCY_CONCURRENT_CALLERS_H_
