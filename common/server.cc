#include "common/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "grpc/grpc.h"
#include "grpc/support/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

ABSL_FLAG(std::string, listen, "",
          "gRPC listen address host:port (port 0 picks a free port). "
          "Default: the service's own, on 127.0.0.1. Env: KAM_LISTEN");
ABSL_FLAG(std::string, metrics_listen, "",
          "Prometheus /metrics listen address host:port. Default: the "
          "service's own, on 127.0.0.1. Env: KAM_METRICS_LISTEN");
ABSL_FLAG(std::string, data_dir, "",
          "Directory of this service's RocksDB (created if missing). "
          "Env: KAM_DATA_DIR");
ABSL_FLAG(std::string, port_file, "",
          "If set, write \"grpc=host:port\" and \"metrics=host:port\" lines "
          "here once serving (for scripts and tests using port 0). "
          "Env: KAM_PORT_FILE");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "File of \"<role> <token>\" lines (roles: viewer, editor, admin, "
          "tier-reader); calls must send \"authorization: Bearer <token>\". "
          "Env: KAM_AUTH_TOKENS_FILE");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain; with --tls_key_file serves TLS. "
          "Env: KAM_TLS_CERT_FILE");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key for --tls_cert_file. Env: KAM_TLS_KEY_FILE");
ABSL_FLAG(bool, insecure, false,
          "Allow listening beyond loopback without --auth_tokens_file. "
          "Env: KAM_INSECURE");
ABSL_FLAG(bool, sync_writes, true,
          "fsync the RocksDB WAL before acknowledging a write (survives a "
          "machine crash, not only a process kill). Env: KAM_SYNC_WRITES");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "On SIGTERM, how long in-flight calls may take to finish before "
          "they are cancelled. Keep below Kubernetes' "
          "terminationGracePeriodSeconds. Env: KAM_DRAIN_TIMEOUT");
ABSL_FLAG(int, write_threads, 32,
          "Threads that run mutating RPCs. A write mostly waits for its "
          "fsync (writers waiting together share one), so this is about "
          "concurrency, not cores. 1-1024. Env: KAM_WRITE_THREADS");
ABSL_FLAG(int, read_threads, 0,
          "Threads that run scans, lists and reports (point reads stay on "
          "gRPC's threads). 0: one per CPU core of the machine; set it to "
          "the CPU limit in a container. 0-1024. Env: KAM_READ_THREADS");
ABSL_FLAG(int, queue_limit, 256,
          "Calls that may wait for a thread, per pool (read, write); beyond "
          "it a call is answered RESOURCE_EXHAUSTED at once (\"server busy\", "
          "retry with back-off). A call whose deadline passes or that is "
          "cancelled while waiting is not run. 1-100000. "
          "Env: KAM_QUEUE_LIMIT");

ABSL_FLAG(std::string, fixed_time, "",
          "For tests and demos: the service's clock reads this RFC 3339 "
          "instant (e.g. 2026-06-01T00:00:00Z) instead of the real time. "
          "Env: KAM_FIXED_TIME");

namespace kam {

std::vector<char*> InitProgram(int argc, char** argv, absl::string_view usage) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // a closed terminal drains too
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Debian builds Abseil without NDEBUG, which leaves the mutex deadlock
  // detector on: every lock then takes a global spinlock (a tier lookup
  // cost 219 ns with it, 154 ns without). Our lock order is fixed by design
  // (the feed's writer lock, then a tier shard), so the detector only costs.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::SetProgramUsageMessage(usage);
  // Environment first, command line after it: absl keeps the last value.
  static std::vector<std::string> env_args;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string env =
        absl::StrCat("KAM_", absl::AsciiStrToUpper(std::string(name)));
    if (const char* value = std::getenv(env.c_str()); value != nullptr) {
      env_args.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  static std::vector<char*> args;
  args.push_back(argv[0]);
  for (auto& arg : env_args) args.push_back(arg.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  return absl::ParseCommandLine(static_cast<int>(args.size() - 1), args.data());
}

ServerFlags ReadServerFlags(const ServerDefaults& defaults) {
  ServerFlags flags;
  flags.listen = absl::GetFlag(FLAGS_listen);
  if (flags.listen.empty()) flags.listen = defaults.listen;
  flags.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  if (flags.metrics_listen.empty())
    flags.metrics_listen = defaults.metrics_listen;
  flags.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (flags.data_dir.empty()) flags.data_dir = defaults.data_dir;
  flags.port_file = absl::GetFlag(FLAGS_port_file);
  flags.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens_file);
  flags.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  flags.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  flags.insecure = absl::GetFlag(FLAGS_insecure);
  flags.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  flags.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  auto in_range = [](const char* name, int value, int low, int high) {
    if (value < low || value > high) {
      std::fprintf(stderr, "--%s: must be %d-%d, got %d\n", name, low, high,
                   value);
      std::exit(2);
    }
    return value;
  };
  flags.write_threads =
      in_range("write_threads", absl::GetFlag(FLAGS_write_threads), 1, 1024);
  flags.read_threads =
      in_range("read_threads", absl::GetFlag(FLAGS_read_threads), 0, 1024);
  if (flags.read_threads == 0) {
    flags.read_threads =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  flags.queue_limit =
      in_range("queue_limit", absl::GetFlag(FLAGS_queue_limit), 1, 100000);
  const std::string fixed = absl::GetFlag(FLAGS_fixed_time);
  if (!fixed.empty()) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, fixed, &t, &error)) {
      std::fprintf(stderr, "--fixed_time: not an RFC 3339 time: %s (%s)\n",
                   fixed.c_str(), error.c_str());
      std::exit(2);
    }
    flags.fixed_time = t;
  }
  return flags;
}

bool IsLoopback(absl::string_view address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

int CannotStart(absl::string_view program, const absl::Status& status) {
  // One line, whatever the message holds: log collectors split on newlines.
  std::string message = absl::StrReplaceAll(
      absl::StripTrailingAsciiWhitespace(status.message()), {{"\n", "; "}});
  if (message.empty()) message = status.ToString();
  std::fprintf(stderr, "%.*s: cannot start: %s\n",
               static_cast<int>(program.size()), program.data(),
               message.c_str());
  return kExitCannotStart;
}

namespace {

// "<what> <value> (<flag>)": how start-up errors name what they are about,
// e.g. "gRPC address 127.0.0.1:50061 (--listen)".
std::string Subject(absl::string_view what, absl::string_view value,
                    absl::string_view flag) {
  return absl::StrCat(what, " ", value, " (", flag, ")");
}

// Reads a whole file; the error starts with `subject` and gives the
// system's reason.
absl::StatusOr<std::string> ReadFile(absl::string_view subject,
                                     const std::string& path) {
  auto error = [&](int code) {
    return absl::FailedPreconditionError(
        absl::StrCat(subject, ": cannot read it: ", std::strerror(code)));
  };
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(errno);
  std::string contents;
  char buffer[8192];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int code = errno;
      close(fd);
      return error(code);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return contents;
}

// Checks that `pem` holds a PEM block whose label is one of `labels` and
// whose body is base64 of a DER SEQUENCE, so an empty file, a truncated
// copy or the key given as the certificate is reported by name before gRPC
// sees it. (A well-formed pair that does not match is left to gRPC.)
absl::Status CheckPem(absl::string_view subject, absl::string_view pem,
                      std::initializer_list<absl::string_view> labels,
                      absl::string_view expected) {
  auto malformed = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, ": not a PEM ", expected, ": ", why));
  };
  size_t begin = absl::string_view::npos;
  absl::string_view label;
  for (absl::string_view candidate : labels) {
    const size_t at = pem.find(absl::StrCat("-----BEGIN ", candidate, "-----"));
    if (at != absl::string_view::npos && at < begin) {
      begin = at;
      label = candidate;
    }
  }
  if (begin == absl::string_view::npos) {
    if (absl::StrContains(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      return malformed("the key is encrypted; give it unencrypted");
    }
    return malformed(pem.empty()
                         ? "the file is empty"
                         : absl::StrCat("no \"-----BEGIN ", *labels.begin(),
                                        "-----\" line"));
  }
  const std::string header = absl::StrCat("-----BEGIN ", label, "-----");
  const std::string footer = absl::StrCat("-----END ", label, "-----");
  const size_t body = begin + header.size();
  const size_t end = pem.find(footer, body);
  if (end == absl::string_view::npos) {
    return malformed(absl::StrCat("no \"", footer, "\" line (truncated?)"));
  }
  std::string base64(pem.substr(body, end - body));
  base64.erase(std::remove_if(base64.begin(), base64.end(),
                              [](unsigned char c) { return std::isspace(c); }),
               base64.end());
  std::string der;
  if (base64.empty() || !absl::Base64Unescape(base64, &der) || der.empty() ||
      static_cast<unsigned char>(der[0]) != 0x30) {
    return malformed(
        absl::StrCat("the ", label, " block is not valid base64 DER"));
  }
  return absl::OkStatus();
}

// Checks that nothing else listens on `address` ("host:port") yet, by
// binding it the way the server will (SO_REUSEADDR, no SO_REUSEPORT), so a
// taken port is reported in one line naming the address and the cause
// rather than by the listener library. Port 0 is always free.
absl::Status CheckCanListen(absl::string_view subject,
                            const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, ": expected host:port"));
  }
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (port == "0") return absl::OkStatus();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int resolved = getaddrinfo(host.empty() ? nullptr : host.c_str(),
                                   port.c_str(), &hints, &found);
  if (resolved != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, ": cannot resolve it: ", gai_strerror(resolved)));
  }
  absl::Status status = absl::OkStatus();
  for (addrinfo* a = found; a != nullptr && status.ok(); a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 &&
        (errno == EADDRINUSE || errno == EACCES)) {
      const bool in_use = errno == EADDRINUSE;
      status = absl::FailedPreconditionError(
          absl::StrCat(subject, ": ", std::strerror(errno),
                       in_use ? " (another process listens there)" : ""));
    }
    close(fd);
  }
  freeaddrinfo(found);
  return status;
}

// While one exists, gRPC's error log lines are kept instead of printed, so
// a listener gRPC refuses (a TLS key that does not match its certificate)
// is reported in our one line, with gRPC's reason in it. Only one at a time;
// used around BuildAndStart, before the service starts threads of its own.
class GrpcErrorCapture {
 public:
  GrpcErrorCapture() {
    absl::MutexLock lock(&mu_);
    lines_ = &captured_;
    gpr_set_log_function(&Capture);
  }
  // Restores gRPC's own logger and prints what was kept, unless Take()n.
  ~GrpcErrorCapture() {
    gpr_set_log_function(nullptr);  // gRPC's default logger
    absl::MutexLock lock(&mu_);
    lines_ = nullptr;
    for (const Line& line : captured_) {
      gpr_log_message(line.file.c_str(), line.line, GPR_LOG_SEVERITY_ERROR,
                      line.message.c_str());
    }
  }
  // What gRPC said, as one line; clears it.
  std::string Take() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> messages;
    for (const Line& line : captured_) {
      // Drop gRPC's "{file:..., created_time:...}" detail: the sentence
      // before it says what went wrong.
      absl::string_view text = line.message;
      text = absl::StripAsciiWhitespace(text.substr(0, text.find(" {")));
      if (!text.empty()) messages.emplace_back(text);
    }
    captured_.clear();
    return absl::StrJoin(messages, "; ");
  }

 private:
  struct Line {
    std::string file;
    int line;
    std::string message;
  };
  static void Capture(gpr_log_func_args* args) {
    {
      absl::MutexLock lock(&mu_);
      if (lines_ != nullptr && args->severity == GPR_LOG_SEVERITY_ERROR) {
        lines_->push_back({args->file, args->line, args->message});
        return;
      }
    }
    // Not an error: print it as gRPC would (the default logger is back
    // once the capture ends; meanwhile, this is the one line it gets).
    std::fprintf(stderr, "%s %s:%d] %s\n",
                 gpr_log_severity_string(args->severity), args->file,
                 args->line, args->message);
  }

  static absl::Mutex mu_;
  static std::vector<Line>* lines_ ABSL_GUARDED_BY(mu_);
  std::vector<Line> captured_;
};
absl::Mutex GrpcErrorCapture::mu_;
std::vector<GrpcErrorCapture::Line>* GrpcErrorCapture::lines_ = nullptr;

std::string HostOf(absl::string_view address) {
  const size_t colon = address.rfind(':');
  return std::string(address.substr(0, colon));
}

}  // namespace

ServiceHost::ServiceHost(std::string service_name, ServerFlags flags)
    : service_name_(std::move(service_name)), flags_(std::move(flags)) {
  if (flags_.fixed_time.has_value()) {
    fixed_clock_ = std::make_unique<FakeClock>(*flags_.fixed_time);
  }
  clock_ = fixed_clock_ != nullptr ? fixed_clock_.get() : Clock::Real();
}

ServiceHost::~ServiceHost() { Drain(); }

absl::Status ServiceHost::Init() {
  if (!flags_.auth_tokens_file.empty()) {
    // Read once here for the system's reason ("No such file or directory");
    // the Authorizer says what is wrong inside ("<path>:<line>: ...").
    if (auto readable =
            ReadFile(Subject("auth tokens file", flags_.auth_tokens_file,
                             "--auth_tokens_file"),
                     flags_.auth_tokens_file);
        !readable.ok()) {
      return readable.status();
    }
    auto authorizer = Authorizer::FromFile(flags_.auth_tokens_file);
    if (!authorizer.ok()) {
      return absl::Status(authorizer.status().code(),
                          absl::StrCat("auth tokens file (--auth_tokens_file) ",
                                       authorizer.status().message()));
    }
    authorizer_ = *std::move(authorizer);
  }
  if (!authorizer_.enabled() && !flags_.insecure &&
      (!IsLoopback(flags_.listen) || !IsLoopback(flags_.metrics_listen))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", flags_.listen, " / ", flags_.metrics_listen,
        " beyond loopback without --auth_tokens_file; pass --insecure to "
        "allow unauthenticated access"));
  }
  if (flags_.tls_cert_file.empty() != flags_.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file go together");
  }
  if (!flags_.tls_cert_file.empty()) {
    const std::string cert_subject =
        Subject("TLS certificate", flags_.tls_cert_file, "--tls_cert_file");
    const std::string key_subject =
        Subject("TLS key", flags_.tls_key_file, "--tls_key_file");
    auto cert = ReadFile(cert_subject, flags_.tls_cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(key_subject, flags_.tls_key_file);
    if (!key.ok()) return key.status();
    if (absl::Status s =
            CheckPem(cert_subject, *cert, {"CERTIFICATE"}, "certificate");
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            CheckPem(key_subject, *key,
                     {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"},
                     "private key");
        !s.ok()) {
      return s;
    }
    tls_cert_ = *std::move(cert);
    tls_key_ = *std::move(key);
  }
  // Checked again in Start(); here so a taken port stops the start before
  // the data directory is opened.
  if (absl::Status s = CheckCanListen(
          Subject("gRPC address", flags_.listen, "--listen"), flags_.listen);
      !s.ok()) {
    return s;
  }
  const std::string metrics_subject =
      Subject("metrics address", flags_.metrics_listen, "--metrics_listen");
  if (absl::Status s = CheckCanListen(metrics_subject, flags_.metrics_listen);
      !s.ok()) {
    return s;
  }
  WorkerPool::Options read;
  read.name = "read";
  read.threads = flags_.read_threads;
  read.queue_limit = flags_.queue_limit;
  read.metrics = &metrics_.registry();
  WorkerPool::Options write = read;
  write.name = "write";
  write.threads = flags_.write_threads;
  read_pool_ = std::make_unique<WorkerPool>(read);
  write_pool_ = std::make_unique<WorkerPool>(write);
  if (absl::Status s = metrics_.Serve(flags_.metrics_listen); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat(metrics_subject, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> ServiceHost::OpenStore(
    std::vector<std::string> column_families) const {
  Store::Options options;
  options.path = flags_.data_dir;
  options.column_families = std::move(column_families);
  options.sync_writes = flags_.sync_writes;
  auto store = Store::Open(options);
  if (store.ok()) return store;
  const std::string subject =
      Subject("data directory", flags_.data_dir, "--data_dir");
  const absl::string_view message = store.status().message();
  // RocksDB: "IO error: While lock file: <dir>/LOCK: Resource temporarily
  // unavailable" when another process has the database open.
  if (absl::StrContains(message, "lock file")) {
    return absl::FailedPreconditionError(absl::StrCat(
        subject,
        ": in use by another process (it holds the RocksDB LOCK; is another "
        "instance running on it?): ",
        message));
  }
  return absl::Status(store.status().code(),
                      absl::StrCat(subject, ": ", message));
}

void ServiceHost::Register(grpc::Service* service,
                           const std::string& health_name) {
  services_.push_back(service);
  if (!health_name.empty()) health_names_.push_back(health_name);
}

void ServiceHost::AddDrainHook(std::function<void()> hook) {
  drain_hooks_.push_back(std::move(hook));
}

absl::Status ServiceHost::Start() {
  if (read_pool_ == nullptr) {
    return absl::FailedPreconditionError("ServiceHost::Start before Init");
  }
  if (absl::Status s = CheckCanListen(
          Subject("gRPC address", flags_.listen, "--listen"), flags_.listen);
      !s.ok()) {
    return s;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!tls_cert_.empty()) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({tls_key_, tls_cert_});
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::ServerBuilder builder;
  // Without SO_REUSEPORT (gRPC's default on Linux) a second server on the
  // same port fails to start instead of silently sharing the traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Feed consumers send keepalive pings on idle connections (FeedConsumer's
  // PeerChannelArguments); accept them rather than answer too_many_pings.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddListeningPort(flags_.listen, credentials, &port_);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(metrics_.NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  GrpcErrorCapture grpc_errors;
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
      server_.reset();
    }
    const std::string reason = grpc_errors.Take();
    if (!tls_cert_.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          Subject("gRPC address", flags_.listen, "--listen"),
          ": cannot serve TLS with the certificate ", flags_.tls_cert_file,
          " (--tls_cert_file) and the key ", flags_.tls_key_file,
          " (--tls_key_file); do they belong together? gRPC says: ",
          reason.empty() ? "nothing" : reason));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(Subject("gRPC address", flags_.listen, "--listen"),
                     ": cannot listen there; gRPC says: ",
                     reason.empty() ? "nothing" : reason));
  }
  for (const std::string& name : health_names_) {
    server_->GetHealthCheckService()->SetServingStatus(name, true);
  }
  // The overall status; a drain turns every name to NOT_SERVING at once.
  server_->GetHealthCheckService()->SetServingStatus(true);
  if (absl::Status written = WritePortFile(); !written.ok()) {
    server_->Shutdown();
    server_->Wait();
    server_.reset();
    return written;
  }
  std::fprintf(stderr, "kam: %s serving gRPC on %s:%d, metrics on %s:%d\n",
               service_name_.c_str(), HostOf(flags_.listen).c_str(), port_,
               HostOf(flags_.metrics_listen).c_str(), metrics_.port());
  return absl::OkStatus();
}

absl::Status ServiceHost::WritePortFile() const {
  if (flags_.port_file.empty()) return absl::OkStatus();
  const std::string tmp = flags_.port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "grpc=" << HostOf(flags_.listen) << ":" << port_ << "\n"
        << "metrics=" << HostOf(flags_.metrics_listen) << ":" << metrics_.port()
        << "\n";
    if (!out) {
      return absl::FailedPreconditionError(
          absl::StrCat(Subject("port file", tmp, "--port_file"),
                       ": cannot write it: ", std::strerror(errno)));
    }
  }
  if (std::rename(tmp.c_str(), flags_.port_file.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        Subject("port file", flags_.port_file, "--port_file"),
        ": cannot rename ", tmp, " to it: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void ServiceHost::RunUntilSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "kam: %s received %s; draining (up to %s)\n",
               service_name_.c_str(), strsignal(signal_number),
               absl::FormatDuration(flags_.drain_timeout).c_str());
  Drain();
}

void ServiceHost::SetServing(const std::string& health_name, bool serving) {
  absl::MutexLock lock(&health_mu_);
  if (drained_ || server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(health_name, serving);
}

void ServiceHost::Drain() {
  {
    absl::MutexLock lock(&health_mu_);
    if (drained_ || server_ == nullptr) return;
    drained_ = true;
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  for (auto& hook : drain_hooks_) hook();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + flags_.drain_timeout));
  server_->Wait();
  std::fprintf(stderr, "kam: %s drained\n", service_name_.c_str());
}

}  // namespace kam
