#ifndef KAM_COMMON_FEED_CONSUMER_H_
#define KAM_COMMON_FEED_CONSUMER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/store.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "kam/common/v1/feed.pb.h"

namespace prometheus {
class Gauge;
class Counter;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace kam {

// FeedConsumer follows another service's ChangeFeed into this service's own
// RocksDB. For every batch of events it calls `apply` for each event to stage
// the projection's changes into one WriteBatch, adds the new cursor to the
// same batch and writes it: the projection and the cursor move together, so
// after any crash the consumer resumes exactly after the last applied event,
// with no gap and no event applied twice.
//
// A lost connection (the producer restarted, the network failed) is retried
// with exponential back-off and jitter. An `apply` error stops progress at
// that event and is retried the same way: an event is never skipped.
//
// Health: a stream that brings no event and no heartbeat for `stall_timeout`
// while the consumer waits for one (a silent producer, a half-open
// connection) is cancelled and reconnected, and counted in
// kam_feed_consumer_stalls_total. The lag gauge is the producer's last
// reported head minus the cursor, also while the consumer is disconnected or
// cannot apply (the producer's first response carries the head alone, so a
// consumer learns it before any batch it might fail on).
//
// Honest failure: the consumer stores the producer's incarnation (see
// WatchChangesResponse) next to its cursor. Its cursor means nothing to a
// producer of another incarnation (its database was replaced), to one whose
// head is below the cursor (restored from an older copy), or to one that no
// longer keeps the events after the cursor (OUT_OF_RANGE: trimmed by
// --feed_retention / --feed_max_events). In each case the consumer must
// re-list; until it can, it applies nothing, keeps retrying with back-off,
// logs why, sets kam_feed_consumer_needs_relist{feed} to 1 and counts
// kam_feed_consumer_relists_total{feed,reason} once per detection, reason
// one of "incarnation", "producer_behind", "trimmed".
//
// Re-list (Options::clear set): list then watch, as Kubernetes' informers
// after "resource version too old". The consumer stages `clear` (the
// service drops its whole projection of this feed) with a durable
// "re-listing" mark, applies every page of the producer's ListSnapshot with
// `apply` (each item a CREATED event whose resource is the current state),
// and only then, in one batch, moves the cursor to the snapshot's sequence,
// stores the producer's incarnation and removes the mark. A crash half-way
// leaves the mark: the next start clears and lists again, and never
// resumes from a half projection. Deletions made while the consumer was
// away disappear with the clearing.
class FeedConsumer {
 public:
  using ApplyFn = std::function<absl::Status(
      const kam::common::v1::ChangeEvent& event, rocksdb::WriteBatch* batch)>;

  struct Options {
    // Names this consumer in metrics and logs, e.g. "registry". Also the
    // cursor's key, so it must be stable across releases.
    std::string feed_name;
    std::shared_ptr<grpc::Channel> channel;
    // Optional: makes a channel with a connection of its own. After a stall
    // the consumer follows on a new one from here: gRPC would otherwise open
    // the next stream on the same connection, and a half-open connection
    // looks alive to it until keepalive gives up (30 s). ForPeer sets it.
    std::function<std::shared_ptr<grpc::Channel>()> new_channel;
    Store* store = nullptr;
    // Column family that holds cursors (key: feed_name).
    rocksdb::ColumnFamilyHandle* cursor_family = nullptr;
    // Bearer token for the producer, if it requires one.
    std::string bearer_token;
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(10);
    // Waiting this long for a message (event or heartbeat) on an open stream
    // counts as a stall: cancel and reconnect. Three of the producer's
    // heartbeat intervals (ChangeFeedService::Options, 5 s).
    absl::Duration stall_timeout = absl::Seconds(15);
    // Where the watchdog and the last-message gauge read the time.
    Clock* clock = Clock::Real();
    // Stages the removal of this feed's whole projection into the batch.
    // With it the consumer re-lists by itself when it must (see above);
    // without it, it stops and reports.
    std::function<absl::Status(rocksdb::WriteBatch*)> clear;
    // Optional: stages the end of a listing into the batch that moves the
    // cursor to the snapshot's sequence, for a projection that defers its
    // clearing (e.g. drops what the listing did not bring only once it has
    // all of it, rather than in `clear`).
    std::function<absl::Status(rocksdb::WriteBatch*)> listed;
    // Items per ListSnapshot page (and per write batch) while re-listing.
    int relist_page_size = 1000;
    // Called with the producer's incarnation when the consumer takes it on
    // (its first response, a re-list) and at construction if stored: a
    // follower that mirrors the feed serves it as its own.
    std::function<void(const std::string&)> on_incarnation;
    // Options for following the feed of the service at `address`
    // ("host:port"), with the cursor in `cursor_family` of `store` and the
    // metrics in `metrics` (may be null). The channel is plaintext: peers
    // talk over loopback or a network that provides its own encryption. It
    // has PeerChannelArguments().
    static Options ForPeer(std::string feed_name, const std::string& address,
                           std::string bearer_token, Store* store,
                           rocksdb::ColumnFamilyHandle* cursor_family,
                           prometheus::Registry* metrics);

    // Optional: exports, each with {feed=...}: kam_feed_consumer_lag_events,
    // kam_feed_consumer_cursor, kam_feed_consumer_connected,
    // kam_feed_consumer_events_applied_total,
    // kam_feed_consumer_reconnects_total, kam_feed_consumer_stalls_total and
    // kam_feed_consumer_last_message_timestamp_seconds (Unix time of the last
    // response, event or heartbeat; the start time until the first),
    // kam_feed_consumer_needs_relist and kam_feed_consumer_relists_total
    // (with {reason}).
    prometheus::Registry* metrics = nullptr;
  };

  // The channel arguments of a feed consumer's channel: receives messages up
  // to kFeedMaxMessageBytes (common/limits.h), and keepalive pings every 20 s
  // (10 s to answer, also between streams and without data) so a dead
  // connection is noticed by the transport too. The producer's server must
  // accept pings that often
  // (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS
  // <= 20000, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS = 1), or it answers
  // with GOAWAY "too_many_pings" and the client backs its pings off.
  static grpc::ChannelArguments PeerChannelArguments();

  FeedConsumer(Options options, ApplyFn apply);
  // Stops if running.
  ~FeedConsumer();

  // Starts following in a background thread.
  void Start();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

  // The last applied sequence, as stored.
  uint64_t cursor() const { return cursor_.load(std::memory_order_acquire); }
  // The producer's head as last reported (0 until connected).
  uint64_t producer_head() const {
    return head_.load(std::memory_order_acquire);
  }
  // True while a stream to the producer is open.
  bool connected() const { return connected_.load(); }
  // Streams the watchdog cancelled because they went silent.
  int stalls() const { return stalls_.load(); }
  // Completed re-lists since construction.
  int relists() const { return relists_done_.load(); }
  // Why the consumer must re-list before it can go on ("incarnation",
  // "producer_behind", "trimmed"), or empty while it can follow.
  std::string needs_relist() const;
  // The producer incarnation the cursor belongs to, as stored (empty before
  // the first response, and for cursors stored before incarnations).
  std::string incarnation() const;

  // Blocks until cursor() >= sequence or the timeout passes; returns whether
  // the cursor got there.
  bool WaitForCursor(uint64_t sequence, absl::Duration timeout);

  // Reads a stored cursor without a consumer (for status pages and tests).
  static absl::StatusOr<uint64_t> ReadCursor(
      const Store& store, rocksdb::ColumnFamilyHandle* family,
      const std::string& feed_name);
  // The key of the stored incarnation in the cursor family.
  static std::string IncarnationKey(const std::string& feed_name) {
    return feed_name + "#incarnation";
  }
  // The key of the durable "must re-list" mark (value: the reason).
  static std::string RelistKey(const std::string& feed_name) {
    return feed_name + "#relist";
  }

 private:
  void Run();
  // Cancels the open stream when it has been silent for stall_timeout.
  void Watchdog();
  // One connection: returns when the stream ends.
  absl::Status FollowOnce();
  absl::Status ApplyBatch(
      const google::protobuf::RepeatedPtrField<kam::common::v1::ChangeEvent>&
          events);
  void UpdateLag();
  // Records a response (event batch or heartbeat) heard now.
  void Heard();
  // Checks a response's incarnation and head against the cursor; adopts the
  // first incarnation seen. An error means: re-list, do not apply.
  absl::Status CheckProducer(const kam::common::v1::WatchChangesResponse& r);
  // Records that the consumer must re-list for `reason`; returns the error
  // that stops this connection.
  absl::Status NeedRelist(const std::string& reason,
                          const std::string& detail);
  // Clears the projection and applies the producer's snapshot (see above).
  absl::Status Relist(const std::string& reason);

  const Options options_;
  const ApplyFn apply_;
  std::atomic<uint64_t> cursor_{0};
  std::atomic<uint64_t> head_{0};
  std::atomic<bool> connected_{false};
  std::atomic<int> stalls_{0};
  std::atomic<int> relists_done_{0};
  // Set if the stored cursor could not be read; only the consumer thread
  // touches it after construction.
  absl::Status cursor_error_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
  // When the consumer started waiting for the next response, while it waits
  // (InfiniteFuture otherwise); what the watchdog looks at.
  absl::Time waiting_since_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // The watchdog cancelled the active stream.
  bool stalled_ ABSL_GUARDED_BY(mu_) = false;
  // What streams and listings go over: options_.channel, replaced by
  // options_.new_channel() after a stall. Only the consumer thread uses it.
  std::shared_ptr<grpc::Channel> channel_;
  std::string relist_reason_ ABSL_GUARDED_BY(mu_);
  std::string incarnation_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
  std::thread watchdog_;

  prometheus::Gauge* lag_gauge_ = nullptr;
  prometheus::Gauge* cursor_gauge_ = nullptr;
  prometheus::Counter* applied_counter_ = nullptr;
  prometheus::Counter* reconnects_counter_ = nullptr;
  prometheus::Gauge* connected_gauge_ = nullptr;
  prometheus::Counter* stalls_counter_ = nullptr;
  prometheus::Gauge* last_message_gauge_ = nullptr;
  prometheus::Gauge* needs_relist_gauge_ = nullptr;
  prometheus::Family<prometheus::Counter>* relists_family_ = nullptr;
};

}  // namespace kam

#endif  // KAM_COMMON_FEED_CONSUMER_H_
