#ifndef KAM_COMMON_CHANGE_FEED_H_
#define KAM_COMMON_CHANGE_FEED_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/lock_table.h"
#include "common/store.h"
#include "google/protobuf/message.h"
#include "kam/common/v1/feed.pb.h"

// How much of its outbox a feed keeps (defined in change_feed.cc; every
// server that serves a feed trims it in the background, see
// ChangeFeedService::Options):
//   --feed_retention   events older than this are trimmed (default 168h)
//   --feed_max_events  at most this many events are kept (0: no count bound)
// The newest event is always kept. A consumer whose cursor falls below the
// oldest kept event gets OUT_OF_RANGE and must re-list.
ABSL_DECLARE_FLAG(absl::Duration, feed_retention);
ABSL_DECLARE_FLAG(int64_t, feed_max_events);
ABSL_DECLARE_FLAG(absl::Duration, feed_trim_interval);

namespace prometheus {
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace kam {

// ChangeFeed is a service's transactional outbox (docs: "Change feeds") and
// its write path. Each change appends a numbered event to the outbox column
// family in the same WriteBatch as the change itself, so the feed holds
// exactly the committed changes, in commit order, numbered 1, 2, 3...
// without gaps.
//
// Writes run side by side. A change is a ChangeFeed::Writer: it holds the
// LockTable keys of what it reads and writes (so read-modify-write rules
// such as etags and uniqueness hold), stages its writes and events into a
// WriteBatch, and commits. Commits from many threads meet in a queue, as in
// LevelDB's DBImpl::Write: the first in line becomes the leader, takes the
// queued batches behind it, numbers their events in queue order, writes them
// as ONE WriteBatch (one WAL append, one fsync) and wakes the others with the
// common result. Sequences are assigned only there, so sequence order is
// commit order and a failed group leaves no gap.
//
// Visibility: a group's writes become visible to readers and its events to
// the feed only after the WAL is synced (with sync_writes), so nothing a
// reader or a tailer saw can be lost by a crash.
class ChangeFeed {
 public:
  // `outbox` is the column family that holds the events (key: big-endian
  // sequence). Reads the last sequence from the store.
  ChangeFeed(Store* store, rocksdb::ColumnFamilyHandle* outbox, Clock* clock);
  // Stops the trimming thread, if started.
  ~ChangeFeed();

  // Writer is one change: it holds its locks from construction to
  // destruction (so in-memory state updated after Commit stays in step), and
  // commits at most once.
  class Writer {
   public:
    // Holds `keys` exclusive and `shared` shared (see LockTable: all of a
    // change's keys at once, one Writer per thread at a time).
    Writer(ChangeFeed* feed, const std::vector<std::string>& keys,
           const std::vector<std::string>& shared = {});
    // Holds the whole table: for changes that touch everything, and for
    // writers that must see no other change in flight (start-up, a chunk of
    // a rescoring run).
    explicit Writer(ChangeFeed* feed);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Stages an event for `resource`; its sequence is assigned at commit.
    void Append(rocksdb::WriteBatch* batch,
                kam::common::v1::ChangeEvent::Kind kind,
                const std::string& resource_name,
                const google::protobuf::Message& resource);

    // Writes the batch and the staged events durably, in a group with other
    // writers' commits. On success the events are visible to watchers; on
    // failure nothing of the batch is written and no sequence is used.
    absl::Status Commit(rocksdb::WriteBatch* batch);

    // The time this change was started; events carry it as commit_time and
    // services stamp resources with it.
    absl::Time now() const { return now_; }

   private:
    ChangeFeed* feed_;
    LockTable::Locks locks_;
    absl::Time now_;
    // Each event serialised without its sequence (field 1), which the
    // group's leader prepends: a concatenation of fields is a valid message.
    std::vector<std::string> events_;
  };

  // The highest committed sequence (0 for an empty feed).
  uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // This store's incarnation: 32 random hex digits made when the outbox was
  // first opened (stored under kIncarnationKey, which sorts before every
  // sequence, so a checkpoint carries it). WatchChanges sends it so a
  // consumer can tell its producer's database was replaced.
  std::string incarnation() const;
  // Makes `incarnation` this feed's (stored): a follower that mirrors
  // another feed with its sequences serves the primary's incarnation, so a
  // cursor is good on either.
  void AdoptIncarnation(const std::string& incarnation);

  // The outbox key of the incarnation: one NUL byte, before Key(0).
  static std::string IncarnationKey() { return std::string(1, '\0'); }

  // The oldest sequence the outbox still holds (head() + 1 when it holds
  // none: 1 for a new feed). Events below it were trimmed.
  uint64_t oldest() const { return oldest_.load(std::memory_order_acquire); }

  // Appends to *events the committed events with sequence > after, at most
  // max_events of them, in order. OUT_OF_RANGE if after + 1 < oldest() (the
  // events after `after` were trimmed; the message names oldest()).
  absl::Status Read(uint64_t after, int max_events,
                    std::vector<kam::common::v1::ChangeEvent>* events) const;

  // What the outbox keeps: events younger than max_age (by commit_time,
  // against the feed's clock) and at most max_events of them (0: no count
  // bound). The newest event is always kept, so oldest() <= head() and a
  // consumer that re-lists at the head can always watch on from there.
  struct Retention {
    absl::Duration max_age = absl::Hours(168);
    int64_t max_events = 10'000'000;
    // Retention from --feed_retention and --feed_max_events.
    static Retention FromFlags();
  };
  // One trimming pass: deletes (one DeleteRange, in its own batch) the
  // events below the retention's cut, and returns how many. Commit times
  // are found by binary search, so a pass costs O(log n) reads however much
  // it trims (commit times increase with the sequence, up to the few
  // milliseconds writers of one group may differ by).
  absl::StatusOr<uint64_t> Trim(const Retention& retention);
  // Runs Trim every `interval` in a background thread until the feed is
  // destroyed or StopTrimming. Idempotent.
  void StartTrimming(Retention retention,
                     absl::Duration interval = absl::Minutes(1));
  void StopTrimming();

  // Listeners are called on the committing thread after each commit that
  // advanced the head. They must only schedule work (never block, never
  // write to the feed): a commit waits for them. Listeners of one feed never
  // run concurrently. Returns an id for Unsubscribe. Unsubscribe waits for a
  // running call of that listener to return, so the listener's owner may be
  // destroyed right after.
  int Subscribe(std::function<void()> listener);
  void Unsubscribe(int id);

  // A consistent read view of the whole store and the head it includes
  // (taken with every writer's lock held, so no commit is half visible).
  // Release with ReleaseSnapshot.
  struct Snapshot {
    const rocksdb::Snapshot* snapshot = nullptr;
    uint64_t sequence = 0;
  };
  Snapshot TakeSnapshot();
  void ReleaseSnapshot(const Snapshot& snapshot);
  const Store& store() const { return *store_; }

  // The lock table of this service's writes, for writers that do not append
  // events but must not interleave with those that do.
  LockTable& locks() { return locks_; }

  // Exports kam_feed_commit_group_size (commits written together per WAL
  // write), so an SRE can see whether callers share fsyncs, and
  // kam_feed_oldest_sequence (the oldest event kept). Call once, before
  // the first commit; `metrics` outlives the feed.
  void ExportMetrics(prometheus::Registry* metrics);

  // Commit groups written and commits in them, for tests and metrics.
  struct GroupStats {
    uint64_t groups = 0;
    uint64_t commits = 0;
  };
  GroupStats group_stats() const;

  static std::string Key(uint64_t sequence);

  // The most bytes of queued batches one group takes (the first batch is
  // always taken, whatever its size).
  static constexpr size_t kMaxGroupBytes = 8 << 20;

 private:
  // One queued commit.
  struct Pending;

  absl::Status CommitQueued(rocksdb::WriteBatch* batch,
                            std::vector<std::string>* events);
  // Writes a group as the leader: numbers the events from `first`, builds
  // one batch and writes it. No lock held.
  absl::Status WriteGroup(const std::vector<Pending*>& group, uint64_t first);
  void NotifyListeners();

  Store* const store_;
  rocksdb::ColumnFamilyHandle* const outbox_;
  Clock* const clock_;
  LockTable locks_;
  mutable absl::Mutex incarnation_mu_;
  std::string incarnation_ ABSL_GUARDED_BY(incarnation_mu_);

  mutable absl::Mutex queue_mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  uint64_t last_assigned_ ABSL_GUARDED_BY(queue_mu_) = 0;
  GroupStats stats_ ABSL_GUARDED_BY(queue_mu_);
  prometheus::Histogram* group_size_ = nullptr;
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> oldest_{1};
  prometheus::Gauge* oldest_gauge_ = nullptr;

  // Serialises trimming passes.
  absl::Mutex trim_mu_;
  absl::Mutex trim_thread_mu_;
  bool trim_stop_ ABSL_GUARDED_BY(trim_thread_mu_) = false;
  std::thread trim_thread_;

  absl::Mutex listeners_mu_;
  int next_listener_id_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  std::map<int, std::function<void()>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace kam

#endif  // KAM_COMMON_CHANGE_FEED_H_
