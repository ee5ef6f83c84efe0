// Tests of the integration-test harness itself, against a stand-in server
// written in sh, so a harness bug never masquerades as a server bug.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace kam::test_support {
namespace {

// A stand-in server: writes the port file like a kam server, exits 0 on
// SIGTERM, or behaves badly when told to by FAKE_MODE in its data dir.
constexpr char kFakeServer[] = R"sh(#!/bin/sh
port_file=""
data_dir=""
for arg in "$@"; do
  case "$arg" in
    --port_file=*) port_file="${arg#--port_file=}" ;;
    --data_dir=*) data_dir="${arg#--data_dir=}" ;;
  esac
done
mode=""
[ -f "$data_dir/mode" ] && mode="$(cat "$data_dir/mode")"
if [ "$mode" = "fail" ]; then
  echo "fake: cannot open database: boom" >&2
  exit 3
fi
if [ "$mode" = "stubborn" ]; then
  trap '' TERM
else
  trap 'echo "fake: draining" >&2; exit 0' TERM
fi
[ "$mode" = "silent" ] || {
  echo "grpc=127.0.0.1:1234" > "$port_file.tmp"
  echo "metrics=127.0.0.1:5678" >> "$port_file.tmp"
  mv "$port_file.tmp" "$port_file"
}
echo "fake: serving" >&2
while :; do sleep 0.02; done
)sh";

class ServiceProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = dir_.Sub("fake-server");
    {
      std::ofstream out(binary_);
      out << kFakeServer;
    }
    ASSERT_EQ(chmod(binary_.c_str(), 0755), 0);
    std::filesystem::create_directories(dir_.Sub("data"));
  }

  void SetMode(const std::string& mode) {
    std::ofstream out(dir_.Sub("data/mode"));
    out << mode;
  }

  ServiceProcess::Options Options() const {
    ServiceProcess::Options options;
    options.binary = binary_;
    options.data_dir = dir_.Sub("data");
    options.run_dir = dir_.path();
    options.start_timeout = absl::Seconds(10);
    options.stop_timeout = absl::Seconds(10);
    return options;
  }

  TempDir dir_;
  std::string binary_;
};

TEST_F(ServiceProcessTest, StartsReadsPortFileAndTerminatesWithExitCode) {
  auto process = ServiceProcess::Start(Options());
  ASSERT_TRUE(process.ok()) << process.status();
  EXPECT_EQ((*process)->grpc_address(), "127.0.0.1:1234");
  EXPECT_EQ((*process)->metrics_address(), "127.0.0.1:5678");
  EXPECT_TRUE((*process)->running());
  absl::StatusOr<int> code = (*process)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE((*process)->running());
  EXPECT_TRUE(absl::StrContains((*process)->ReadLog(), "fake: draining"));
}

TEST_F(ServiceProcessTest, StartFailureCarriesTheLog) {
  SetMode("fail");
  auto process = ServiceProcess::Start(Options());
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::StrContains(process.status().message(), "code 3"))
      << process.status();
  EXPECT_TRUE(absl::StrContains(process.status().message(), "boom"))
      << process.status();
}

TEST_F(ServiceProcessTest, NoPortFileInTimeIsDeadlineExceeded) {
  SetMode("silent");
  ServiceProcess::Options options = Options();
  options.start_timeout = absl::Milliseconds(300);
  auto process = ServiceProcess::Start(options);
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(process.status())) << process.status();
  EXPECT_TRUE(absl::StrContains(process.status().message(), "fake: serving"))
      << process.status();
}

TEST_F(ServiceProcessTest, KillThenRestartWithANewPortFile) {
  auto process = ServiceProcess::Start(Options());
  ASSERT_TRUE(process.ok()) << process.status();
  const pid_t first = (*process)->pid();
  (*process)->Kill();
  EXPECT_FALSE((*process)->running());
  EXPECT_EQ((*process)->last_exit_code(), 128 + SIGKILL);
  EXPECT_EQ(kill(first, 0), -1);  // reaped, gone

  ASSERT_TRUE((*process)->Restart().ok());
  EXPECT_TRUE((*process)->running());
  EXPECT_NE((*process)->pid(), first);
  EXPECT_EQ((*process)->grpc_address(), "127.0.0.1:1234");
  EXPECT_TRUE(std::filesystem::exists(dir_.Sub("port.2")));
  EXPECT_FALSE((*process)->Restart().ok());  // still running
}

TEST_F(ServiceProcessTest, TerminateKillsAProcessThatIgnoresSigterm) {
  SetMode("stubborn");
  ServiceProcess::Options options = Options();
  options.stop_timeout = absl::Milliseconds(300);
  auto process = ServiceProcess::Start(options);
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> code = (*process)->Terminate();
  EXPECT_TRUE(absl::IsDeadlineExceeded(code.status())) << code.status();
  EXPECT_FALSE((*process)->running());
}

TEST_F(ServiceProcessTest, WaitTimesOutWhileRunning) {
  auto process = ServiceProcess::Start(Options());
  ASSERT_TRUE(process.ok()) << process.status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      (*process)->Wait(absl::Milliseconds(50)).status()));
  EXPECT_TRUE((*process)->running());
}

TEST_F(ServiceProcessTest, DestructorKills) {
  pid_t pid = -1;
  {
    auto process = ServiceProcess::Start(Options());
    ASSERT_TRUE(process.ok()) << process.status();
    pid = (*process)->pid();
  }
  EXPECT_EQ(kill(pid, 0), -1);
}

TEST(TempDirTest, IsRemovedWithItsContents) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    std::filesystem::create_directories(dir.Sub("a/b"));
    std::ofstream(dir.Sub("a/b/c")) << "x";
    EXPECT_TRUE(std::filesystem::is_directory(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WaitUntilTest, ReturnsTrueOnceTheConditionHolds) {
  int calls = 0;
  EXPECT_TRUE(WaitUntil([&] { return ++calls == 3; }, absl::Seconds(5),
                        absl::Milliseconds(1)));
  EXPECT_EQ(calls, 3);
}

TEST(WaitUntilTest, GivesUpAtTheDeadline) {
  const absl::Time start = absl::Now();
  EXPECT_FALSE(WaitUntil([] { return false; }, absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A one-shot HTTP server on 127.0.0.1 that answers with `response`.
class OneShotHttpServer {
 public:
  explicit OneShotHttpServer(std::string response)
      : response_(std::move(response)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 1);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      std::string got;
      while (got.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        got.append(buffer, static_cast<size_t>(n));
      }
      request_ = got;
      send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
      close(client);
    });
  }
  ~OneShotHttpServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Valid after the response was read.
  std::string request() const { return request_; }

 private:
  const std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(HttpGetTest, ReturnsTheBodyOfA200) {
  OneShotHttpServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
      "\r\nhello\n");
  absl::StatusOr<std::string> body = HttpGet(server.address(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "hello\n");
}

TEST(HttpGetTest, DecodesAChunkedBody) {
  OneShotHttpServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  absl::StatusOr<std::string> body = HttpGet(server.address(), "/x");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "abcde");
}

TEST(HttpGetTest, Non200IsAnError) {
  OneShotHttpServer server("HTTP/1.1 404 Not Found\r\n\r\nnope");
  absl::StatusOr<std::string> body = HttpGet(server.address(), "/missing");
  EXPECT_TRUE(absl::IsFailedPrecondition(body.status())) << body.status();
  EXPECT_TRUE(absl::StrContains(body.status().message(), "404"));
}

TEST(HttpGetTest, OnlyLoopback) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(HttpGet("10.1.2.3:80", "/metrics").status()));
}

TEST(HttpGetTest, RefusedConnectionIsUnavailable) {
  // Bind a port and close it again, so nothing listens there.
  std::string address;
  {
    OneShotHttpServer server("unused");
    address = server.address();
  }
  EXPECT_TRUE(
      absl::IsUnavailable(HttpGet(address, "/", absl::Seconds(2)).status()));
}

TEST(PrometheusTextTest, FindsSamplesByNameAndLabelSubset) {
  const std::vector<MetricSample> samples = ParsePrometheusText(
      "# HELP kam_x_total Things.\n"
      "# TYPE kam_x_total counter\n"
      "kam_x_total{grpc_method=\"Get\",grpc_code=\"OK\"} 3\n"
      "kam_x_total{grpc_method=\"Get\",grpc_code=\"NOT_FOUND\"} 1 1700000000\n"
      "kam_h_bucket{le=\"+Inf\",m=\"a\\\"b\"} 2\n"
      "kam_plain 4.5e0\n");
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(FindMetric(samples, "kam_x_total", {{"grpc_code", "NOT_FOUND"}}),
            1.0);
  EXPECT_EQ(FindMetric(samples, "kam_x_total",
                       {{"grpc_method", "Get"}, {"grpc_code", "OK"}}),
            3.0);
  EXPECT_EQ(FindMetric(samples, "kam_h_bucket", {{"m", "a\"b"}}), 2.0);
  EXPECT_EQ(FindMetric(samples, "kam_plain", {}), 4.5);
  EXPECT_EQ(FindMetric(samples, "kam_x_total", {{"grpc_code", "ABORTED"}}),
            std::nullopt);
  EXPECT_EQ(CountMetrics(samples, "kam_x_total", {{"grpc_method", "Get"}}), 2);
}

}  // namespace
}  // namespace kam::test_support
