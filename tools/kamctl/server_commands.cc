// kamctl health and kamctl feed watch: the server itself rather than one
// kind of resource. The feed is the registry's; health checks either server.

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
  if (target != "registry" && target != "engagement") {
    return UsageError(absl::StrCat(
        "--target: must be registry or engagement, got \"", target, "\""));
  }
  auto stub = grpc::health::v1::Health::NewStub(
      target == "engagement" ? EngagementChannel() : RegistryChannel());
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
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) return UsageError("--limit: must not be negative");
  auto stub = kam::common::v1::ChangeFeed::NewStub(RegistryChannel());
  kam::common::v1::WatchChangesRequest request;
  request.set_after_sequence(absl::GetFlag(FLAGS_after));
  if (limit > 0 && limit < 4096) {
    request.set_max_batch_size(static_cast<int32_t>(limit));
  }

  // The stream is long-lived: it has a deadline only when --timeout is given
  // on the command line, and reaching it ends the watch normally. An
  // unreachable server still fails at once (the call is not wait-for-ready).
  const bool bounded = in.Has("timeout");
  grpc::ClientContext context;
  PrepareContext(&context, /*with_deadline=*/bounded);

  std::unique_ptr<grpc::ClientReader<kam::common::v1::WatchChangesResponse>>
      reader = stub->WatchChanges(&context, request);
  kam::common::v1::WatchChangesResponse batch;
  int64_t printed = 0;
  while (reader->Read(&batch)) {
    for (const kam::common::v1::ChangeEvent& event : batch.events()) {
      if (JsonOutput()) {
        PrintJson(event, /*one_line=*/true);
      } else {
        std::cout << absl::StrFormat(
                         "%d\t%s\t%s\t%s", event.sequence(),
                         kam::common::v1::ChangeEvent::Kind_Name(event.kind()),
                         event.resource_name(), FormatTime(event.commit_time()))
                  << std::endl;
      }
      if (limit > 0 && ++printed >= limit) {
        context.TryCancel();
        while (reader->Read(&batch)) {
        }
        grpc::Status cancelled = reader->Finish();  // CANCELLED, by us
        (void)cancelled;
        return kExitOk;
      }
    }
  }
  grpc::Status status = reader->Finish();
  if (status.ok() ||
      (bounded && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
    return kExitOk;
  }
  return RpcError(status);
}

}  // namespace kam::kamctl
