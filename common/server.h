#ifndef KAM_COMMON_SERVER_H_
#define KAM_COMMON_SERVER_H_

#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "grpcpp/server.h"

// The server flags, defined in server.cc (see --help of any kam binary).
ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, data_dir);

namespace kam {

// InitProgram is the first call in every kam binary's main(). It blocks
// SIGTERM, SIGINT and SIGHUP in every thread (ServiceHost waits for them),
// applies KAM_<FLAG> environment variables to the flags of the same name (so
// KAM_DATA_DIR sets --data_dir; a flag on the command line wins), parses the
// command line and returns the positional arguments.
std::vector<char*> InitProgram(int argc, char** argv, absl::string_view usage);

// The flags every kam server has, with the binary's own defaults.
struct ServerDefaults {
  std::string listen;          // e.g. "127.0.0.1:50061"
  std::string metrics_listen;  // e.g. "127.0.0.1:9461"
  std::string data_dir;        // e.g. "./data/registry"
};

// The effective server flags after defaults were applied.
struct ServerFlags {
  std::string listen;
  std::string metrics_listen;
  std::string data_dir;
  std::string port_file;
  std::string auth_tokens_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool insecure = false;
  bool sync_writes = true;
  absl::Duration drain_timeout;
  // From --fixed_time: the service's clock stands still at this instant.
  std::optional<absl::Time> fixed_time;
};
ServerFlags ReadServerFlags(const ServerDefaults& defaults);

// IsLoopback says whether "host:port" only listens on the loopback interface.
bool IsLoopback(absl::string_view address);

// ServiceHost is everything around a service's handlers: the gRPC server
// (callback API, health, reflection, metrics interceptor), the /metrics
// endpoint, auth, and the drain on SIGTERM, SIGINT or SIGHUP.
class ServiceHost {
 public:
  ServiceHost(std::string service_name, ServerFlags flags);
  ~ServiceHost();

  // Loads auth and refuses an unauthenticated non-loopback listener unless
  // --insecure; starts the metrics endpoint.
  absl::Status Init();

  Metrics& metrics() { return metrics_; }
  const Authorizer& authorizer() const { return authorizer_; }
  // The service's clock: real, or standing still at --fixed_time.
  Clock* clock() const { return clock_; }

  // Registers a service; it must outlive the host's server. With a
  // `health_name` (the service's full name, e.g.
  // kam.registry.v1.Registry::service_full_name()) grpc.health.v1 also
  // answers for that name.
  void Register(grpc::Service* service, const std::string& health_name = "");

  // Runs before the gRPC server shuts down, in the order added (e.g. ending
  // long-lived streams, stopping feed consumers).
  void AddDrainHook(std::function<void()> hook);

  // Binds, starts serving, marks health SERVING and writes the port file.
  absl::Status Start();

  // Marks one registered health name SERVING or NOT_SERVING after Start,
  // e.g. a follower that is not ready until it has caught up. Ignored once
  // the drain has begun (everything is NOT_SERVING then, for good).
  void SetServing(const std::string& health_name, bool serving);
  int port() const { return port_; }

  // Blocks until SIGTERM, SIGINT or SIGHUP, then drains: health NOT_SERVING, the
  // drain hooks, Shutdown with the drain deadline (in-flight calls finish or
  // are cancelled at the deadline).
  void RunUntilSignal();

  // The drain on its own (for tests and embedded use).
  void Drain();

 private:
  absl::Status WritePortFile() const;

  const std::string service_name_;
  const ServerFlags flags_;
  Metrics metrics_;
  Authorizer authorizer_;
  std::unique_ptr<FakeClock> fixed_clock_;
  Clock* clock_;
  std::vector<grpc::Service*> services_;
  std::vector<std::string> health_names_;
  std::vector<std::function<void()>> drain_hooks_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex health_mu_;
  bool drained_ ABSL_GUARDED_BY(health_mu_) = false;
};

}  // namespace kam

#endif  // KAM_COMMON_SERVER_H_
