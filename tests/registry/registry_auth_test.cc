// Token auth against the real kam-registry: roles decide what a caller may
// do, and a server will not listen beyond loopback unauthenticated.
#include <fstream>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace kam::registry {
namespace {

using test_support::ServiceProcess;
using test_support::TempDir;

class RegistryAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tokens = dir_.Sub("tokens");
    std::ofstream(tokens) << "# role token\n"
                          << "viewer view-token\n"
                          << "editor edit-token\n"
                          << "tier-reader tier-token\n";
    auto process = ServiceProcess::Start(
        {.binary = KAM_REGISTRY_BINARY,
         .data_dir = dir_.Sub("data"),
         .run_dir = dir_.path(),
         .extra_args = {"--auth_tokens_file=" + tokens}});
    ASSERT_TRUE(process.ok()) << process.status();
    registry_ = *std::move(process);
    stub_ = v1::Registry::NewStub(grpc::CreateChannel(
        registry_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Create(const std::string& token, const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::CreateAccountRequest request;
    request.mutable_account()->set_account_id(id);
    request.mutable_account()->set_display_name("Auth Test " + id);
    v1::Account account;
    return stub_->CreateAccount(&context, request, &account);
  }

  grpc::Status Get(const std::string& token, const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::GetAccountRequest request;
    request.set_name("accounts/" + id);
    v1::Account account;
    return stub_->GetAccount(&context, request, &account);
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<v1::Registry::Stub> stub_;
};

TEST_F(RegistryAuthTest, CallsWithoutAValidTokenAreUnauthenticated) {
  EXPECT_EQ(Create("", "a").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Create("wrong", "a").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get("edit-token", "a").error_code(), grpc::StatusCode::NOT_FOUND)
      << "the rejected creates wrote nothing";
}

TEST_F(RegistryAuthTest, RolesDecideWhatACallerMayDo) {
  const grpc::Status viewer_write = Create("view-token", "a");
  EXPECT_EQ(viewer_write.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(viewer_write.error_message().find("editor"), std::string::npos)
      << viewer_write.error_message();
  EXPECT_TRUE(Create("edit-token", "a").ok());
  EXPECT_TRUE(Get("view-token", "a").ok());
  EXPECT_TRUE(Get("edit-token", "a").ok());
  // A tier reader may look up tiers and nothing else.
  EXPECT_EQ(Get("tier-token", "a").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegistryAuthTest, TheChangeFeedNeedsAToken) {
  auto feed = kam::common::v1::ChangeFeed::NewStub(grpc::CreateChannel(
      registry_->grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto reader =
      feed->WatchChanges(&context, kam::common::v1::WatchChangesRequest());
  kam::common::v1::WatchChangesResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(RegistryListenTest, RefusesToListenBeyondLoopbackWithoutAuth) {
  TempDir dir;
  auto process = ServiceProcess::Start(
      {.binary = KAM_REGISTRY_BINARY,
       .data_dir = dir.Sub("data"),
       .run_dir = dir.path(),
       .extra_args = {"--listen=0.0.0.0:0"},
       .start_timeout = absl::Seconds(10)});
  ASSERT_FALSE(process.ok());
  EXPECT_NE(process.status().message().find("--insecure"), std::string::npos)
      << process.status();
}

}  // namespace
}  // namespace kam::registry
