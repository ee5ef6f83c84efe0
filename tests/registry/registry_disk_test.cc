// A full disk under a real kam-registry: writes are refused with
// RESOURCE_EXHAUSTED saying the disk is full, reads and health go on, the
// process stays up, /metrics shows the free space low; once space is freed
// writes succeed again, and every acknowledged account survives a restart.
//
// The data directory is a 64 MiB tmpfs of its own (root only; skipped
// otherwise), filled with a filler file next to the database.

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/small_disk.h"
#include "tests/support/temp_dir.h"

namespace kam::registry_test {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kMiB = 1 << 20;

double Metric(const test_support::ServiceProcess& process,
              const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  absl::StatusOr<std::string> body =
      test_support::HttpGet(process.metrics_address(), "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  if (!body.ok()) return -1;
  std::optional<double> value = test_support::FindMetric(
      test_support::ParsePrometheusText(*body), name, labels);
  EXPECT_TRUE(value.has_value()) << name << " not exported";
  return value.value_or(-1);
}

TEST(RegistryDiskTest, FullDiskRefusesWritesKeepsReadingAndRecovers) {
  auto disk = test_support::SmallDisk::Mount(64 * kMiB);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  test_support::TempDir run;
  auto process = test_support::ServiceProcess::Start(
      {.binary = RegistryBinary(),
       .data_dir = (*disk)->Sub("registry"),
       .run_dir = run.path(),
       .extra_args = {"--disk_reserve=8MiB"}});
  ASSERT_TRUE(process.ok()) << process.status();
  auto client = std::make_unique<RegistryClient>((*process)->grpc_address());

  std::vector<std::string> acknowledged;
  auto create = [&](int i) {
    // Large but legal: the longest name, industry and segment, 32 long tags.
    rv1::Account account =
        NewAccount(absl::StrCat("acct-", i), std::string(200, 'N'));
    account.set_industry(std::string(100, 'i'));
    account.set_segment(std::string(100, 's'));
    for (int t = 0; t < 32; ++t) {
      std::string tag = absl::StrCat("tag-", t, "-");
      tag.resize(63, 'x');
      account.add_tags(tag);
    }
    rv1::Account out;
    grpc::Status status = client->CreateAccount(account, &out);
    if (status.ok()) acknowledged.push_back(out.name());
    return status;
  };
  int next = 0;
  for (; next < 20; ++next) ASSERT_TRUE(IsOk(create(next)));

  // Leave 1 MiB above the reserve, and let the registry read the disk.
  ASSERT_TRUE((*disk)->FillLeaving(9 * kMiB).ok());
  absl::SleepFor(absl::Milliseconds(300));
  grpc::Status refused;
  for (; next < 5000; ++next) {
    refused = create(next);
    if (!refused.ok()) break;
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << CodeName(refused.error_code()) << ": " << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("disk full"));
  EXPECT_THAT(refused.error_message(), HasSubstr("free space or grow"));
  const size_t before_full = acknowledged.size();
  std::printf(
      "[ disk     ] 64 MiB tmpfs, reserve 8 MiB: %zu accounts "
      "acknowledged, then: %s\n",
      before_full, refused.error_message().c_str());

  // Refused again, and nothing else breaks.
  EXPECT_EQ(create(next++).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  rv1::Account read;
  EXPECT_TRUE(IsOk(client->GetAccount(acknowledged.front(), &read)));
  EXPECT_TRUE(IsOk(client->GetAccount(acknowledged.back(), &read)));
  rv1::ListAccountsResponse page;
  rv1::ListAccountsRequest list;
  list.set_page_size(10);
  EXPECT_TRUE(IsOk(client->ListAccounts(list, &page)));
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(IsOk(client->HealthCheck("", &health)));
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE((*process)->running());
  const double free_bytes = Metric(**process, "kam_store_disk_free_bytes");
  std::printf("[ disk     ] kam_store_disk_free_bytes %.0f\n", free_bytes);
  EXPECT_LT(free_bytes, 9.0 * kMiB);
  EXPECT_GE(free_bytes, 7.0 * kMiB) << "the reserve was not kept";
  EXPECT_EQ(Metric(**process, "kam_store_disk_reserve_bytes"), 8.0 * kMiB);
  EXPECT_EQ(Metric(**process, "kam_store_writes_refusing"), 1);
  EXPECT_GE(Metric(**process, "kam_store_writes_refused_total",
                   {{"reason", "disk_full"}}),
            2);

  // Space returns: writes succeed again within a few readings of the disk.
  (*disk)->RemoveFiller();
  const absl::Time freed = absl::Now();
  grpc::Status resumed;
  do {
    resumed = create(next++);
    if (!resumed.ok()) absl::SleepFor(absl::Milliseconds(50));
  } while (!resumed.ok() && absl::Now() - freed < absl::Seconds(10));
  ASSERT_TRUE(IsOk(resumed));
  std::printf("[ disk     ] writes resumed %.0f ms after the filler went\n",
              absl::ToDoubleMilliseconds(absl::Now() - freed));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(IsOk(create(next++)));
  EXPECT_EQ(Metric(**process, "kam_store_writes_refusing"), 0);

  // Every acknowledged account is there after a restart.
  client.reset();
  ASSERT_TRUE((*process)->Terminate().ok()) << (*process)->LogTail();
  ASSERT_TRUE((*process)->Restart().ok()) << (*process)->LogTail();
  client = std::make_unique<RegistryClient>((*process)->grpc_address());
  for (const std::string& name : acknowledged) {
    EXPECT_TRUE(IsOk(client->GetAccount(name, &read))) << name;
  }
  if (HasFailure()) std::printf("%s\n", (*process)->LogTail().c_str());
}

}  // namespace
}  // namespace kam::registry_test
