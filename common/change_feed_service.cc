#include "common/change_feed_service.h"

#include <vector>

#include "common/auth.h"
#include "common/status.h"

namespace kam {

using kam::common::v1::ChangeEvent;
using kam::common::v1::WatchChangesRequest;
using kam::common::v1::WatchChangesResponse;

namespace {
constexpr int kDefaultBatch = 256;
constexpr int kMaxBatch = 4096;
}  // namespace

// One WatchChanges call. Sends whenever no write is outstanding and there is
// something to send: events past the cursor, or a heartbeat that is due.
// Woken by feed commits, by the heartbeat thread, and by its own write
// completions; never blocks a callback thread.
class ChangeFeedService::Stream final
    : public grpc::ServerWriteReactor<WatchChangesResponse> {
 public:
  Stream(ChangeFeedService* service, uint64_t after, int batch)
      : service_(service), cursor_(after), batch_(batch) {
    listener_id_ = service_->feed_->Subscribe([this] { Pump(); });
    Pump();
  }

  void Heartbeat() {
    {
      absl::MutexLock lock(&mu_);
      heartbeat_due_ = true;
    }
    Pump();
  }

  // Finishes the stream with `status` once no write is in flight.
  void End(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    if (ending_) return;
    ending_ = true;
    end_status_ = std::move(status);
    if (!writing_) Finish(end_status_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The client went away; OnCancel or OnDone follows.
      End(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ending_) {
        Finish(end_status_);
        return;
      }
    }
    Pump();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by client"));
  }

  void OnDone() override {
    service_->feed_->Unsubscribe(listener_id_);
    {
      absl::MutexLock lock(&service_->mu_);
      service_->streams_.erase(this);
    }
    delete this;
  }

 private:
  void Pump() {
    absl::MutexLock lock(&mu_);
    if (writing_ || ending_) return;
    response_.Clear();
    std::vector<ChangeEvent> events;
    absl::Status status = service_->feed_->Read(cursor_, batch_, &events);
    if (!status.ok()) {
      ending_ = true;
      Finish(ToGrpcStatus(status));
      return;
    }
    if (events.empty() && !heartbeat_due_ && sent_once_) return;
    for (auto& event : events) {
      cursor_ = event.sequence();
      *response_.add_events() = std::move(event);
    }
    response_.set_head_sequence(service_->feed_->head());
    heartbeat_due_ = false;
    sent_once_ = true;
    writing_ = true;
    StartWrite(&response_);
  }

  ChangeFeedService* const service_;
  int listener_id_ = 0;
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  const int batch_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  // The first response goes out at once, even if empty, so a caller learns
  // the head sequence without waiting for a heartbeat.
  bool sent_once_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
  WatchChangesResponse response_ ABSL_GUARDED_BY(mu_);
};

ChangeFeedService::ChangeFeedService(ChangeFeed* feed,
                                     const Authorizer* authorizer,
                                     absl::Duration heartbeat_interval)
    : feed_(feed),
      authorizer_(authorizer),
      heartbeat_interval_(heartbeat_interval),
      heartbeat_([this] { HeartbeatLoop(); }) {}

ChangeFeedService::~ChangeFeedService() {
  Drain();
  heartbeat_.join();
}

grpc::ServerWriteReactor<WatchChangesResponse>* ChangeFeedService::WatchChanges(
    grpc::CallbackServerContext* context, const WatchChangesRequest* request) {
  auto reject = [](grpc::Status status) {
    class Rejected : public grpc::ServerWriteReactor<WatchChangesResponse> {
     public:
      explicit Rejected(grpc::Status status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Rejected(std::move(status));
  };
  if (authorizer_ != nullptr) {
    absl::Status allowed = authorizer_->Check(*context, Role::kViewer);
    if (!allowed.ok()) return reject(ToGrpcStatus(allowed));
  }
  if (request->max_batch_size() < 0 || request->max_batch_size() > kMaxBatch) {
    return reject(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "max_batch_size: must be between 0 and 4096"));
  }
  if (request->after_sequence() > feed_->head()) {
    return reject(grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        "after_sequence: is beyond the head of this feed (" +
            std::to_string(feed_->head()) +
            "); the consumer's cursor belongs to another database"));
  }
  const int batch =
      request->max_batch_size() == 0 ? kDefaultBatch : request->max_batch_size();
  absl::MutexLock lock(&mu_);
  if (draining_) {
    return reject(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               "server is draining; reconnect elsewhere"));
  }
  auto* stream = new Stream(this, request->after_sequence(), batch);
  streams_.insert(stream);
  return stream;
}

void ChangeFeedService::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (Stream* stream : streams_) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "server is draining; reconnect and resume"));
  }
}

void ChangeFeedService::HeartbeatLoop() {
  absl::MutexLock lock(&mu_);
  while (!draining_) {
    mu_.AwaitWithTimeout(absl::Condition(&draining_), heartbeat_interval_);
    if (draining_) break;
    for (Stream* stream : streams_) stream->Heartbeat();
  }
}

}  // namespace kam
