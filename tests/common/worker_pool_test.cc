// WorkerPool: the bounded queue every handler pool uses. A full queue is
// refused at once with the busy message, work whose caller gave up or whose
// deadline passed while it waited is not started, and the pool's metrics say
// so. Time comes from a FakeClock; tasks block on notifications, so nothing
// here depends on how fast the machine is.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/handler.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace kam {
namespace {

// The value of one series of `registry`, or nullopt if absent. Histograms
// give their sample count.
std::optional<double> Value(prometheus::Registry& registry,
                            const std::string& name,
                            const prometheus::Labels& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (const auto& label : metric.label) {
          found |= label.name == key && label.value == value;
        }
        match &= found;
      }
      if (!match) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        default:
          return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

double HistogramSum(prometheus::Registry& registry, const std::string& name,
                    const std::string& pool) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "pool" && label.value == pool) {
          return metric.histogram.sample_sum;
        }
      }
    }
  }
  return -1;
}

// What happened to one submitted task.
struct Outcome {
  absl::Notification done;
  std::atomic<bool> ran{false};
  absl::Mutex mu;
  absl::Status refused ABSL_GUARDED_BY(mu);
};

WorkerPool::Task Track(Outcome* outcome,
                       absl::Time deadline = absl::InfiniteFuture(),
                       std::atomic<bool>* cancelled = nullptr) {
  WorkerPool::Task task;
  task.run = [outcome] {
    outcome->ran = true;
    outcome->done.Notify();
  };
  task.refuse = [outcome](const absl::Status& why) {
    {
      absl::MutexLock lock(&outcome->mu);
      outcome->refused = why;
    }
    outcome->done.Notify();
  };
  task.deadline = deadline;
  if (cancelled != nullptr) {
    task.cancelled = [cancelled] { return cancelled->load(); };
  }
  return task;
}

absl::Status RefusedWith(Outcome& outcome) {
  absl::MutexLock lock(&outcome.mu);
  return outcome.refused;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  // A pool of one thread, occupied by a task that waits for `release_`
  // (so whatever is submitted next waits in the queue).
  std::unique_ptr<WorkerPool> OccupiedPool(int queue_limit,
                                           const std::string& name = "write") {
    WorkerPool::Options options;
    options.name = name;
    options.threads = 1;
    options.queue_limit = queue_limit;
    options.clock = &clock_;
    options.metrics = &registry_;
    auto pool = std::make_unique<WorkerPool>(options);
    WorkerPool::Task blocker;
    blocker.run = [this] {
      started_.Notify();
      release_.WaitForNotification();
    };
    blocker.refuse = [](const absl::Status&) {};
    EXPECT_TRUE(pool->Submit(std::move(blocker)).ok());
    started_.WaitForNotification();
    return pool;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  prometheus::Registry registry_;
  absl::Notification started_;
  absl::Notification release_;
};

TEST_F(WorkerPoolTest, FullQueueIsRefusedAtOnceWithTheBusyMessage) {
  auto pool = OccupiedPool(/*queue_limit=*/2);
  Outcome first, second, third;
  ASSERT_TRUE(pool->Submit(Track(&first)).ok());
  ASSERT_TRUE(pool->Submit(Track(&second)).ok());
  EXPECT_EQ(
      Value(registry_, "kam_grpc_server_pool_queue_depth", {{"pool", "write"}}),
      2);

  // Answered while the only thread is still busy: nobody waits for it.
  const absl::Status refused = pool->Submit(Track(&third));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(),
            "server busy: the write queue is full (2 waiting); retry with "
            "back-off");
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_rejected_total",
                  {{"pool", "write"}, {"reason", "queue_full"}}),
            1);

  release_.Notify();
  first.done.WaitForNotification();
  second.done.WaitForNotification();
  EXPECT_TRUE(first.ran);
  EXPECT_TRUE(second.ran);
  pool.reset();  // joins: anything still queued has run or been refused
  EXPECT_FALSE(third.ran) << "a refused task must not run";
  EXPECT_FALSE(third.done.HasBeenNotified())
      << "a refused task is answered by the caller, not the pool";
  EXPECT_EQ(
      Value(registry_, "kam_grpc_server_pool_queue_depth", {{"pool", "write"}}),
      0);
}

TEST_F(WorkerPoolTest, TaskWhoseDeadlinePassedWhileQueuedIsNotStarted) {
  auto pool = OccupiedPool(/*queue_limit=*/4);
  Outcome late, in_time;
  ASSERT_TRUE(pool->Submit(Track(&late, clock_.Now() + absl::Seconds(1))).ok());
  ASSERT_TRUE(
      pool->Submit(Track(&in_time, clock_.Now() + absl::Seconds(10))).ok());
  clock_.Advance(absl::Seconds(2));
  release_.Notify();
  late.done.WaitForNotification();
  in_time.done.WaitForNotification();

  EXPECT_FALSE(late.ran);
  const absl::Status refused = RefusedWith(late);
  EXPECT_EQ(refused.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(refused.message(),
            "the deadline passed while the call waited in the write queue "
            "(2s); nothing was done");
  EXPECT_TRUE(in_time.ran);
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_rejected_total",
                  {{"pool", "write"}, {"reason", "deadline"}}),
            1);
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_rejected_total",
                  {{"pool", "write"}, {"reason", "cancelled"}}),
            0);
  // Three waits: the blocker's (0 s) and the two tasks' (2 s each).
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_queue_wait_seconds",
                  {{"pool", "write"}}),
            3);
  EXPECT_EQ(HistogramSum(registry_, "kam_grpc_server_pool_queue_wait_seconds",
                         "write"),
            4);
}

TEST_F(WorkerPoolTest, TaskCancelledWhileQueuedIsNotStarted) {
  auto pool = OccupiedPool(/*queue_limit=*/4, "read");
  std::atomic<bool> gave_up{false};
  Outcome cancelled;
  ASSERT_TRUE(
      pool->Submit(Track(&cancelled, absl::InfiniteFuture(), &gave_up)).ok());
  gave_up = true;
  release_.Notify();
  cancelled.done.WaitForNotification();

  EXPECT_FALSE(cancelled.ran);
  EXPECT_EQ(RefusedWith(cancelled).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_rejected_total",
                  {{"pool", "read"}, {"reason", "cancelled"}}),
            1);
}

TEST_F(WorkerPoolTest, GaugesShowThreadsAndWhoIsBusy) {
  auto pool = OccupiedPool(/*queue_limit=*/4);
  EXPECT_EQ(
      Value(registry_, "kam_grpc_server_pool_threads", {{"pool", "write"}}), 1);
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_threads_busy",
                  {{"pool", "write"}}),
            1);
  release_.Notify();
  pool.reset();
  EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_threads_busy",
                  {{"pool", "write"}}),
            0);
}

// Every reason exists at 0 from the start, so a rate() or an alert has a
// series before the first rejection.
TEST_F(WorkerPoolTest, EveryRejectionReasonIsExportedFromTheStart) {
  WorkerPool::Options options;
  options.name = "read";
  options.threads = 2;
  options.metrics = &registry_;
  WorkerPool pool(options);
  for (const char* reason : {"queue_full", "cancelled", "deadline"}) {
    EXPECT_EQ(Value(registry_, "kam_grpc_server_pool_rejected_total",
                    {{"pool", "read"}, {"reason", reason}}),
              0)
        << reason;
  }
  EXPECT_EQ(
      Value(registry_, "kam_grpc_server_pool_threads", {{"pool", "read"}}), 2);
}

TEST_F(WorkerPoolTest, DestructorFinishesWhatWasQueued) {
  auto pool = OccupiedPool(/*queue_limit=*/8);
  std::vector<std::unique_ptr<Outcome>> outcomes;
  for (int i = 0; i < 5; ++i) {
    outcomes.push_back(std::make_unique<Outcome>());
    ASSERT_TRUE(pool->Submit(Track(outcomes.back().get())).ok());
  }
  release_.Notify();
  pool.reset();
  for (const auto& outcome : outcomes) EXPECT_TRUE(outcome->ran);
}

TEST(ScopedCallDeadlineTest, NestsAndRestores) {
  EXPECT_EQ(CurrentCallDeadline(), absl::InfiniteFuture());
  const absl::Time outer = absl::FromUnixSeconds(100);
  const absl::Time inner = absl::FromUnixSeconds(50);
  {
    ScopedCallDeadline a(outer);
    EXPECT_EQ(CurrentCallDeadline(), outer);
    {
      ScopedCallDeadline b(inner);
      EXPECT_EQ(CurrentCallDeadline(), inner);
    }
    EXPECT_EQ(CurrentCallDeadline(), outer);
  }
  EXPECT_EQ(CurrentCallDeadline(), absl::InfiniteFuture());
}

}  // namespace
}  // namespace kam
