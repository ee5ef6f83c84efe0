// soak_bench: does storage level off under a long stream of updates?
//
// It starts kam-registry with short retentions (--feed_max_events,
// --feed_retention, --request_id_retention, trimmed every
// --feed_trim_interval), and kam-engagement and kam-scoring following it,
// seeds --accounts accounts, then makes --updates updates spread evenly over
// them from --callers concurrent callers: nine in ten are UpdateAccount
// calls, the tenth creates a contact with its own request_id (so the request
// log fills and must expire too) and deletes it again. Every
// --sample_every updates it records the size of each service's data
// directory, and the registry feed's oldest kept and newest sequence.
//
// The verdict compares the largest size in the last third of the samples
// with the largest in the middle third: storage has levelled off when the
// last third is no more than --max_growth times the middle one. Without
// retention the registry's size grows with every update; with it, it rises
// until the retained window is full, then saws up and down as RocksDB
// compacts the trimmed ranges away.
//
// Usage:
//   build/tools/bench/soak_bench [--updates=1000000] [--accounts=1000]
//       [--callers=32] [--sample_every=50000] [--json=FILE]
//   build/tools/bench/soak_bench --quick        # a smoke run, ~20 s
//
// Loopback only: its own servers on 127.0.0.1 port 0, data in a temporary
// directory removed at the end. Every loop and wait is bounded. Exit code:
// 0 when every call succeeded and every data directory levelled off (a
// --quick run, too short for RocksDB to flush, is not judged).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
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

ABSL_FLAG(int64_t, updates, 1'000'000, "UpdateAccount calls in all.");
ABSL_FLAG(int, accounts, 1000, "Accounts the updates are spread over.");
ABSL_FLAG(int, callers, 32, "Concurrent callers, each one call in flight.");
ABSL_FLAG(int64_t, sample_every, 50'000,
          "Updates between two samples of the data-directory sizes.");
ABSL_FLAG(int64_t, feed_max_events, 100'000,
          "The registry feed's --feed_max_events.");
ABSL_FLAG(absl::Duration, feed_retention, absl::Minutes(5),
          "Every service's --feed_retention.");
ABSL_FLAG(absl::Duration, feed_trim_interval, absl::Seconds(2),
          "Every service's --feed_trim_interval.");
ABSL_FLAG(absl::Duration, request_id_retention, absl::Minutes(1),
          "The registry's --request_id_retention.");
ABSL_FLAG(bool, followers, true,
          "Also run kam-engagement and kam-scoring following the registry.");
ABSL_FLAG(double, max_growth, 1.25,
          "Levelled off: the last third's largest size is at most this times "
          "the middle third's.");
ABSL_FLAG(bool, quick, false,
          "A smoke run: 20,000 updates to 100 accounts, sampled every 2,000, "
          "feed kept to 2,000 events, request ids to 5 s.");
ABSL_FLAG(std::string, json, "", "Also write the samples as JSON here.");
ABSL_FLAG(std::string, registry_binary, KAM_REGISTRY_BINARY,
          "The kam-registry binary.");
ABSL_FLAG(std::string, engagement_binary, KAM_ENGAGEMENT_BINARY,
          "The kam-engagement binary.");
ABSL_FLAG(std::string, scoring_binary, KAM_SCORING_BINARY,
          "The kam-scoring binary.");

namespace {

namespace rv1 = ::kam::registry::v1;
using kam::test_support::ServiceProcess;
using kam::test_support::TempDir;

constexpr absl::Duration kCallTimeout = absl::Seconds(30);

std::string AccountId(int a) { return absl::StrFormat("soak%05d", a); }

// Bytes of every file under `dir` (SST, WAL, manifest, logs).
int64_t DirBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const auto size = it->file_size(size_error);
      if (!size_error) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

// The value of the first sample called `name` (with `feed` as its feed label
// when given) on a /metrics page, or -1.
double Metric(const std::string& metrics_address, const std::string& name,
              const std::string& feed = "") {
  absl::StatusOr<std::string> body =
      kam::test_support::HttpGet(metrics_address, "/metrics");
  if (!body.ok()) return -1;
  for (const auto& sample : kam::test_support::ParsePrometheusText(*body)) {
    if (sample.name != name) continue;
    if (!feed.empty() &&
        (sample.labels.count("feed") == 0 || sample.labels.at("feed") != feed)) {
      continue;
    }
    return sample.value;
  }
  return -1;
}

struct Sample {
  int64_t updates = 0;
  double seconds = 0;
  std::map<std::string, int64_t> bytes;  // service -> data-dir bytes
  double oldest = -1;                    // registry feed, oldest kept
  double load = 0;
};

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

// max(last third) / max(middle third) of one service's sizes.
double Growth(const std::vector<Sample>& samples, const std::string& service) {
  const size_t n = samples.size();
  if (n < 3) return 0;
  int64_t middle = 0;
  int64_t last = 0;
  for (size_t i = n / 3; i < 2 * n / 3; ++i) {
    middle = std::max(middle, samples[i].bytes.at(service));
  }
  for (size_t i = 2 * n / 3; i < n; ++i) {
    last = std::max(last, samples[i].bytes.at(service));
  }
  return middle == 0 ? 0 : static_cast<double>(last) / middle;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "soak_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Updates accounts in kam-registry for a long time with short retentions "
      "and reports each service's data-directory size over time.\n"
      "Usage: soak_bench [--updates=N] [--accounts=N] [--callers=N] "
      "[--json=FILE]");
  absl::ParseCommandLine(argc, argv);
  int64_t updates = absl::GetFlag(FLAGS_updates);
  int accounts = absl::GetFlag(FLAGS_accounts);
  int64_t sample_every = absl::GetFlag(FLAGS_sample_every);
  int64_t feed_max_events = absl::GetFlag(FLAGS_feed_max_events);
  absl::Duration request_id_retention =
      absl::GetFlag(FLAGS_request_id_retention);
  if (absl::GetFlag(FLAGS_quick)) {
    updates = 20'000;
    accounts = 100;
    sample_every = 2'000;
    feed_max_events = 2'000;
    request_id_retention = absl::Seconds(5);
  }
  const int callers = absl::GetFlag(FLAGS_callers);
  if (updates < 1 || accounts < 1 || callers < 1 || callers > 512 ||
      sample_every < 1) {
    return Fail(
        "--updates, --accounts and --sample_every must be at least 1, "
        "--callers between 1 and 512");
  }

  TempDir dir;
  const std::vector<std::string> retention = {
      absl::StrCat("--feed_retention=",
                   absl::FormatDuration(absl::GetFlag(FLAGS_feed_retention))),
      absl::StrCat("--feed_max_events=", feed_max_events),
      absl::StrCat("--feed_trim_interval=", absl::FormatDuration(absl::GetFlag(
                                                FLAGS_feed_trim_interval))),
      absl::StrCat("--request_id_retention=",
                   absl::FormatDuration(request_id_retention))};
  auto start = [&](const std::string& name, const std::string& binary,
                   std::vector<std::string> args)
      -> absl::StatusOr<std::unique_ptr<ServiceProcess>> {
    std::filesystem::create_directories(dir.Sub(name));
    ServiceProcess::Options options;
    options.binary = binary;
    options.data_dir = dir.Sub(name + "/data");
    options.run_dir = dir.Sub(name);
    options.extra_args = retention;
    options.extra_args.insert(options.extra_args.end(), args.begin(),
                              args.end());
    options.start_timeout = absl::Seconds(60);
    return ServiceProcess::Start(options);
  };
  auto registry = start("registry", absl::GetFlag(FLAGS_registry_binary), {});
  if (!registry.ok()) return Fail(registry.status().ToString());
  std::vector<std::string> services = {"registry"};
  std::unique_ptr<ServiceProcess> engagement;
  std::unique_ptr<ServiceProcess> scoring;
  if (absl::GetFlag(FLAGS_followers)) {
    auto e = start("engagement", absl::GetFlag(FLAGS_engagement_binary),
                   {"--registry_addr=" + (*registry)->grpc_address()});
    if (!e.ok()) return Fail(e.status().ToString());
    engagement = std::move(*e);
    auto s = start("scoring", absl::GetFlag(FLAGS_scoring_binary),
                   {"--registry_addr=" + (*registry)->grpc_address(),
                    "--engagement_addr=" + engagement->grpc_address()});
    if (!s.ok()) return Fail(s.status().ToString());
    scoring = std::move(*s);
    services.push_back("engagement");
    services.push_back("scoring");
  }
  std::printf(
      "soak_bench: %lld updates to %d accounts from %d callers; registry "
      "feed kept to %lld events, request ids for %s; %u cores, load %.2f\n",
      static_cast<long long>(updates), accounts, callers,
      static_cast<long long>(feed_max_events),
      absl::FormatDuration(request_id_retention).c_str(),
      std::thread::hardware_concurrency(), LoadAverage());
  std::fflush(stdout);

  auto channel = grpc::CreateChannel((*registry)->grpc_address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = rv1::Registry::NewStub(channel);
  for (int a = 0; a < accounts; ++a) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    rv1::CreateAccountRequest request;
    request.mutable_account()->set_account_id(AccountId(a));
    request.mutable_account()->set_display_name(
        absl::StrCat("Soak account ", a));
    rv1::Account created;
    grpc::Status status = stub->CreateAccount(&context, request, &created);
    if (!status.ok()) {
      return Fail(absl::StrCat("seeding ", AccountId(a), ": ",
                               status.error_message()));
    }
  }

  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  absl::Mutex error_mu;
  std::string first_error;
  const absl::Time begin = absl::Now();
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&] {
      for (int64_t n = next.fetch_add(1); n < updates; n = next.fetch_add(1)) {
        const int a = static_cast<int>(n % accounts);
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
        grpc::Status status;
        if (n % 10 == 9) {
          // Every tenth update: a contact created with a request id (the
          // request log keeps it for --request_id_retention) and deleted.
          rv1::CreateContactRequest create;
          create.set_parent("accounts/" + AccountId(a));
          create.mutable_contact()->set_contact_id(absl::StrCat("k", n));
          create.mutable_contact()->set_display_name(absl::StrCat("Soak ", n));
          create.mutable_contact()->add_roles(rv1::USER);
          create.mutable_contact()->set_level(rv1::OPERATIONAL);
          create.set_request_id(absl::StrCat("soak-", n));
          rv1::Contact contact;
          status = stub->CreateContact(&context, create, &contact);
          if (status.ok()) {
            grpc::ClientContext again;
            again.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
            rv1::DeleteContactRequest remove;
            remove.set_name(contact.name());
            rv1::DeleteContactResponse removed;
            status = stub->DeleteContact(&again, remove, &removed);
          }
        } else {
          rv1::UpdateAccountRequest request;
          request.mutable_account()->set_name("accounts/" + AccountId(a));
          request.mutable_account()->set_display_name(
              absl::StrCat("Soak account ", a, " v", n / accounts));
          request.mutable_account()->add_tags(absl::StrCat("round-", n % 7));
          request.mutable_update_mask()->add_paths("display_name");
          request.mutable_update_mask()->add_paths("tags");
          rv1::Account updated;
          status = stub->UpdateAccount(&context, request, &updated);
        }
        if (!status.ok()) {
          if (failed.fetch_add(1) == 0) {
            absl::MutexLock lock(&error_mu);
            first_error = status.error_message();
          }
        }
        done.fetch_add(1);
      }
    });
  }

  std::vector<Sample> samples;
  auto take = [&](int64_t at) {
    Sample sample;
    sample.updates = at;
    sample.seconds = absl::ToDoubleSeconds(absl::Now() - begin);
    for (const std::string& service : services) {
      sample.bytes[service] = DirBytes(dir.Sub(service + "/data"));
    }
    sample.oldest =
        Metric((*registry)->metrics_address(), "kam_feed_oldest_sequence");
    sample.load = LoadAverage();
    std::printf("  %9lld updates %7.1f s", static_cast<long long>(at),
                sample.seconds);
    for (const std::string& service : services) {
      std::printf("  %s %7.1f MiB", service.c_str(),
                  sample.bytes[service] / 1048576.0);
    }
    std::printf("  oldest kept %.0f  load %.1f\n", sample.oldest, sample.load);
    std::fflush(stdout);
    samples.push_back(std::move(sample));
  };
  take(0);
  int64_t next_sample = sample_every;
  // Bounded: every call has a deadline, so `done` reaches `updates`.
  while (done.load() < updates) {
    absl::SleepFor(absl::Milliseconds(20));
    if (done.load() >= next_sample) {
      take(done.load());
      next_sample += sample_every;
    }
  }
  for (auto& t : threads) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  // The followers catch up before the last sample.
  const absl::Time caught_up_by = absl::Now() + absl::Minutes(2);
  for (ServiceProcess* follower : {engagement.get(), scoring.get()}) {
    if (follower == nullptr) continue;
    while (absl::Now() < caught_up_by &&
           Metric(follower->metrics_address(), "kam_feed_consumer_lag_events",
                  "registry") != 0) {
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  take(updates);

  std::printf("soak_bench: %.0f updates/s over %.1f s, %lld failed\n",
              updates / seconds, seconds,
              static_cast<long long>(failed.load()));
  // A quick run ends before the first memtable flush: too short to judge.
  const bool judge = !absl::GetFlag(FLAGS_quick);
  bool level = true;
  for (const std::string& service : services) {
    const double growth = Growth(samples, service);
    const bool ok = !judge || growth <= absl::GetFlag(FLAGS_max_growth);
    level = level && ok;
    int64_t peak = 0;
    for (const Sample& s : samples) peak = std::max(peak, s.bytes.at(service));
    std::printf(
        "  %-10s peak %7.1f MiB, end %7.1f MiB, last third / middle third "
        "%.2f: %s\n",
        service.c_str(), peak / 1048576.0,
        samples.back().bytes.at(service) / 1048576.0, growth,
        !judge ? "(not judged: --quick)"
        : ok   ? "levelled off"
               : "STILL GROWING");
  }
  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) {
    std::vector<std::string> rows;
    for (const Sample& s : samples) {
      std::vector<std::string> sizes;
      for (const auto& [service, bytes] : s.bytes) {
        sizes.push_back(absl::StrFormat("\"%s\": %d", service, bytes));
      }
      rows.push_back(absl::StrFormat(
          "{\"updates\": %d, \"seconds\": %.2f, \"bytes\": {%s}, "
          "\"oldest\": %.0f, \"load\": %.2f}",
          s.updates, s.seconds, absl::StrJoin(sizes, ", "), s.oldest, s.load));
    }
    std::ofstream out(json_path);
    out << "{\"updates\": " << updates << ", \"accounts\": " << accounts
        << ", \"callers\": " << callers << ", \"seconds\": " << seconds
        << ", \"failed\": " << failed.load() << ", \"samples\": [\n  "
        << absl::StrJoin(rows, ",\n  ") << "\n]}\n";
  }
  if (failed.load() > 0) {
    absl::MutexLock lock(&error_mu);
    return Fail(absl::StrCat(failed.load(), " updates failed, the first: ",
                             first_error));
  }
  return level ? 0 : 1;
}
