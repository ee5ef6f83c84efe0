// rescoring_bench: how fast kam-scoring rescores every account — a full
// rescoring run of ScoreBook (read each account's facts from the "facts"
// column family, ScoreAccount, NextTier, write its Standing, a score-history
// point when the score moved and a tier change (history + change-feed
// event) when the tier moved, one WriteBatch per --run_chunk_size accounts,
// WAL fsynced per batch) — against a baseline measured in the same run:
// raw RocksDB WriteBatch writes of the very Standings the first run wrote
// (same keys, same bytes, same count) into a fresh store with the same
// options (kam::Store: same column families, WAL on, sync per batch as
// --sync_writes), in batches of the same size. The ratio says how much of
// a run is more than writing its results.
//
// Runs, in one process, on one store:
//   first   StartRescoring after seeding: every account is new (standing +
//           score point + tier change each).
//   second  CreateModel + ActivateModel of a draft with different weights
//           (activation starts the run): every standing is rewritten; the
//           score moves for (nearly) every account, the tier for some.
// The ScoreBook runs on the real clock, with its own metrics registry.
// Each part reports wall time (accounts/s, and kam/base of those) and the
// CPU time of the whole process while it ran, per account (base/kam of
// those): the run's thread plus RocksDB's flushes and compactions, none of
// other processes, so steadier than wall time on a shared machine.
//
// Seeding (not timed): --accounts registered accounts' facts written
// straight into the facts family (tools/bench/account_facts_seed.h: three
// yearly financial facts, potential revenue, 3-7 contacts with roles, an
// engagement summary, a "strategic-fit" rating; fixed-seed RNG, so tiers
// spread). Before each timed part the store is flushed and its compactions
// are allowed to finish, so no part pays for the previous one's backlog.
//
// Usage:
//   build/tools/bench/rescoring_bench                    # 1,000,000 accounts
//   build/tools/bench/rescoring_bench --accounts=200000 --run_chunk_size=16384
// Where the time goes (the runs have their own thread; RocksDB's are named
// rocksdb:low and rocksdb:high):
//   perf record -F 300 -e cpu-clock --call-graph dwarf,16384
//       -- build/tools/bench/rescoring_bench --accounts=200000
//   (one command line; perf report --sort pid,comm splits it by thread)
//
// Flags (defaults): --accounts=1000000, --run_chunk_size=4096 (as
// ScoreBook::Options), --sync_writes=true (as kam-scoring), --dir (where the
// temporary databases go; $TMPDIR or /tmp), --run_timeout=90s (bound of
// each run), --restart=false (true: also time a fresh ScoreBook's Load() of
// every standing, as kam-scoring does at start; 9-18 s at 1M accounts).
//
// Bounded: a run still going after --run_timeout is cancelled and the
// benchmark fails. With the defaults it takes 65-95 s on 2 cores and
// about 2.5 GB of disk (removed at the end). Exit code 0 only if both runs
// succeeded over every account.

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/store.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/scoring/score_book.h"
#include "services/scoring/scoring_rules.h"
#include "tools/bench/account_facts_seed.h"

ABSL_FLAG(int, accounts, 1000000, "Accounts to seed and rescore.");
ABSL_FLAG(int, run_chunk_size, 4096,
          "Accounts per WriteBatch in a run (ScoreBook::Options), and "
          "records per WriteBatch in the baseline.");
ABSL_FLAG(bool, sync_writes, true,
          "fsync the WAL per WriteBatch (kam-scoring's default), for both "
          "kam and the baseline.");
ABSL_FLAG(std::string, dir, "",
          "Directory for the temporary databases (default: $TMPDIR or /tmp).");
ABSL_FLAG(absl::Duration, run_timeout, absl::Seconds(90),
          "Bound of each rescoring run; a run still going is cancelled and "
          "the benchmark fails.");
ABSL_FLAG(bool, restart, false,
          "Also time a fresh ScoreBook's Load() of every standing.");

namespace {

namespace sv1 = ::kam::scoring::v1;
using kam::scoring::ScoreBook;

// The column family where ScoreBook keeps standings (score_book.cc); the
// baseline reads the first run's standings from it and writes them again.
constexpr char kStandingsFamily[] = "standings";

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "rescoring_bench: %s\n", what.c_str());
  return 1;
}

// A fresh directory, removed with everything in it at the end.
class ScratchDir {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Create(std::string base) {
    if (base.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    std::string pattern = base + "/kam-rescoring-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::FailedPreconditionError("cannot create a directory in " +
                                           base);
    }
    return std::unique_ptr<ScratchDir>(new ScratchDir(pattern));
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

absl::StatusOr<std::unique_ptr<kam::Store>> OpenStore(const std::string& path) {
  kam::Store::Options options;
  options.path = path;
  options.column_families = ScoreBook::ColumnFamilies();
  options.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  return kam::Store::Open(options);
}

// Flushes every family and waits (at most a minute) for flushes and
// compactions to finish.
void Settle(kam::Store* store) {
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (const std::string& name : ScoreBook::ColumnFamilies()) {
    families.push_back(store->Family(name));
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = store->db()->Flush(flush, families);
  if (!s.ok()) std::printf("warning: flush: %s\n", s.ToString().c_str());
  const absl::Time deadline = absl::Now() + absl::Minutes(1);
  while (absl::Now() < deadline) {
    uint64_t busy = 0, value = 0;
    for (const char* property :
         {"rocksdb.num-running-compactions", "rocksdb.num-running-flushes"}) {
      if (store->db()->GetIntProperty(property, &value)) busy += value;
    }
    for (rocksdb::ColumnFamilyHandle* family : families) {
      if (store->db()->GetIntProperty(family, "rocksdb.compaction-pending",
                                      &value)) {
        busy += value;
      }
    }
    if (busy == 0) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::printf("warning: compactions still running after a minute\n");
}

// CPU seconds (user + system) of this whole process so far: the run's
// thread, RocksDB's flushes and compactions, and nothing of other
// processes, so steadier than wall time on a shared machine.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Timed {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t accounts = 0;
  double records_per_account = 0;  // RocksDB keys written per account
  double rate() const { return seconds > 0 ? accounts / seconds : 0; }
  double cpu_us_per_account() const {
    return accounts > 0 ? cpu_seconds * 1e6 / accounts : 0;
  }
};

// Waits for `run` to end; cancels it and fails if it takes too long.
absl::StatusOr<sv1::RescoringRun> Finish(ScoreBook& book,
                                         const sv1::RescoringRun& run,
                                         int64_t accounts) {
  auto ended = book.WaitForRun(run.name(), absl::GetFlag(FLAGS_run_timeout));
  if (!ended.ok()) return ended.status();
  if (ended->state() == sv1::RUNNING) {
    sv1::RescoringRun cancelled;
    (void)book.CancelRun(run.name(), &cancelled);
    return absl::DeadlineExceededError(
        absl::StrCat(run.name(), " still running after --run_timeout, at ",
                     ended->accounts_done(), " of ", accounts, " accounts"));
  }
  if (ended->state() != sv1::SUCCEEDED || ended->accounts_done() != accounts) {
    return absl::InternalError("run did not rescore every account: " +
                               ended->ShortDebugString());
  }
  return *ended;
}

// Every account's score as the tier table holds it.
absl::flat_hash_map<std::string, double> Scores(const ScoreBook& book) {
  absl::flat_hash_map<std::string, double> scores;
  scores.reserve(book.tiers().size());
  book.tiers().ForEach(
      [&scores](const std::string& id, const kam::scoring::TierEntry& entry) {
        scores[id] = entry.score;
      });
  return scores;
}

std::string TierCounts(const ScoreBook& book) {
  const auto counts = book.tiers().CountByTier();
  return absl::StrFormat(
      "key %d, potential key %d, maintain %d, "
      "transactional %d",
      counts[kam::common::v1::KEY], counts[kam::common::v1::POTENTIAL_KEY],
      counts[kam::common::v1::MAINTAIN],
      counts[kam::common::v1::TRANSACTIONAL]);
}

// The draft of the second run: the default model with other weights
// (27/17/13/14/9/4/7/9 instead of 20/20/15/10/10/10/5/10). The weight
// changes are all different, so few accounts keep their score.
sv1::CreateScoreModelRequest ReweightedModel() {
  sv1::CreateScoreModelRequest request;
  sv1::ScoreModel& model = *request.mutable_model();
  model = kam::scoring::DefaultModel();
  model.clear_name();
  model.clear_version();
  model.clear_state();
  model.set_model_id("bench-reweighted");
  model.set_display_name("Default matrix, reweighted (rescoring_bench)");
  const int weights[] = {27, 17, 13, 14, 9, 4, 7, 9};
  for (int i = 0; i < model.criteria_size() && i < 8; ++i) {
    model.mutable_criteria(i)->set_weight(weights[i]);
  }
  return request;
}

// (baseline) The first run's standings, read back, written into a fresh
// store as raw WriteBatches of `chunk` records.
absl::StatusOr<Timed> RunBaseline(kam::Store* kam_store,
                                  const std::string& path, int chunk,
                                  int64_t* standing_bytes) {
  std::vector<std::pair<std::string, std::string>> records;
  auto it = kam_store->NewIterator(kam_store->Family(kStandingsFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    records.emplace_back(it->key().ToString(), it->value().ToString());
    *standing_bytes += static_cast<int64_t>(it->value().size());
  }
  if (!it->status().ok()) {
    return absl::InternalError("reading standings: " + it->status().ToString());
  }
  it.reset();

  auto store = OpenStore(path);
  if (!store.ok()) return store.status();
  rocksdb::ColumnFamilyHandle* family = (*store)->Family(kStandingsFamily);
  Settle(store->get());
  const uint64_t sequence = (*store)->db()->GetLatestSequenceNumber();
  const absl::Time start = absl::Now();
  const double cpu_start = ProcessCpuSeconds();
  for (size_t i = 0; i < records.size(); i += chunk) {
    rocksdb::WriteBatch batch;
    for (size_t j = i; j < std::min(records.size(), i + chunk); ++j) {
      batch.Put(family, records[j].first, records[j].second);
    }
    if (absl::Status s = (*store)->Write(&batch); !s.ok()) return s;
  }
  Timed timed;
  timed.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  timed.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  timed.accounts = static_cast<int64_t>(records.size());
  timed.records_per_account =
      static_cast<double>((*store)->db()->GetLatestSequenceNumber() -
                          sequence) /
      std::max<int64_t>(1, timed.accounts);
  return timed;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures a full rescoring run of kam-scoring's ScoreBook against raw "
      "RocksDB WriteBatch writes of the same standings.\nUsage: "
      "rescoring_bench [--accounts=1000000] [--run_chunk_size=4096] "
      "[--sync_writes=true]");
  absl::ParseCommandLine(argc, argv);
  // As kam::InitProgram does in the servers.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  const int chunk = absl::GetFlag(FLAGS_run_chunk_size);
  if (accounts < 1 || accounts > 10000000) {
    return Fail("--accounts must be 1-10000000");
  }
  if (chunk < 1 || chunk > 1000000) {
    return Fail("--run_chunk_size must be 1-1000000");
  }
  const auto& families = ScoreBook::ColumnFamilies();
  if (std::find(families.begin(), families.end(), kStandingsFamily) ==
      families.end()) {
    return Fail(
        "ScoreBook has no \"standings\" column family any more; "
        "update kStandingsFamily");
  }
  auto dir = ScratchDir::Create(absl::GetFlag(FLAGS_dir));
  if (!dir.ok()) return Fail(dir.status().ToString());

  std::printf(
      "rescoring: %d accounts, chunks of %d, sync_writes=%s, %u hardware "
      "threads; load average %.2f\n",
      accounts, chunk, absl::GetFlag(FLAGS_sync_writes) ? "true" : "false",
      std::thread::hardware_concurrency(), LoadAverage());
  std::fflush(stdout);

  auto store = OpenStore((*dir)->Sub("kam"));
  if (!store.ok()) return Fail(store.status().ToString());
  const absl::Time seed_start = absl::Now();
  int64_t facts_bytes = 0;
  if (absl::Status s = kam::bench::SeedAccountFacts(
          store->get(), accounts, /*seed=*/42, absl::Now(), &facts_bytes);
      !s.ok()) {
    return Fail("seeding: " + s.ToString());
  }
  Settle(store->get());
  std::printf("seeded %d accounts' facts (%.0f bytes each) in %.2f s\n",
              accounts, static_cast<double>(facts_bytes) / accounts,
              absl::ToDoubleSeconds(absl::Now() - seed_start));
  std::fflush(stdout);

  auto book = std::make_unique<ScoreBook>(store->get(), kam::Clock::Real(),
                                          nullptr, ScoreBook::Options{chunk});
  if (absl::Status s = book->Load(); !s.ok()) return Fail(s.ToString());
  rocksdb::DB* db = (*store)->db();

  // (i) The first run: every account new.
  Timed first;
  int64_t first_tier_changes = 0;
  {
    const uint64_t sequence = db->GetLatestSequenceNumber();
    const absl::Time start = absl::Now();
    const double cpu_start = ProcessCpuSeconds();
    sv1::RescoringRun run;
    if (absl::Status s = book->StartRescoring({}, &run); !s.ok()) {
      return Fail(s.ToString());
    }
    auto ended = Finish(*book, run, accounts);
    if (!ended.ok()) return Fail("first run: " + ended.status().ToString());
    first.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    first.cpu_seconds = ProcessCpuSeconds() - cpu_start;
    first.accounts = ended->accounts_done();
    first.records_per_account =
        static_cast<double>(db->GetLatestSequenceNumber() - sequence) /
        accounts;
    first_tier_changes = ended->tier_changes();
  }
  std::printf("first run: %.2f s; tiers: %s\n", first.seconds,
              TierCounts(*book).c_str());
  std::fflush(stdout);

  // (baseline) The same standings, raw.
  int64_t standing_bytes = 0;
  auto baseline = RunBaseline(store->get(), (*dir)->Sub("baseline"), chunk,
                              &standing_bytes);
  if (!baseline.ok()) return Fail("baseline: " + baseline.status().ToString());
  std::filesystem::remove_all((*dir)->Sub("baseline"));
  std::printf("baseline: %.2f s for %lld standings of %.0f bytes (mean)\n",
              baseline->seconds, static_cast<long long>(baseline->accounts),
              static_cast<double>(standing_bytes) /
                  std::max<int64_t>(1, baseline->accounts));
  std::fflush(stdout);

  // (ii) The second run: a reweighted model activated.
  Settle(store->get());
  const auto scores_before = Scores(*book);
  Timed second;
  int64_t second_tier_changes = 0;
  {
    sv1::ScoreModel draft;
    if (absl::Status s = book->CreateModel(ReweightedModel(), &draft);
        !s.ok()) {
      return Fail("CreateModel: " + s.ToString());
    }
    sv1::ActivateScoreModelRequest activate;
    activate.set_name(draft.name());
    activate.set_etag(draft.etag());
    const uint64_t sequence = db->GetLatestSequenceNumber();
    const absl::Time start = absl::Now();
    const double cpu_start = ProcessCpuSeconds();
    sv1::RescoringRun run;
    if (absl::Status s = book->ActivateModel(activate, &run); !s.ok()) {
      return Fail("ActivateModel: " + s.ToString());
    }
    auto ended = Finish(*book, run, accounts);
    if (!ended.ok()) return Fail("second run: " + ended.status().ToString());
    second.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    second.cpu_seconds = ProcessCpuSeconds() - cpu_start;
    second.accounts = ended->accounts_done();
    second.records_per_account =
        static_cast<double>(db->GetLatestSequenceNumber() - sequence) /
        accounts;
    second_tier_changes = ended->tier_changes();
  }
  int64_t scores_changed = 0;
  for (const auto& [id, score] : Scores(*book)) {
    auto it = scores_before.find(id);
    if (it == scores_before.end() || std::abs(it->second - score) >= 0.005) {
      ++scores_changed;
    }
  }
  std::printf("second run: %.2f s; scores changed %lld; tiers: %s\n",
              second.seconds, static_cast<long long>(scores_changed),
              TierCounts(*book).c_str());

  double load_seconds = 0;
  if (absl::GetFlag(FLAGS_restart)) {
    book.reset();
    Settle(store->get());
    book = std::make_unique<ScoreBook>(store->get(), kam::Clock::Real(),
                                       nullptr, ScoreBook::Options{chunk});
    const absl::Time start = absl::Now();
    if (absl::Status s = book->Load(); !s.ok()) return Fail(s.ToString());
    load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  }
  book.reset();

  const double base = baseline->rate();
  const double base_cpu = baseline->cpu_us_per_account();
  std::printf("\n%-30s | %8s | %7s | %10s | %8s | %11s | %8s | %9s | %8s\n",
              "run", "accounts", "seconds", "accounts/s", "kam/base",
              "cpu us/acct", "base/kam", "keys/acct", "tier chg");
  std::printf("%s\n", std::string(119, '-').c_str());
  auto row = [&](const char* name, const Timed& t, const std::string& changes) {
    std::printf(
        "%-30s | %8lld | %7.2f | %10.0f | %8.3f | %11.1f | %8.3f | %9.2f | "
        "%8s\n",
        name, static_cast<long long>(t.accounts), t.seconds, t.rate(),
        base > 0 ? t.rate() / base : 0.0, t.cpu_us_per_account(),
        t.cpu_us_per_account() > 0 ? base_cpu / t.cpu_us_per_account() : 0.0,
        t.records_per_account, changes.c_str());
  };
  row("baseline: raw WriteBatch", *baseline, "-");
  row("first run (every account new)", first, absl::StrCat(first_tier_changes));
  row("second run (reweighted model)", second,
      absl::StrCat(second_tier_changes));
  std::printf(
      "\nbaseline: the first run's %lld standings (%.0f bytes mean), same "
      "keys and bytes, into a fresh\n  store with kam::Store's options, "
      "%d per WriteBatch, sync_writes=%s; one writer thread.\n"
      "second run: %lld of %lld scores changed (%.1f%%); every standing "
      "rewritten (new model).\n"
      "cpu us/acct: CPU time of the whole process (the run's thread and "
      "RocksDB's own threads)\n  per account while the part ran; base/kam: "
      "the baseline's over kam's (steadier than\n  wall time on a shared "
      "machine). keys/acct: RocksDB keys written per account.\n",
      static_cast<long long>(baseline->accounts),
      static_cast<double>(standing_bytes) /
          std::max<int64_t>(1, baseline->accounts),
      chunk, absl::GetFlag(FLAGS_sync_writes) ? "true" : "false",
      static_cast<long long>(scores_changed), static_cast<long long>(accounts),
      100.0 * static_cast<double>(scores_changed) / accounts);
  if (absl::GetFlag(FLAGS_restart)) {
    std::printf("restart: ScoreBook::Load() of %d standings took %.2f s\n",
                accounts, load_seconds);
  }
  std::printf(
      "target: 200000 accounts/s; first run %s, second run %s. Load average "
      "at the end: %.2f\n",
      first.rate() >= 200000 ? "meets it" : "below",
      second.rate() >= 200000 ? "meets it" : "below", LoadAverage());
  return 0;
}
