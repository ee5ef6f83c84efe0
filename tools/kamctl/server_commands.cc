// kamctl health and kamctl feed watch: the server itself rather than one
// kind of resource. The feed is the registry's; health checks any server.

#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "kam/common/v1/admin.grpc.pb.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/views.h"

namespace kam::kamctl {

namespace {

// The channel to the server --target names; null (after printing a usage
// error) for an unknown name.
std::shared_ptr<grpc::Channel> TargetChannel() {
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target == "registry") return RegistryChannel();
  if (target == "engagement") return EngagementChannel();
  if (target == "scoring") return ScoringChannel();
  if (target == "planning") return PlanningChannel();
  UsageError(absl::StrFormat(
      "--target: must be registry, engagement, scoring or planning, got "
      "\"%s\"",
      target));
  return nullptr;
}

}  // namespace

int RunHealth(const Invocation& in) {
  std::shared_ptr<grpc::Channel> channel = TargetChannel();
  if (channel == nullptr) return kExitUsage;
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::ClientContext context;
  PrepareContext(&context);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    // Always show the status, even UNKNOWN (proto3 JSON would omit a 0).
    std::cout << absl::StrFormat(
        "{\"status\": \"%s\"}\n",
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
            response.status()));
  } else {
    std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                     response.status())
              << "\n";
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kExitOk
             : kExitFailure;
}

int RunAdminCheckpoint(const Invocation& in) {
  std::shared_ptr<grpc::Channel> channel = TargetChannel();
  if (channel == nullptr) return kExitUsage;
  auto stub = kam::common::v1::Admin::NewStub(channel);
  kam::common::v1::CreateCheckpointRequest request;
  request.set_directory(in.args[0]);
  grpc::ClientContext context;
  PrepareSlowContext(&context, absl::Seconds(60));
  kam::common::v1::Checkpoint response;
  grpc::Status status = stub->CreateCheckpoint(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << absl::StrFormat(
        "checkpoint of %s written to %s: %d files, %d bytes, at %s\n",
        absl::GetFlag(FLAGS_target), response.directory(), response.files(),
        response.size_bytes(), FormatTime(response.create_time()));
  }
  return kExitOk;
}

int RunFeedWatch(const Invocation& in) {
  auto stub = kam::common::v1::ChangeFeed::NewStub(RegistryChannel());
  return WatchFeed(
      in,
      [&stub](grpc::ClientContext* context,
              const kam::common::v1::WatchChangesRequest& request) {
        return stub->WatchChanges(context, request);
      },
      [](const kam::common::v1::ChangeEvent& event) {
        return absl::StrFormat(
            "%d\t%s\t%s\t%s", event.sequence(),
            kam::common::v1::ChangeEvent::Kind_Name(event.kind()),
            event.resource_name(), FormatTime(event.commit_time()));
      });
}

}  // namespace kam::kamctl
