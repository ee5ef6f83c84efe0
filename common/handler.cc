#include "common/handler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace kam {

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {
  prometheus::Registry* registry = options_.metrics;
  if (registry == nullptr) {
    own_metrics_ = std::make_shared<prometheus::Registry>();
    registry = own_metrics_.get();
  }
  const prometheus::Labels pool = {{"pool", options_.name}};
  prometheus::BuildGauge()
      .Name("kam_grpc_server_pool_threads")
      .Help(
          "Threads of the pool that runs handler work off gRPC's callback "
          "threads (read: scans and reports; write: every mutating RPC)")
      .Register(*registry)
      .Add(pool)
      .Set(options_.threads);
  busy_ = &prometheus::BuildGauge()
               .Name("kam_grpc_server_pool_threads_busy")
               .Help(
                   "Threads of the pool running a call (or waiting on its "
                   "fsync)")
               .Register(*registry)
               .Add(pool);
  depth_ = &prometheus::BuildGauge()
                .Name("kam_grpc_server_pool_queue_depth")
                .Help("Calls waiting for a thread of the pool")
                .Register(*registry)
                .Add(pool);
  wait_ = &prometheus::BuildHistogram()
               .Name("kam_grpc_server_pool_queue_wait_seconds")
               .Help("Time a call waited in the pool's queue for a thread")
               .Register(*registry)
               .Add(pool, Metrics::LatencyBuckets());
  auto& rejected =
      prometheus::BuildCounter()
          .Name("kam_grpc_server_pool_rejected_total")
          .Help(
              "Calls the pool did not run: queue_full (answered "
              "RESOURCE_EXHAUSTED at once), cancelled or deadline (the "
              "caller gave up or its deadline passed while it waited)")
          .Register(*registry);
  queue_full_ =
      &rejected.Add({{"pool", options_.name}, {"reason", "queue_full"}});
  cancelled_ =
      &rejected.Add({{"pool", options_.name}, {"reason", "cancelled"}});
  expired_ = &rejected.Add({{"pool", options_.name}, {"reason", "deadline"}});

  const int threads = std::max(1, options_.threads);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  ready_.SignalAll();
  for (auto& thread : threads_) thread.join();
}

absl::Status WorkerPool::Submit(Task task) {
  {
    absl::MutexLock lock(&mu_);
    const size_t limit = static_cast<size_t>(std::max(1, options_.queue_limit));
    if (queue_.size() >= limit) {
      queue_full_->Increment();
      return absl::ResourceExhaustedError(
          absl::StrCat("server busy: the ", options_.name, " queue is full (",
                       queue_.size(), " waiting); retry with back-off"));
    }
    queue_.push_back({std::move(task), options_.clock->Now()});
    depth_->Set(static_cast<double>(queue_.size()));
  }
  ready_.Signal();
  return absl::OkStatus();
}

void WorkerPool::Work() {
  while (true) {
    Queued item;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) ready_.Wait(&mu_);
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      depth_->Set(static_cast<double>(queue_.size()));
    }
    const absl::Time now = options_.clock->Now();
    const absl::Duration waited = now - item.enqueued;
    wait_->Observe(absl::ToDoubleSeconds(waited));
    // The deadline first: gRPC also cancels a call at its deadline, and
    // "deadline" is the more useful reason when both hold.
    if (now >= item.task.deadline) {
      expired_->Increment();
      item.task.refuse(absl::DeadlineExceededError(absl::StrCat(
          "the deadline passed while the call waited in the ", options_.name,
          " queue (",
          absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1))),
          "); nothing was done")));
      continue;
    }
    if (item.task.cancelled && item.task.cancelled()) {
      cancelled_->Increment();
      item.task.refuse(absl::CancelledError(
          absl::StrCat("cancelled while waiting in the ", options_.name,
                       " queue; nothing was done")));
      continue;
    }
    busy_->Increment();
    item.task.run();
    busy_->Decrement();
  }
}

namespace {
thread_local absl::Time current_call_deadline = absl::InfiniteFuture();
}  // namespace

ScopedCallDeadline::ScopedCallDeadline(absl::Time deadline)
    : previous_(current_call_deadline) {
  current_call_deadline = deadline;
}

ScopedCallDeadline::~ScopedCallDeadline() { current_call_deadline = previous_; }

absl::Time CurrentCallDeadline() { return current_call_deadline; }

absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace kam
