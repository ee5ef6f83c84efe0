#ifndef KAM_COMMON_HANDLER_H_
#define KAM_COMMON_HANDLER_H_

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace kam {

// WorkerPool runs handler work that must not block gRPC's callback threads
// (writes waiting on an fsync, scans, reports) on a fixed number of threads
// with a bounded FIFO queue, so an overload is answered at once instead of
// piling up memory and latency:
//   - Submit refuses with RESOURCE_EXHAUSTED when `queue_limit` tasks are
//     already waiting;
//   - a task whose caller gave up or whose deadline passed while it waited
//     is not started: it is refused with CANCELLED or DEADLINE_EXCEEDED.
// Exports, labelled pool="<name>":
//   kam_grpc_server_pool_threads             threads of the pool
//   kam_grpc_server_pool_threads_busy        threads running a task
//   kam_grpc_server_pool_queue_depth         tasks waiting for a thread
//   kam_grpc_server_pool_queue_wait_seconds  time from Submit to a thread
//   kam_grpc_server_pool_rejected_total{reason="queue_full|cancelled|deadline"}
// Thread-safe.
class WorkerPool {
 public:
  struct Options {
    // Names the pool in metrics and in the busy message: "read", "write".
    // One of a few fixed names (it is a label value).
    std::string name = "worker";
    int threads = 1;
    // Tasks that may wait for a thread; Submit refuses beyond. At least 1.
    int queue_limit = 64;
    // Reads the time for deadlines and queue waits. Servers use the real
    // clock (gRPC deadlines are real time, even under --fixed_time).
    Clock* clock = Clock::Real();
    // Where the metrics go; null: a registry of the pool's own.
    prometheus::Registry* metrics = nullptr;
  };

  // One piece of work and what to do if it cannot run.
  struct Task {
    // Runs on a pool thread.
    std::function<void()> run;
    // Called instead of `run`, on a pool thread, with CANCELLED or
    // DEADLINE_EXCEEDED when the task is taken off the queue after its
    // caller gave up or its deadline passed.
    std::function<void(const absl::Status&)> refuse;
    // A task still waiting at this instant is refused.
    absl::Time deadline = absl::InfiniteFuture();
    // Whether the caller has given up; may be empty (never).
    std::function<bool()> cancelled;
  };

  explicit WorkerPool(Options options);
  // Runs or refuses what is queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. If `queue_limit` tasks are waiting already, returns
  // RESOURCE_EXHAUSTED ("server busy: the <name> queue is full (N waiting);
  // retry with back-off") and drops the task: neither `run` nor `refuse` is
  // called, the caller answers with the returned status.
  absl::Status Submit(Task task);

  const std::string& name() const { return options_.name; }
  int threads() const { return options_.threads; }
  int queue_limit() const { return options_.queue_limit; }

 private:
  struct Queued {
    Task task;
    absl::Time enqueued;
  };
  void Work();

  const Options options_;
  std::shared_ptr<prometheus::Registry> own_metrics_;
  prometheus::Gauge* busy_ = nullptr;
  prometheus::Gauge* depth_ = nullptr;
  prometheus::Histogram* wait_ = nullptr;
  prometheus::Counter* queue_full_ = nullptr;
  prometheus::Counter* cancelled_ = nullptr;
  prometheus::Counter* expired_ = nullptr;

  absl::Mutex mu_;
  absl::CondVar ready_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// The pools a service's handlers run on: every mutating RPC on `write`,
// scans, lists and reports on `read`. Point reads stay on gRPC's thread.
// Both outlive the handlers.
struct HandlerPools {
  WorkerPool* read = nullptr;
  WorkerPool* write = nullptr;
};

// ScopedCallDeadline makes `deadline` the deadline of the call this thread
// is working on, until it goes out of scope (the previous one returns).
// Outbound calls made on the call's behalf (planning asking scoring for a
// score) read it with CurrentCallDeadline() and give up by then: nobody
// waits for their answer afterwards. It lets the domain layer stay free of
// gRPC types: it never sees the deadline, only the clients it calls do.
class ScopedCallDeadline {
 public:
  explicit ScopedCallDeadline(absl::Time deadline);
  ~ScopedCallDeadline();
  ScopedCallDeadline(const ScopedCallDeadline&) = delete;
  ScopedCallDeadline& operator=(const ScopedCallDeadline&) = delete;

 private:
  const absl::Time previous_;
};

// The deadline set by the innermost ScopedCallDeadline on this thread;
// absl::InfiniteFuture() if none.
absl::Time CurrentCallDeadline();

// The caller's deadline of a server call; absl::InfiniteFuture() if it set
// none.
absl::Time DeadlineOf(const grpc::ServerContextBase& context);

// Serve is the body of a unary callback handler for point reads: it checks
// the caller's role, runs `body` inline on gRPC's callback thread (with the
// call's deadline as CurrentCallDeadline) and finishes the call with the
// body's status, converted once by ToGrpcStatus.
//
// Example:
//   grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* ctx,
//       const GetAccountRequest* req, Account* resp) override {
//     return Serve(ctx, auth_, Role::kViewer, [&] {
//       return registry_->GetAccount(req->name(), resp);
//     });
//   }
template <typename Body>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                const Authorizer& auth, Role need,
                                Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = auth.Check(*context, need);
  if (status.ok()) {
    ScopedCallDeadline deadline(DeadlineOf(*context));
    status = body();
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// ServeOffloaded is Serve for bodies that write, scan or render: after the
// role check the body is queued on `pool` and runs there with the call's
// deadline as CurrentCallDeadline. A full queue answers RESOURCE_EXHAUSTED
// at once; a call cancelled or past its deadline while queued is answered
// CANCELLED / DEADLINE_EXCEEDED without running the body. The request and
// response outlive the body (gRPC keeps them until Finish); the body must be
// copyable and must not capture the handler's locals by reference.
//
// Example:
//   return ServeOffloaded(ctx, auth_, Role::kEditor, *pools_.write,
//                         [this, req, resp] {
//                           return registry_->CreateAccount(*req, resp);
//                         });
template <typename Body>
grpc::ServerUnaryReactor* ServeOffloaded(grpc::CallbackServerContext* context,
                                         const Authorizer& auth, Role need,
                                         WorkerPool& pool, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status allowed = auth.Check(*context, need);
  if (!allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  const absl::Time deadline = DeadlineOf(*context);
  WorkerPool::Task task;
  task.deadline = deadline;
  task.cancelled = [context] { return context->IsCancelled(); };
  task.run = [reactor, deadline, body = std::move(body)]() mutable {
    ScopedCallDeadline scope(deadline);
    reactor->Finish(ToGrpcStatus(body()));
  };
  task.refuse = [reactor](const absl::Status& why) {
    reactor->Finish(ToGrpcStatus(why));
  };
  // After a successful Submit the call may already be finished on a pool
  // thread: touch nothing of it here.
  absl::Status queued = pool.Submit(std::move(task));
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

}  // namespace kam

#endif  // KAM_COMMON_HANDLER_H_
