#ifndef KAM_COMMON_AUTH_H_
#define KAM_COMMON_AUTH_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace kam {

// Role is what a bearer token allows. Viewer reads, editor also writes, admin
// also administers (checkpoints, model activation). TierReader is for
// services that only look up tiers: it may call nothing else.
enum class Role { kTierReader, kViewer, kEditor, kAdmin };

absl::StatusOr<Role> ParseRole(absl::string_view name);

// Authorizer checks the "authorization: Bearer <token>" metadata of a call
// against a token table. With an empty table every call is allowed; the server
// only runs like that on loopback or with --insecure (see server.h).
class Authorizer {
 public:
  Authorizer() = default;

  // Loads "<role> <token>" lines ('#' starts a comment). The file should be
  // mounted from a Secret; tokens are compared as given.
  static absl::StatusOr<Authorizer> FromFile(const std::string& path);

  void AddToken(std::string token, Role role) {
    tokens_[std::move(token)] = role;
  }
  bool enabled() const { return !tokens_.empty(); }

  // OK if the call's token grants `need`; UNAUTHENTICATED without a valid
  // token, PERMISSION_DENIED with a token whose role is too weak.
  absl::Status Check(const grpc::ServerContextBase& context, Role need) const;

 private:
  absl::flat_hash_map<std::string, Role> tokens_;
};

}  // namespace kam

#endif  // KAM_COMMON_AUTH_H_
