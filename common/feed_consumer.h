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
#include "common/store.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "kam/common/v1/feed.pb.h"

namespace prometheus {
class Gauge;
class Counter;
class Registry;
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
class FeedConsumer {
 public:
  using ApplyFn = std::function<absl::Status(
      const kam::common::v1::ChangeEvent& event, rocksdb::WriteBatch* batch)>;

  struct Options {
    // Names this consumer in metrics and logs, e.g. "registry". Also the
    // cursor's key, so it must be stable across releases.
    std::string feed_name;
    std::shared_ptr<grpc::Channel> channel;
    Store* store = nullptr;
    // Column family that holds cursors (key: feed_name).
    rocksdb::ColumnFamilyHandle* cursor_family = nullptr;
    // Bearer token for the producer, if it requires one.
    std::string bearer_token;
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(10);
    // Options for following the feed of the service at `address`
    // ("host:port"), with the cursor in `cursor_family` of `store` and the
    // metrics in `metrics` (may be null). The channel is plaintext: peers
    // talk over loopback or a network that provides its own encryption.
    static Options ForPeer(std::string feed_name, const std::string& address,
                           std::string bearer_token, Store* store,
                           rocksdb::ColumnFamilyHandle* cursor_family,
                           prometheus::Registry* metrics);

    // Optional: exports kam_feed_consumer_lag_events{feed=...},
    // kam_feed_consumer_connected{feed=...} and friends.
    prometheus::Registry* metrics = nullptr;
  };

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

  // Blocks until cursor() >= sequence or the timeout passes; returns whether
  // the cursor got there.
  bool WaitForCursor(uint64_t sequence, absl::Duration timeout);

  // Reads a stored cursor without a consumer (for status pages and tests).
  static absl::StatusOr<uint64_t> ReadCursor(const Store& store,
                                             rocksdb::ColumnFamilyHandle* family,
                                             const std::string& feed_name);

 private:
  void Run();
  // One connection: returns when the stream ends.
  absl::Status FollowOnce();
  absl::Status ApplyBatch(const google::protobuf::RepeatedPtrField<
                          kam::common::v1::ChangeEvent>& events);
  void UpdateLag();

  const Options options_;
  const ApplyFn apply_;
  std::atomic<uint64_t> cursor_{0};
  std::atomic<uint64_t> head_{0};
  std::atomic<bool> connected_{false};
  // Set if the stored cursor could not be read; only the consumer thread
  // touches it after construction.
  absl::Status cursor_error_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;

  prometheus::Gauge* lag_gauge_ = nullptr;
  prometheus::Gauge* cursor_gauge_ = nullptr;
  prometheus::Counter* applied_counter_ = nullptr;
  prometheus::Counter* reconnects_counter_ = nullptr;
  prometheus::Gauge* connected_gauge_ = nullptr;
};

}  // namespace kam

#endif  // KAM_COMMON_FEED_CONSUMER_H_
