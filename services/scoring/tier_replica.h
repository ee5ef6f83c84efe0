#ifndef KAM_SERVICES_SCORING_TIER_REPLICA_H_
#define KAM_SERVICES_SCORING_TIER_REPLICA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/change_feed.h"
#include "common/clock.h"
#include "common/store.h"
#include "kam/common/v1/feed.pb.h"
#include "services/scoring/tier_lookup.h"
#include "services/scoring/tier_table.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace kam::scoring {

// TierReplica is the state of a read-only follower of kam-scoring: it
// follows the primary's tier feed into a TierTable (so lookups scale out
// across replicas, never touching disk) and into its own ChangeFeed, which
// it serves as WatchTiers.
//
// The follower appends every event of the primary's feed, in order and from
// the first, so its own sequence numbers equal the primary's: a watcher may
// move between primary and followers and resume with the same cursor.
// Events are staged into an inbox with the consumer's cursor and folded in
// by ApplyInbox under the feed's writer lock, as ScoreBook does, so the
// mirrored feed and the table move together.
//
// Thread-safe.
class TierReplica {
 public:
  static const std::vector<std::string>& ColumnFamilies();
  static constexpr char kCursorFamily[] = "cursors";

  // `metrics` may be null.
  TierReplica(Store* store, Clock* clock, prometheus::Registry* metrics);
  ~TierReplica();

  // Loads the stored tiers into memory. Call once, before serving.
  absl::Status Load();

  // FeedConsumer ApplyFn for the primary's tier feed.
  absl::Status StageEvent(const kam::common::v1::ChangeEvent& event,
                          rocksdb::WriteBatch* batch);
  // Folds up to `max_events` staged events in; returns how many.
  absl::StatusOr<int> ApplyInbox(int max_events);

  ChangeFeed& feed() { return *feed_; }
  const TierTable& tiers() const { return tiers_; }
  const TierLookups& lookups() const { return lookups_; }

 private:
  Store* const store_;
  std::unique_ptr<ChangeFeed> feed_;
  TierTable tiers_;
  TierLookups lookups_;
};

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_TIER_REPLICA_H_
