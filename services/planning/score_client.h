#ifndef KAM_SERVICES_PLANNING_SCORE_CLIENT_H_
#define KAM_SERVICES_PLANNING_SCORE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "services/planning/plan_book.h"

namespace kam::planning {

// ScoringScoreSource asks kam-scoring for an account's current score
// (GetScore) and ABC class (GetAbcAnalysis, kept for `abc_ttl` since it
// ranks the whole portfolio and changes slowly). Each call's deadline is the
// sooner of `deadline` from now and the deadline Fill is given (the caller's,
// passed down by the planning handler): nobody waits for a score after the
// caller has given up. With no time left the call is not made. A failed
// call leaves the field unset, so a snapshot is never held up for long by a
// scoring outage. Needs a viewer token when scoring requires auth.
// Thread-safe; the cache's lock is never held across a call to scoring, so
// plan creations do not queue behind one another's round trips.
class ScoringScoreSource final : public ScoreSource {
 public:
  ScoringScoreSource(std::shared_ptr<grpc::Channel> channel,
                     std::string bearer_token, absl::Duration deadline,
                     absl::Duration abc_ttl = absl::Minutes(1));

  void Fill(const std::string& account_name, absl::Time deadline,
            v1::SituationSnapshot* snapshot) override;

 private:
  // Sets the deadline (the sooner of ours and `caller_deadline`) and the
  // token; false if no time is left.
  bool Prepare(absl::Time caller_deadline, grpc::ClientContext* context) const;
  // Sets the account's class from `analysis`; false if not in it.
  static bool FindAbc(const kam::scoring::v1::AbcAnalysis& analysis,
                      const std::string& account_name,
                      v1::SituationSnapshot* snapshot);

  std::unique_ptr<kam::scoring::v1::Scoring::Stub> stub_;
  const std::string bearer_token_;
  const absl::Duration deadline_;
  const absl::Duration abc_ttl_;
  absl::Mutex mu_;
  kam::scoring::v1::AbcAnalysis abc_ ABSL_GUARDED_BY(mu_);
  absl::Time abc_fetched_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace kam::planning

#endif  // KAM_SERVICES_PLANNING_SCORE_CLIENT_H_
