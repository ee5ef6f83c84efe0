#ifndef KAM_COMMON_CHANGE_FEED_H_
#define KAM_COMMON_CHANGE_FEED_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/store.h"
#include "google/protobuf/message.h"
#include "kam/common/v1/feed.pb.h"

namespace kam {

// ChangeFeed is a service's transactional outbox (DESIGN.md, "Change feeds").
// Each change appends a numbered event to the outbox column family in the
// same WriteBatch as the change itself, so the feed holds exactly the
// committed changes, in commit order, numbered 1, 2, 3... without gaps.
//
// All writes of a service that produce events go through a ChangeFeed::Writer,
// which holds the feed's write lock from the first read of the change to its
// commit. That lock is what makes sequence order equal commit order (a tailer
// can never see 7 before 6 is durable), and it doubles as the service's
// serialisation point for read-modify-write (etag checks, uniqueness).
class ChangeFeed {
 public:
  // `outbox` is the column family that holds the events (key: big-endian
  // sequence). Reads the last sequence from the store.
  ChangeFeed(Store* store, rocksdb::ColumnFamilyHandle* outbox, Clock* clock);

  // Writer holds the write lock for its lifetime.
  class Writer {
   public:
    explicit Writer(ChangeFeed* feed);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Stages an event for `resource` into `batch`.
    void Append(rocksdb::WriteBatch* batch, kam::common::v1::ChangeEvent::Kind kind,
                const std::string& resource_name,
                const google::protobuf::Message& resource);

    // Writes the batch; on success the staged events become visible to
    // watchers. On failure nothing is visible and the staged sequences are
    // reused by the next writer.
    absl::Status Commit(rocksdb::WriteBatch* batch);

    // The commit time events of this writer carry.
    absl::Time now() const { return now_; }

   private:
    ChangeFeed* feed_;
    uint64_t next_;
    absl::Time now_;
  };

  // The highest committed sequence (0 for an empty feed).
  uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // Appends to *events the committed events with sequence > after, at most
  // max_events of them, in order.
  absl::Status Read(uint64_t after, int max_events,
                    std::vector<kam::common::v1::ChangeEvent>* events) const;

  // Listeners are called on the committing thread after each commit that
  // advanced the head, with the feed's locks held: they must only schedule
  // work (never block, never write to the feed). Returns an id for
  // Unsubscribe. Unsubscribe waits for a running call of that listener to
  // return, so the listener's owner may be destroyed right after.
  int Subscribe(std::function<void()> listener);
  void Unsubscribe(int id);

  static std::string Key(uint64_t sequence);

 private:
  void NotifyListeners();

  Store* const store_;
  rocksdb::ColumnFamilyHandle* const outbox_;
  Clock* const clock_;
  absl::Mutex write_mu_;
  uint64_t last_assigned_ ABSL_GUARDED_BY(write_mu_) = 0;
  std::atomic<uint64_t> head_{0};

  absl::Mutex listeners_mu_;
  int next_listener_id_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  std::map<int, std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace kam

#endif  // KAM_COMMON_CHANGE_FEED_H_
