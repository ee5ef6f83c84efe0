// engagement_ingest_bench: how fast kam-engagement ingests interactions end
// to end — BatchCreateInteractions over loopback gRPC, each item validated
// against engagement's projection of the registry, made idempotent by its
// request_id, and durably written before the response — against a baseline
// measured in the same run: raw RocksDB WriteBatch writes of the same
// serialized interaction records, the same count and batch size, also with a
// WAL fsync per batch. Both run with K = 1, 2, 4, ... concurrent clients
// (client threads with their own connection; writer threads for the
// baseline) and are reported as interactions/s and the ratio kam/baseline.
//
// Usage:
//   build/tools/bench/engagement_ingest_bench --interactions=100000
//
// Loopback only. It starts its own kam-registry and kam-engagement (127.0.0.1
// port 0, data in a temporary directory), seeds the registry with
// --accounts x --contacts_per_account, and removes everything when done. The
// servers are SIGKILLed by the kernel if the benchmark dies; a temporary
// directory left by a killed run is /tmp/kam-test-*.
// Every wait and call is bounded; exit code 0 only if every interaction was
// accepted in every run.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
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
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
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

ABSL_FLAG(int, interactions, 200000, "Interactions to write in each run.");
ABSL_FLAG(int, batch, 1000,
          "Interactions per BatchCreateInteractions call and per RocksDB "
          "WriteBatch (1-5000).");
ABSL_FLAG(int, clients, 4,
          "Most concurrent clients: runs K = 1, 2, 4, ... up to this.");
ABSL_FLAG(int, accounts, 1000, "Accounts seeded in the registry.");
ABSL_FLAG(int, contacts_per_account, 5, "Contacts seeded per account.");
ABSL_FLAG(std::string, registry_binary, KAM_REGISTRY_BINARY,
          "The kam-registry binary.");
ABSL_FLAG(std::string, engagement_binary, KAM_ENGAGEMENT_BINARY,
          "The kam-engagement binary.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(120),
          "Deadline of each gRPC call, and bound of each wait.");

namespace {

namespace ev1 = ::kam::engagement::v1;
namespace rv1 = ::kam::registry::v1;
using kam::test_support::ServiceProcess;
using kam::test_support::TempDir;

// --- The workload -----------------------------------------------------------

std::string AccountId(int a) { return absl::StrFormat("a%05d", a); }
std::string ContactId(int c) { return absl::StrFormat("c%02d", c); }

// The same interactions for both sides: as gRPC batches for kam, and as the
// (key, serialized record) pairs a store would write for the baseline.
struct Workload {
  std::vector<ev1::BatchCreateInteractionsRequest> batches;
  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  size_t record_bytes = 0;
  int interactions = 0;
};

// Big-endian, inverted: newer sorts first, as a timeline key would.
std::string InvertedTimeKey(absl::Time t) {
  uint64_t v = ~static_cast<uint64_t>(absl::ToUnixMicros(t));
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

google::protobuf::Timestamp Proto(absl::Time t) {
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(t));
  return out;
}

Workload MakeWorkload(int interactions, int batch_size, int accounts,
                      int contacts_per_account, absl::Time now) {
  static const char* const kSummaries[] = {
      "Quarterly business review: volumes up 8%, two escalations closed, "
      "pricing for 2027 to be proposed by procurement.",
      "Site visit with the plant manager; walked the new line, agreed a pilot "
      "of the service contract for three months.",
      "Call about the delayed delivery; root cause found at the carrier, "
      "credit note agreed.",
      "Workshop on the joint roadmap: integration of ordering into their ERP, "
      "first milestone in Q3.",
      "E-mail thread on the framework agreement renewal, legal comments "
      "received and answered."};
  std::mt19937_64 rng(42);
  Workload w;
  w.interactions = interactions;
  const int64_t year_seconds = 365 * 24 * 3600;
  for (int start = 0; start < interactions; start += batch_size) {
    const int end = std::min(interactions, start + batch_size);
    ev1::BatchCreateInteractionsRequest& request = w.batches.emplace_back();
    auto& records = w.records.emplace_back();
    for (int i = start; i < end; ++i) {
      const int account = static_cast<int>(rng() % accounts);
      ev1::CreateInteractionRequest* item = request.add_requests();
      item->set_request_id(absl::StrCat("bench-", i));
      ev1::Interaction* interaction = item->mutable_interaction();
      interaction->set_account("accounts/" + AccountId(account));
      interaction->set_type(static_cast<ev1::InteractionType>(1 + i % 7));
      const absl::Time when =
          now - absl::Seconds(static_cast<int64_t>(rng() % year_seconds));
      *interaction->mutable_occurred_at() = Proto(when);
      if (contacts_per_account > 0) {
        const int first = static_cast<int>(rng() % contacts_per_account);
        interaction->add_participants(absl::StrCat(
            "accounts/", AccountId(account), "/contacts/", ContactId(first)));
        if (contacts_per_account > 1 && rng() % 2 == 0) {
          const int second = (first + 1) % contacts_per_account;
          interaction->add_participants(
              absl::StrCat("accounts/", AccountId(account), "/contacts/",
                           ContactId(second)));
        }
      }
      interaction->add_internal_participants(
          absl::StrCat("kam", i % 40, "@supplier.example"));
      interaction->set_summary(kSummaries[i % 5]);
      interaction->set_sentiment(static_cast<int>(rng() % 5) - 2);

      // The record as stored: output fields filled in.
      ev1::Interaction stored = *interaction;
      const std::string id = absl::StrFormat("%020d", i);
      stored.set_interaction_id(id);
      stored.set_name(absl::StrCat(stored.account(), "/interactions/", id));
      stored.set_channel(i % 7 == 0 ? ev1::IN_PERSON : ev1::REMOTE);
      *stored.mutable_create_time() = Proto(now);
      *stored.mutable_update_time() = Proto(now);
      stored.set_etag(absl::StrFormat("%016x", rng()));
      std::string value = stored.SerializeAsString();
      w.record_bytes += value.size();
      records.emplace_back(
          absl::StrCat(AccountId(account), "/", InvertedTimeKey(when), "/", id),
          std::move(value));
    }
  }
  return w;
}

// --- Measurement
// --------------------------------------------------------------

struct RunResult {
  double seconds = 0;
  int accepted = 0;
  int failed_items = 0;
  int failed_calls = 0;
  std::string first_error;
  std::vector<double> batch_ms;  // per call, kam only

  double rate(int interactions) const {
    return seconds > 0 ? interactions / seconds : 0;
  }
  double Percentile(double p) const {
    if (batch_ms.empty()) return 0;
    std::vector<double> sorted = batch_ms;
    std::sort(sorted.begin(), sorted.end());
    const size_t index = std::min(
        sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
    return sorted[index];
  }
};

// Runs `work(batch_index, result)` for every batch on `clients` threads that
// take batches from a shared counter, and times the whole.
template <typename Work>
RunResult RunConcurrently(int batches, int clients, Work work) {
  RunResult total;
  absl::Mutex mu;
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      RunResult mine;
      for (int b = next++; b < batches; b = next++) work(k, b, &mine);
      absl::MutexLock lock(&mu);
      total.accepted += mine.accepted;
      total.failed_items += mine.failed_items;
      total.failed_calls += mine.failed_calls;
      if (total.first_error.empty()) total.first_error = mine.first_error;
      total.batch_ms.insert(total.batch_ms.end(), mine.batch_ms.begin(),
                            mine.batch_ms.end());
    });
  }
  for (auto& thread : threads) thread.join();
  total.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return total;
}

// (a) The baseline: the same records straight into a fresh RocksDB, one
// WriteBatch per batch, WAL fsynced per batch, `clients` writer threads.
absl::StatusOr<RunResult> RunRocksDb(const Workload& w, int clients,
                                     const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kNoCompression;  // as kam's store
  options.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return absl::InternalError("rocksdb open: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  RunResult result = RunConcurrently(
      static_cast<int>(w.records.size()), clients,
      [&](int, int b, RunResult* mine) {
        const absl::Time start = absl::Now();
        rocksdb::WriteBatch batch;
        for (const auto& [key, value] : w.records[b]) batch.Put(key, value);
        rocksdb::Status written = db->Write(write_options, &batch);
        mine->batch_ms.push_back(
            absl::ToDoubleMilliseconds(absl::Now() - start));
        if (written.ok()) {
          mine->accepted += static_cast<int>(w.records[b].size());
        } else {
          ++mine->failed_calls;
          if (mine->first_error.empty()) mine->first_error = written.ToString();
        }
      });
  s = db->Close();
  if (!s.ok()) return absl::InternalError("rocksdb close: " + s.ToString());
  return result;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address, int client) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // One connection per client, like separate sync workers.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("kam.bench.client", client);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_call_timeout)));
}

// Seeds accounts (ACTIVE customers) and their contacts, at most 5000 items
// per ImportRecords call, accounts first.
absl::Status SeedRegistry(const std::string& address, int accounts,
                          int contacts_per_account) {
  auto stub = rv1::Registry::NewStub(Connect(address, -1));
  std::vector<rv1::ImportRecordsRequest> requests(1);
  auto room = [&] {
    const auto& r = requests.back();
    if (r.accounts_size() + r.contacts_size() >= 5000) requests.emplace_back();
    return &requests.back();
  };
  for (int a = 0; a < accounts; ++a) {
    rv1::Account* account = room()->add_accounts();
    account->set_account_id(AccountId(a));
    account->set_display_name(absl::StrCat("Account ", a));
    account->set_lifecycle_status(rv1::ACTIVE);
  }
  static const rv1::BuyingRole kRoles[] = {rv1::BUYER, rv1::USER, rv1::DECIDER,
                                           rv1::INFLUENCER, rv1::AMBASSADOR};
  static const rv1::OrgLevel kLevels[] = {rv1::OPERATIONAL, rv1::MANAGEMENT,
                                          rv1::EXECUTIVE};
  for (int a = 0; a < accounts; ++a) {
    for (int c = 0; c < contacts_per_account; ++c) {
      rv1::ImportContact* item = room()->add_contacts();
      item->set_parent("accounts/" + AccountId(a));
      rv1::Contact* contact = item->mutable_contact();
      contact->set_contact_id(ContactId(c));
      contact->set_display_name(absl::StrCat("Contact ", a, "-", c));
      contact->add_roles(kRoles[c % 5]);
      contact->set_level(kLevels[c % 3]);
    }
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_request_id(absl::StrCat("bench-seed-", i));
    grpc::ClientContext context;
    SetDeadline(&context);
    rv1::ImportRecordsResponse response;
    grpc::Status status = stub->ImportRecords(&context, requests[i], &response);
    if (!status.ok()) {
      return absl::InternalError(
          absl::StrCat("ImportRecords: ", status.error_message()));
    }
    if (response.failed() > 0) {
      return absl::InternalError(
          absl::StrCat("ImportRecords: ", response.failed(), " items failed"));
    }
  }
  return absl::OkStatus();
}

// Waits until engagement's projection has the last seeded account with all
// its contacts (the registry feed is delivered in commit order).
absl::Status WaitForProjection(const std::string& address, int accounts,
                               int contacts_per_account) {
  auto stub = ev1::Engagement::NewStub(Connect(address, -1));
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_call_timeout);
  std::string last;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    ev1::GetCoverageRequest request;
    request.set_account("accounts/" + AccountId(accounts - 1));
    ev1::Coverage coverage;
    grpc::Status status = stub->GetCoverage(&context, request, &coverage);
    if (status.ok() && coverage.contacts_engaged_size() +
                               coverage.contacts_not_engaged_size() ==
                           contacts_per_account) {
      return absl::OkStatus();
    }
    last = status.ok() ? coverage.ShortDebugString() : status.error_message();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      "engagement did not receive the seeded accounts; last: " + last);
}

// (b) kam-engagement end to end: `clients` threads, each with its own
// connection, sending the batches.
RunResult RunKam(const Workload& w, int clients, const std::string& address) {
  std::vector<std::unique_ptr<ev1::Engagement::Stub>> stubs;
  for (int k = 0; k < clients; ++k) {
    stubs.push_back(ev1::Engagement::NewStub(Connect(address, k)));
  }
  // Connect before the clock starts.
  for (int k = 0; k < clients; ++k) {
    grpc::ClientContext context;
    SetDeadline(&context);
    ev1::ListCadencePoliciesResponse response;
    grpc::Status warm = stubs[k]->ListCadencePolicies(&context, {}, &response);
    (void)warm;  // a failure shows in the run itself
  }
  return RunConcurrently(
      static_cast<int>(w.batches.size()), clients,
      [&](int k, int b, RunResult* mine) {
        grpc::ClientContext context;
        SetDeadline(&context);
        ev1::BatchCreateInteractionsResponse response;
        const absl::Time start = absl::Now();
        grpc::Status status = stubs[k]->BatchCreateInteractions(
            &context, w.batches[b], &response);
        mine->batch_ms.push_back(
            absl::ToDoubleMilliseconds(absl::Now() - start));
        if (!status.ok()) {
          ++mine->failed_calls;
          if (mine->first_error.empty()) {
            mine->first_error =
                absl::StrCat("BatchCreateInteractions: code ",
                             status.error_code(), ": ", status.error_message());
          }
          return;
        }
        mine->accepted += response.created();
        mine->failed_items += response.failed();
        if (response.failed() > 0 && mine->first_error.empty()) {
          for (const auto& result : response.results()) {
            if (result.code() != 0) {
              mine->first_error = absl::StrCat("item: code ", result.code(),
                                               ": ", result.message());
              break;
            }
          }
        }
      });
}

std::optional<double> IngestedCounter(const std::string& metrics_address) {
  absl::StatusOr<std::string> body =
      kam::test_support::HttpGet(metrics_address, "/metrics");
  if (!body.ok()) return std::nullopt;
  const auto samples = kam::test_support::ParsePrometheusText(*body);
  auto created = kam::test_support::FindMetric(
      samples, "kam_engagement_interactions_ingested_total",
      {{"outcome", "created"}});
  if (created) return created;
  return kam::test_support::FindMetric(
      samples, "kam_engagement_interactions_ingested_total", {});
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "engagement_ingest_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures kam-engagement BatchCreateInteractions throughput against raw "
      "RocksDB WriteBatch writes of the same records, for 1, 2, 4, ... "
      "clients.\nUsage: engagement_ingest_bench [--interactions=200000] "
      "[--batch=1000] [--clients=4]");
  absl::ParseCommandLine(argc, argv);
  const int interactions = absl::GetFlag(FLAGS_interactions);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int max_clients = absl::GetFlag(FLAGS_clients);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  const int contacts = absl::GetFlag(FLAGS_contacts_per_account);
  if (interactions < 1) return Fail("--interactions must be at least 1");
  if (batch < 1 || batch > 5000) return Fail("--batch must be 1-5000");
  if (max_clients < 1 || max_clients > 64)
    return Fail("--clients must be 1-64");
  if (accounts < 1 || contacts < 0 || contacts > 50) {
    return Fail("--accounts must be at least 1, --contacts_per_account 0-50");
  }
  const std::string registry_binary = absl::GetFlag(FLAGS_registry_binary);
  const std::string engagement_binary = absl::GetFlag(FLAGS_engagement_binary);
  for (const auto& binary : {registry_binary, engagement_binary}) {
    if (binary.empty() || !std::filesystem::exists(binary)) {
      return Fail("no server binary at \"" + binary +
                  "\" (--registry_binary, --engagement_binary)");
    }
  }
  std::vector<int> ks;
  for (int k = 1; k < max_clients; k *= 2) ks.push_back(k);
  ks.push_back(max_clients);

  std::printf(
      "engagement ingest: %d interactions in batches of %d, %d accounts x %d "
      "contacts\n",
      interactions, batch, accounts, contacts);
  const Workload w =
      MakeWorkload(interactions, batch, accounts, contacts, absl::Now());
  std::printf(
      "record: %zu bytes serialized (mean); each item has a request_id; "
      "sync writes (one WAL fsync per batch); %u hardware threads\n\n",
      w.record_bytes / static_cast<size_t>(interactions),
      std::thread::hardware_concurrency());
  std::fflush(stdout);

  TempDir dir;
  std::filesystem::create_directories(dir.Sub("registry"));
  ServiceProcess::Options registry_options;
  registry_options.binary = registry_binary;
  registry_options.data_dir = dir.Sub("registry/data");
  registry_options.run_dir = dir.Sub("registry");
  auto registry = ServiceProcess::Start(registry_options);
  if (!registry.ok()) return Fail(registry.status().ToString());
  const absl::Time seed_start = absl::Now();
  if (absl::Status s =
          SeedRegistry((*registry)->grpc_address(), accounts, contacts);
      !s.ok()) {
    return Fail(s.ToString());
  }
  std::printf("seeded the registry in %.2f s\n",
              absl::ToDoubleSeconds(absl::Now() - seed_start));

  struct Row {
    int k;
    RunResult rocksdb, kam;
  };
  std::vector<Row> rows;
  bool all_ok = true;
  for (int k : ks) {
    Row row{k, {}, {}};

    const std::string rocks_path = dir.Sub(absl::StrCat("rocksdb-", k));
    auto rocks = RunRocksDb(w, k, rocks_path);
    std::filesystem::remove_all(rocks_path);
    if (!rocks.ok()) return Fail(rocks.status().ToString());
    row.rocksdb = *rocks;

    const std::string run_dir = dir.Sub(absl::StrCat("engagement-", k));
    std::filesystem::create_directories(run_dir);
    ServiceProcess::Options options;
    options.binary = engagement_binary;
    options.data_dir = run_dir + "/data";
    options.run_dir = run_dir;
    options.extra_args = {"--registry_addr=" + (*registry)->grpc_address()};
    auto engagement = ServiceProcess::Start(options);
    if (!engagement.ok()) return Fail(engagement.status().ToString());
    const absl::Time follow_start = absl::Now();
    if (absl::Status s = WaitForProjection((*engagement)->grpc_address(),
                                           accounts, contacts);
        !s.ok()) {
      return Fail(s.ToString() + "\n" + (*engagement)->LogTail());
    }
    std::printf("K=%d: engagement followed the registry feed in %.2f s\n", k,
                absl::ToDoubleSeconds(absl::Now() - follow_start));
    std::fflush(stdout);
    row.kam = RunKam(w, k, (*engagement)->grpc_address());
    const std::optional<double> counted =
        IngestedCounter((*engagement)->metrics_address());
    if (!counted || *counted != row.kam.accepted) {
      std::printf(
          "K=%d: warning: kam_engagement_interactions_ingested_total "
          "is %s, expected %d\n",
          k, counted ? absl::StrCat(*counted).c_str() : "missing",
          row.kam.accepted);
    }
    for (const RunResult* r : {&row.rocksdb, &row.kam}) {
      if (r->accepted != interactions || r->failed_calls > 0) {
        all_ok = false;
        std::printf(
            "K=%d: only %d of %d written (%d failed items, %d failed "
            "calls); first error: %s\n",
            k, r->accepted, interactions, r->failed_items, r->failed_calls,
            r->first_error.c_str());
      }
    }
    (*engagement)->Kill();
    std::filesystem::remove_all(run_dir);
    rows.push_back(row);
  }

  std::printf("\n%7s | %15s %9s | %14s %9s %9s | %11s\n", "clients",
              "rocksdb inter/s", "batch p50", "kam inter/s", "batch p50",
              "batch p99", "kam/rocksdb");
  std::printf("%s\n", std::string(87, '-').c_str());
  for (const Row& row : rows) {
    const double base = row.rocksdb.rate(interactions);
    const double kam = row.kam.rate(interactions);
    std::printf("%7d | %15.0f %6.1f ms | %14.0f %6.1f ms %6.1f ms | %11.3f\n",
                row.k, base, row.rocksdb.Percentile(0.5), kam,
                row.kam.Percentile(0.5), row.kam.Percentile(0.99),
                base > 0 ? kam / base : 0.0);
  }
  std::printf(
      "\nrocksdb: raw WriteBatch of the same serialized records (one key per "
      "interaction,\n  no indexes, no validation), sync=true, K writer "
      "threads into one fresh DB.\n"
      "kam: BatchCreateInteractions over loopback gRPC, K client threads each "
      "with its own\n  connection, fresh engagement data dir per K; "
      "includes validation, idempotency,\n  indexes, cadence stats and "
      "change-feed bookkeeping.\n");
  (*registry)->Kill();
  return all_ok ? 0 : 1;
}
