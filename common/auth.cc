#include "common/auth.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kam {
namespace {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kTierReader:
      return "tier-reader";
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

bool Grants(Role have, Role need) {
  if (need == Role::kTierReader) return true;  // every role may look up tiers
  if (have == Role::kTierReader) return false;
  return static_cast<int>(have) >= static_cast<int>(need);
}

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "editor") return Role::kEditor;
  if (name == "admin") return Role::kAdmin;
  if (name == "tier-reader") return Role::kTierReader;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name,
                   "\"; expected viewer, editor, admin or tier-reader"));
}

absl::StatusOr<Authorizer> Authorizer::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read auth tokens file ", path));
  }
  Authorizer authorizer;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(text, ' ', absl::SkipEmpty());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ": expected \"<role> <token>\""));
    }
    auto role = ParseRole(parts[0]);
    if (!role.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", role.status().message()));
    }
    authorizer.AddToken(std::string(parts[1]), *role);
  }
  if (!authorizer.enabled()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no tokens; add lines \"<role> <token>\""));
  }
  return authorizer;
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context,
                               Role need) const {
  if (!enabled()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing \"authorization: Bearer <token>\" metadata");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return absl::UnauthenticatedError(
        "authorization metadata must be \"Bearer <token>\"");
  }
  auto token = tokens_.find(value);
  if (token == tokens_.end()) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  if (!Grants(token->second, need)) {
    return absl::PermissionDeniedError(
        absl::StrCat("this call needs role ", RoleName(need),
                     " or stronger; the token has role ",
                     RoleName(token->second)));
  }
  return absl::OkStatus();
}

}  // namespace kam
