#include "common/change_feed_service.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth.h"
#include "common/status.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

ABSL_FLAG(int, max_watch_streams, 10000,
          "Most change-feed streams (WatchChanges, WatchTiers) open at once on "
          "this server; one more is refused with RESOURCE_EXHAUSTED. Each "
          "open stream may pin one response (up to 1 MiB, or one event up to "
          "3 MiB) while its reader is slow. Env: KAM_MAX_WATCH_STREAMS");
ABSL_FLAG(int, max_watch_streams_per_principal, 1000,
          "Most change-feed streams one principal may hold open: one bearer "
          "token with --auth_tokens_file, one client host without. Env: "
          "KAM_MAX_WATCH_STREAMS_PER_PRINCIPAL");

namespace kam {

using kam::common::v1::ChangeEvent;
using kam::common::v1::WatchChangesRequest;
using kam::common::v1::WatchChangesResponse;

namespace {

constexpr int kDefaultBatch = 256;
constexpr int kMaxBatch = 4096;
// Events per store read when filling the cache.
constexpr int kCacheFillChunk = 256;
// What a head-only response (or the envelope of any) counts as buffered.
constexpr int64_t kEnvelopeBytes = 16;
const int64_t kMaxEventFieldBytes = FeedEventFieldBytes(kMaxFeedEventBytes);

// The principal a stream is counted against (see Options). Never the token
// itself: the key may show up in a debugger or a heap dump.
std::string PrincipalOf(const grpc::CallbackServerContext& context,
                        const Authorizer* authorizer) {
  if (authorizer != nullptr && authorizer->enabled()) {
    const auto& metadata = context.client_metadata();
    auto it = metadata.find("authorization");
    const std::string_view token =
        it == metadata.end()
            ? std::string_view()
            : std::string_view(it->second.data(), it->second.size());
    return absl::StrFormat("token:%016x", std::hash<std::string_view>()(token));
  }
  // "ipv4:127.0.0.1:5555", "ipv6:[::1]:5555": the host, without the port, so
  // many connections from one client count together.
  std::string peer = context.peer();
  if (absl::StartsWith(peer, "ipv4:") || absl::StartsWith(peer, "ipv6:")) {
    const size_t colon = peer.rfind(':');
    if (colon != std::string::npos && colon > 5) peer.resize(colon);
  }
  return absl::StrCat("peer:", peer);
}

}  // namespace

ChangeFeedService::Options ChangeFeedService::Options::FromFlags() {
  Options options;
  options.max_streams = absl::GetFlag(FLAGS_max_watch_streams);
  options.max_streams_per_principal =
      absl::GetFlag(FLAGS_max_watch_streams_per_principal);
  options.retention = ChangeFeed::Retention::FromFlags();
  options.trim_interval = absl::GetFlag(FLAGS_feed_trim_interval);
  return options;
}

// One WatchChanges call. Sends whenever no write is outstanding and there is
// something to send: the head-only first response, events past the cursor,
// or a heartbeat that is due. With nothing to send it parks with the service
// until the pump brings news. Its state is decided under mu_; StartWrite and
// Finish are called after mu_ is released.
//
// Lifetime: gRPC holds one reference until OnDone; the pump thread (and
// Drain) hold one while they work on the stream. The last Unref deletes.
class ChangeFeedService::Stream final
    : public grpc::ServerWriteReactor<WatchChangesResponse> {
 public:
  Stream(ChangeFeedService* service, uint64_t after, int batch,
         std::string principal)
      : service_(service),
        principal_(std::move(principal)),
        cursor_(after),
        batch_(batch) {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  const std::string& principal() const { return principal_; }

  void Heartbeat() {
    {
      absl::MutexLock lock(&mu_);
      heartbeat_due_ = true;
    }
    Pump(/*may_read_store=*/false);
  }

  // Finishes the stream with `status` once no write is in flight.
  void End(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      end_status_ = std::move(status);
    }
    Pump(/*may_read_store=*/false);
  }

  // Starts the next write, or the finish, if one is due and none is running.
  // Reads the store only if `may_read_store` (the pump thread); otherwise a
  // stream behind the cache parks for the pump.
  void Pump(bool may_read_store) {
    enum class Action { kNone, kWrite, kFinish } action = Action::kNone;
    Source source = Source::kCache;
    int64_t bytes = 0;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      while (!ending_) {
        response_.Clear();
        bytes = 0;
        if (!sent_once_) {
          // Head only: the caller learns the head before any batch, so its
          // lag is right even if it cannot take what comes next.
          action = Action::kWrite;
          break;
        }
        Fill fill =
            service_->FillFromCache(cursor_, batch_, &response_, &bytes);
        if (fill == Fill::kBehind && may_read_store) {
          absl::Status read =
              service_->FillFromStore(cursor_, batch_, &response_, &bytes);
          if (!read.ok()) {
            ending_ = true;
            end_status_ = ToGrpcStatus(read);
            break;
          }
          fill = response_.events_size() > 0 ? Fill::kFilled : Fill::kAtHead;
          source = Source::kStore;
        }
        if (fill == Fill::kFilled) {
          const ChangeEvent& first = response_.events(0);
          if (bytes > kMaxEventFieldBytes) {
            ending_ = true;
            end_status_ = grpc::Status(
                grpc::StatusCode::FAILED_PRECONDITION,
                absl::StrCat("change event ", first.sequence(), " (",
                             first.resource_name(), ") is ", bytes,
                             " bytes, over the feed's limit of ",
                             kMaxFeedEventBytes,
                             " (kMaxFeedEventBytes): no consumer can receive "
                             "it; the producer must not have written it"));
            break;
          }
          cursor_ = response_.events(response_.events_size() - 1).sequence();
          action = Action::kWrite;
          break;
        }
        if (fill == Fill::kAtHead && heartbeat_due_) {
          action = Action::kWrite;
          break;
        }
        // Nothing to send now: wait for the pump. If the cache moved on
        // meanwhile, fill again.
        if (service_->Park(this, cursor_, fill)) break;
      }
      if (action == Action::kWrite) {
        response_.set_head_sequence(service_->feed_->head());
        response_.set_incarnation(service_->feed_->incarnation());
        heartbeat_due_ = false;
        sent_once_ = true;
        writing_ = true;
        write_bytes_ = bytes + kEnvelopeBytes;
      } else if (ending_) {
        finished_ = true;
        action = Action::kFinish;
      }
    }
    // response_ and end_status_ do not change while a write or the finish is
    // outstanding, so they are read here without the lock.
    if (action == Action::kWrite) {
      service_->CountWrite(source, response_.events_size() > 0,
                           bytes + kEnvelopeBytes);
      StartWrite(&response_);
    }
    if (action == Action::kFinish) Finish(end_status_);
  }

  void OnWriteDone(bool ok) override {
    int64_t done = 0;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      done = write_bytes_;
      write_bytes_ = 0;
      if (!ok && !ending_) {
        // The client went away.
        ending_ = true;
        end_status_ =
            grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
      }
    }
    service_->CountWriteDone(done);
    Pump(/*may_read_store=*/false);
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
  const std::string principal_;
  std::atomic<int> refs_{1};
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  const int batch_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  int64_t write_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_once_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_;
  WatchChangesResponse response_;
};

ChangeFeedService::ChangeFeedService(ChangeFeed* feed,
                                     const Authorizer* authorizer,
                                     absl::Duration heartbeat_interval,
                                     Role role, prometheus::Registry* metrics)
    : ChangeFeedService(feed, authorizer, [&] {
        Options options = Options::FromFlags();
        options.heartbeat_interval = heartbeat_interval;
        options.role = role;
        options.metrics = metrics;
        return options;
      }()) {}

ChangeFeedService::ChangeFeedService(ChangeFeed* feed,
                                     const Authorizer* authorizer,
                                     Options options)
    : feed_(feed), authorizer_(authorizer), options_(std::move(options)) {
  const uint64_t head = feed_->head();
  {
    absl::MutexLock lock(&cache_.mu);
    cache_.first = head + 1;
    cache_.last = head;
  }
  {
    absl::MutexLock lock(&mu_);
    published_ = head;
  }
  if (options_.metrics != nullptr) {
    prometheus::Registry& registry = *options_.metrics;
    streams_gauge_ = &prometheus::BuildGauge()
                          .Name("kam_feed_watch_streams")
                          .Help(
                              "Change-feed streams (WatchChanges, "
                              "WatchTiers) open on this server")
                          .Register(registry)
                          .Add({});
    buffered_gauge_ =
        &prometheus::BuildGauge()
             .Name("kam_feed_watch_buffered_bytes")
             .Help(
                 "Bytes of change-feed responses handed to gRPC whose "
                 "write has not completed (at most one per stream)")
             .Register(registry)
             .Add({});
    cache_gauge_ = &prometheus::BuildGauge()
                        .Name("kam_feed_tail_cache_bytes")
                        .Help(
                            "Bytes of the newest change events kept in "
                            "memory for the streams at the head")
                        .Register(registry)
                        .Add({});
    auto& rejected = prometheus::BuildCounter()
                         .Name("kam_feed_watch_rejected_total")
                         .Help(
                             "Change-feed streams refused because a stream "
                             "cap was reached, by the flag of that cap")
                         .Register(registry);
    rejected_total_ = &rejected.Add({{"limit", "max_watch_streams"}});
    rejected_per_principal_ =
        &rejected.Add({{"limit", "max_watch_streams_per_principal"}});
    auto& responses = prometheus::BuildCounter()
                          .Name("kam_feed_watch_responses_total")
                          .Help(
                              "Change-feed responses carrying events, by "
                              "where the events were read: the shared tail "
                              "cache or the store (a stream behind it)")
                          .Register(registry);
    from_cache_ = &responses.Add({{"source", "cache"}});
    from_store_ = &responses.Add({{"source", "store"}});
  }
  // Runs on the committing thread under the feed's locks: O(1), whatever the
  // number of streams. Signal only on the first change since the pump last
  // looked: a burst of commits is one wake-up.
  listener_id_ = feed_->Subscribe([this] {
    absl::MutexLock lock(&mu_);
    if (!changed_) {
      changed_ = true;
      wake_.Signal();
    }
  });
  pump_ = std::thread([this] { PumpLoop(); });
}

ChangeFeedService::~ChangeFeedService() {
  Drain();
  feed_->StopTrimming();
  feed_->Unsubscribe(listener_id_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  pump_.join();
  {
    absl::MutexLock lock(&snapshots_mu_);
    for (auto& [id, open] : snapshots_) feed_->ReleaseSnapshot(open.snapshot);
    snapshots_.clear();
  }
  if (cache_gauge_ != nullptr) {
    absl::MutexLock lock(&cache_.mu);
    cache_gauge_->Decrement(static_cast<double>(cache_.bytes));
  }
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
    absl::Status allowed = authorizer_->Check(*context, options_.role);
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
  const uint64_t oldest = feed_->oldest();
  if (request->after_sequence() + 1 < oldest) {
    return reject(grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("after_sequence: ", request->after_sequence(),
                     " is older than the oldest event kept (", oldest,
                     "); re-list")));
  }
  const int batch = request->max_batch_size() == 0 ? kDefaultBatch
                                                   : request->max_batch_size();
  auto* stream = new Stream(this, request->after_sequence(), batch,
                            PrincipalOf(*context, authorizer_));
  {
    absl::MutexLock lock(&mu_);
    grpc::Status refused;
    if (draining_) {
      refused = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "server is draining; reconnect elsewhere");
    } else if (static_cast<int>(streams_.size()) >= options_.max_streams) {
      if (rejected_total_ != nullptr) rejected_total_->Increment();
      refused = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("this server already has ", streams_.size(),
                       " change-feed streams open, its limit "
                       "(--max_watch_streams=",
                       options_.max_streams, "); retry later or elsewhere"));
    } else if (per_principal_[stream->principal()] >=
               options_.max_streams_per_principal) {
      if (rejected_per_principal_ != nullptr) {
        rejected_per_principal_->Increment();
      }
      refused = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("this caller already has ",
                       per_principal_[stream->principal()],
                       " change-feed streams open, the limit per caller "
                       "(--max_watch_streams_per_principal=",
                       options_.max_streams_per_principal,
                       "); close streams you no longer read"));
    }
    if (!refused.ok()) {
      if (per_principal_[stream->principal()] == 0) {
        per_principal_.erase(stream->principal());
      }
      stream->Unref();  // never handed to gRPC
      return reject(std::move(refused));
    }
    streams_.insert(stream);
    ++per_principal_[stream->principal()];
    stream->Ref();  // for the first pump, below
  }
  if (streams_gauge_ != nullptr) streams_gauge_->Increment();
  stream->Pump(/*may_read_store=*/false);
  stream->Unref();
  return stream;
}

ChangeFeedService::SnapshotSource ChangeFeedService::FamiliesSource(
    std::vector<std::pair<std::string, const google::protobuf::Message*>>
        families) {
  // Keys: one byte (the family's index) and the family's own key.
  return [families = std::move(families)](
             const Store& store, const rocksdb::Snapshot* snapshot,
             const std::string& after, int limit,
             std::vector<ChangeEvent>* items,
             std::string* next) -> absl::Status {
    next->clear();
    size_t index = after.empty() ? 0 : static_cast<unsigned char>(after[0]);
    std::string key = after.empty() ? std::string() : after.substr(1);
    bool skip_key = !after.empty();
    for (; index < families.size(); ++index) {
      const auto& [family, prototype] = families[index];
      auto it = store.NewIterator(store.Family(family), snapshot);
      it->Seek(key);
      if (skip_key && it->Valid() && it->key() == key) it->Next();
      for (; it->Valid(); it->Next()) {
        if (limit == 0) return absl::OkStatus();
        std::unique_ptr<google::protobuf::Message> message(prototype->New());
        if (!ParseProto(it->value(), message.get())) {
          return absl::DataLossError(absl::StrCat(
              "listing ", family, ": unreadable value at ",
              it->key().ToString()));
        }
        ChangeEvent& item = items->emplace_back();
        item.set_kind(ChangeEvent::CREATED);
        const auto* name_field =
            message->GetDescriptor()->FindFieldByName("name");
        if (name_field != nullptr) {
          item.set_resource_name(
              message->GetReflection()->GetString(*message, name_field));
        }
        item.mutable_resource()->PackFrom(*message);
        --limit;
        *next = std::string(1, static_cast<char>(index)) +
                it->key().ToString();
      }
      if (!it->status().ok()) {
        return absl::InternalError(
            absl::StrCat("listing ", family, ": ", it->status().ToString()));
      }
      key.clear();
      skip_key = false;
    }
    next->clear();  // all listed
    return absl::OkStatus();
  };
}

void ChangeFeedService::SetSnapshotSource(SnapshotSource source) {
  {
    absl::MutexLock lock(&snapshots_mu_);
    snapshot_source_ = std::move(source);
  }
  // A feed is trimmed only when its consumers can re-list what it drops.
  if (options_.trim_interval > absl::ZeroDuration()) {
    feed_->StartTrimming(options_.retention, options_.trim_interval);
  }
}

grpc::ServerUnaryReactor* ChangeFeedService::ListSnapshot(
    grpc::CallbackServerContext* context,
    const kam::common::v1::ListSnapshotRequest* request,
    kam::common::v1::ListSnapshotResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(ListPage(*context, *request, response)));
  return reactor;
}

absl::Status ChangeFeedService::ListPage(
    const grpc::CallbackServerContext& context,
    const kam::common::v1::ListSnapshotRequest& request,
    kam::common::v1::ListSnapshotResponse* response) {
  if (authorizer_ != nullptr) {
    absl::Status allowed = authorizer_->Check(context, options_.role);
    if (!allowed.ok()) return allowed;
  }
  if (request.page_size() < 0 || request.page_size() > 5000) {
    return absl::InvalidArgumentError(
        "page_size: must be between 0 and 5000");
  }
  const int limit = request.page_size() == 0 ? 500 : request.page_size();
  SnapshotSource source;
  uint64_t id = 0;
  std::string after;
  ChangeFeed::Snapshot snapshot;
  {
    absl::MutexLock lock(&snapshots_mu_);
    if (!snapshot_source_) {
      return absl::UnimplementedError(
          "this feed has no snapshot to list; its consumers cannot re-list");
    }
    source = snapshot_source_;
    const absl::Time now = absl::Now();
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      if (!it->second.busy &&
          now - it->second.last_used > kSnapshotIdleTimeout) {
        feed_->ReleaseSnapshot(it->second.snapshot);
        it = snapshots_.erase(it);
      } else {
        ++it;
      }
    }
    if (request.page_token().empty()) {
      if (static_cast<int>(snapshots_.size()) >= kMaxOpenSnapshots) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "this server already has ", snapshots_.size(),
            " snapshot listings open, its limit; retry later"));
      }
      id = next_snapshot_id_++;
      OpenSnapshot& open = snapshots_[id];
      open.snapshot = feed_->TakeSnapshot();
      open.last_used = now;
      open.busy = true;
      snapshot = open.snapshot;
    } else {
      const std::string& token = request.page_token();
      const size_t colon = token.find(':');
      if (colon == std::string::npos ||
          !absl::SimpleAtoi(token.substr(0, colon), &id)) {
        return absl::InvalidArgumentError("page_token: not from this server");
      }
      after = absl::HexStringToBytes(token.substr(colon + 1));
      auto it = snapshots_.find(id);
      if (it == snapshots_.end() || it->second.busy) {
        return absl::AbortedError(
            "page_token: the listing's snapshot is gone (expired after 5 "
            "minutes idle, or the server restarted); start the listing "
            "again");
      }
      it->second.busy = true;
      snapshot = it->second.snapshot;
    }
  }
  std::vector<ChangeEvent> items;
  std::string next;
  absl::Status listed =
      source(feed_->store(), snapshot.snapshot, after, limit, &items, &next);
  {
    absl::MutexLock lock(&snapshots_mu_);
    auto it = snapshots_.find(id);
    if (it != snapshots_.end()) {
      it->second.busy = false;
      it->second.last_used = absl::Now();
      if (!listed.ok() || next.empty()) {
        feed_->ReleaseSnapshot(it->second.snapshot);
        snapshots_.erase(it);
      }
    }
  }
  if (!listed.ok()) return listed;
  for (ChangeEvent& item : items) *response->add_items() = std::move(item);
  response->set_snapshot_sequence(snapshot.sequence);
  response->set_incarnation(feed_->incarnation());
  if (!next.empty()) {
    response->set_next_page_token(
        absl::StrCat(id, ":", absl::BytesToHexString(next)));
  }
  return absl::OkStatus();
}

ChangeFeedService::Fill ChangeFeedService::FillFromCache(
    uint64_t cursor, int max_events, WatchChangesResponse* response,
    int64_t* bytes) const {
  absl::ReaderMutexLock lock(&cache_.mu);
  if (cursor >= cache_.last) return Fill::kAtHead;
  if (cursor + 1 < cache_.first) return Fill::kBehind;
  int count = 0;
  for (size_t i = cursor + 1 - cache_.first;
       i < cache_.events.size() && count < max_events; ++i) {
    const TailCache::Entry& entry = cache_.events[i];
    if (count > 0 && (*bytes + entry.bytes > options_.batch_bytes ||
                      entry.bytes > kMaxEventFieldBytes)) {
      break;
    }
    *response->add_events() = entry.event;
    *bytes += entry.bytes;
    ++count;
    if (*bytes >= options_.batch_bytes) break;
  }
  return Fill::kFilled;
}

absl::Status ChangeFeedService::FillFromStore(uint64_t cursor, int max_events,
                                              WatchChangesResponse* response,
                                              int64_t* bytes) const {
  // Reads in chunks sized from the events seen so far, so a batch of large
  // events does not read (and drop) many more than fit.
  uint64_t after = cursor;
  int count = 0;
  std::vector<ChangeEvent> events;
  while (count < max_events) {
    int chunk = std::min(max_events - count, 16);
    if (count > 0) {
      const int64_t average = std::max<int64_t>(*bytes / count, 1);
      chunk = static_cast<int>(
          std::clamp<int64_t>((options_.batch_bytes - *bytes) / average + 1, 1,
                              max_events - count));
    }
    events.clear();
    absl::Status read = feed_->Read(after, chunk, &events);
    if (!read.ok()) return read;
    bool full = false;
    for (ChangeEvent& event : events) {
      const int64_t size =
          FeedEventFieldBytes(static_cast<int64_t>(event.ByteSizeLong()));
      if (count > 0 && (*bytes + size > options_.batch_bytes ||
                        size > kMaxEventFieldBytes)) {
        full = true;
        break;
      }
      after = event.sequence();
      *response->add_events() = std::move(event);
      *bytes += size;
      ++count;
      if (*bytes >= options_.batch_bytes) {
        full = true;
        break;
      }
    }
    if (full || static_cast<int>(events.size()) < chunk) break;
  }
  return absl::OkStatus();
}

void ChangeFeedService::FillCache() {
  uint64_t last = 0;
  {
    absl::ReaderMutexLock lock(&cache_.mu);
    last = cache_.last;
  }
  const uint64_t head = feed_->head();
  int64_t delta = 0;
  std::vector<ChangeEvent> events;
  while (last < head) {
    events.clear();
    absl::Status read = feed_->Read(last, kCacheFillChunk, &events);
    if (!read.ok() || events.empty()) {
      // Streams at the head wait for the next wake-up (a commit or the
      // heartbeat), which tries again.
      std::fprintf(
          stderr, "kam: change feed: reading events after %llu: %s\n",
          static_cast<unsigned long long>(last),
          read.ok() ? "none found below the head" : read.ToString().c_str());
      break;
    }
    cache_fills_.fetch_add(1, std::memory_order_relaxed);
    absl::MutexLock lock(&cache_.mu);
    for (ChangeEvent& event : events) {
      if (event.sequence() != cache_.last + 1) break;  // never: gapless feed
      const int64_t size =
          FeedEventFieldBytes(static_cast<int64_t>(event.ByteSizeLong()));
      cache_.last = event.sequence();
      cache_.events.push_back({std::move(event), size});
      cache_.bytes += size;
      delta += size;
    }
    while (cache_.bytes > options_.tail_cache_bytes && !cache_.events.empty()) {
      cache_.bytes -= cache_.events.front().bytes;
      delta -= cache_.events.front().bytes;
      cache_.events.pop_front();
      ++cache_.first;
    }
    if (cache_.events.empty()) cache_.first = cache_.last + 1;
    if (last == cache_.last) break;
    last = cache_.last;
  }
  if (cache_gauge_ != nullptr && delta != 0) {
    cache_gauge_->Increment(static_cast<double>(delta));
  }
}

bool ChangeFeedService::Park(Stream* stream, uint64_t cursor, Fill why) {
  absl::MutexLock lock(&mu_);
  if (why == Fill::kBehind) {
    behind_.insert(stream);
    wake_.Signal();
    return true;
  }
  // The pump publishes a fill before it takes the parked streams: a stream
  // that parks after that must see the fill instead.
  if (published_ > cursor) return false;
  at_head_.insert(stream);
  return true;
}

void ChangeFeedService::Forget(Stream* stream) {
  {
    absl::MutexLock lock(&mu_);
    streams_.erase(stream);
    at_head_.erase(stream);
    behind_.erase(stream);
    auto it = per_principal_.find(stream->principal());
    if (it != per_principal_.end() && --it->second <= 0) {
      per_principal_.erase(it);
    }
  }
  if (streams_gauge_ != nullptr) streams_gauge_->Decrement();
}

void ChangeFeedService::CountWrite(Source source, bool has_events,
                                   int64_t bytes) {
  buffered_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (buffered_gauge_ != nullptr) {
    buffered_gauge_->Increment(static_cast<double>(bytes));
  }
  if (!has_events) return;
  if (source == Source::kCache) {
    responses_from_cache_.fetch_add(1, std::memory_order_relaxed);
    if (from_cache_ != nullptr) from_cache_->Increment();
  } else {
    responses_from_store_.fetch_add(1, std::memory_order_relaxed);
    if (from_store_ != nullptr) from_store_->Increment();
  }
}

void ChangeFeedService::CountWriteDone(int64_t bytes) {
  buffered_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  if (buffered_gauge_ != nullptr) {
    buffered_gauge_->Decrement(static_cast<double>(bytes));
  }
}

ChangeFeedService::Stats ChangeFeedService::stats() const {
  Stats stats;
  {
    absl::MutexLock lock(&mu_);
    stats.streams = static_cast<int>(streams_.size());
  }
  {
    absl::ReaderMutexLock lock(&cache_.mu);
    stats.tail_cache_bytes = cache_.bytes;
  }
  stats.buffered_bytes = buffered_bytes_.load(std::memory_order_relaxed);
  stats.responses_from_cache =
      responses_from_cache_.load(std::memory_order_relaxed);
  stats.responses_from_store =
      responses_from_store_.load(std::memory_order_relaxed);
  stats.cache_fills = cache_fills_.load(std::memory_order_relaxed);
  return stats;
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
  absl::Time next_heartbeat = absl::Now() + options_.heartbeat_interval;
  std::vector<Stream*> at_head;
  std::vector<Stream*> behind;
  while (true) {
    bool heartbeat = false;
    {
      absl::MutexLock lock(&mu_);
      while (!changed_ && behind_.empty() && !stopping_ &&
             absl::Now() < next_heartbeat) {
        wake_.WaitWithDeadline(&mu_, next_heartbeat);
      }
      if (stopping_) return;
      if (absl::Now() >= next_heartbeat) {
        heartbeat = true;
        next_heartbeat = absl::Now() + options_.heartbeat_interval;
      }
      changed_ = false;
    }
    // Read what was committed since the last fill once, for every stream.
    FillCache();
    uint64_t filled = 0;
    {
      absl::ReaderMutexLock lock(&cache_.mu);
      filled = cache_.last;
    }
    {
      absl::MutexLock lock(&mu_);
      // Streams at the head only need a look when there is news for them.
      if (filled > published_ || heartbeat) {
        published_ = std::max(published_, filled);
        for (Stream* stream : at_head_) {
          stream->Ref();
          at_head.push_back(stream);
        }
        at_head_.clear();
      }
      for (Stream* stream : behind_) {
        stream->Ref();
        behind.push_back(stream);
      }
      behind_.clear();
    }
    for (Stream* stream : at_head) {
      if (heartbeat) {
        stream->Heartbeat();
      } else {
        stream->Pump(/*may_read_store=*/false);
      }
      stream->Unref();
    }
    at_head.clear();
    for (Stream* stream : behind) {
      stream->Pump(/*may_read_store=*/true);
      stream->Unref();
    }
    behind.clear();
  }
}

}  // namespace kam
