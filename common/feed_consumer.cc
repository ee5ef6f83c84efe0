#include "common/feed_consumer.h"

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "grpcpp/create_channel.h"

namespace kam {

using kam::common::v1::ChangeEvent;
using kam::common::v1::WatchChangesRequest;
using kam::common::v1::WatchChangesResponse;

FeedConsumer::FeedConsumer(Options options, ApplyFn apply)
    : options_(std::move(options)), apply_(std::move(apply)) {
  auto stored = ReadCursor(*options_.store, options_.cursor_family,
                           options_.feed_name);
  if (stored.ok()) {
    cursor_.store(*stored);
  } else {
    // Starting from 0 would apply every event again; refuse to follow until
    // the cursor can be read (FollowOnce retries it).
    cursor_error_ = stored.status();
  }
  if (options_.metrics != nullptr) {
    const prometheus::Labels labels = {{"feed", options_.feed_name}};
    lag_gauge_ = &prometheus::BuildGauge()
                      .Name("kam_feed_consumer_lag_events")
                      .Help("Events the producer has committed that this "
                            "consumer has not applied yet")
                      .Register(*options_.metrics)
                      .Add(labels);
    cursor_gauge_ = &prometheus::BuildGauge()
                         .Name("kam_feed_consumer_cursor")
                         .Help("Sequence of the last applied event")
                         .Register(*options_.metrics)
                         .Add(labels);
    applied_counter_ = &prometheus::BuildCounter()
                            .Name("kam_feed_consumer_events_applied_total")
                            .Help("Events applied to this service's projection")
                            .Register(*options_.metrics)
                            .Add(labels);
    reconnects_counter_ =
        &prometheus::BuildCounter()
             .Name("kam_feed_consumer_reconnects_total")
             .Help("Times the consumer lost its stream and reconnected")
             .Register(*options_.metrics)
             .Add(labels);
    connected_gauge_ = &prometheus::BuildGauge()
                            .Name("kam_feed_consumer_connected")
                            .Help("1 while a stream to the producer is open; "
                                  "the lag is as last reported otherwise")
                            .Register(*options_.metrics)
                            .Add(labels);
    cursor_gauge_->Set(static_cast<double>(cursor_.load()));
  }
}

FeedConsumer::Options FeedConsumer::Options::ForPeer(
    std::string feed_name, const std::string& address, std::string bearer_token,
    Store* store, rocksdb::ColumnFamilyHandle* cursor_family,
    prometheus::Registry* metrics) {
  Options options;
  options.feed_name = std::move(feed_name);
  options.channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  options.store = store;
  options.cursor_family = cursor_family;
  options.bearer_token = std::move(bearer_token);
  options.metrics = metrics;
  return options;
}

FeedConsumer::~FeedConsumer() { Stop(); }

absl::StatusOr<uint64_t> FeedConsumer::ReadCursor(
    const Store& store, rocksdb::ColumnFamilyHandle* family,
    const std::string& feed_name) {
  std::string value;
  absl::Status s = store.Get(family, feed_name, &value);
  if (absl::IsNotFound(s)) return 0;
  if (!s.ok()) return s;
  uint64_t cursor = 0;
  if (!absl::SimpleAtoi(value, &cursor)) {
    return absl::InternalError(
        absl::StrCat("corrupt cursor for feed ", feed_name, ": ", value));
  }
  return cursor;
}

void FeedConsumer::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::WaitForCursor(uint64_t sequence, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (cursor() < sequence) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

void FeedConsumer::Run() {
  absl::BitGen gen;
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    const uint64_t before = cursor();
    absl::Status status = FollowOnce();
    connected_ = false;
    if (connected_gauge_ != nullptr) connected_gauge_->Set(0);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (reconnects_counter_ != nullptr) reconnects_counter_->Increment();
    // Progress on the last connection resets the back-off.
    if (cursor() > before) backoff = options_.min_backoff;
    std::fprintf(stderr, "kam: feed %s: %s; retrying in %s\n",
                 options_.feed_name.c_str(), status.ToString().c_str(),
                 absl::FormatDuration(backoff).c_str());
    const absl::Duration wait =
        backoff * absl::Uniform(gen, 0.5, 1.0);  // jitter
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait);
    if (stopping_) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status FeedConsumer::FollowOnce() {
  if (!cursor_error_.ok()) {
    auto stored = ReadCursor(*options_.store, options_.cursor_family,
                             options_.feed_name);
    if (!stored.ok()) return stored.status();
    cursor_.store(*stored);
    cursor_error_ = absl::OkStatus();
  }
  grpc::ClientContext context;
  if (!options_.bearer_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    active_ = &context;
  }
  auto stub = kam::common::v1::ChangeFeed::NewStub(options_.channel);
  WatchChangesRequest request;
  request.set_after_sequence(cursor());
  auto reader = stub->WatchChanges(&context, request);
  WatchChangesResponse response;
  absl::Status result;
  while (reader->Read(&response)) {
    if (!connected_.exchange(true) && connected_gauge_ != nullptr) {
      connected_gauge_->Set(1);
    }
    head_.store(response.head_sequence(), std::memory_order_release);
    if (response.events_size() > 0) {
      result = ApplyBatch(response.events());
      if (!result.ok()) {
        context.TryCancel();
        break;
      }
    }
    UpdateLag();
  }
  grpc::Status finish = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
  }
  if (!result.ok()) return result;
  if (finish.ok()) return absl::UnavailableError("producer ended the stream");
  return FromGrpcStatus(finish);
}

absl::Status FeedConsumer::ApplyBatch(
    const google::protobuf::RepeatedPtrField<ChangeEvent>& events) {
  rocksdb::WriteBatch batch;
  uint64_t last = cursor();
  for (const ChangeEvent& event : events) {
    if (event.sequence() <= last) continue;  // already applied (replayed)
    if (event.sequence() != last + 1) {
      return absl::DataLossError(absl::StrCat(
          "feed ", options_.feed_name, " skipped from ", last, " to ",
          event.sequence()));
    }
    absl::Status applied = apply_(event, &batch);
    if (!applied.ok()) {
      return absl::Status(
          applied.code(),
          absl::StrCat("applying event ", event.sequence(), " (",
                       event.resource_name(), "): ", applied.message()));
    }
    last = event.sequence();
  }
  if (last == cursor()) return absl::OkStatus();
  batch.Put(options_.cursor_family, options_.feed_name, absl::StrCat(last));
  {
    absl::Status written = options_.store->Write(&batch);
    if (!written.ok()) return written;
  }
  if (applied_counter_ != nullptr) {
    applied_counter_->Increment(static_cast<double>(last - cursor()));
  }
  cursor_.store(last, std::memory_order_release);
  return absl::OkStatus();
}

void FeedConsumer::UpdateLag() {
  if (lag_gauge_ == nullptr) return;
  const uint64_t head = producer_head();
  const uint64_t applied = cursor();
  lag_gauge_->Set(head > applied ? static_cast<double>(head - applied) : 0.0);
  cursor_gauge_->Set(static_cast<double>(applied));
}

}  // namespace kam
