#include "common/server.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"


namespace kam {
namespace {

TEST(IsLoopbackTest, OnlyLoopbackAddresses) {
  EXPECT_TRUE(IsLoopback("127.0.0.1:50061"));
  EXPECT_TRUE(IsLoopback("localhost:0"));
  EXPECT_TRUE(IsLoopback("[::1]:50061"));
  EXPECT_FALSE(IsLoopback("0.0.0.0:50061"));
  EXPECT_FALSE(IsLoopback("[::]:50061"));
  EXPECT_FALSE(IsLoopback("10.1.2.3:50061"));
}

TEST(InitProgramTest, EnvironmentSetsFlagsAndCommandLineWins) {
  setenv("KAM_DATA_DIR", "/from/env", 1);
  setenv("KAM_LISTEN", "127.0.0.1:1", 1);
  char arg0[] = "kam-test";
  char arg1[] = "--listen=127.0.0.1:2";
  char* argv[] = {arg0, arg1, nullptr};
  InitProgram(2, argv, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_data_dir), "/from/env");
  EXPECT_EQ(absl::GetFlag(FLAGS_listen), "127.0.0.1:2");
  const ServerFlags flags =
      ReadServerFlags({"127.0.0.1:9", "127.0.0.1:8", "./data/x"});
  EXPECT_EQ(flags.data_dir, "/from/env");
  EXPECT_EQ(flags.metrics_listen, "127.0.0.1:8");  // the binary's default
  unsetenv("KAM_DATA_DIR");
  unsetenv("KAM_LISTEN");
}

TEST(ServiceHostTest, RefusesUnauthenticatedNonLoopbackListener) {
  ServerFlags flags;
  flags.listen = "0.0.0.0:0";
  flags.metrics_listen = "127.0.0.1:0";
  ServiceHost host("kam-test", flags);
  absl::Status status = host.Init();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("--insecure"), std::string::npos);

  flags.insecure = true;
  ServiceHost insecure("kam-test", flags);
  EXPECT_TRUE(insecure.Init().ok());
}

}  // namespace
}  // namespace kam
