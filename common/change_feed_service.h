#ifndef KAM_COMMON_CHANGE_FEED_SERVICE_H_
#define KAM_COMMON_CHANGE_FEED_SERVICE_H_

#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/change_feed.h"
#include "kam/common/v1/feed.grpc.pb.h"

namespace kam {

// ChangeFeedService serves a ChangeFeed as kam.common.v1.ChangeFeed on the
// service's own port: WatchChanges replays from the caller's cursor and then
// tails, with a heartbeat carrying the head sequence while idle.
//
// Threading: gRPC may run a reactor's reactions (even OnDone) inline from
// StartWrite or Finish, so no lock of ours is ever held while calling them.
// Commits and heartbeats only wake a pump thread, which takes a reference
// to each open stream and pumps it with no lock held.
class ChangeFeedService final
    : public kam::common::v1::ChangeFeed::CallbackService {
 public:
  // `authorizer` may be null (no auth). Both outlive the service. Watchers
  // need at least `role` (scoring's tier feed admits tier readers).
  ChangeFeedService(ChangeFeed* feed, const Authorizer* authorizer,
                    absl::Duration heartbeat_interval = absl::Seconds(5),
                    Role role = Role::kViewer);
  // Drains and stops the pump thread. The gRPC server must have been shut
  // down first.
  ~ChangeFeedService() override;

  grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>*
  WatchChanges(grpc::CallbackServerContext* context,
               const kam::common::v1::WatchChangesRequest* request) override;

  // Ends every open stream with UNAVAILABLE and refuses new ones, so a
  // draining server is not held up by long-lived watchers. Idempotent.
  void Drain();

  class Stream;

 private:
  void PumpLoop();
  // Removes a finished stream (from its OnDone).
  void Forget(Stream* stream);

  ChangeFeed* const feed_;
  const Authorizer* const authorizer_;
  const absl::Duration heartbeat_interval_;
  const Role role_;
  int listener_id_ = 0;

  absl::Mutex mu_;
  absl::CondVar wake_;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  std::thread pump_;
};

}  // namespace kam

#endif  // KAM_COMMON_CHANGE_FEED_SERVICE_H_
