#include "common/request_log.h"

#include "absl/strings/str_cat.h"

namespace kam {

std::string RequestLog::Key(absl::string_view method,
                            absl::string_view request_id) {
  return absl::StrCat(method, absl::string_view("\0", 1), request_id);
}

std::string RequestLog::LockKey(absl::string_view method,
                                absl::string_view request_id) {
  if (request_id.empty()) return "";
  return absl::StrCat("requests/", method, "/", request_id);
}

absl::StatusOr<bool> RequestLog::Lookup(
    absl::string_view method, absl::string_view request_id,
    google::protobuf::Message* response) const {
  if (request_id.empty()) return false;
  return store_->GetProto(family_, Key(method, request_id), response);
}

void RequestLog::Record(rocksdb::WriteBatch* batch, absl::string_view method,
                        absl::string_view request_id,
                        const google::protobuf::Message& response) const {
  if (request_id.empty()) return;
  PutProto(batch, family_, Key(method, request_id), response);
}

}  // namespace kam
