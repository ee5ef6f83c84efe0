// What operators rely on: /metrics per method and code, gRPC health, and a
// graceful drain on SIGTERM that ends open feed streams and exits 0.

#include <signal.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/wait.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;
using test_support::FindMetric;
using test_support::MetricSample;
using test_support::WaitUntil;

constexpr char kService[] = "kam.registry.v1.Registry";

class RegistryMetricsTest : public RegistryTest {
 protected:
  std::vector<MetricSample> Scrape() {
    absl::StatusOr<std::string> body =
        test_support::HttpGet(process().metrics_address(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? test_support::ParsePrometheusText(*body)
                     : std::vector<MetricSample>{};
  }

  std::optional<double> Handled(const std::string& method,
                                const std::string& code) {
    return FindMetric(Scrape(), "kam_grpc_server_handled_total",
                      {{"grpc_service", kService},
                       {"grpc_method", method},
                       {"grpc_code", code}});
  }

  // Waits (bounded) for a counter to reach `want`: the server may count a
  // call just after the client has its answer.
  void ExpectHandled(const std::string& method, const std::string& code,
                     double want) {
    std::optional<double> got;
    WaitUntil(
        [&] {
          got = Handled(method, code);
          return got.has_value() && *got >= want;
        },
        absl::Seconds(5));
    ASSERT_TRUE(got.has_value())
        << "no kam_grpc_server_handled_total for " << method << " " << code;
    EXPECT_EQ(*got, want) << method << " " << code;
  }
};

TEST_F(RegistryMetricsTest, CountsEveryCallByMethodAndCodeWithLatency) {
  MustCreateAccount(NewAccount("acme"));
  MustCreateAccount(NewAccount("beta"));
  EXPECT_TRUE(HasCode(client().CreateAccount(NewAccount("acme"), nullptr),
                      StatusCode::ALREADY_EXISTS));
  EXPECT_TRUE(HasCode(client().GetAccount("accounts/ghost", nullptr),
                      StatusCode::NOT_FOUND));
  rv1::ListAccountsRequest bad_list;
  bad_list.set_page_size(-1);
  rv1::ListAccountsResponse list;
  EXPECT_TRUE(HasCode(client().ListAccounts(bad_list, &list),
                      StatusCode::INVALID_ARGUMENT));

  ExpectHandled("CreateAccount", "OK", 2);
  ExpectHandled("CreateAccount", "ALREADY_EXISTS", 1);
  ExpectHandled("GetAccount", "NOT_FOUND", 1);
  ExpectHandled("ListAccounts", "INVALID_ARGUMENT", 1);

  const std::vector<MetricSample> samples = Scrape();
  const std::map<std::string, std::string> create = {
      {"grpc_service", kService}, {"grpc_method", "CreateAccount"}};
  EXPECT_EQ(
      FindMetric(samples, "kam_grpc_server_handling_seconds_count", create),
      3.0);
  EXPECT_TRUE(
      FindMetric(samples, "kam_grpc_server_handling_seconds_sum", create)
          .has_value());
  std::map<std::string, std::string> inf = create;
  inf["le"] = "+Inf";
  EXPECT_EQ(FindMetric(samples, "kam_grpc_server_handling_seconds_bucket", inf),
            3.0);
  EXPECT_GT(test_support::CountMetrics(
                samples, "kam_grpc_server_handling_seconds_bucket", create),
            2)
      << "the latency histogram should have several buckets";
  // No call failed internally.
  EXPECT_EQ(FindMetric(samples, "kam_grpc_server_handled_total",
                       {{"grpc_service", kService},
                        {"grpc_method", "CreateAccount"},
                        {"grpc_code", "INTERNAL"}})
                .value_or(0),
            0.0);
}

class RegistryHealthTest : public RegistryTest {};

TEST_F(RegistryHealthTest, ServingUntilTerminatedThenExitsZero) {
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(IsOk(client().HealthCheck("", &response)));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  absl::StatusOr<int> code = TerminateRegistry();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << process().LogTail();
}

class RegistryDrainTest : public RegistryTest {};

TEST_F(RegistryDrainTest, SigtermEndsOpenFeedStreamsAndExitsZero) {
  MustCreateAccount(NewAccount("acme"));
  {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    cv1::WatchChangesRequest request;
    auto reader = client().feed().WatchChanges(&context, request);
    cv1::WatchChangesResponse response;
    // Open: the head alone first (kam.common.v1.ChangeFeed), then the replay.
    ASSERT_TRUE(reader->Read(&response));
    ASSERT_EQ(response.events_size(), 0);
    ASSERT_TRUE(reader->Read(&response));  // replaying
    ASSERT_EQ(response.events_size(), 1);

    const absl::Time signalled = absl::Now();
    ASSERT_TRUE(process().Signal(SIGTERM).ok());
    // The stream ends promptly: the drain ends watchers rather than waiting
    // out the drain deadline (20 s by default) for them.
    int reads = 0;
    while (reader->Read(&response) && reads < 100) ++reads;
    const grpc::Status finished = reader->Finish();
    const absl::Duration stream_ended = absl::Now() - signalled;
    EXPECT_TRUE(HasCode(finished, StatusCode::UNAVAILABLE));
    EXPECT_LT(stream_ended, absl::Seconds(5));
  }
  client_.reset();  // close the channel; see TerminateRegistry()

  absl::StatusOr<int> code = process().Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << process().LogTail();

  // The data survived the drain.
  ASSERT_NO_FATAL_FAILURE(RestartRegistry());
  EXPECT_TRUE(IsOk(client().GetAccount("accounts/acme", nullptr)));
}

TEST_F(RegistryDrainTest, SigintDrainsToo) {
  ASSERT_TRUE(process().Signal(SIGINT).ok());
  absl::StatusOr<int> code = process().Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << process().LogTail();
}

// A closed terminal (SIGHUP) drains like Ctrl-C instead of killing the
// process mid-call.
TEST_F(RegistryDrainTest, SighupDrainsToo) {
  ASSERT_TRUE(process().Signal(SIGHUP).ok());
  absl::StatusOr<int> code = process().Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << process().LogTail();
  EXPECT_NE(process().ReadLog().find("drained"), std::string::npos);
}

}  // namespace
}  // namespace kam::registry_test
