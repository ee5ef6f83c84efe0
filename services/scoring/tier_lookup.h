#ifndef KAM_SERVICES_SCORING_TIER_LOOKUP_H_
#define KAM_SERVICES_SCORING_TIER_LOOKUP_H_

#include <string>

#include "absl/status/status.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "services/scoring/tier_table.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace kam::scoring {

// TierLookups is a TierTable's face to the outside: it answers GetTier and
// BatchGetTiers from memory only, counts what it looked up as
// kam_scoring_tier_lookups_total{result="found"|"not_found"}, and exports
// the table's accounts per tier as kam_scoring_accounts{tier}. The primary
// (ScoreBook) and the read-only follower (TierReplica) both serve through
// one of these.
class TierLookups {
 public:
  static constexpr int kMaxBatch = 1000;

  // `metrics` may be null; both outlive this.
  TierLookups(const TierTable* table, prometheus::Registry* metrics);

  // NOT_FOUND for an account without a tier.
  absl::Status Get(const std::string& account_name,
                   v1::AccountTier* tier) const;
  // 1-1000 names, answered in order; unknown ones with found = false.
  absl::Status BatchGet(const v1::BatchGetTiersRequest& request,
                        v1::BatchGetTiersResponse* response) const;

  // Sets kam_scoring_accounts{tier} from the table; call after changing it.
  void ExportCounts() const;

  // The AccountTier of an entry (found = true).
  static void Fill(const std::string& account_id, const TierEntry& entry,
                   v1::AccountTier* tier);

 private:
  const TierTable* const table_;
  prometheus::Counter* found_ = nullptr;
  prometheus::Counter* missing_ = nullptr;
  prometheus::Gauge* accounts_by_tier_[5] = {};
};

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_TIER_LOOKUP_H_
