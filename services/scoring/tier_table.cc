#include "services/scoring/tier_table.h"

#include "absl/hash/hash.h"

namespace kam::scoring {

TierTable::Shard& TierTable::ShardOf(absl::string_view account_id) {
  return shards_[absl::Hash<absl::string_view>()(account_id) % kShards];
}

const TierTable::Shard& TierTable::ShardOf(absl::string_view account_id) const {
  return shards_[absl::Hash<absl::string_view>()(account_id) % kShards];
}

void TierTable::Count(kam::common::v1::Tier tier, int delta) {
  const int index = static_cast<int>(tier);
  if (index >= 0 && index < static_cast<int>(by_tier_.size())) {
    by_tier_[index].fetch_add(delta, std::memory_order_relaxed);
  }
}

bool TierTable::Lookup(absl::string_view account_id, TierEntry* entry) const {
  const Shard& shard = ShardOf(account_id);
  absl::ReaderMutexLock lock(&shard.mu);
  auto it = shard.entries.find(account_id);
  if (it == shard.entries.end()) return false;
  *entry = it->second;
  return true;
}

void TierTable::Put(const std::string& account_id, TierEntry entry) {
  Shard& shard = ShardOf(account_id);
  const kam::common::v1::Tier tier = entry.tier;
  absl::MutexLock lock(&shard.mu);
  auto [it, inserted] = shard.entries.try_emplace(account_id);
  if (inserted) {
    size_.fetch_add(1, std::memory_order_relaxed);
  } else {
    Count(it->second.tier, -1);
  }
  it->second = std::move(entry);
  Count(tier, +1);
}

void TierTable::Erase(absl::string_view account_id) {
  Shard& shard = ShardOf(account_id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(account_id);
  if (it == shard.entries.end()) return;
  Count(it->second.tier, -1);
  shard.entries.erase(it);
  size_.fetch_sub(1, std::memory_order_relaxed);
}

std::array<int64_t, 5> TierTable::CountByTier() const {
  std::array<int64_t, 5> counts{};
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = by_tier_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

void TierTable::ForEach(
    const std::function<void(const std::string&, const TierEntry&)>& visit)
    const {
  for (const Shard& shard : shards_) {
    absl::ReaderMutexLock lock(&shard.mu);
    for (const auto& [id, entry] : shard.entries) visit(id, entry);
  }
}

}  // namespace kam::scoring
