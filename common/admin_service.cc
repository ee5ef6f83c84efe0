#include "common/admin_service.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"

namespace kam {

absl::Status CreateCheckpoint(Store* store, Clock* clock,
                              const std::string& directory,
                              kam::common::v1::Checkpoint* checkpoint) {
  namespace fs = std::filesystem;
  const fs::path path(directory);
  if (directory.empty() || !path.is_absolute()) {
    return InvalidField("directory", "must be an absolute path on the server");
  }
  for (const auto& part : path) {
    if (part == "..")
      return InvalidField("directory", "must not contain \"..\"");
  }
  std::error_code error;
  if (fs::exists(path, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("directory: ", directory, " already exists"));
  }
  const fs::path parent = path.parent_path();
  if (!fs::is_directory(parent, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "directory: the parent ", parent.string(), " does not exist"));
  }
  absl::Status written = store->Checkpoint(directory);
  if (!written.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("directory: ", written.message()));
  }
  checkpoint->set_directory(directory);
  *checkpoint->mutable_create_time() = ToProtoTime(clock->Now());
  int64_t bytes = 0;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    if (!entry.is_regular_file(error)) continue;
    bytes += static_cast<int64_t>(entry.file_size(error));
    ++files;
  }
  checkpoint->set_size_bytes(bytes);
  checkpoint->set_files(files);
  return absl::OkStatus();
}

AdminService::AdminService(Store* store, const Authorizer* auth, Clock* clock,
                           WorkerPool* pool)
    : store_(store), auth_(*auth), clock_(clock), pool_(*pool) {}

grpc::ServerUnaryReactor* AdminService::CreateCheckpoint(
    grpc::CallbackServerContext* context,
    const kam::common::v1::CreateCheckpointRequest* request,
    kam::common::v1::Checkpoint* response) {
  return ServeOffloaded(context, auth_, Role::kAdmin, pool_,
                        [this, request, response] {
                          return kam::CreateCheckpoint(
                              store_, clock_, request->directory(), response);
                        });
}

}  // namespace kam
