#include "common/change_feed_service.h"

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
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
// something to send: events past the cursor, or a heartbeat that is due. Its
// state is decided under mu_; StartWrite and Finish are called after mu_ is
// released.
//
// Lifetime: gRPC holds one reference until OnDone; the pump thread holds one
// while it works on the stream. The last Unref deletes.
class ChangeFeedService::Stream final
    : public grpc::ServerWriteReactor<WatchChangesResponse> {
 public:
  Stream(ChangeFeedService* service, uint64_t after, int batch)
      : service_(service), cursor_(after), batch_(batch) {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
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
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      end_status_ = std::move(status);
    }
    Pump();
  }

  // Starts the next write, or the finish, if one is due and none is running.
  void Pump() {
    enum class Action { kNone, kWrite, kFinish } action = Action::kNone;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (!ending_) {
        std::vector<ChangeEvent> events;
        absl::Status read = service_->feed_->Read(cursor_, batch_, &events);
        if (!read.ok()) {
          ending_ = true;
          end_status_ = ToGrpcStatus(read);
        } else if (!events.empty() || heartbeat_due_ || !sent_once_) {
          response_.Clear();
          for (auto& event : events) {
            cursor_ = event.sequence();
            *response_.add_events() = std::move(event);
          }
          response_.set_head_sequence(service_->feed_->head());
          heartbeat_due_ = false;
          sent_once_ = true;
          writing_ = true;
          action = Action::kWrite;
        }
      }
      if (ending_) {
        finished_ = true;
        action = Action::kFinish;
      }
    }
    // response_ and end_status_ do not change while a write or the finish is
    // outstanding, so they are read here without the lock.
    if (action == Action::kWrite) StartWrite(&response_);
    if (action == Action::kFinish) Finish(end_status_);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !ending_) {
        // The client went away.
        ending_ = true;
        end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
      }
    }
    Pump();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by client"));
  }

  void OnDone() override {
    service_->Forget(this);
    Unref();
  }

 private:
  ~Stream() override = default;

  ChangeFeedService* const service_;
  std::atomic<int> refs_{1};
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  const int batch_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  // The first response goes out at once, even if empty, so a caller learns
  // the head sequence without waiting for a heartbeat.
  bool sent_once_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_;
  WatchChangesResponse response_;
};

ChangeFeedService::ChangeFeedService(ChangeFeed* feed,
                                     const Authorizer* authorizer,
                                     absl::Duration heartbeat_interval,
                                     Role role)
    : feed_(feed),
      authorizer_(authorizer),
      heartbeat_interval_(heartbeat_interval),
      role_(role) {
  // Runs on the committing thread under the feed's locks: only wake the pump.
  listener_id_ = feed_->Subscribe([this] {
    absl::MutexLock lock(&mu_);
    changed_ = true;
    wake_.Signal();
  });
  pump_ = std::thread([this] { PumpLoop(); });
}

ChangeFeedService::~ChangeFeedService() {
  Drain();
  feed_->Unsubscribe(listener_id_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  pump_.join();
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
    absl::Status allowed = authorizer_->Check(*context, role_);
    if (!allowed.ok()) return reject(ToGrpcStatus(allowed));
  }
  if (request->max_batch_size() < 0 || request->max_batch_size() > kMaxBatch) {
    return reject(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "max_batch_size: must be between 0 and 4096"));
  }
  const uint64_t head = feed_->head();
  if (request->after_sequence() > head) {
    return reject(grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("after_sequence: is beyond the head of this feed (", head,
                     "); the consumer's cursor belongs to another database")));
  }
  const int batch =
      request->max_batch_size() == 0 ? kDefaultBatch : request->max_batch_size();
  auto* stream = new Stream(this, request->after_sequence(), batch);
  {
    absl::MutexLock lock(&mu_);
    if (draining_) {
      stream->Unref();  // never handed to gRPC
      return reject(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "server is draining; reconnect elsewhere"));
    }
    streams_.insert(stream);
    stream->Ref();  // for the first pump, below
  }
  stream->Pump();
  stream->Unref();
  return stream;
}

void ChangeFeedService::Forget(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void ChangeFeedService::Drain() {
  std::vector<Stream*> streams;
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    for (Stream* stream : streams_) {
      stream->Ref();
      streams.push_back(stream);
    }
  }
  for (Stream* stream : streams) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "server is draining; reconnect and resume"));
    stream->Unref();
  }
}

void ChangeFeedService::PumpLoop() {
  absl::Time next_heartbeat = absl::Now() + heartbeat_interval_;
  while (true) {
    std::vector<Stream*> streams;
    bool heartbeat = false;
    {
      absl::MutexLock lock(&mu_);
      while (!changed_ && !stopping_ && absl::Now() < next_heartbeat) {
        wake_.WaitWithDeadline(&mu_, next_heartbeat);
      }
      if (stopping_) return;
      if (absl::Now() >= next_heartbeat) {
        heartbeat = true;
        next_heartbeat = absl::Now() + heartbeat_interval_;
      }
      changed_ = false;
      for (Stream* stream : streams_) {
        stream->Ref();
        streams.push_back(stream);
      }
    }
    for (Stream* stream : streams) {
      if (heartbeat) {
        stream->Heartbeat();
      } else {
        stream->Pump();
      }
      stream->Unref();
    }
  }
}

}  // namespace kam
