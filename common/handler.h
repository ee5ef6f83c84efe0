#ifndef KAM_COMMON_HANDLER_H_
#define KAM_COMMON_HANDLER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace kam {

// WorkerPool runs work that must not block gRPC's callback threads: scans,
// large batches. A fixed number of threads and an unbounded FIFO queue.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs what is queued, then joins.
  ~WorkerPool();
  void Schedule(std::function<void()> work);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Serve is the body of a unary callback handler: it checks the caller's role,
// runs `body` inline (for point reads and small writes) and finishes the call
// with the body's status, converted once by ToGrpcStatus.
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
  if (status.ok()) status = body();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// ServeOffloaded is Serve for bodies that scan or write a lot: the body runs
// on `pool`. The request and response outlive the body (gRPC keeps them until
// Finish).
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
  pool.Schedule([reactor, context, body = std::move(body)]() mutable {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                   "cancelled before it ran"));
      return;
    }
    reactor->Finish(ToGrpcStatus(body()));
  });
  return reactor;
}

}  // namespace kam

#endif  // KAM_COMMON_HANDLER_H_
