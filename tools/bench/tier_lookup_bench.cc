// tier_lookup_bench: how close kam-scoring's tier lookups come to gRPC
// itself. GetTier, and BatchGetTiers with 100 and 1000 names per call, are
// served from memory (the TierTable) inline on gRPC's callback threads;
// this measures them under concurrent load against a baseline measured in
// the same run, on the same transport, with the same load generator:
//
//   echo       bench_echo_server: a bare callback-API grpc::Server whose
//              handler looks nothing up, with messages of the same shapes
//              and wire sizes (kam.bench.v1.Echo; sizes are printed).
//   echo+host  the same echo handler served through kam::ServiceHost and
//              kam::Serve (metrics interceptor, auth check, health,
//              reflection): what every kam call pays before its body. Not
//              the baseline; it splits kam - echo into "host" and "lookup".
//   kam        the real kam-scoring binary, its store seeded with
//              --accounts scored accounts.
//
// Processes: each server is its own child process (127.0.0.1 port 0, started
// through the integration-test harness), and the load generator is this
// process. So echo and kam are measured alike: client and server never
// share gRPC's thread pools or allocator, each server has the same process
// layout, and the load generator's own cost is the same for both.
//
// Load generator: K client threads, each with its own channel (its own TCP
// connection, made before the clock starts) and CompletionQueue, keeping M
// async unary calls in flight; each call names a random seeded account
// (fixed-seed RNG; requests built before the clock starts). Calls that
// complete inside a measurement window count, with their latency from start
// to completion as the client sees it. With --auth every call carries a
// tier-reader bearer token (the servers that check tokens are given it; the
// bare echo ignores it, so the bytes on the wire are the same).
//
// Interleaving: on a shared machine the load of others moves in seconds, so
// each row measures echo, echo+host and kam in turn, --rounds times, each
// slice --warmup then --duration/--rounds. Rates and latencies pool the
// slices; the ratio kam/echo is the median of the rounds' ratios (its
// min-max is printed too). Besides calls/s, the servers' CPU time per call
// (utime + stime from /proc/<pid>/stat over the measured windows) is
// reported: it is what a lookup costs, whatever the rest of the machine
// does, and echo's CPU/call over kam's is a second, steadier ratio.
//
// Seeding: facts of --accounts accounts (tools/bench/account_facts_seed.h)
// are written into a fresh scoring store, an in-process ScoreBook scores
// them all (a full rescoring run), and kam-scoring then starts on that data
// directory and loads the standings into memory. Its feed consumers point
// at a closed port (127.0.0.1:1): nothing else reaches the service.
//
// Usage:
//   build/tools/bench/tier_lookup_bench                 # the defaults below
//   build/tools/bench/tier_lookup_bench --clients=1,2,4,8 --outstanding=16
//
// Flags (defaults): --clients=1,2,4 (the K values), --outstanding=8 (M),
// --duration=5s (measured per server and row), --rounds=5, --warmup=250ms
// (per slice), --batch_sizes=100,1000, --batch_clients=2,
// --batch_outstanding=2, --accounts=100000, --auth=true, --host_echo=true
// (measure echo+host too), --call_timeout=5s, and the binaries
// (--scoring_binary, --echo_binary; the build fills them in).
//
// Bounded: every call has a deadline (--call_timeout), every wait a limit;
// with the defaults one run takes about 100 s. Loopback only. Temporary data
// is removed at the end; servers are SIGKILLed by the kernel if the
// benchmark dies (a directory left by a killed run is /tmp/kam-test-*).
// Exit code 0 only if every measured call succeeded with a full answer.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/store.h"
#include "grpcpp/grpcpp.h"
#include "kam/bench/v1/echo.grpc.pb.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "services/scoring/score_book.h"
#include "services/scoring/tier_lookup.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"
#include "tools/bench/account_facts_seed.h"

#ifndef KAM_SCORING_BINARY
#define KAM_SCORING_BINARY ""
#endif
#ifndef KAM_BENCH_ECHO_BINARY
#define KAM_BENCH_ECHO_BINARY ""
#endif

ABSL_FLAG(std::vector<std::string>, clients,
          std::vector<std::string>({"1", "2", "4"}),
          "The K values for GetTier: client threads, each with its own "
          "connection.");
ABSL_FLAG(int, outstanding, 8, "Calls each client keeps in flight (M).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5),
          "Measured time per server and row, split into --rounds slices.");
ABSL_FLAG(int, rounds, 5,
          "Slices per row; each slice measures echo, echo+host and kam in "
          "turn.");
ABSL_FLAG(absl::Duration, warmup, absl::Milliseconds(250),
          "Load before each slice's measurement (not counted).");
ABSL_FLAG(std::vector<std::string>, batch_sizes,
          std::vector<std::string>({"100", "1000"}),
          "Names per BatchGetTiers call (1-1000 each); empty to skip.");
ABSL_FLAG(int, batch_clients, 2, "Client threads for BatchGetTiers.");
ABSL_FLAG(int, batch_outstanding, 2,
          "Calls each client keeps in flight for BatchGetTiers.");
ABSL_FLAG(int, accounts, 100000, "Accounts seeded and scored.");
ABSL_FLAG(bool, auth, true,
          "Run kam-scoring (and echo+host) with a tokens file and send a "
          "tier-reader bearer token on every call, as in production.");
ABSL_FLAG(bool, host_echo, true,
          "Also measure the echo handler served through kam::ServiceHost.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5),
          "Deadline of each call; also bounds each wait.");
ABSL_FLAG(std::string, scoring_binary, KAM_SCORING_BINARY,
          "The kam-scoring binary.");
ABSL_FLAG(std::string, echo_binary, KAM_BENCH_ECHO_BINARY,
          "The bench_echo_server binary.");

namespace {

namespace bv1 = ::kam::bench::v1;
namespace sv1 = ::kam::scoring::v1;
using kam::test_support::ServiceProcess;
using kam::test_support::TempDir;
using SteadyClock = std::chrono::steady_clock;

constexpr char kToken[] = "bench-tier-reader-token";

// --- Seeding ----------------------------------------------------------------

// Facts of `accounts` accounts, scored by a full rescoring run, in a scoring
// store at `data_dir`, closed again for kam-scoring to open.
absl::Status SeedScoringStore(const std::string& data_dir, int accounts) {
  kam::Store::Options options;
  options.path = data_dir;
  options.column_families = kam::scoring::ScoreBook::ColumnFamilies();
  auto store = kam::Store::Open(options);
  if (!store.ok()) return store.status();
  if (absl::Status s = kam::bench::SeedAccountFacts(store->get(), accounts,
                                                    /*seed=*/42, absl::Now());
      !s.ok()) {
    return s;
  }
  kam::scoring::ScoreBook book(store->get(), kam::Clock::Real(), nullptr, {});
  if (absl::Status s = book.Load(); !s.ok()) return s;
  sv1::RescoringRun run;
  if (absl::Status s = book.StartRescoring({}, &run); !s.ok()) return s;
  auto ended = book.WaitForRun(run.name(), absl::Minutes(2));
  if (!ended.ok()) return ended.status();
  if (ended->state() != sv1::SUCCEEDED || ended->accounts_done() != accounts) {
    return absl::InternalError("seeding run did not score every account: " +
                               ended->ShortDebugString());
  }
  return absl::OkStatus();
}

// --- CPU accounting ---------------------------------------------------------

// User + system CPU seconds of process `pid` so far; 0 if unreadable.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields after its ')' are
  // plain: state is field 3, utime 14, stime 15.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// --- Load generator ---------------------------------------------------------

struct LoadResult {
  double seconds = 0;  // measured
  int64_t calls = 0;   // completed OK inside the windows
  int64_t failed = 0;  // completed with an error (or a short answer)
  std::string first_error;
  std::vector<int64_t> latency_ns;
  int64_t sampled_bytes = 0;  // response sizes of a sample of calls
  int64_t samples = 0;
  double server_cpu = 0;  // seconds, inside the windows
  double client_cpu = 0;

  double rate() const { return seconds > 0 ? calls / seconds : 0; }
  double PercentileMs(double p) const {
    if (latency_ns.empty()) return 0;
    std::vector<int64_t> sorted = latency_ns;
    const size_t index = std::min(
        sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
    std::nth_element(sorted.begin(), sorted.begin() + index, sorted.end());
    return sorted[index] / 1e6;
  }
  double mean_response_bytes() const {
    return samples > 0 ? static_cast<double>(sampled_bytes) / samples : 0;
  }
  double server_us_per_call() const {
    return calls > 0 ? server_cpu * 1e6 / calls : 0;
  }
  double client_us_per_call() const {
    return calls > 0 ? client_cpu * 1e6 / calls : 0;
  }
  void Add(const LoadResult& slice) {
    seconds += slice.seconds;
    calls += slice.calls;
    failed += slice.failed;
    if (first_error.empty()) first_error = slice.first_error;
    latency_ns.insert(latency_ns.end(), slice.latency_ns.begin(),
                      slice.latency_ns.end());
    sampled_bytes += slice.sampled_bytes;
    samples += slice.samples;
    server_cpu += slice.server_cpu;
    client_cpu += slice.client_cpu;
  }
};

std::shared_ptr<grpc::Channel> Connect(const std::string& address, int client) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  // One connection per client thread.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("kam.bench.client", client);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// One RPC shape: how to start it on a stub, and whether an answer is whole.
template <typename Service, typename Request, typename Response>
struct Rpc {
  using Stub = typename Service::Stub;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> (Stub::*prepare)(
      grpc::ClientContext*, const Request&, grpc::CompletionQueue*);
  std::function<bool(const Request&, const Response&)> complete;
};

// One slice: `clients` threads x `outstanding` calls of `rpc` against the
// server at `address` (process `pid`) for --warmup, then `window` measured;
// `requests[k]` are client k's requests, used in turn.
template <typename Service, typename Request, typename Response>
LoadResult RunSlice(const std::string& address, pid_t pid,
                    const Rpc<Service, Request, Response>& rpc, int clients,
                    int outstanding,
                    const std::vector<std::vector<Request>>& requests,
                    absl::Duration window) {
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  const absl::Duration call_timeout = absl::GetFlag(FLAGS_call_timeout);
  const bool auth = absl::GetFlag(FLAGS_auth);
  const std::string bearer = absl::StrCat("Bearer ", kToken);

  LoadResult total;
  absl::Mutex mu;
  std::atomic<int> ready{0};
  absl::Notification go;
  SteadyClock::time_point measure_start, measure_end;  // set before `go`

  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    const Request* request = nullptr;
    Response response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
    SteadyClock::time_point start;
  };

  auto client = [&](int k) {
    LoadResult mine;
    auto channel = Connect(address, k);
    const bool connected = channel->WaitForConnected(
        absl::ToChronoTime(absl::Now() + call_timeout));
    auto stub = Service::NewStub(channel);
    grpc::CompletionQueue cq;
    std::vector<Slot> slots(outstanding);
    size_t next_request = 0;
    int in_flight = 0;
    auto start = [&](Slot& slot) {
      slot.context = std::make_unique<grpc::ClientContext>();
      slot.context->set_deadline(
          absl::ToChronoTime(absl::Now() + call_timeout));
      if (auth) slot.context->AddMetadata("authorization", bearer);
      slot.request = &requests[k][next_request++ % requests[k].size()];
      slot.start = SteadyClock::now();
      slot.reader =
          ((*stub).*(rpc.prepare))(slot.context.get(), *slot.request, &cq);
      slot.reader->StartCall();
      slot.reader->Finish(&slot.response, &slot.status, &slot);
      ++in_flight;
    };
    ++ready;
    go.WaitForNotification();
    if (connected) {
      for (Slot& slot : slots) start(slot);
    } else {
      mine.failed = 1;
      mine.first_error = "could not connect to " + address;
    }
    void* tag = nullptr;
    bool ok = false;
    // Every call ends by its deadline, so this loop ends.
    while (in_flight > 0 && cq.Next(&tag, &ok)) {
      Slot& slot = *static_cast<Slot*>(tag);
      --in_flight;
      const SteadyClock::time_point now = SteadyClock::now();
      if (now >= measure_start && now < measure_end) {
        if (slot.status.ok() && rpc.complete(*slot.request, slot.response)) {
          ++mine.calls;
          mine.latency_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now -
                                                                   slot.start)
                  .count());
          if (mine.calls % 64 == 1) {
            mine.sampled_bytes +=
                static_cast<int64_t>(slot.response.ByteSizeLong());
            ++mine.samples;
          }
        } else {
          ++mine.failed;
          if (mine.first_error.empty()) {
            mine.first_error =
                slot.status.ok()
                    ? "incomplete answer"
                    : absl::StrCat("code ", slot.status.error_code(), ": ",
                                   slot.status.error_message());
          }
        }
      }
      if (now < measure_end) start(slot);
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    absl::MutexLock lock(&mu);
    total.Add(mine);
  };

  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k) threads.emplace_back(client, k);
  // Connections are made before the clock starts (bounded: WaitForConnected
  // has a deadline).
  while (ready.load() < clients) absl::SleepFor(absl::Milliseconds(1));
  measure_start = SteadyClock::now() + absl::ToChronoNanoseconds(warmup);
  measure_end = measure_start + absl::ToChronoNanoseconds(window);
  go.Notify();
  std::this_thread::sleep_until(measure_start);
  const double server_before = ProcessCpuSeconds(pid);
  const double client_before = SelfCpuSeconds();
  std::this_thread::sleep_until(measure_end);
  const double server_cpu = ProcessCpuSeconds(pid) - server_before;
  const double client_cpu = SelfCpuSeconds() - client_before;
  for (auto& thread : threads) thread.join();
  total.seconds = absl::ToDoubleSeconds(window);
  total.server_cpu = server_cpu;
  total.client_cpu = client_cpu;
  return total;
}

// Requests naming random seeded accounts: `per_client` requests for each of
// `clients` clients, from one fixed-seed RNG.
template <typename Request, typename Fill>
std::vector<std::vector<Request>> MakeRequests(int clients, int per_client,
                                               Fill fill) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<Request>> out(clients);
  for (auto& mine : out) {
    mine.resize(per_client);
    for (Request& request : mine) fill(rng, &request);
  }
  return out;
}

std::string RandomAccount(std::mt19937_64& rng, int accounts) {
  return absl::StrCat("accounts/", kam::bench::SeededAccountId(
                                       static_cast<int>(rng() % accounts)));
}

// One row: echo, echo+host (if running) and kam, interleaved over rounds.
struct Row {
  std::string what;  // "K=2", "x100"
  int names = 1;     // per call
  LoadResult echo, host, kam;
  std::vector<double> ratios;       // kam/echo per round
  std::vector<double> host_ratios;  // kam/echo+host per round
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2]
                      : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Runs a row: `echo_slice(window)`, `host_slice` (may be empty) and
// `kam_slice`, --rounds times in turn.
Row RunRow(std::string what, int names,
           const std::function<LoadResult(absl::Duration)>& echo_slice,
           const std::function<LoadResult(absl::Duration)>& host_slice,
           const std::function<LoadResult(absl::Duration)>& kam_slice) {
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const absl::Duration window = absl::GetFlag(FLAGS_duration) / rounds;
  Row row;
  row.what = std::move(what);
  row.names = names;
  for (int r = 0; r < rounds; ++r) {
    const LoadResult echo = echo_slice(window);
    LoadResult host;
    if (host_slice) host = host_slice(window);
    const LoadResult kam = kam_slice(window);
    if (echo.rate() > 0) row.ratios.push_back(kam.rate() / echo.rate());
    if (host.rate() > 0) row.host_ratios.push_back(kam.rate() / host.rate());
    row.echo.Add(echo);
    row.host.Add(host);
    row.kam.Add(kam);
  }
  return row;
}

// --- Reporting --------------------------------------------------------------

int Fail(const std::string& what) {
  std::fprintf(stderr, "tier_lookup_bench: %s\n", what.c_str());
  return 1;
}

bool Check(const LoadResult& r, const std::string& context) {
  if (r.failed == 0 && r.calls > 0) return true;
  std::printf("%s: %lld calls failed (of %lld); first error: %s\n",
              context.c_str(), static_cast<long long>(r.failed),
              static_cast<long long>(r.failed + r.calls),
              r.first_error.c_str());
  return false;
}

absl::StatusOr<std::vector<int>> ParseInts(const std::vector<std::string>& in,
                                           int lo, int hi,
                                           const std::string& flag) {
  std::vector<int> out;
  for (const std::string& s : in) {
    int v = 0;
    if (!absl::SimpleAtoi(s, &v) || v < lo || v > hi) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--%s: \"%s\" is not %d-%d", flag, s, lo, hi));
    }
    out.push_back(v);
  }
  return out;
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

void PrintTable(const std::string& title, const std::vector<Row>& rows,
                bool batch) {
  std::printf("\n%s\n", title.c_str());
  std::printf("%-6s %-9s | %9s %9s | %7s %7s | %10s %10s | %-20s | %8s\n",
              "row", "server", batch ? "tiers/s" : "calls/s",
              batch ? "calls/s" : "", "p50 ms", "p99 ms", "srv us/call",
              "cli us/call", "kam/x calls/s", "x/kam cpu");
  std::printf("%s\n", std::string(118, '-').c_str());
  for (const Row& row : rows) {
    auto line = [&](const char* name, const LoadResult& r,
                    const std::vector<double>* ratios) {
      if (r.calls == 0 && r.failed == 0) return;
      std::string ratio = "-";
      std::string cpu = "-";
      if (ratios != nullptr && !ratios->empty()) {
        ratio =
            absl::StrFormat("%.3f [%.2f-%.2f]", Median(*ratios),
                            *std::min_element(ratios->begin(), ratios->end()),
                            *std::max_element(ratios->begin(), ratios->end()));
        if (row.kam.server_us_per_call() > 0) {
          cpu = absl::StrFormat(
              "%.3f", r.server_us_per_call() / row.kam.server_us_per_call());
        }
      }
      std::printf(
          "%-6s %-9s | %9.0f %9s | %7.3f %7.3f | %10.1f %10.1f | %-20s | %8s\n",
          row.what.c_str(), name, r.rate() * row.names,
          batch ? absl::StrFormat("%.0f", r.rate()).c_str() : "",
          r.PercentileMs(0.5), r.PercentileMs(0.99), r.server_us_per_call(),
          r.client_us_per_call(), ratio.c_str(), cpu.c_str());
    };
    line("echo", row.echo, &row.ratios);
    line("echo+host", row.host, &row.host_ratios);
    line("kam", row.kam, nullptr);
  }
  if (!rows.empty()) {
    std::printf("response bytes (mean of samples):");
    for (const Row& row : rows) {
      std::printf(" %s echo %.1f, kam %.1f;", row.what.c_str(),
                  row.echo.mean_response_bytes(),
                  row.kam.mean_response_bytes());
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures kam-scoring GetTier and BatchGetTiers under concurrent load "
      "against a bare gRPC echo handler on the same transport.\nUsage: "
      "tier_lookup_bench [--clients=1,2,4] [--outstanding=8] [--duration=5s] "
      "[--rounds=5] [--batch_sizes=100,1000] [--accounts=100000]");
  absl::ParseCommandLine(argc, argv);
  auto ks = ParseInts(absl::GetFlag(FLAGS_clients), 1, 64, "clients");
  if (!ks.ok()) return Fail(ks.status().ToString());
  if (ks->empty()) return Fail("--clients: give at least one K");
  auto batch_sizes =
      ParseInts(absl::GetFlag(FLAGS_batch_sizes), 1,
                kam::scoring::TierLookups::kMaxBatch, "batch_sizes");
  if (!batch_sizes.ok()) return Fail(batch_sizes.status().ToString());
  const int outstanding = absl::GetFlag(FLAGS_outstanding);
  const int batch_clients = absl::GetFlag(FLAGS_batch_clients);
  const int batch_outstanding = absl::GetFlag(FLAGS_batch_outstanding);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (outstanding < 1 || outstanding > 1000 || batch_outstanding < 1 ||
      batch_outstanding > 1000) {
    return Fail("--outstanding and --batch_outstanding must be 1-1000");
  }
  if (batch_clients < 1 || batch_clients > 64) {
    return Fail("--batch_clients must be 1-64");
  }
  if (accounts < 1 || accounts > 10000000) {
    return Fail("--accounts must be 1-10000000");
  }
  if (rounds < 1 || rounds > 100) return Fail("--rounds must be 1-100");
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  if (duration <= absl::ZeroDuration() || duration > absl::Minutes(1) ||
      warmup < absl::ZeroDuration() || warmup > absl::Seconds(10)) {
    return Fail("--duration must be above 0 and at most 60 s, --warmup 0-10 s");
  }
  const std::string scoring_binary = absl::GetFlag(FLAGS_scoring_binary);
  const std::string echo_binary = absl::GetFlag(FLAGS_echo_binary);
  for (const auto& binary : {scoring_binary, echo_binary}) {
    if (binary.empty() || !std::filesystem::exists(binary)) {
      return Fail("no binary at \"" + binary +
                  "\" (--scoring_binary, --echo_binary)");
    }
  }
  const bool auth = absl::GetFlag(FLAGS_auth);
  const bool host_echo = absl::GetFlag(FLAGS_host_echo);

  std::printf(
      "tier lookups: %d scored accounts; %u hardware threads; load average "
      "%.2f; auth %s\n",
      accounts, std::thread::hardware_concurrency(), LoadAverage(),
      auth ? "on (tier-reader token on every call)" : "off");
  std::fflush(stdout);

  TempDir dir;
  const absl::Time seed_start = absl::Now();
  if (absl::Status s = SeedScoringStore(dir.Sub("scoring/data"), accounts);
      !s.ok()) {
    return Fail("seeding: " + s.ToString());
  }
  std::printf("seeded and scored %d accounts in %.2f s\n", accounts,
              absl::ToDoubleSeconds(absl::Now() - seed_start));

  std::vector<std::string> auth_args;
  if (auth) {
    const std::string tokens = dir.Sub("tokens");
    std::ofstream(tokens) << "tier-reader " << kToken << "\n";
    auth_args.push_back("--auth_tokens_file=" + tokens);
  }
  auto start_server = [&](const std::string& name, const std::string& binary,
                          std::vector<std::string> args)
      -> absl::StatusOr<std::unique_ptr<ServiceProcess>> {
    std::filesystem::create_directories(dir.Sub(name));
    ServiceProcess::Options options;
    options.binary = binary;
    options.data_dir = dir.Sub(name + "/data");
    options.run_dir = dir.Sub(name);
    options.extra_args = std::move(args);
    options.start_timeout = absl::Seconds(60);  // loads every standing
    return ServiceProcess::Start(options);
  };
  std::vector<std::string> scoring_args = {"--registry_addr=127.0.0.1:1",
                                           "--engagement_addr=127.0.0.1:1"};
  scoring_args.insert(scoring_args.end(), auth_args.begin(), auth_args.end());
  const absl::Time load_start = absl::Now();
  auto kam = start_server("scoring", scoring_binary, scoring_args);
  if (!kam.ok()) return Fail(kam.status().ToString());
  std::printf("kam-scoring loaded the standings and served in %.2f s\n",
              absl::ToDoubleSeconds(absl::Now() - load_start));
  auto echo = start_server("echo", echo_binary, {});
  if (!echo.ok()) return Fail(echo.status().ToString());
  std::unique_ptr<ServiceProcess> echo_host;
  if (host_echo) {
    std::vector<std::string> args = {"--kam_host"};
    args.insert(args.end(), auth_args.begin(), auth_args.end());
    auto started = start_server("echo-host", echo_binary, args);
    if (!started.ok()) return Fail(started.status().ToString());
    echo_host = *std::move(started);
  }
  std::fflush(stdout);
  bool all_ok = true;
  auto check_row = [&all_ok, host_echo](const Row& row) {
    all_ok = Check(row.echo, row.what + " echo") && all_ok;
    if (host_echo) all_ok = Check(row.host, row.what + " echo+host") && all_ok;
    all_ok = Check(row.kam, row.what + " kam") && all_ok;
    std::printf("%s: echo %.0f calls/s, kam %.0f calls/s\n", row.what.c_str(),
                row.echo.rate(), row.kam.rate());
    std::fflush(stdout);
  };

  // --- GetTier vs Echo ---
  const Rpc<sv1::Scoring, sv1::GetTierRequest, sv1::AccountTier> get_tier{
      &sv1::Scoring::Stub::PrepareAsyncGetTier,
      [](const sv1::GetTierRequest& q, const sv1::AccountTier& a) {
        return a.tier() != kam::common::v1::TIER_UNSPECIFIED &&
               a.account() == q.account();
      }};
  const Rpc<bv1::Echo, bv1::EchoRequest, bv1::EchoResponse> echo_rpc{
      &bv1::Echo::Stub::PrepareAsyncEcho,
      [](const bv1::EchoRequest& q, const bv1::EchoResponse& a) {
        return a.account() == q.account();
      }};
  const int max_k = *std::max_element(ks->begin(), ks->end());
  constexpr int kRequestsPerClient = 4096;
  // The same accounts in the same order for kam and echo.
  const auto tier_requests = MakeRequests<sv1::GetTierRequest>(
      max_k, kRequestsPerClient,
      [&](std::mt19937_64& rng, sv1::GetTierRequest* r) {
        r->set_account(RandomAccount(rng, accounts));
      });
  const auto echo_requests = MakeRequests<bv1::EchoRequest>(
      max_k, kRequestsPerClient,
      [&](std::mt19937_64& rng, bv1::EchoRequest* r) {
        r->set_account(RandomAccount(rng, accounts));
      });

  std::vector<Row> unary_rows;
  for (int k : *ks) {
    std::function<LoadResult(absl::Duration)> host_slice;
    if (echo_host) {
      host_slice = [&, k](absl::Duration window) {
        return RunSlice(echo_host->grpc_address(), echo_host->pid(), echo_rpc,
                        k, outstanding, echo_requests, window);
      };
    }
    unary_rows.push_back(RunRow(
        absl::StrCat("K=", k), 1,
        [&, k](absl::Duration window) {
          return RunSlice((*echo)->grpc_address(), (*echo)->pid(), echo_rpc, k,
                          outstanding, echo_requests, window);
        },
        host_slice,
        [&, k](absl::Duration window) {
          return RunSlice((*kam)->grpc_address(), (*kam)->pid(), get_tier, k,
                          outstanding, tier_requests, window);
        }));
    check_row(unary_rows.back());
  }

  // --- BatchGetTiers vs EchoBatch ---
  const Rpc<sv1::Scoring, sv1::BatchGetTiersRequest, sv1::BatchGetTiersResponse>
      batch_rpc{&sv1::Scoring::Stub::PrepareAsyncBatchGetTiers,
                [](const sv1::BatchGetTiersRequest& q,
                   const sv1::BatchGetTiersResponse& a) {
                  if (a.tiers_size() != q.accounts_size()) return false;
                  for (const auto& t : a.tiers()) {
                    if (!t.found()) return false;
                  }
                  return true;
                }};
  const Rpc<bv1::Echo, bv1::EchoBatchRequest, bv1::EchoBatchResponse>
      echo_batch_rpc{
          &bv1::Echo::Stub::PrepareAsyncEchoBatch,
          [](const bv1::EchoBatchRequest& q, const bv1::EchoBatchResponse& a) {
            return a.tiers_size() == q.accounts_size();
          }};
  std::vector<Row> batch_rows;
  for (int size : *batch_sizes) {
    // Enough distinct requests that no pattern repeats often; few enough to
    // build quickly.
    const int per_client = std::max(4, 65536 / size);
    const auto kam_batches = MakeRequests<sv1::BatchGetTiersRequest>(
        batch_clients, per_client,
        [&](std::mt19937_64& rng, sv1::BatchGetTiersRequest* r) {
          for (int i = 0; i < size; ++i) {
            r->add_accounts(RandomAccount(rng, accounts));
          }
        });
    const auto echo_batches = MakeRequests<bv1::EchoBatchRequest>(
        batch_clients, per_client,
        [&](std::mt19937_64& rng, bv1::EchoBatchRequest* r) {
          for (int i = 0; i < size; ++i) {
            r->add_accounts(RandomAccount(rng, accounts));
          }
        });
    std::function<LoadResult(absl::Duration)> host_slice;
    if (echo_host) {
      host_slice = [&](absl::Duration window) {
        return RunSlice(echo_host->grpc_address(), echo_host->pid(),
                        echo_batch_rpc, batch_clients, batch_outstanding,
                        echo_batches, window);
      };
    }
    batch_rows.push_back(RunRow(
        absl::StrCat("x", size), size,
        [&](absl::Duration window) {
          return RunSlice((*echo)->grpc_address(), (*echo)->pid(),
                          echo_batch_rpc, batch_clients, batch_outstanding,
                          echo_batches, window);
        },
        host_slice,
        [&](absl::Duration window) {
          return RunSlice((*kam)->grpc_address(), (*kam)->pid(), batch_rpc,
                          batch_clients, batch_outstanding, kam_batches,
                          window);
        }));
    check_row(batch_rows.back());
  }

  // --- Tables ---
  const std::string slices = absl::StrFormat(
      "%d rounds of %s (after %s warm-up each) per server, interleaved", rounds,
      absl::FormatDuration(duration / rounds), absl::FormatDuration(warmup));
  PrintTable(absl::StrFormat("GetTier: K client threads x %d calls in flight; "
                             "%s",
                             outstanding, slices),
             unary_rows, /*batch=*/false);
  if (!batch_rows.empty()) {
    PrintTable(absl::StrFormat("BatchGetTiers (xN names per call): %d client "
                               "threads x %d calls in flight; %s",
                               batch_clients, batch_outstanding, slices),
               batch_rows, /*batch=*/true);
  }
  std::printf(
      "\necho: bare callback-API grpc::Server, no lookup, same message shapes "
      "and sizes.\necho+host: the echo body through kam::ServiceHost + "
      "kam::Serve (metrics interceptor, auth).\nkam: kam-scoring (TierTable "
      "lookups). kam/x calls/s: median of the rounds' ratios "
      "[min-max];\nx/kam cpu: x's server CPU per call over kam's (1.0 = "
      "as cheap as kam; the target\nis kam/echo >= 0.8). Load average at "
      "the end: %.2f\n",
      LoadAverage());
  if (echo_host) echo_host->Kill();
  (*echo)->Kill();
  (*kam)->Kill();
  return all_ok ? 0 : 1;
}
