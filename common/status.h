#ifndef KAM_COMMON_STATUS_H_
#define KAM_COMMON_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace kam {

// ToGrpcStatus converts a domain status into the status a client sees. This is
// the only place where absl codes become gRPC codes; the two enums share
// numbering, so the code is carried over and the message kept verbatim.
grpc::Status ToGrpcStatus(const absl::Status& status);

// FromGrpcStatus is the inverse, for clients inside the platform (feed
// consumers, validation calls to peers).
absl::Status FromGrpcStatus(const grpc::Status& status);

// FromRocksStatus maps a storage error to INTERNAL (corruption, I/O),
// RESOURCE_EXHAUSTED (no space left on the device) or UNAVAILABLE (busy,
// timed out: the caller may retry), prefixed with what was being done.
absl::Status FromRocksStatus(const rocksdb::Status& status,
                             const char* operation);

}  // namespace kam

#endif  // KAM_COMMON_STATUS_H_
