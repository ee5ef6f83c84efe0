// kamctl health and kamctl feed watch: the server itself rather than one
// kind of resource. The feed is the registry's; health checks any server.

#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/views.h"

namespace kam::kamctl {

int RunHealth(const Invocation& in) {
  const std::string target = absl::GetFlag(FLAGS_target);
  std::shared_ptr<grpc::Channel> channel;
  if (target == "registry") {
    channel = RegistryChannel();
  } else if (target == "engagement") {
    channel = EngagementChannel();
  } else if (target == "scoring") {
    channel = ScoringChannel();
  } else {
    return UsageError(absl::StrFormat(
        "--target: must be registry, engagement or scoring, got \"%s\"",
        target));
  }
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
