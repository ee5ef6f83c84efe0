#ifndef KAM_COMMON_CHANGE_FEED_SERVICE_H_
#define KAM_COMMON_CHANGE_FEED_SERVICE_H_

#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/change_feed.h"
#include "kam/common/v1/feed.grpc.pb.h"

namespace kam {

class Authorizer;

// ChangeFeedService serves a ChangeFeed as kam.common.v1.ChangeFeed on the
// service's own port: WatchChanges replays from the caller's cursor and then
// tails, with a heartbeat carrying the head sequence while idle.
class ChangeFeedService final
    : public kam::common::v1::ChangeFeed::CallbackService {
 public:
  ChangeFeedService(ChangeFeed* feed, const Authorizer* authorizer,
                    absl::Duration heartbeat_interval = absl::Seconds(5));
  // Calls Drain() if it was not called.
  ~ChangeFeedService() override;

  grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>*
  WatchChanges(grpc::CallbackServerContext* context,
               const kam::common::v1::WatchChangesRequest* request) override;

  // Ends every open stream with UNAVAILABLE and refuses new ones, so a
  // draining server is not held up by long-lived watchers. Idempotent.
  void Drain();

  class Stream;

 private:
  void HeartbeatLoop();

  ChangeFeed* const feed_;
  const Authorizer* const authorizer_;
  const absl::Duration heartbeat_interval_;
  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  std::thread heartbeat_;

  friend class Stream;
};

}  // namespace kam

#endif  // KAM_COMMON_CHANGE_FEED_SERVICE_H_
