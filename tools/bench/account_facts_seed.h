#ifndef KAM_TOOLS_BENCH_ACCOUNT_FACTS_SEED_H_
#define KAM_TOOLS_BENCH_ACCOUNT_FACTS_SEED_H_

// Seeds kam-scoring's store with registered accounts' facts, as the
// registry's and engagement's feeds and a rating would have left them, for
// the scoring benchmarks (rescoring_bench, tier_lookup_bench).

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/store.h"
#include "kam/scoring/internal/state.pb.h"

namespace kam::bench {

// The id of the i-th seeded account: "a0000000", "a0000001", ... (sorted as
// numbered, at most 10^7 accounts).
std::string SeededAccountId(int i);

// One registered account's facts, drawn from `rng` so that scores (and so
// tiers) spread over the whole range under the default model: three yearly
// financial facts (the latest complete year is `now`'s year minus one; one
// account in ten reports in USD or DKK, which the default model converts),
// a potential revenue, 3-7 contacts with buying roles, levels and
// attitudes, an engagement summary (NPS, role coverage, cadence), and a
// manual "strategic-fit" rating.
kam::scoring::internal::AccountFacts MakeAccountFacts(int i,
                                                      std::mt19937_64& rng,
                                                      absl::Time now);

// Writes the facts of accounts 0..accounts-1 (MakeAccountFacts from one RNG
// seeded with `seed`) into `store`'s ScoreBook::kFactsFamily, 10,000 per
// WriteBatch. The store must have been opened with ScoreBook's column
// families and must not be in use by a ScoreBook yet. Adds the serialized
// bytes written to *bytes if not null.
absl::Status SeedAccountFacts(Store* store, int accounts, uint64_t seed,
                              absl::Time now, int64_t* bytes = nullptr);

}  // namespace kam::bench

#endif  // KAM_TOOLS_BENCH_ACCOUNT_FACTS_SEED_H_
