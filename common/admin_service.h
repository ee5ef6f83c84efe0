#ifndef KAM_COMMON_ADMIN_SERVICE_H_
#define KAM_COMMON_ADMIN_SERVICE_H_

#include "common/auth.h"
#include "common/clock.h"
#include "common/handler.h"
#include "common/store.h"
#include "kam/common/v1/admin.grpc.pb.h"

namespace kam {

// AdminService serves kam.common.v1.Admin (checkpoints for backups) over a
// service's Store. Admin role only; the checkpoint runs on `pool`, since it
// flushes memtables and links files.
class AdminService final : public kam::common::v1::Admin::CallbackService {
 public:
  // All outlive the service.
  AdminService(Store* store, const Authorizer* auth, Clock* clock,
               WorkerPool* pool);

  grpc::ServerUnaryReactor* CreateCheckpoint(
      grpc::CallbackServerContext* context,
      const kam::common::v1::CreateCheckpointRequest* request,
      kam::common::v1::Checkpoint* response) override;

 private:
  Store* const store_;
  const Authorizer& auth_;
  Clock* const clock_;
  WorkerPool& pool_;
};

// Writes a checkpoint of `store` into `directory` and describes it; the
// rules of Admin.CreateCheckpoint.
absl::Status CreateCheckpoint(Store* store, Clock* clock,
                              const std::string& directory,
                              kam::common::v1::Checkpoint* checkpoint);

}  // namespace kam

#endif  // KAM_COMMON_ADMIN_SERVICE_H_
