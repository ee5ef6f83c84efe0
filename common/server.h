#ifndef KAM_COMMON_SERVER_H_
#define KAM_COMMON_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/handler.h"
#include "common/metrics.h"
#include "common/store.h"
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

// The exit code of a server that could not start: a port taken, the data
// directory locked by another process or unwritable, an unreadable or
// malformed tokens file or TLS file. Distinct from a bad flag value (2) and
// from a crash (killed by a signal).
inline constexpr int kExitCannotStart = 1;

// CannotStart prints why the program could not start as one line on stderr,
// "<program>: cannot start: <message>", and returns kExitCannotStart for
// main() to return. Whatever was started before must be stopped by then:
// main() returns normally, so destructors run.
//
// Example:
//   if (absl::Status s = host.Init(); !s.ok())
//     return kam::CannotStart("kam-registry", s);
int CannotStart(absl::string_view program, const absl::Status& status);

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
  // The handler pools (see HandlerPools): threads and waiting calls each.
  int write_threads = 32;
  int read_threads = 2;
  int queue_limit = 256;
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
  // --insecure; checks the TLS files and that the gRPC address is free;
  // starts the handler pools and the metrics endpoint. On error nothing is
  // left running that the destructor does not stop, and the message names
  // the flag or address and the cause.
  absl::Status Init();

  // Opens the service's RocksDB under --data_dir (with --sync_writes). On
  // error the message names the directory and, when another process holds
  // its lock, says so.
  absl::StatusOr<std::unique_ptr<Store>> OpenStore(
      std::vector<std::string> column_families) const;

  Metrics& metrics() { return metrics_; }
  const Authorizer& authorizer() const { return authorizer_; }
  // The service's clock: real, or standing still at --fixed_time.
  Clock* clock() const { return clock_; }
  // The handler pools, after Init(); they outlive every registered service.
  HandlerPools pools() { return {read_pool_.get(), write_pool_.get()}; }

  // Registers a service; it must outlive the host's server. With a
  // `health_name` (the service's full name, e.g.
  // kam.registry.v1.Registry::service_full_name()) grpc.health.v1 also
  // answers for that name.
  void Register(grpc::Service* service, const std::string& health_name = "");

  // Runs before the gRPC server shuts down, in the order added (e.g. ending
  // long-lived streams, stopping feed consumers).
  void AddDrainHook(std::function<void()> hook);

  // Binds, starts serving, marks health SERVING and writes the port file.
  // On error nothing is serving.
  absl::Status Start();

  // Marks one registered health name SERVING or NOT_SERVING after Start,
  // e.g. a follower that is not ready until it has caught up. Ignored once
  // the drain has begun (everything is NOT_SERVING then, for good).
  void SetServing(const std::string& health_name, bool serving);
  int port() const { return port_; }

  // Blocks until SIGTERM, SIGINT or SIGHUP, then drains: health NOT_SERVING,
  // the drain hooks, Shutdown with the drain deadline (in-flight calls finish
  // or are cancelled at the deadline).
  void RunUntilSignal();

  // The drain on its own (for tests and embedded use).
  void Drain();

 private:
  absl::Status WritePortFile() const;

  const std::string service_name_;
  const ServerFlags flags_;
  Metrics metrics_;
  Authorizer authorizer_;
  // The TLS pair, read and checked by Init().
  std::string tls_cert_;
  std::string tls_key_;
  std::unique_ptr<FakeClock> fixed_clock_;
  Clock* clock_;
  // Declared before server_: destroyed after the drain has emptied them.
  std::unique_ptr<WorkerPool> read_pool_;
  std::unique_ptr<WorkerPool> write_pool_;
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
