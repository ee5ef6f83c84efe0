#ifndef KAM_SERVICES_SCORING_TIER_TABLE_H_
#define KAM_SERVICES_SCORING_TIER_TABLE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kam/common/v1/tier.pb.h"
#include "kam/scoring/v1/scoring.pb.h"

namespace kam::scoring {

// What the lookups need of an account's standing, kept in memory so that
// GetTier and BatchGetTiers never touch disk. Also what a full rescoring run
// compares a new score against, so a run reads no standings either.
struct TierEntry {
  kam::common::v1::Tier tier = kam::common::v1::TIER_UNSPECIFIED;
  kam::common::v1::Tier computed_tier = kam::common::v1::TIER_UNSPECIFIED;
  int64_t since_micros = 0;  // when `tier` took effect
  double score = 0;
  double previous_score = 0;
  bool has_previous_score = false;
  // Which model (name and version) computed `score`: an index into the
  // ScoreBook's table of model tags.
  uint32_t model_tag = 0;
  // Null when no override is in force.
  std::shared_ptr<const v1::TierOverride> override;
};

// TierTable maps account ids to their TierEntry. Sharded, each shard behind
// its own reader-writer lock, so lookups on many threads rarely meet and
// never wait for disk. Writers are the ScoreBook, after each commit.
//
// Thread-safe.
class TierTable {
 public:
  TierTable() = default;
  TierTable(const TierTable&) = delete;
  TierTable& operator=(const TierTable&) = delete;

  // Copies the entry of `account_id` into *entry; false if there is none.
  bool Lookup(absl::string_view account_id, TierEntry* entry) const;

  void Put(const std::string& account_id, TierEntry entry);
  void Erase(absl::string_view account_id);

  int64_t size() const { return size_.load(std::memory_order_relaxed); }
  // Accounts per tier in force, indexed by Tier value.
  std::array<int64_t, 5> CountByTier() const;

  // Calls `visit` for every entry, one shard at a time (holding that
  // shard's lock: `visit` must not call back into the table).
  void ForEach(const std::function<void(const std::string& account_id,
                                        const TierEntry& entry)>& visit) const;

 private:
  static constexpr int kShards = 64;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, TierEntry> entries ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(absl::string_view account_id);
  const Shard& ShardOf(absl::string_view account_id) const;
  void Count(kam::common::v1::Tier tier, int delta);

  std::array<Shard, kShards> shards_;
  std::atomic<int64_t> size_{0};
  std::array<std::atomic<int64_t>, 5> by_tier_{};
};

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_TIER_TABLE_H_
