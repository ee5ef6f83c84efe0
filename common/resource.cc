#include "common/resource.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/validation.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"

namespace kam {

std::string AccountName(const std::string& account_id) {
  return "accounts/" + account_id;
}

std::string Etag(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&out);
  }
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

bool SameContent(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  google::protobuf::util::MessageDifferencer differ;
  const auto* descriptor = a.GetDescriptor();
  for (const char* ignored : {"update_time", "etag"}) {
    if (const auto* field = descriptor->FindFieldByName(ignored)) {
      differ.IgnoreField(field);
    }
  }
  return differ.Compare(a, b);
}

absl::Status CheckEtag(const std::string& given, const std::string& stored,
                       const std::string& name) {
  if (!given.empty() && given != stored) {
    return absl::AbortedError(absl::StrCat(
        "etag: ", name, " was changed by someone else (etag ", stored,
        ", request had ", given, "); read it again and retry"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMask(const google::protobuf::FieldMask& mask,
                          const std::vector<std::string>& allowed) {
  if (mask.paths_size() == 0) {
    return InvalidField("update_mask",
                        absl::StrCat("is required; name the fields to change "
                                     "among: ",
                                     absl::StrJoin(allowed, ", ")));
  }
  for (const std::string& path : mask.paths()) {
    if (std::find(allowed.begin(), allowed.end(), path) == allowed.end()) {
      return InvalidField(
          "update_mask",
          absl::StrCat("\"", path, "\" is not an updatable field; use: ",
                       absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return default_size;
  return std::min(requested, max_size);
}

std::string MakePageToken(const std::string& filters,
                          const std::string& last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(filters, "|", last_key));
}

absl::StatusOr<std::string> ParsePageToken(const std::string& token,
                                           const std::string& filters) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  const size_t bar = raw.rfind('|');
  if (bar == std::string::npos) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  if (raw.substr(0, bar) != filters) {
    return InvalidField("page_token",
                        "was issued for different filters; repeat the "
                        "filters of the first page");
  }
  return raw.substr(bar + 1);
}

}  // namespace kam
