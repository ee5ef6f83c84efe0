#include "common/feed_consumer.h"

#include <algorithm>
#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/limits.h"
#include "common/status.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace kam {

using kam::common::v1::ChangeEvent;
using kam::common::v1::WatchChangesRequest;
using kam::common::v1::WatchChangesResponse;

FeedConsumer::FeedConsumer(Options options, ApplyFn apply)
    : options_(std::move(options)), apply_(std::move(apply)) {
  channel_ = options_.channel;
  auto stored =
      ReadCursor(*options_.store, options_.cursor_family, options_.feed_name);
  if (stored.ok()) {
    cursor_.store(*stored);
  } else {
    // Starting from 0 would apply every event again; refuse to follow until
    // the cursor can be read (FollowOnce retries it).
    cursor_error_ = stored.status();
  }
  {
    std::string incarnation;
    if (options_.store
            ->Get(options_.cursor_family, IncarnationKey(options_.feed_name),
                  &incarnation)
            .ok()) {
      if (options_.on_incarnation) options_.on_incarnation(incarnation);
      absl::MutexLock lock(&mu_);
      incarnation_ = std::move(incarnation);
    }
    std::string reason;
    if (options_.store
            ->Get(options_.cursor_family, RelistKey(options_.feed_name),
                  &reason)
            .ok()) {
      absl::MutexLock lock(&mu_);
      relist_reason_ = std::move(reason);
    }
  }
  if (options_.metrics != nullptr) {
    const prometheus::Labels labels = {{"feed", options_.feed_name}};
    lag_gauge_ = &prometheus::BuildGauge()
                      .Name("kam_feed_consumer_lag_events")
                      .Help(
                          "Events the producer has committed that this "
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
                            .Help(
                                "1 while a stream to the producer is open; "
                                "the lag is as last reported otherwise")
                            .Register(*options_.metrics)
                            .Add(labels);
    stalls_counter_ =
        &prometheus::BuildCounter()
             .Name("kam_feed_consumer_stalls_total")
             .Help(
                 "Streams cancelled because neither an event nor a "
                 "heartbeat came for the stall timeout (then reconnected)")
             .Register(*options_.metrics)
             .Add(labels);
    last_message_gauge_ =
        &prometheus::BuildGauge()
             .Name("kam_feed_consumer_last_message_timestamp_seconds")
             .Help(
                 "Unix time of the last response (events or heartbeat) "
                 "from the producer; the consumer's start until the first")
             .Register(*options_.metrics)
             .Add(labels);
    needs_relist_gauge_ =
        &prometheus::BuildGauge()
             .Name("kam_feed_consumer_needs_relist")
             .Help(
                 "1 while the consumer's cursor means nothing to its "
                 "producer (another incarnation, a producer restored from "
                 "an older copy, or events trimmed) and it must re-list")
             .Register(*options_.metrics)
             .Add(labels);
    relists_family_ = &prometheus::BuildCounter()
                           .Name("kam_feed_consumer_relists_total")
                           .Help(
                               "Times the consumer found it must re-list its "
                               "producer's state, by reason: incarnation, "
                               "producer_behind, trimmed")
                           .Register(*options_.metrics);
    cursor_gauge_->Set(static_cast<double>(cursor_.load()));
    if (!needs_relist().empty()) needs_relist_gauge_->Set(1);
  }
}

std::string FeedConsumer::needs_relist() const {
  absl::MutexLock lock(&mu_);
  return relist_reason_;
}

std::string FeedConsumer::incarnation() const {
  absl::MutexLock lock(&mu_);
  return incarnation_;
}

absl::Status FeedConsumer::NeedRelist(const std::string& reason,
                                      const std::string& detail) {
  {
    absl::MutexLock lock(&mu_);
    if (relist_reason_.empty()) {
      // Durably: a producer restored from an older copy may later pass the
      // cursor again with other events, and must not be followed then.
      rocksdb::WriteBatch batch;
      batch.Put(options_.cursor_family, RelistKey(options_.feed_name), reason);
      absl::Status written = options_.store->Write(&batch);
      if (!written.ok()) {
        std::fprintf(stderr, "kam: feed %s: storing the re-list mark: %s\n",
                     options_.feed_name.c_str(), written.ToString().c_str());
      }
    }
    if (relist_reason_ != reason) {
      relist_reason_ = reason;
      if (relists_family_ != nullptr) {
        relists_family_
            ->Add({{"feed", options_.feed_name}, {"reason", reason}})
            .Increment();
      }
    }
  }
  if (needs_relist_gauge_ != nullptr) needs_relist_gauge_->Set(1);
  return absl::FailedPreconditionError(
      absl::StrCat("must re-list (", reason, "): ", detail,
                   "; applying nothing from cursor ", cursor()));
}

absl::Status FeedConsumer::Relist(const std::string& reason) {
  const absl::Time start = absl::Now();
  {
    rocksdb::WriteBatch batch;
    absl::Status cleared = options_.clear(&batch);
    if (!cleared.ok()) return cleared;
    batch.Put(options_.cursor_family, RelistKey(options_.feed_name), reason);
    absl::Status written = options_.store->Write(&batch);
    if (!written.ok()) return written;
  }
  auto stub = kam::common::v1::ChangeFeed::NewStub(channel_);
  std::string token;
  uint64_t sequence = 0;
  std::string incarnation;
  int64_t items = 0;
  bool first = true;
  do {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::CancelledError("stopping");
    }
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    if (!options_.bearer_token.empty()) {
      context.AddMetadata("authorization", "Bearer " + options_.bearer_token);
    }
    kam::common::v1::ListSnapshotRequest request;
    request.set_page_size(options_.relist_page_size);
    request.set_page_token(token);
    kam::common::v1::ListSnapshotResponse response;
    grpc::Status status = stub->ListSnapshot(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    if (first) {
      sequence = response.snapshot_sequence();
      incarnation = response.incarnation();
      first = false;
    } else if (response.snapshot_sequence() != sequence) {
      return absl::AbortedError("the listing's snapshot changed; list again");
    }
    rocksdb::WriteBatch batch;
    for (const ChangeEvent& item : response.items()) {
      absl::Status applied = apply_(item, &batch);
      if (!applied.ok()) {
        return absl::Status(applied.code(),
                            absl::StrCat("applying listed ",
                                         item.resource_name(), ": ",
                                         applied.message()));
      }
    }
    absl::Status written = options_.store->Write(&batch);
    if (!written.ok()) return written;
    items += response.items_size();
    token = response.next_page_token();
  } while (!token.empty());
  // The whole listing is in: only now does the cursor move.
  rocksdb::WriteBatch batch;
  if (options_.listed) {
    absl::Status ended = options_.listed(&batch);
    if (!ended.ok()) return ended;
  }
  batch.Put(options_.cursor_family, options_.feed_name,
            absl::StrCat(sequence));
  batch.Put(options_.cursor_family, IncarnationKey(options_.feed_name),
            incarnation);
  batch.Delete(options_.cursor_family, RelistKey(options_.feed_name));
  absl::Status written = options_.store->Write(&batch);
  if (!written.ok()) return written;
  if (options_.on_incarnation) options_.on_incarnation(incarnation);
  cursor_.store(sequence, std::memory_order_release);
  {
    absl::MutexLock lock(&mu_);
    incarnation_ = incarnation;
    relist_reason_.clear();
  }
  if (needs_relist_gauge_ != nullptr) needs_relist_gauge_->Set(0);
  UpdateLag();
  ++relists_done_;
  std::fprintf(stderr,
               "kam: feed %s: re-listed (%s): %lld items at sequence %llu in "
               "%s\n",
               options_.feed_name.c_str(), reason.c_str(),
               static_cast<long long>(items),
               static_cast<unsigned long long>(sequence),
               absl::FormatDuration(absl::Now() - start).c_str());
  return absl::OkStatus();
}

absl::Status FeedConsumer::CheckProducer(const WatchChangesResponse& r) {
  std::string known;
  {
    absl::MutexLock lock(&mu_);
    known = incarnation_;
  }
  if (!r.incarnation().empty() && known.empty()) {
    // The first response ever (or a cursor from before incarnations): the
    // cursor belongs to this incarnation from now on.
    rocksdb::WriteBatch batch;
    batch.Put(options_.cursor_family, IncarnationKey(options_.feed_name),
              r.incarnation());
    absl::Status written = options_.store->Write(&batch);
    if (!written.ok()) return written;
    if (options_.on_incarnation) options_.on_incarnation(r.incarnation());
    absl::MutexLock lock(&mu_);
    incarnation_ = r.incarnation();
  } else if (!r.incarnation().empty() && r.incarnation() != known) {
    return NeedRelist("incarnation",
                      absl::StrCat("the producer is incarnation ",
                                   r.incarnation(), ", the cursor belongs to ",
                                   known, " (its database was replaced)"));
  }
  if (r.head_sequence() < cursor()) {
    return NeedRelist(
        "producer_behind",
        absl::StrCat("the producer's head ", r.head_sequence(),
                     " is below the cursor (restored from an older copy?)"));
  }
  return absl::OkStatus();
}

grpc::ChannelArguments FeedConsumer::PeerChannelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kFeedMaxMessageBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A consumer sends no data after its request: without this, gRPC stops
  // pinging after two pings.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

FeedConsumer::Options FeedConsumer::Options::ForPeer(
    std::string feed_name, const std::string& address, std::string bearer_token,
    Store* store, rocksdb::ColumnFamilyHandle* cursor_family,
    prometheus::Registry* metrics) {
  Options options;
  options.feed_name = std::move(feed_name);
  options.new_channel = [address] {
    grpc::ChannelArguments args = PeerChannelArguments();
    // Not a connection shared through gRPC's global subchannel pool: the
    // point of a new channel is a new connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
  };
  options.channel = options.new_channel();
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
  if (last_message_gauge_ != nullptr) {
    last_message_gauge_->Set(
        absl::ToDoubleSeconds(options_.clock->Now() - absl::UnixEpoch()));
  }
  thread_ = std::thread([this] { Run(); });
  watchdog_ = std::thread([this] { Watchdog(); });
}

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
  if (watchdog_.joinable()) watchdog_.join();
}

void FeedConsumer::Watchdog() {
  // Looks often enough to notice a stall within a quarter of the timeout
  // (and at least every second, so a fake clock moved by a test is seen).
  const absl::Duration poll =
      std::min(options_.stall_timeout / 4, absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), poll)) {
    if (active_ == nullptr || stalled_) continue;
    const absl::Duration silent = options_.clock->Now() - waiting_since_;
    if (silent < options_.stall_timeout) continue;
    stalled_ = true;
    ++stalls_;
    if (stalls_counter_ != nullptr) stalls_counter_->Increment();
    active_->TryCancel();
  }
}

void FeedConsumer::Heard() {
  if (last_message_gauge_ != nullptr) {
    last_message_gauge_->Set(
        absl::ToDoubleSeconds(options_.clock->Now() - absl::UnixEpoch()));
  }
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
    // The last known head stays: the lag is still head - cursor.
    UpdateLag();
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
    auto stored =
        ReadCursor(*options_.store, options_.cursor_family, options_.feed_name);
    if (!stored.ok()) return stored.status();
    cursor_.store(*stored);
    cursor_error_ = absl::OkStatus();
  }
  {
    const std::string reason = needs_relist();
    if (!reason.empty()) {
      if (!options_.clear) {
        return NeedRelist(reason, "marked by an earlier connection");
      }
      absl::Status relisted = Relist(reason);
      if (!relisted.ok()) {
        return absl::Status(
            relisted.code(),
            absl::StrCat("re-listing (", reason, "): ", relisted.message()));
      }
    }
  }
  grpc::ClientContext context;
  if (!options_.bearer_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    active_ = &context;
    stalled_ = false;
    waiting_since_ = options_.clock->Now();
  }
  auto stub = kam::common::v1::ChangeFeed::NewStub(channel_);
  WatchChangesRequest request;
  request.set_after_sequence(cursor());
  auto reader = stub->WatchChanges(&context, request);
  WatchChangesResponse response;
  absl::Status result;
  while (reader->Read(&response)) {
    {
      // Applying is not waiting: a slow apply is not a silent producer.
      absl::MutexLock lock(&mu_);
      waiting_since_ = absl::InfiniteFuture();
    }
    Heard();
    if (!connected_.exchange(true) && connected_gauge_ != nullptr) {
      connected_gauge_->Set(1);
    }
    // The head first: if this batch cannot be applied, the lag still shows
    // how far behind the consumer is.
    head_.store(response.head_sequence(), std::memory_order_release);
    UpdateLag();
    result = CheckProducer(response);
    if (!result.ok()) {
      context.TryCancel();
      break;
    }
    if (response.events_size() > 0) {
      result = ApplyBatch(response.events());
      UpdateLag();
      if (!result.ok()) {
        context.TryCancel();
        break;
      }
    }
    absl::MutexLock lock(&mu_);
    waiting_since_ = options_.clock->Now();
  }
  grpc::Status finish = reader->Finish();
  bool stalled = false;
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
    waiting_since_ = absl::InfiniteFuture();
    stalled = stalled_;
  }
  if (!result.ok()) return result;
  if (stalled) {
    if (options_.new_channel) channel_ = options_.new_channel();
    return absl::DeadlineExceededError(
        absl::StrCat("no event or heartbeat from the producer for ",
                     absl::FormatDuration(options_.stall_timeout),
                     "; cancelled the stream (a silent producer or a half-open "
                     "connection)"));
  }
  if (finish.ok()) return absl::UnavailableError("producer ended the stream");
  if (finish.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
    // Beyond the head: restored from an older copy (or another database);
    // otherwise the events after the cursor were trimmed.
    const bool behind =
        absl::StrContains(finish.error_message(), "beyond the head");
    return NeedRelist(behind ? "producer_behind" : "trimmed",
                      finish.error_message());
  }
  return FromGrpcStatus(finish);
}

absl::Status FeedConsumer::ApplyBatch(
    const google::protobuf::RepeatedPtrField<ChangeEvent>& events) {
  rocksdb::WriteBatch batch;
  uint64_t last = cursor();
  for (const ChangeEvent& event : events) {
    if (event.sequence() <= last) continue;  // already applied (replayed)
    if (event.sequence() != last + 1) {
      return absl::DataLossError(absl::StrCat("feed ", options_.feed_name,
                                              " skipped from ", last, " to ",
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
