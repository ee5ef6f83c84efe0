// Backups: Admin.CreateCheckpoint writes a consistent copy of the running
// registry's RocksDB, and a registry started on that copy serves what was
// there when it was taken, and nothing written after.
#include <filesystem>
#include <fstream>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "kam/common/v1/admin.grpc.pb.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/service_process.h"

namespace kam::registry_test {
namespace {

class RegistryBackupTest : public RegistryTest {
 protected:
  RegistryBackupTest() {
    const std::string tokens = dir_.Sub("tokens");
    std::ofstream(tokens) << "admin admin-token\nviewer view-token\n";
    extra_args_ = {"--auth_tokens_file=" + tokens};
  }

  grpc::Status Checkpoint(const std::string& token, const std::string& dir,
                          cv1::Checkpoint* out) {
    auto stub = cv1::Admin::NewStub(grpc::CreateChannel(
        process().grpc_address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    SetDeadline(&context);
    context.AddMetadata("authorization", "Bearer " + token);
    cv1::CreateCheckpointRequest request;
    request.set_directory(dir);
    return stub->CreateCheckpoint(&context, request, out);
  }

  grpc::Status GetAs(RegistryClient& client, const std::string& name) {
    grpc::ClientContext context;
    SetDeadline(&context);
    context.AddMetadata("authorization", "Bearer view-token");
    rv1::GetAccountRequest request;
    request.set_name(name);
    rv1::Account account;
    return client.registry().GetAccount(&context, request, &account);
  }
};

TEST_F(RegistryBackupTest, ARegistryStartedOnACheckpointServesItsData) {
  // With auth on, writes need a token: the admin's may do everything.
  auto write = [&](const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(&context);
    context.AddMetadata("authorization", "Bearer admin-token");
    rv1::CreateAccountRequest request;
    *request.mutable_account() = NewAccount(id, "Backup " + id);
    rv1::Account account;
    return client().registry().CreateAccount(&context, request, &account);
  };
  ASSERT_TRUE(IsOk(write("before")));

  const std::string backup = dir_.Sub("backup-1");
  cv1::Checkpoint checkpoint;
  ASSERT_TRUE(IsOk(Checkpoint("admin-token", backup, &checkpoint)));
  EXPECT_EQ(checkpoint.directory(), backup);
  EXPECT_GT(checkpoint.files(), 0);
  EXPECT_GT(checkpoint.size_bytes(), 0);
  ASSERT_TRUE(std::filesystem::is_directory(backup));

  ASSERT_TRUE(IsOk(write("after")));

  // Restore: a second registry on the copy.
  auto restored =
      test_support::ServiceProcess::Start({.binary = RegistryBinary(),
                                           .data_dir = backup,
                                           .run_dir = dir_.path(),
                                           .extra_args = extra_args_});
  ASSERT_TRUE(restored.ok()) << restored.status();
  RegistryClient restored_client((*restored)->grpc_address());
  EXPECT_TRUE(IsOk(GetAs(restored_client, "accounts/before")));
  EXPECT_TRUE(HasCode(GetAs(restored_client, "accounts/after"),
                      grpc::StatusCode::NOT_FOUND));
  // The live registry still has both.
  EXPECT_TRUE(IsOk(GetAs(client(), "accounts/after")));
}

TEST_F(RegistryBackupTest, BadCheckpointRequestsAreRefused) {
  cv1::Checkpoint checkpoint;
  EXPECT_TRUE(IsInvalidArgumentFor(
      Checkpoint("admin-token", "relative/dir", &checkpoint), "directory"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      Checkpoint("admin-token", dir_.Sub("a/../b"), &checkpoint), "directory"));
  EXPECT_TRUE(HasCode(Checkpoint("admin-token", dir_.path(), &checkpoint),
                      grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_TRUE(HasCode(
      Checkpoint("admin-token", dir_.Sub("missing-parent/backup"), &checkpoint),
      grpc::StatusCode::FAILED_PRECONDITION));
  // Only admins take backups.
  EXPECT_TRUE(HasCode(Checkpoint("view-token", dir_.Sub("b"), &checkpoint),
                      grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("b")));
}

}  // namespace
}  // namespace kam::registry_test
