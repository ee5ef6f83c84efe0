#ifndef KAM_COMMON_CHANGE_FEED_SERVICE_H_
#define KAM_COMMON_CHANGE_FEED_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/declare.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/change_feed.h"
#include "common/limits.h"
#include "kam/common/v1/feed.grpc.pb.h"

// The watch-stream limits of every kam server that serves a change feed,
// defined in change_feed_service.cc (they live with the service rather than
// in server.cc so the feed keeps its limits in one file):
//   --max_watch_streams                open WatchChanges streams in all
//   --max_watch_streams_per_principal  per caller (see ChangeFeedService)
ABSL_DECLARE_FLAG(int, max_watch_streams);
ABSL_DECLARE_FLAG(int, max_watch_streams_per_principal);

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace kam {

// ChangeFeedService serves a ChangeFeed as kam.common.v1.ChangeFeed on the
// service's own port: WatchChanges answers first with the head sequence
// alone, then replays from the caller's cursor and tails, with a heartbeat
// carrying the head sequence while idle.
//
// Cost model (the contract with the writers): a commit costs the same with
// no watcher or ten thousand. The feed's listener only sets a flag and
// signals the pump thread (wake-ups coalesce). The pump reads the newly
// committed events once into a tail cache bounded by bytes, and every stream
// at or near the head is served from that cache; only a stream behind the
// cache reads the store, on the pump thread, one batch per completed write.
//
// Memory bound: each stream has at most one write outstanding, and the next
// batch is built only after it completed, so a reader that stops reading
// pins at most one response: streams x (kFeedBatchBytes, or one event up to
// kMaxFeedEventBytes). Streams are capped in total and per principal;
// beyond a cap WatchChanges answers RESOURCE_EXHAUSTED naming the flag.
//
// Threading: gRPC may run a reactor's reactions (even OnDone) inline from
// StartWrite or Finish, so no lock of ours is ever held while calling them.
// Lock order: a stream's lock, then the service's (mu_) or the cache's.
class ChangeFeedService final
    : public kam::common::v1::ChangeFeed::CallbackService {
 public:
  struct Options {
    // Idle streams get a head-only response this often; consumers treat a
    // silence of a few intervals as a dead stream.
    absl::Duration heartbeat_interval = absl::Seconds(5);
    // Watchers need at least this role (scoring's tier feed admits tier
    // readers).
    Role role = Role::kViewer;
    // Open streams in all, and per principal. A principal is today the
    // bearer token's identity (a hash of the token; the token itself is
    // never kept or logged), or the peer's host when auth is off; it will
    // become the named principal of the caller once auth has them.
    int max_streams = 10000;
    int max_streams_per_principal = 1000;
    // Bytes of events per response (an event larger than this goes alone).
    int64_t batch_bytes = kFeedBatchBytes;
    // Bytes of the newest events kept in memory for the streams at the head.
    int64_t tail_cache_bytes = int64_t{16} << 20;
    // What the feed keeps; the service trims it this often in the
    // background (ChangeFeed::StartTrimming) while it runs, once it has a
    // snapshot source (SetSnapshotSource): a feed whose consumers could not
    // re-list what it drops is never trimmed. Zero: never.
    ChangeFeed::Retention retention;
    absl::Duration trim_interval = absl::Minutes(1);
    // Optional: exports kam_feed_watch_streams, kam_feed_watch_buffered_bytes,
    // kam_feed_watch_rejected_total{limit}, kam_feed_tail_cache_bytes and
    // kam_feed_watch_responses_total{source}.
    prometheus::Registry* metrics = nullptr;

    // The defaults with the stream caps from --max_watch_streams and
    // --max_watch_streams_per_principal, and the retention from
    // --feed_retention and --feed_max_events.
    static Options FromFlags();
  };

  // What the service holds right now (for tests and status pages).
  struct Stats {
    int streams = 0;
    // Bytes of responses handed to gRPC whose write has not completed.
    int64_t buffered_bytes = 0;
    int64_t tail_cache_bytes = 0;
    // Responses carrying events, by where the events came from.
    uint64_t responses_from_cache = 0;
    uint64_t responses_from_store = 0;
    // Store reads made to fill the tail cache.
    uint64_t cache_fills = 0;
  };

  // `authorizer` may be null (no auth). Both outlive the service. The stream
  // caps come from the flags; `metrics` may be null.
  ChangeFeedService(ChangeFeed* feed, const Authorizer* authorizer,
                    absl::Duration heartbeat_interval = absl::Seconds(5),
                    Role role = Role::kViewer,
                    prometheus::Registry* metrics = nullptr);
  ChangeFeedService(ChangeFeed* feed, const Authorizer* authorizer,
                    Options options);
  // Drains and stops the pump thread. The gRPC server must have been shut
  // down first.
  ~ChangeFeedService() override;

  grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context,
      const kam::common::v1::WatchChangesRequest* request) override;

  // What ListSnapshot lists: one page of the producer's current state read
  // at `snapshot`, the items after `after_key` (empty: from the start; the
  // key is the source's own, opaque to the service), at most `limit`, as
  // CREATED events. Sets *next_key to resume after, or empty when done.
  using SnapshotSource = std::function<absl::Status(
      const Store& store, const rocksdb::Snapshot* snapshot,
      const std::string& after_key, int limit,
      std::vector<kam::common::v1::ChangeEvent>* items,
      std::string* next_key)>;
  // A SnapshotSource that lists whole column families, in the given order,
  // each value a message of the given type with a string field `name`
  // (the resource name), as CREATED events. `families` outlive the source.
  static SnapshotSource FamiliesSource(
      std::vector<std::pair<std::string, const google::protobuf::Message*>>
          families);
  // Set before the server starts; without one ListSnapshot is UNIMPLEMENTED
  // and the feed is not trimmed.
  void SetSnapshotSource(SnapshotSource source);

  grpc::ServerUnaryReactor* ListSnapshot(
      grpc::CallbackServerContext* context,
      const kam::common::v1::ListSnapshotRequest* request,
      kam::common::v1::ListSnapshotResponse* response) override;

  // Idle listings' snapshots are released after this; at most this many
  // are open.
  static constexpr absl::Duration kSnapshotIdleTimeout = absl::Minutes(5);
  static constexpr int kMaxOpenSnapshots = 8;

  // Ends every open stream with UNAVAILABLE and refuses new ones, so a
  // draining server is not held up by long-lived watchers. Idempotent.
  void Drain();

  Stats stats() const;

  class Stream;

 private:
  // The newest committed events, shared by every stream. Only the pump
  // thread adds and evicts; streams copy out under a reader lock.
  struct TailCache {
    mutable absl::Mutex mu;
    // Covers the events (first - 1, last]: first is the sequence of
    // events.front(); last is the head as of the last fill.
    uint64_t first ABSL_GUARDED_BY(mu) = 1;
    uint64_t last ABSL_GUARDED_BY(mu) = 0;
    struct Entry {
      kam::common::v1::ChangeEvent event;
      int64_t bytes;  // as a field of a response (FeedEventFieldBytes)
    };
    std::deque<Entry> events ABSL_GUARDED_BY(mu);
    int64_t bytes ABSL_GUARDED_BY(mu) = 0;
  };
  enum class Source { kCache, kStore };
  enum class Fill { kFilled, kAtHead, kBehind };

  // Copies events after `cursor` from the cache into `response`, within the
  // count and byte budget of one response.
  Fill FillFromCache(uint64_t cursor, int max_events,
                     kam::common::v1::WatchChangesResponse* response,
                     int64_t* bytes) const;
  // The same from the store (pump thread only).
  absl::Status FillFromStore(uint64_t cursor, int max_events,
                             kam::common::v1::WatchChangesResponse* response,
                             int64_t* bytes) const;
  // Reads the events committed since the last fill into the cache, evicting
  // the oldest beyond the byte budget (pump thread only).
  void FillCache();

  // Parks a stream with nothing to send until the cache moves past `cursor`
  // (kAtHead), or until the pump can read the store for it (kBehind).
  // Returns false if the cache moved past `cursor` meanwhile: fill again.
  bool Park(Stream* stream, uint64_t cursor, Fill why);

  void PumpLoop();
  // Removes a finished stream (from its OnDone).
  void Forget(Stream* stream);
  // A response of `bytes` handed to gRPC (CountWriteDone when it completed).
  void CountWrite(Source source, bool has_events, int64_t bytes);
  void CountWriteDone(int64_t bytes);

  absl::Status ListPage(const grpc::CallbackServerContext& context,
                        const kam::common::v1::ListSnapshotRequest& request,
                        kam::common::v1::ListSnapshotResponse* response);

  ChangeFeed* const feed_;
  const Authorizer* const authorizer_;
  const Options options_;
  int listener_id_ = 0;

  struct OpenSnapshot {
    ChangeFeed::Snapshot snapshot;
    absl::Time last_used;
    bool busy = false;
  };
  absl::Mutex snapshots_mu_;
  SnapshotSource snapshot_source_ ABSL_GUARDED_BY(snapshots_mu_);
  uint64_t next_snapshot_id_ ABSL_GUARDED_BY(snapshots_mu_) = 1;
  std::map<uint64_t, OpenSnapshot> snapshots_ ABSL_GUARDED_BY(snapshots_mu_);

  TailCache cache_;

  mutable absl::Mutex mu_;
  absl::CondVar wake_;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The cache's `last` once the pump has taken the parked streams after a
  // fill; a stream parks only while its cursor is at or past it.
  uint64_t published_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_principal_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Stream*> at_head_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Stream*> behind_ ABSL_GUARDED_BY(mu_);
  std::thread pump_;

  std::atomic<int64_t> buffered_bytes_{0};
  std::atomic<uint64_t> responses_from_cache_{0};
  std::atomic<uint64_t> responses_from_store_{0};
  std::atomic<uint64_t> cache_fills_{0};

  prometheus::Gauge* streams_gauge_ = nullptr;
  prometheus::Gauge* buffered_gauge_ = nullptr;
  prometheus::Gauge* cache_gauge_ = nullptr;
  prometheus::Counter* rejected_total_ = nullptr;
  prometheus::Counter* rejected_per_principal_ = nullptr;
  prometheus::Counter* from_cache_ = nullptr;
  prometheus::Counter* from_store_ = nullptr;
};

}  // namespace kam

#endif  // KAM_COMMON_CHANGE_FEED_SERVICE_H_
