#ifndef KAM_COMMON_RESOURCE_H_
#define KAM_COMMON_RESOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

// Helpers every service uses on its resources: etags, content comparison
// and List paging.
namespace kam {

// AccountName is the resource name of an account: "accounts/{id}". Every
// service names accounts so, and locks an account's changes by it.
std::string AccountName(const std::string& account_id);

// Etag computes a stable content tag (FNV-1a of the deterministic
// serialisation) of a message whose etag field is cleared.
std::string Etag(const google::protobuf::Message& message_without_etag);

// SameContent says whether two messages are equal ignoring output-only
// bookkeeping: update_time and etag.
bool SameContent(const google::protobuf::Message& a,
                 const google::protobuf::Message& b);

// CheckEtag is the optimistic-concurrency check of Update and Delete: an
// empty `given` always passes; otherwise it must equal `stored`, or the call
// fails with ABORTED (read the resource again and retry).
absl::Status CheckEtag(const std::string& given, const std::string& stored,
                       const std::string& name);

// ValidateMask is the check of an Update's update_mask: it must name at
// least one path, each one of `allowed`; otherwise INVALID_ARGUMENT on
// "update_mask" listing the allowed paths.
absl::Status ValidateMask(const google::protobuf::FieldMask& mask,
                          const std::vector<std::string>& allowed);

// PageSize reads a request's page_size: 0 means `default_size`, larger than
// `max_size` is read as `max_size`, negative is INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int requested, int default_size = 50,
                             int max_size = 1000);

// Page tokens carry a fingerprint of the filters they were issued for and
// the last key returned; both are opaque to callers.
std::string MakePageToken(const std::string& filters,
                          const std::string& last_key);

// The last key of a token issued for `filters`; empty for an empty token.
// INVALID_ARGUMENT on "page_token" for a foreign or mismatched token.
absl::StatusOr<std::string> ParsePageToken(const std::string& token,
                                           const std::string& filters);

}  // namespace kam

#endif  // KAM_COMMON_RESOURCE_H_
