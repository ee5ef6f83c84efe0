// write_bench: how many single small durable writes per second kam's
// services commit when callers write side by side, against raw RocksDB
// measured in the same run.
//
// For each RPC (registry CreateAccount and RecordFinancialFact, engagement
// CreateInteraction, scoring SetRating) and each caller count K (default 1,
// 8, 32, 128) it runs, in --rounds interleaved rounds:
//   kam:      K callers, each with one call in flight, over loopback gRPC to
//             the real binary (started with its default --sync_writes=true);
//   baseline: K threads, each committing one WriteBatch at a time with
//             sync=true into a RocksDB opened with kam::Store's options, with
//             as many keys as the service writes for that RPC and about as
//             many bytes (measured from the service's WAL growth).
// and reports writes/s, p50/p99 latency and the median ratio [min-max].
//
// Two more measurements:
//   --watchers=0,1000   CreateAccount at --watcher_callers with N open
//                       kam.common.v1.ChangeFeed/WatchChanges streams on the
//                       registry (over --watcher_channels connections);
//   freshness           from a RecordFinancialFact that moves an account
//                       across a tier line being acknowledged to kam-scoring's
//                       GetTier showing the new tier, under a paced background
//                       load of --background_rate facts/s to other accounts.
//
// Usage:
//   build/tools/bench/write_bench [--callers=1,8,32,128] [--duration=2s]
//       [--rounds=3] [--rpcs=CreateAccount,...] [--json=FILE]
//
// Loopback only: it starts its own servers on 127.0.0.1 port 0 with data in a
// temporary directory and removes everything when done. Every loop and wait
// is bounded. Exit code 0 only if every measured call succeeded.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store.h"
#include "grpcpp/grpcpp.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

#ifndef KAM_REGISTRY_BINARY
#define KAM_REGISTRY_BINARY ""
#endif
#ifndef KAM_ENGAGEMENT_BINARY
#define KAM_ENGAGEMENT_BINARY ""
#endif
#ifndef KAM_SCORING_BINARY
#define KAM_SCORING_BINARY ""
#endif

ABSL_FLAG(std::string, callers, "1,8,32,128",
          "Concurrent callers (and baseline threads), comma-separated, each "
          "1-512.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(2),
          "Measured time of each slice (one side, one round, one K).");
ABSL_FLAG(absl::Duration, warmup, absl::Milliseconds(300),
          "Unmeasured time before each slice's measured window.");
ABSL_FLAG(int, rounds, 3, "Interleaved kam/baseline rounds per point.");
ABSL_FLAG(std::string, rpcs,
          "CreateAccount,RecordFinancialFact,CreateInteraction,SetRating",
          "Which writes to measure (empty: none).");
ABSL_FLAG(std::string, watchers, "0,1000",
          "Idle WatchChanges streams on the registry while CreateAccount "
          "runs; comma-separated counts (empty: skip).");
ABSL_FLAG(int, watcher_channels, 1,
          "Channels (TCP connections) the watch streams are spread over.");
ABSL_FLAG(int, watcher_callers, 32,
          "CreateAccount callers in the watcher run.");
ABSL_FLAG(absl::Duration, freshness_duration, absl::Seconds(20),
          "Length of the tier-freshness run (0: skip).");
ABSL_FLAG(int, background_rate, 1000,
          "Background RecordFinancialFact calls/s to other accounts during the "
          "freshness run.");
ABSL_FLAG(int, accounts, 1000, "Accounts seeded in each registry.");
ABSL_FLAG(bool, quick, false,
          "A smoke run: callers 1,8, 1 round of 200 ms, 10 watchers, 3 s of "
          "freshness at 100/s.");
ABSL_FLAG(std::string, json, "", "Also write the results as JSON here.");
ABSL_FLAG(std::string, registry_binary, KAM_REGISTRY_BINARY,
          "The kam-registry binary.");
ABSL_FLAG(std::string, engagement_binary, KAM_ENGAGEMENT_BINARY,
          "The kam-engagement binary.");
ABSL_FLAG(std::string, scoring_binary, KAM_SCORING_BINARY,
          "The kam-scoring binary.");

namespace {

namespace cv1 = ::kam::common::v1;
namespace ev1 = ::kam::engagement::v1;
namespace rv1 = ::kam::registry::v1;
namespace sv1 = ::kam::scoring::v1;
using kam::test_support::ServiceProcess;
using kam::test_support::TempDir;

constexpr absl::Duration kCallTimeout = absl::Seconds(30);
constexpr absl::Duration kWaitTimeout = absl::Seconds(60);

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

std::string AccountId(int a) { return absl::StrFormat("a%05d", a); }
std::string AccountName(int a) { return "accounts/" + AccountId(a); }
std::string ContactId(int c) { return absl::StrFormat("c%02d", c); }
constexpr int kContactsPerAccount = 3;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// --- One measured slice -----------------------------------------------------

// What one side did in one slice. Only calls that started and finished inside
// the measured window count towards `ok` and the latencies.
struct SliceResult {
  double seconds = 0;
  int64_t ok = 0;
  int64_t total_ok = 0;  // including the warm-up and the tail
  int64_t failed = 0;
  std::string first_error;
  std::vector<double> latency_ms;

  double rate() const { return seconds > 0 ? ok / seconds : 0; }
  void Merge(const SliceResult& other) {
    ok += other.ok;
    total_ok += other.total_ok;
    failed += other.failed;
    if (first_error.empty()) first_error = other.first_error;
    latency_ms.insert(latency_ms.end(), other.latency_ms.begin(),
                      other.latency_ms.end());
  }
};

// Window is when a slice measures: calls are issued from `start` until `end`;
// those that start at or after `measure_from` and end by `end` are counted.
struct Window {
  absl::Time start, measure_from, end;
  static Window From(absl::Duration warmup, absl::Duration duration) {
    const absl::Time now = absl::Now();
    return {now, now + warmup, now + warmup + duration};
  }
  void Record(absl::Time begun, absl::Time ended, bool ok,
              SliceResult* r) const {
    if (!ok) return;
    ++r->total_ok;
    if (begun >= measure_from && ended <= end) {
      ++r->ok;
      r->latency_ms.push_back(absl::ToDoubleMilliseconds(ended - begun));
    }
  }
};

// Issues one asynchronous write numbered `seq` for caller `caller` on
// `context` and calls `done` exactly once with its status.
using Done = std::function<void(const grpc::Status&)>;
using IssueFn = std::function<void(grpc::ClientContext* context, int caller,
                                   int64_t seq, Done done)>;

// Runs `issue` from `callers` callers, each with one call in flight, over the
// window, and waits (bounded) for the last calls to finish.
SliceResult RunCallers(int callers, const IssueFn& issue, absl::Duration warmup,
                       absl::Duration duration) {
  struct Caller {
    int index = 0;
    int64_t seq = 0;
    absl::Time begun;
    std::unique_ptr<grpc::ClientContext> context;
    SliceResult result;
  };
  absl::Mutex mu;
  int running = callers;
  std::vector<Caller> state(callers);
  const Window window = Window::From(warmup, duration);
  // Each completion starts the caller's next call from gRPC's callback
  // thread; issuing is non-blocking.
  std::function<void(Caller*)> next = [&](Caller* c) {
    if (absl::Now() >= window.end) {
      absl::MutexLock lock(&mu);
      --running;
      return;
    }
    c->context = std::make_unique<grpc::ClientContext>();
    c->context->set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    c->begun = absl::Now();
    issue(c->context.get(), c->index, c->seq++, [&, c](const grpc::Status& s) {
      window.Record(c->begun, absl::Now(), s.ok(), &c->result);
      if (!s.ok()) {
        ++c->result.failed;
        if (c->result.first_error.empty()) {
          c->result.first_error =
              absl::StrCat("code ", s.error_code(), ": ", s.error_message());
        }
      }
      next(c);
    });
  };
  for (int i = 0; i < callers; ++i) {
    state[i].index = i;
    next(&state[i]);
  }
  {
    absl::MutexLock lock(&mu);
    auto finished = [&running]() { return running == 0; };
    mu.AwaitWithDeadline(absl::Condition(&finished),
                         window.end + kCallTimeout + absl::Seconds(5));
  }
  SliceResult total;
  total.seconds = absl::ToDoubleSeconds(window.end - window.measure_from);
  absl::MutexLock lock(&mu);
  if (running > 0) {
    // A call outlived its deadline by seconds: something is badly wrong; the
    // callers' state must outlive their calls, so do not return.
    std::fprintf(stderr, "write_bench: %d callers never finished\n", running);
    std::abort();
  }
  for (const Caller& c : state) total.Merge(c.result);
  return total;
}

// The baseline: `threads` threads, each committing one batch at a time with
// sync=true. `make_batch(thread, seq, batch)` fills the batch.
SliceResult RunBaseline(
    rocksdb::DB* db, int threads,
    const std::function<void(int, int64_t, rocksdb::WriteBatch*)>& make_batch,
    absl::Duration warmup, absl::Duration duration) {
  rocksdb::WriteOptions options;
  options.sync = true;
  std::vector<SliceResult> results(threads);
  std::vector<std::thread> workers;
  const Window window = Window::From(warmup, duration);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      SliceResult& r = results[t];
      for (int64_t seq = 0; absl::Now() < window.end; ++seq) {
        rocksdb::WriteBatch batch;
        make_batch(t, seq, &batch);
        const absl::Time begun = absl::Now();
        rocksdb::Status s = db->Write(options, &batch);
        window.Record(begun, absl::Now(), s.ok(), &r);
        if (!s.ok()) {
          ++r.failed;
          if (r.first_error.empty()) r.first_error = s.ToString();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  SliceResult total;
  total.seconds = absl::ToDoubleSeconds(window.end - window.measure_from);
  for (const auto& r : results) total.Merge(r);
  return total;
}

// --- Clients ----------------------------------------------------------------

std::shared_ptr<grpc::Channel> Connect(const std::string& address, int n) {
  grpc::ChannelArguments args;
  // Its own connection, not one shared through the global subchannel pool.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("kam.bench.channel", n);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext* context,
                 absl::Duration timeout = kCallTimeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

// Starts `method` asynchronously with a request and response that live until
// `done` has run.
template <typename Request, typename Response, typename Start>
void CallAsync(grpc::ClientContext* context, Request request, Start start,
               Done done) {
  auto call = std::make_shared<std::pair<Request, Response>>(std::move(request),
                                                             Response());
  start(context, &call->first, &call->second,
        [call, done = std::move(done)](grpc::Status s) { done(s); });
}

cv1::Money Eur(int64_t euros) {
  cv1::Money m;
  m.set_currency_code("EUR");
  m.set_minor_units(euros * 100);
  return m;
}

// The latest complete year, which the default model scores.
std::string ScoredYear() {
  return absl::StrCat(
      absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year() - 1);
}

// A fact that puts an account with nothing else in MAINTAIN under the default
// model (high revenue and margin) or in TRANSACTIONAL (low): far enough apart
// that hysteresis cannot hold the old tier. `jitter` keeps every write a
// change.
rv1::FinancialFact Fact(bool high, int64_t jitter) {
  rv1::FinancialFact f;
  f.set_period(ScoredYear());
  const int64_t revenue = high ? 100'000'000 + jitter : 100'000 + jitter;
  *f.mutable_revenue() = Eur(revenue);
  *f.mutable_gross_margin() = Eur(high ? revenue / 2 : 0);
  *f.mutable_cost_to_serve() = Eur(0);
  return f;
}

// Seeds ACTIVE accounts a00000.., each with contacts and a high fact.
absl::Status SeedRegistry(const std::string& address, int accounts) {
  auto stub = rv1::Registry::NewStub(Connect(address, -1));
  std::vector<rv1::ImportRecordsRequest> requests(1);
  auto room = [&] {
    const auto& r = requests.back();
    if (r.accounts_size() + r.contacts_size() + r.financials_size() >= 4000) {
      requests.emplace_back();
    }
    return &requests.back();
  };
  for (int a = 0; a < accounts; ++a) {
    rv1::Account* account = room()->add_accounts();
    account->set_account_id(AccountId(a));
    account->set_display_name(absl::StrCat("Account ", a));
    account->set_lifecycle_status(rv1::ACTIVE);
  }
  for (int a = 0; a < accounts; ++a) {
    for (int c = 0; c < kContactsPerAccount; ++c) {
      rv1::ImportContact* item = room()->add_contacts();
      item->set_parent(AccountName(a));
      rv1::Contact* contact = item->mutable_contact();
      contact->set_contact_id(ContactId(c));
      contact->set_display_name(absl::StrCat("Contact ", a, "-", c));
      contact->add_roles(c == 0 ? rv1::BUYER : rv1::USER);
      contact->set_level(rv1::MANAGEMENT);
    }
    rv1::ImportFinancialFact* fact = room()->add_financials();
    fact->set_parent(AccountName(a));
    *fact->mutable_fact() = Fact(true, 0);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_request_id(absl::StrCat("write-bench-seed-", i));
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(120));
    rv1::ImportRecordsResponse response;
    grpc::Status s = stub->ImportRecords(&context, requests[i], &response);
    if (!s.ok()) {
      return absl::InternalError("ImportRecords: " + s.error_message());
    }
    if (response.failed() > 0) {
      return absl::InternalError(
          absl::StrCat("ImportRecords: ", response.failed(), " items failed"));
    }
  }
  return absl::OkStatus();
}

// Polls `ready` every 50 ms until it returns true or kWaitTimeout passes.
absl::Status WaitFor(const std::string& what,
                     const std::function<bool()>& ready) {
  const absl::Time deadline = absl::Now() + kWaitTimeout;
  while (absl::Now() < deadline) {
    if (ready()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("timed out waiting for " + what);
}

absl::StatusOr<cv1::Tier> GetTier(sv1::Scoring::Stub* stub,
                                  const std::string& account) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(5));
  sv1::GetTierRequest request;
  request.set_account(account);
  sv1::AccountTier tier;
  grpc::Status s = stub->GetTier(&context, request, &tier);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return tier.tier();
}

// --- WAL growth: the bytes a service writes per call ------------------------

int64_t WalBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".log") {
      total += static_cast<int64_t>(it->file_size(ec));
    }
  }
  return total;
}

// --- Watchers ---------------------------------------------------------------

// An open WatchChanges stream that reads and drops what it is sent.
class Watcher : public grpc::ClientReadReactor<cv1::WatchChangesResponse> {
 public:
  Watcher(cv1::ChangeFeed::Stub* stub, uint64_t after, absl::Mutex* mu,
          int* open)
      : mu_(mu), open_(open) {
    request_.set_after_sequence(after);
    stub->async()->WatchChanges(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    events_ += response_.events_size();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override {
    absl::MutexLock lock(mu_);
    --*open_;
  }
  void Cancel() { context_.TryCancel(); }
  int64_t events() const { return events_; }

 private:
  grpc::ClientContext context_;
  cv1::WatchChangesRequest request_;
  cv1::WatchChangesResponse response_;
  absl::Mutex* mu_;
  int* open_;
  std::atomic<int64_t> events_{0};
};

absl::StatusOr<uint64_t> FeedHead(cv1::ChangeFeed::Stub* stub) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  cv1::WatchChangesRequest request;
  request.set_after_sequence(0);
  request.set_max_batch_size(1);
  auto reader = stub->WatchChanges(&context, request);
  cv1::WatchChangesResponse response;
  if (!reader->Read(&response)) {
    return absl::UnavailableError("WatchChanges ended before a response");
  }
  context.TryCancel();
  (void)reader->Finish();
  return response.head_sequence();
}

// --- The points -------------------------------------------------------------

struct Point {
  std::string rpc;
  int callers = 0;
  int watchers = -1;  // -1: not a watcher row
  int watcher_channels = 0;
  int64_t watcher_events = 0;  // received by all watchers together
  int keys = 0;
  int64_t batch_bytes = 0;
  std::vector<SliceResult> kam, base;  // one per round
  std::vector<double> ratios;

  SliceResult KamAll() const {
    SliceResult all;
    for (const auto& r : kam) {
      all.Merge(r);
      all.seconds += r.seconds;
    }
    return all;
  }
  SliceResult BaseAll() const {
    SliceResult all;
    for (const auto& r : base) {
      all.Merge(r);
      all.seconds += r.seconds;
    }
    return all;
  }
};

// How one RPC is written by kam and imitated by the baseline.
struct WriteRpc {
  std::string name;
  // Keys the service puts in the WriteBatch of one call, as counted in its
  // code at commit ac6c661 (the record, its indexes, the request-id record,
  // the change-feed event).
  int keys = 0;
  IssueFn issue;
  std::string data_dir;  // of the service, for the WAL growth
};

// Fills a baseline batch: `keys` keys of 24 bytes spread over the store's
// families, values sized so the batch is `bytes` long in the WAL.
std::function<void(int, int64_t, rocksdb::WriteBatch*)> BaselineBatches(
    kam::Store* store, const std::vector<std::string>& families,
    const std::string& tag, int keys, int64_t bytes) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (const auto& f : families) handles.push_back(store->Family(f));
  rocksdb::WriteBatch empty;
  for (int k = 0; k < keys; ++k) {
    empty.Put(handles[k % handles.size()], std::string(24, 'k'), "");
  }
  // The WAL adds a 7-byte record header to the batch's own bytes.
  const int64_t room = std::max<int64_t>(
      0, bytes - 7 - static_cast<int64_t>(empty.GetDataSize()));
  auto values = std::make_shared<std::vector<std::string>>();
  std::mt19937_64 rng(7);
  for (int k = 0; k < keys; ++k) {
    std::string v(room / keys + (k < room % keys ? 1 : 0), '\0');
    for (char& ch : v) ch = static_cast<char>('a' + rng() % 26);
    values->push_back(std::move(v));
  }
  return [handles, values, tag, keys](int t, int64_t seq,
                                      rocksdb::WriteBatch* batch) {
    for (int k = 0; k < keys; ++k) {
      batch->Put(handles[k % handles.size()],
                 absl::StrFormat("%-4.4s%04d%012d%04d", tag, t, seq, k),
                 (*values)[k]);
    }
  };
}

// Measures one RPC at each caller count, kam and baseline interleaved.
absl::StatusOr<std::vector<Point>> MeasureRpc(
    const WriteRpc& rpc, kam::Store* baseline,
    const std::vector<std::string>& families, const std::vector<int>& callers,
    int rounds, absl::Duration warmup, absl::Duration duration) {
  // Calibrate: the service's WAL growth per call at one caller.
  const int64_t wal_before = WalBytes(rpc.data_dir);
  SliceResult probe =
      RunCallers(1, rpc.issue, absl::ZeroDuration(), absl::Milliseconds(300));
  const int64_t wal_after = WalBytes(rpc.data_dir);
  if (probe.total_ok == 0) {
    return absl::InternalError(
        absl::StrCat(rpc.name, ": no call succeeded: ", probe.first_error));
  }
  int64_t per_call = (wal_after - wal_before) / probe.total_ok;
  if (per_call <= 0) per_call = 512;  // the WAL rolled over: a guess
  std::printf("%s: %lld WAL bytes per call (%lld calls), %d keys\n",
              rpc.name.c_str(), static_cast<long long>(per_call),
              static_cast<long long>(probe.total_ok), rpc.keys);
  std::fflush(stdout);
  auto batches = BaselineBatches(baseline, families, rpc.name.substr(0, 4),
                                 rpc.keys, per_call);
  std::vector<Point> points;
  for (int k : callers) {
    Point p;
    p.rpc = rpc.name;
    p.callers = k;
    p.keys = rpc.keys;
    p.batch_bytes = per_call;
    for (int r = 0; r < rounds; ++r) {
      auto run_kam = [&] {
        p.kam.push_back(RunCallers(k, rpc.issue, warmup, duration));
      };
      auto run_base = [&] {
        p.base.push_back(
            RunBaseline(baseline->db(), k, batches, warmup, duration));
      };
      // Alternate which side goes first, so neither always follows the
      // other's compactions.
      if (r % 2 == 0) {
        run_kam();
        run_base();
      } else {
        run_base();
        run_kam();
      }
      const double base_rate = p.base.back().rate();
      p.ratios.push_back(base_rate > 0 ? p.kam.back().rate() / base_rate : 0);
    }
    std::printf("  %s K=%d: kam %.0f/s, baseline %.0f/s, ratio %.3f\n",
                rpc.name.c_str(), k, p.KamAll().rate(), p.BaseAll().rate(),
                Median(p.ratios));
    std::fflush(stdout);
    points.push_back(std::move(p));
  }
  return points;
}

std::string RatioText(const std::vector<double>& r) {
  if (r.empty()) return "-";
  return absl::StrFormat("%.3f [%.2f-%.2f]", Median(r),
                         *std::min_element(r.begin(), r.end()),
                         *std::max_element(r.begin(), r.end()));
}

bool CheckPoint(const Point& p) {
  bool ok = true;
  for (const auto* side : {&p.kam, &p.base}) {
    for (const auto& r : *side) {
      if (r.failed > 0) {
        std::printf("%s K=%d: %lld failed calls; first error: %s\n",
                    p.rpc.c_str(), p.callers, static_cast<long long>(r.failed),
                    r.first_error.c_str());
        ok = false;
      }
    }
  }
  return ok;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "write_bench: %s\n", what.c_str());
  return 1;
}

absl::StatusOr<std::vector<int>> ParseInts(const std::string& text, int lo,
                                           int hi, const std::string& flag) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v) || v < lo || v > hi) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--%s: \"%s\" is not a number in %d-%d", flag, part, lo, hi));
    }
    out.push_back(v);
  }
  return out;
}

// --- Freshness --------------------------------------------------------------

struct Freshness {
  std::vector<double> ms;
  int timeouts = 0;
  int64_t background_ok = 0;
  int64_t background_failed = 0;
  double background_seconds = 0;
  std::string first_error;
};

// Flips target accounts across a tier line one at a time and times, for
// each, the RecordFinancialFact acknowledgement to GetTier showing the new
// tier, while a pacer sends `rate` facts/s to the other accounts.
Freshness MeasureFreshness(rv1::Registry::Stub* registry,
                           sv1::Scoring::Stub* scoring, int first_target,
                           int targets, int background_accounts, int rate,
                           absl::Duration duration) {
  Freshness out;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> bg_ok{0}, bg_failed{0};
  std::atomic<int> in_flight{0};
  absl::Mutex error_mu;
  std::string bg_error;
  const absl::Time bg_start = absl::Now();
  std::thread pacer([&] {
    // Open loop: calls start on schedule, at most 256 in flight.
    const absl::Duration gap = absl::Seconds(1) / std::max(rate, 1);
    absl::Time next = absl::Now();
    std::mt19937_64 rng(11);
    for (int64_t seq = 0; !stop.load(); ++seq) {
      const absl::Time now = absl::Now();
      if (now < next)
        absl::SleepFor(std::min(next - now, absl::Milliseconds(5)));
      if (absl::Now() < next) continue;
      next += gap;
      if (in_flight.load() >= 256) continue;  // overloaded: drop this tick
      ++in_flight;
      auto context = std::make_shared<grpc::ClientContext>();
      SetDeadline(context.get());
      rv1::RecordFinancialFactRequest request;
      request.set_parent(
          AccountName(static_cast<int>(rng() % background_accounts)));
      *request.mutable_fact() = Fact(true, 1 + seq);
      CallAsync<rv1::RecordFinancialFactRequest, rv1::FinancialFact>(
          context.get(), std::move(request),
          [registry](auto* c, auto* q, auto* r, auto cb) {
            registry->async()->RecordFinancialFact(c, q, r, std::move(cb));
          },
          [&, context](const grpc::Status& s) {
            if (s.ok()) {
              ++bg_ok;
            } else {
              ++bg_failed;
              absl::MutexLock lock(&error_mu);
              if (bg_error.empty()) bg_error = s.error_message();
            }
            --in_flight;
          });
    }
  });
  absl::SleepFor(absl::Seconds(1));  // let the background load settle
  // Targets were seeded high; each visit flips one.
  std::vector<bool> high(targets, true);
  const absl::Time end = absl::Now() + duration;
  for (int i = 0; absl::Now() < end && i < 100000; ++i) {
    const std::string account = AccountName(first_target + i % targets);
    auto before = GetTier(scoring, account);
    if (!before.ok()) {
      out.first_error = before.status().ToString();
      break;
    }
    const bool to_high = !high[i % targets];
    high[i % targets] = to_high;
    grpc::ClientContext context;
    SetDeadline(&context);
    rv1::RecordFinancialFactRequest request;
    request.set_parent(account);
    *request.mutable_fact() = Fact(to_high, i);
    rv1::FinancialFact fact;
    grpc::Status s = registry->RecordFinancialFact(&context, request, &fact);
    const absl::Time acked = absl::Now();
    if (!s.ok()) {
      out.first_error = "RecordFinancialFact: " + s.error_message();
      break;
    }
    bool seen = false;
    const absl::Time give_up = acked + absl::Seconds(10);
    while (absl::Now() < give_up) {
      auto tier = GetTier(scoring, account);
      if (tier.ok() && *tier != *before) {
        out.ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - acked));
        seen = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    if (!seen) ++out.timeouts;
  }
  stop = true;
  pacer.join();
  out.background_seconds = absl::ToDoubleSeconds(absl::Now() - bg_start);
  // Bounded wait for the last background calls.
  const absl::Time drain = absl::Now() + kCallTimeout;
  while (in_flight.load() > 0 && absl::Now() < drain) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  out.background_ok = bg_ok.load();
  out.background_failed = bg_failed.load();
  absl::MutexLock lock(&error_mu);
  if (out.first_error.empty() && !bg_error.empty()) {
    out.first_error = "background: " + bg_error;
  }
  return out;
}

// --- Output -----------------------------------------------------------------

void PrintPoints(const std::vector<Point>& points) {
  std::printf("\n%-20s %4s | %9s %8s %8s | %9s %8s %8s | %-20s\n", "rpc", "K",
              "kam w/s", "p50 ms", "p99 ms", "base w/s", "p50 ms", "p99 ms",
              "kam/base [min-max]");
  std::printf("%s\n", std::string(110, '-').c_str());
  for (const Point& p : points) {
    const SliceResult k = p.KamAll();
    const SliceResult b = p.BaseAll();
    std::printf("%-20s %4d | %9.0f %8.2f %8.2f | %9.0f %8.2f %8.2f | %-20s\n",
                p.rpc.c_str(), p.callers, k.rate(),
                Percentile(k.latency_ms, 0.5), Percentile(k.latency_ms, 0.99),
                b.rate(), Percentile(b.latency_ms, 0.5),
                Percentile(b.latency_ms, 0.99), RatioText(p.ratios).c_str());
  }
}

std::string JsonPoint(const Point& p) {
  const SliceResult k = p.KamAll();
  const SliceResult b = p.BaseAll();
  std::vector<std::string> ratios;
  for (double r : p.ratios) ratios.push_back(absl::StrFormat("%.4f", r));
  return absl::StrFormat(
      "{\"rpc\": \"%s\", \"callers\": %d, \"watchers\": %d, \"keys\": %d, "
      "\"batch_bytes\": %d, \"kam_writes_per_s\": %.1f, \"kam_p50_ms\": %.3f, "
      "\"kam_p99_ms\": %.3f, \"baseline_writes_per_s\": %.1f, "
      "\"baseline_p50_ms\": %.3f, \"baseline_p99_ms\": %.3f, "
      "\"ratio_median\": %.4f, \"ratios\": [%s], \"watcher_channels\": %d, "
      "\"watcher_events\": %d}",
      p.rpc, p.callers, p.watchers, p.keys, p.batch_bytes, k.rate(),
      Percentile(k.latency_ms, 0.5), Percentile(k.latency_ms, 0.99), b.rate(),
      Percentile(b.latency_ms, 0.5), Percentile(b.latency_ms, 0.99),
      p.ratios.empty() ? 0.0 : Median(p.ratios), absl::StrJoin(ratios, ", "),
      p.watcher_channels, p.watcher_events);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures single durable writes through kam's RPCs from 1-128 callers "
      "against raw RocksDB sync writes in the same run, CreateAccount with "
      "idle feed watchers, and registry-to-scoring tier freshness.\nUsage: "
      "write_bench [--callers=1,8,32,128] [--duration=2s] [--rounds=3] "
      "[--rpcs=...] [--watchers=0,1000] [--json=FILE]");
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  auto callers = ParseInts(quick ? "1,8" : absl::GetFlag(FLAGS_callers), 1, 512,
                           "callers");
  if (!callers.ok()) return Fail(callers.status().ToString());
  auto watchers = ParseInts(quick ? "0,10" : absl::GetFlag(FLAGS_watchers), 0,
                            20000, "watchers");
  if (!watchers.ok()) return Fail(watchers.status().ToString());
  const int rounds = quick ? 1 : absl::GetFlag(FLAGS_rounds);
  const absl::Duration duration =
      quick ? absl::Milliseconds(200) : absl::GetFlag(FLAGS_duration);
  const absl::Duration warmup =
      quick ? absl::Milliseconds(50) : absl::GetFlag(FLAGS_warmup);
  const absl::Duration freshness_duration =
      quick ? absl::Seconds(3) : absl::GetFlag(FLAGS_freshness_duration);
  const int background_rate =
      quick ? 100 : absl::GetFlag(FLAGS_background_rate);
  const int watcher_channels = absl::GetFlag(FLAGS_watcher_channels);
  const int watcher_callers = absl::GetFlag(FLAGS_watcher_callers);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  if (rounds < 1 || rounds > 50) return Fail("--rounds must be 1-50");
  if (duration <= absl::ZeroDuration() || duration > absl::Minutes(1) ||
      warmup < absl::ZeroDuration() || warmup > absl::Seconds(10)) {
    return Fail("--duration must be above 0 and at most 60 s, --warmup 0-10 s");
  }
  if (freshness_duration < absl::ZeroDuration() ||
      freshness_duration > absl::Minutes(5)) {
    return Fail("--freshness_duration must be 0-5 min");
  }
  if (background_rate < 1 || background_rate > 20000) {
    return Fail("--background_rate must be 1-20000");
  }
  if (watcher_channels < 1 || watcher_channels > 5000 || watcher_callers < 1 ||
      watcher_callers > 512) {
    return Fail("--watcher_channels must be 1-5000, --watcher_callers 1-512");
  }
  if (accounts < 100 || accounts > 100000) {
    return Fail("--accounts must be 100-100000");
  }
  std::vector<std::string> rpcs =
      absl::StrSplit(absl::GetFlag(FLAGS_rpcs), ',', absl::SkipEmpty());
  static const char* const kKnown[] = {"CreateAccount", "RecordFinancialFact",
                                       "CreateInteraction", "SetRating"};
  for (const auto& r : rpcs) {
    if (std::find(std::begin(kKnown), std::end(kKnown), r) ==
        std::end(kKnown)) {
      return Fail("--rpcs: unknown \"" + r + "\"");
    }
  }
  auto wanted = [&rpcs](const std::string& name) {
    return std::find(rpcs.begin(), rpcs.end(), name) != rpcs.end();
  };
  const std::string registry_binary = absl::GetFlag(FLAGS_registry_binary);
  const std::string engagement_binary = absl::GetFlag(FLAGS_engagement_binary);
  const std::string scoring_binary = absl::GetFlag(FLAGS_scoring_binary);
  for (const auto& binary :
       {registry_binary, engagement_binary, scoring_binary}) {
    if (binary.empty() || !std::filesystem::exists(binary)) {
      return Fail("no server binary at \"" + binary +
                  "\" (--registry_binary, --engagement_binary, "
                  "--scoring_binary)");
    }
  }

  const double load_start = LoadAverage();
  std::printf(
      "write_bench: callers %s, %d round(s) of %s (+%s warm-up) per side, "
      "%u hardware threads, load average %.2f\n",
      absl::StrJoin(*callers, ",").c_str(), rounds,
      absl::FormatDuration(duration).c_str(),
      absl::FormatDuration(warmup).c_str(), std::thread::hardware_concurrency(),
      load_start);
  std::fflush(stdout);

  TempDir dir;
  auto start = [&](const std::string& name, const std::string& binary,
                   std::vector<std::string> args)
      -> absl::StatusOr<std::unique_ptr<ServiceProcess>> {
    std::filesystem::create_directories(dir.Sub(name));
    ServiceProcess::Options options;
    options.binary = binary;
    options.data_dir = dir.Sub(name + "/data");
    options.run_dir = dir.Sub(name);
    options.extra_args = std::move(args);
    options.start_timeout = absl::Seconds(60);
    return ServiceProcess::Start(options);
  };

  // The baseline store: kam::Store's options, written through the raw
  // rocksdb::DB so kam's own write path (which the group-commit work
  // changes) is not part of it.
  const std::vector<std::string> families = {"records", "index", "requests",
                                             "outbox"};
  kam::Store::Options baseline_options;
  baseline_options.path = dir.Sub("baseline");
  baseline_options.column_families = families;
  auto baseline = kam::Store::Open(baseline_options);
  if (!baseline.ok()) return Fail(baseline.status().ToString());

  std::vector<Point> points;
  std::vector<Point> watcher_points;
  bool all_ok = true;
  std::atomic<int64_t> unique{0};  // request ids and account ids

  // --- Registry alone: CreateAccount, RecordFinancialFact, watchers ---
  const bool registry_phase = wanted("CreateAccount") ||
                              wanted("RecordFinancialFact") ||
                              !watchers->empty();
  if (registry_phase) {
    auto registry = start("registry-1", registry_binary, {});
    if (!registry.ok()) return Fail(registry.status().ToString());
    if (absl::Status s = SeedRegistry((*registry)->grpc_address(), accounts);
        !s.ok()) {
      return Fail(s.ToString());
    }
    std::vector<std::unique_ptr<rv1::Registry::Stub>> stubs;
    for (int c = 0; c < 4; ++c) {
      stubs.push_back(
          rv1::Registry::NewStub(Connect((*registry)->grpc_address(), c)));
    }
    const std::string data_dir = dir.Sub("registry-1/data");
    WriteRpc create{
        "CreateAccount", 3,
        [&](grpc::ClientContext* context, int caller, int64_t, Done done) {
          const int64_t n = unique++;
          rv1::CreateAccountRequest request;
          request.set_request_id(absl::StrCat("wb-", n));
          rv1::Account* a = request.mutable_account();
          a->set_account_id(absl::StrFormat("n%08d", n));
          a->set_display_name(absl::StrCat("Bench account ", n));
          a->set_lifecycle_status(rv1::PROSPECT);
          auto* stub = stubs[caller % stubs.size()].get();
          CallAsync<rv1::CreateAccountRequest, rv1::Account>(
              context, std::move(request),
              [stub](auto* c, auto* q, auto* r, auto cb) {
                stub->async()->CreateAccount(c, q, r, std::move(cb));
              },
              std::move(done));
        },
        data_dir};
    WriteRpc fact{
        "RecordFinancialFact", 2,
        [&](grpc::ClientContext* context, int caller, int64_t seq, Done done) {
          const int64_t n = unique++;
          rv1::RecordFinancialFactRequest request;
          request.set_parent(
              AccountName(static_cast<int>((caller * 7919 + seq) % accounts)));
          *request.mutable_fact() = Fact(true, 1 + n);
          auto* stub = stubs[caller % stubs.size()].get();
          CallAsync<rv1::RecordFinancialFactRequest, rv1::FinancialFact>(
              context, std::move(request),
              [stub](auto* c, auto* q, auto* r, auto cb) {
                stub->async()->RecordFinancialFact(c, q, r, std::move(cb));
              },
              std::move(done));
        },
        data_dir};
    for (const WriteRpc* rpc : {&create, &fact}) {
      if (!wanted(rpc->name)) continue;
      auto measured = MeasureRpc(*rpc, baseline->get(), families, *callers,
                                 rounds, warmup, duration);
      if (!measured.ok()) {
        return Fail(measured.status().ToString() + "\n" +
                    (*registry)->LogTail());
      }
      for (auto& p : *measured) {
        all_ok = CheckPoint(p) && all_ok;
        points.push_back(std::move(p));
      }
    }

    // CreateAccount with N watchers: kam only (the baseline has no feed).
    for (int n : *watchers) {
      std::vector<std::unique_ptr<cv1::ChangeFeed::Stub>> feeds;
      for (int c = 0; c < std::min(watcher_channels, std::max(n, 1)); ++c) {
        feeds.push_back(cv1::ChangeFeed::NewStub(
            Connect((*registry)->grpc_address(), 1000 + c)));
      }
      auto head = FeedHead(feeds[0].get());
      if (!head.ok()) return Fail(head.status().ToString());
      absl::Mutex mu;
      int open = n;
      std::vector<std::unique_ptr<Watcher>> streams;
      for (int i = 0; i < n; ++i) {
        streams.push_back(std::make_unique<Watcher>(
            feeds[i % feeds.size()].get(), *head, &mu, &open));
      }
      absl::SleepFor(absl::Seconds(1));  // let the streams open
      Point p;
      p.rpc = "CreateAccount";
      p.callers = watcher_callers;
      p.watchers = n;
      for (int r = 0; r < rounds; ++r) {
        p.kam.push_back(
            RunCallers(watcher_callers, create.issue, warmup, duration));
      }
      int64_t events = 0;
      for (const auto& w : streams) events += w->events();
      p.watcher_channels = static_cast<int>(feeds.size());
      p.watcher_events = events;
      {
        absl::MutexLock lock(&mu);
        if (open != n) {
          std::printf("watchers: %d of %d streams ended early\n", n - open, n);
          all_ok = false;
        }
      }
      for (const auto& w : streams) w->Cancel();
      {
        absl::MutexLock lock(&mu);
        auto closed = [&open]() { return open == 0; };
        if (!mu.AwaitWithTimeout(absl::Condition(&closed), absl::Seconds(30))) {
          return Fail("watch streams did not close after cancel");
        }
      }
      std::printf(
          "  CreateAccount K=%d with %d watchers over %zu channel(s): "
          "%.0f/s; the watchers received %lld events\n",
          watcher_callers, n, feeds.size(), p.KamAll().rate(),
          static_cast<long long>(events));
      std::fflush(stdout);
      all_ok = CheckPoint(p) && all_ok;
      watcher_points.push_back(std::move(p));
    }
    (*registry)->Kill();
  }

  // --- Registry + engagement + scoring: CreateInteraction, SetRating,
  // freshness ---
  Freshness freshness;
  const bool follower_phase = wanted("CreateInteraction") ||
                              wanted("SetRating") ||
                              freshness_duration > absl::ZeroDuration();
  constexpr int kTargets = 64;  // freshness accounts, after the others
  if (follower_phase) {
    auto registry = start("registry-2", registry_binary, {});
    if (!registry.ok()) return Fail(registry.status().ToString());
    if (absl::Status s =
            SeedRegistry((*registry)->grpc_address(), accounts + kTargets);
        !s.ok()) {
      return Fail(s.ToString());
    }
    const std::string registry_addr =
        "--registry_addr=" + (*registry)->grpc_address();
    // Scoring does not follow engagement here: the interactions would
    // otherwise rescore accounts while engagement is measured.
    auto scoring = start("scoring", scoring_binary,
                         {registry_addr, "--engagement_addr=127.0.0.1:1"});
    if (!scoring.ok()) return Fail(scoring.status().ToString());
    std::unique_ptr<ServiceProcess> engagement;
    if (wanted("CreateInteraction")) {
      auto started = start("engagement", engagement_binary, {registry_addr});
      if (!started.ok()) return Fail(started.status().ToString());
      engagement = *std::move(started);
    }
    auto scoring_stub =
        sv1::Scoring::NewStub(Connect((*scoring)->grpc_address(), -1));
    const int last = accounts + kTargets - 1;
    if (absl::Status s = WaitFor("scoring to score the seeded accounts",
                                 [&] {
                                   auto t = GetTier(scoring_stub.get(),
                                                    AccountName(last));
                                   return t.ok() && *t != cv1::TIER_UNSPECIFIED;
                                 });
        !s.ok()) {
      return Fail(s.ToString() + "\n" + (*scoring)->LogTail());
    }

    if (engagement) {
      auto stub =
          ev1::Engagement::NewStub(Connect(engagement->grpc_address(), -1));
      if (absl::Status s = WaitFor(
              "engagement to follow the registry",
              [&] {
                grpc::ClientContext context;
                SetDeadline(&context, absl::Seconds(5));
                ev1::GetCoverageRequest request;
                request.set_account(AccountName(last));
                ev1::Coverage coverage;
                return stub->GetCoverage(&context, request, &coverage).ok() &&
                       coverage.contacts_engaged_size() +
                               coverage.contacts_not_engaged_size() ==
                           kContactsPerAccount;
              });
          !s.ok()) {
        return Fail(s.ToString() + "\n" + engagement->LogTail());
      }
      std::vector<std::unique_ptr<ev1::Engagement::Stub>> stubs;
      for (int c = 0; c < 4; ++c) {
        stubs.push_back(
            ev1::Engagement::NewStub(Connect(engagement->grpc_address(), c)));
      }
      const absl::Time now = absl::Now();
      WriteRpc interaction{
          "CreateInteraction", 6,
          [&](grpc::ClientContext* context, int caller, int64_t seq,
              Done done) {
            const int64_t n = unique++;
            const int a = static_cast<int>((caller * 7919 + seq) % accounts);
            ev1::CreateInteractionRequest request;
            request.set_request_id(absl::StrCat("wb-", n));
            ev1::Interaction* i = request.mutable_interaction();
            i->set_account(AccountName(a));
            i->set_type(static_cast<ev1::InteractionType>(1 + n % 7));
            i->mutable_occurred_at()->set_seconds(
                absl::ToUnixSeconds(now - absl::Minutes(n % 100000)));
            i->add_participants(
                absl::StrCat(AccountName(a), "/contacts/",
                             ContactId(n % kContactsPerAccount)));
            i->add_internal_participants(
                absl::StrCat("kam", n % 40, "@supplier.example"));
            i->set_summary(
                "Quarterly business review: volumes up 8%, two escalations "
                "closed, pricing for 2027 to be proposed by procurement.");
            i->set_sentiment(static_cast<int>(n % 5) - 2);
            auto* stub = stubs[caller % stubs.size()].get();
            CallAsync<ev1::CreateInteractionRequest, ev1::Interaction>(
                context, std::move(request),
                [stub](auto* c, auto* q, auto* r, auto cb) {
                  stub->async()->CreateInteraction(c, q, r, std::move(cb));
                },
                std::move(done));
          },
          dir.Sub("engagement/data")};
      auto measured = MeasureRpc(interaction, baseline->get(), families,
                                 *callers, rounds, warmup, duration);
      if (!measured.ok()) {
        return Fail(measured.status().ToString() + "\n" +
                    engagement->LogTail());
      }
      for (auto& p : *measured) {
        all_ok = CheckPoint(p) && all_ok;
        points.push_back(std::move(p));
      }
      engagement->Kill();
    }

    if (wanted("SetRating")) {
      std::vector<std::unique_ptr<sv1::Scoring::Stub>> stubs;
      for (int c = 0; c < 4; ++c) {
        stubs.push_back(
            sv1::Scoring::NewStub(Connect((*scoring)->grpc_address(), c)));
      }
      WriteRpc rating{"SetRating", 3,
                      [&](grpc::ClientContext* context, int caller, int64_t seq,
                          Done done) {
                        const int64_t n = unique++;
                        sv1::SetRatingRequest request;
                        request.set_account(AccountName(static_cast<int>(
                            (caller * 7919 + seq) % accounts)));
                        request.set_criterion_id("strategic-fit");
                        request.set_value(static_cast<int>(1 + n % 10));
                        request.set_rater("kam@supplier.example");
                        request.set_note("Quarterly account review");
                        auto* stub = stubs[caller % stubs.size()].get();
                        CallAsync<sv1::SetRatingRequest, sv1::Rating>(
                            context, std::move(request),
                            [stub](auto* c, auto* q, auto* r, auto cb) {
                              stub->async()->SetRating(c, q, r, std::move(cb));
                            },
                            std::move(done));
                      },
                      dir.Sub("scoring/data")};
      auto measured = MeasureRpc(rating, baseline->get(), families, *callers,
                                 rounds, warmup, duration);
      if (!measured.ok()) {
        return Fail(measured.status().ToString() + "\n" +
                    (*scoring)->LogTail());
      }
      for (auto& p : *measured) {
        all_ok = CheckPoint(p) && all_ok;
        points.push_back(std::move(p));
      }
    }

    if (freshness_duration > absl::ZeroDuration()) {
      auto registry_stub =
          rv1::Registry::NewStub(Connect((*registry)->grpc_address(), 9));
      freshness = MeasureFreshness(registry_stub.get(), scoring_stub.get(),
                                   accounts, kTargets, accounts,
                                   background_rate, freshness_duration);
      if (!freshness.first_error.empty() || freshness.timeouts > 0 ||
          freshness.ms.empty() || freshness.background_failed > 0) {
        std::printf(
            "freshness: %zu samples, %d timeouts, %lld background "
            "failures; first error: %s\n",
            freshness.ms.size(), freshness.timeouts,
            static_cast<long long>(freshness.background_failed),
            freshness.first_error.c_str());
        all_ok = false;
      }
    }
    (*scoring)->Kill();
    (*registry)->Kill();
  }

  // --- Tables ---
  const double load_end = LoadAverage();
  if (!points.empty()) {
    std::printf(
        "\nWrites: K callers with one call in flight each (kam), K threads "
        "with one sync WriteBatch each (base); %d round(s) of %s, "
        "interleaved.",
        rounds, absl::FormatDuration(duration).c_str());
    PrintPoints(points);
    std::printf("baseline batches:");
    for (const Point& p : points) {
      if (p.callers == callers->front()) {
        std::printf(" %s %d keys %lld bytes;", p.rpc.c_str(), p.keys,
                    static_cast<long long>(p.batch_bytes));
      }
    }
    std::printf("\n");
  }
  if (!watcher_points.empty()) {
    std::printf(
        "\nCreateAccount at K=%d with N open WatchChanges streams on the "
        "registry (they send nothing;\nthey receive every event), %d "
        "round(s) of %s; kam only:\n%8s %8s | %9s %8s %8s | %14s\n",
        watcher_callers, rounds, absl::FormatDuration(duration).c_str(),
        "watchers", "channels", "kam w/s", "p50 ms", "p99 ms", "events recv'd");
    std::printf("%s\n", std::string(66, '-').c_str());
    for (const Point& p : watcher_points) {
      const SliceResult k = p.KamAll();
      std::printf("%8d %8d | %9.0f %8.2f %8.2f | %14lld\n", p.watchers,
                  p.watcher_channels, k.rate(), Percentile(k.latency_ms, 0.5),
                  Percentile(k.latency_ms, 0.99),
                  static_cast<long long>(p.watcher_events));
    }
  }
  if (!freshness.ms.empty()) {
    std::printf(
        "\nTier freshness, RecordFinancialFact acknowledged -> scoring "
        "GetTier shows the new tier\n  (GetTier polled every 1 ms), with "
        "%.0f background facts/s to other accounts (%lld sent, target "
        "%d/s):\n  samples %zu, p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
        "timeouts (10 s) %d\n",
        freshness.background_ok / std::max(freshness.background_seconds, 1e-9),
        static_cast<long long>(freshness.background_ok), background_rate,
        freshness.ms.size(), Percentile(freshness.ms, 0.5),
        Percentile(freshness.ms, 0.99),
        *std::max_element(freshness.ms.begin(), freshness.ms.end()),
        freshness.timeouts);
  }
  std::printf("\nload average: %.2f at the start, %.2f at the end\n",
              load_start, load_end);

  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) {
    std::vector<std::string> rows;
    for (const auto& p : points) rows.push_back(JsonPoint(p));
    std::vector<std::string> wrows;
    for (const auto& p : watcher_points) wrows.push_back(JsonPoint(p));
    std::ofstream out(json_path);
    out << absl::StrFormat(
        "{\n\"rounds\": %d, \"duration_s\": %.3f, \"load_start\": %.2f, "
        "\"load_end\": %.2f,\n\"writes\": [\n  %s\n],\n\"watchers\": [\n  "
        "%s\n],\n\"freshness\": {\"samples\": %d, \"p50_ms\": %.3f, "
        "\"p99_ms\": %.3f, \"timeouts\": %d, \"background_per_s\": %.1f}\n}\n",
        rounds, absl::ToDoubleSeconds(duration), load_start, load_end,
        absl::StrJoin(rows, ",\n  "), absl::StrJoin(wrows, ",\n  "),
        static_cast<int>(freshness.ms.size()), Percentile(freshness.ms, 0.5),
        Percentile(freshness.ms, 0.99), freshness.timeouts,
        freshness.background_ok / std::max(freshness.background_seconds, 1e-9));
    if (!out) return Fail("cannot write " + json_path);
  }
  return all_ok ? 0 : 1;
}
