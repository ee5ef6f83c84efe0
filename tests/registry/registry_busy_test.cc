// An overloaded registry says so at once and keeps serving reads: with one
// write thread and one waiting slot (--write_threads=1 --queue_limit=1),
// concurrent imports beyond those two are answered RESOURCE_EXHAUSTED with
// the busy message, write nothing, succeed when retried, and are counted in
// kam_grpc_server_pool_rejected_total; reads (point reads inline, lists on
// the read pool) are answered throughout.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"

namespace kam::registry_test {
namespace {

constexpr char kBusy[] =
    "server busy: the write queue is full (1 waiting); retry with back-off";

// Concurrent imports per wave, and accounts per import: big enough that an
// import holds the only write thread while the others arrive.
constexpr int kCallers = 16;
constexpr int kAccountsPerImport = 200;
// Waves until a rejection is seen; each wave has kCallers callers for two
// places, so the first wave is all it takes unless the machine is idle.
constexpr int kMaxWaves = 10;

class RegistryBusyTest : public RegistryTest {
 protected:
  RegistryBusyTest() {
    extra_args_ = {"--write_threads=1", "--queue_limit=1", "--read_threads=1"};
  }

  static rv1::ImportRecordsRequest Import(int wave, int caller) {
    rv1::ImportRecordsRequest request;
    for (int i = 0; i < kAccountsPerImport; ++i) {
      *request.add_accounts() =
          NewAccount(absl::StrCat("w", wave, "-c", caller, "-a", i));
    }
    return request;
  }

  std::vector<test_support::MetricSample> Scrape() {
    absl::StatusOr<std::string> body =
        test_support::HttpGet(process().metrics_address(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? test_support::ParsePrometheusText(*body)
                     : std::vector<test_support::MetricSample>{};
  }
};

TEST_F(RegistryBusyTest, RefusesWritesBeyondTheQueueAndKeepsServingReads) {
  const rv1::Account anchor = MustCreateAccount(NewAccount("anchor"));

  struct Refused {
    int wave;
    int caller;
  };
  std::vector<Refused> refused;
  int accepted = 0;
  for (int wave = 0; wave < kMaxWaves && refused.empty(); ++wave) {
    std::vector<grpc::Status> statuses(kCallers);
    absl::Notification go;
    std::vector<std::thread> callers;
    for (int c = 0; c < kCallers; ++c) {
      callers.emplace_back([&, c, wave] {
        const rv1::ImportRecordsRequest request = Import(wave, c);
        rv1::ImportRecordsResponse response;
        go.WaitForNotification();
        statuses[c] = client().Import(request, &response);
      });
    }
    go.Notify();
    // Reads while the writes queue up: never refused.
    rv1::Account got;
    EXPECT_TRUE(IsOk(client().GetAccount(anchor.name(), &got)));
    rv1::ListAccountsRequest list;
    list.set_page_size(10);
    rv1::ListAccountsResponse page;
    EXPECT_TRUE(IsOk(client().ListAccounts(list, &page)));
    for (auto& thread : callers) thread.join();

    for (int c = 0; c < kCallers; ++c) {
      SCOPED_TRACE(absl::StrCat("wave ", wave, " caller ", c));
      if (statuses[c].ok()) {
        ++accepted;
        continue;
      }
      EXPECT_TRUE(HasCode(statuses[c], grpc::StatusCode::RESOURCE_EXHAUSTED));
      EXPECT_EQ(statuses[c].error_message(), kBusy);
      refused.push_back({wave, c});
    }
  }
  ASSERT_FALSE(refused.empty()) << kMaxWaves << " waves of " << kCallers
                                << " concurrent imports and none was refused";
  EXPECT_GT(accepted, 0);

  // A refused import wrote nothing; retried, it succeeds.
  const Refused first = refused.front();
  const std::string probe =
      AccountName(absl::StrCat("w", first.wave, "-c", first.caller, "-a0"));
  rv1::Account missing;
  EXPECT_TRUE(HasCode(client().GetAccount(probe, &missing),
                      grpc::StatusCode::NOT_FOUND));
  rv1::ImportRecordsResponse retried;
  ASSERT_TRUE(
      IsOk(client().Import(Import(first.wave, first.caller), &retried)));
  rv1::Account found;
  EXPECT_TRUE(IsOk(client().GetAccount(probe, &found)));

  // Operators see each refusal, by pool and reason.
  const auto samples = Scrape();
  EXPECT_EQ(
      test_support::FindMetric(samples, "kam_grpc_server_pool_rejected_total",
                               {{"pool", "write"}, {"reason", "queue_full"}}),
      static_cast<double>(refused.size()));
  EXPECT_EQ(test_support::FindMetric(samples, "kam_grpc_server_pool_threads",
                                     {{"pool", "write"}}),
            1);
  EXPECT_EQ(
      test_support::FindMetric(samples, "kam_grpc_server_pool_rejected_total",
                               {{"pool", "read"}, {"reason", "queue_full"}}),
      0);
  EXPECT_EQ(test_support::FindMetric(samples, "kam_grpc_server_handled_total",
                                     {{"grpc_method", "ImportRecords"},
                                      {"grpc_code", "RESOURCE_EXHAUSTED"}}),
            static_cast<double>(refused.size()));
}

}  // namespace
}  // namespace kam::registry_test
