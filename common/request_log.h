#ifndef KAM_COMMON_REQUEST_LOG_H_
#define KAM_COMMON_REQUEST_LOG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store.h"
#include "google/protobuf/message.h"

namespace kam {

// RequestLog makes creates and imports idempotent: it remembers the response
// to each (method, request_id) in the service's store, written in the same
// batch as the change, so a retry after a lost response (or a crash after
// the commit) gets the first result back and writes nothing twice.
//
// Lookup and Record must run under the lock of LockKey(method, request_id)
// (a ChangeFeed::Writer or LockTable holding it), so two concurrent retries
// cannot both miss.
class RequestLog {
 public:
  RequestLog(Store* store, rocksdb::ColumnFamilyHandle* family)
      : store_(store), family_(family) {}

  // The LockTable key that serialises requests with this id; empty for an
  // empty id (no idempotency asked, nothing to lock).
  static std::string LockKey(absl::string_view method,
                             absl::string_view request_id);

  // True (and *response filled) if the request was seen before.
  absl::StatusOr<bool> Lookup(absl::string_view method,
                              absl::string_view request_id,
                              google::protobuf::Message* response) const;

  // Stages the response into the batch of the change it answers.
  void Record(rocksdb::WriteBatch* batch, absl::string_view method,
              absl::string_view request_id,
              const google::protobuf::Message& response) const;

 private:
  static std::string Key(absl::string_view method,
                         absl::string_view request_id);

  Store* const store_;
  rocksdb::ColumnFamilyHandle* const family_;
};

}  // namespace kam

#endif  // KAM_COMMON_REQUEST_LOG_H_
