#ifndef KAM_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define KAM_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kam::test_support {

// ServiceProcess runs a kam server binary as a child process, the way an
// operator would: on 127.0.0.1 port 0 for gRPC and metrics, with its own data
// directory, and learns the ports from the --port_file the server writes once
// it serves. stdout and stderr go to a log file (appended across restarts) so
// a failing test can show what the server said.
//
// The child gets a clean signal mask and default signal dispositions, and is
// SIGKILLed by the kernel if the thread that started it exits (a crashed or
// timed-out test binary leaves no server behind). Start it from the test's
// main thread.
//
// Not thread-safe: one test thread drives it.
//
// Example:
//   TempDir dir;
//   auto registry = ServiceProcess::Start({.binary = KAM_REGISTRY_BINARY,
//                                          .data_dir = dir.Sub("data"),
//                                          .run_dir = dir.path()});
//   ASSERT_TRUE(registry.ok()) << registry.status();
//   auto channel = grpc::CreateChannel((*registry)->grpc_address(), ...);
class ServiceProcess {
 public:
  struct Options {
    // Absolute path of the server binary.
    std::string binary;
    // Passed as --data_dir; kept across Restart().
    std::string data_dir;
    // Where port files and the log go; must exist.
    std::string run_dir;
    // More flags, e.g. {"--sync_writes=true"}.
    std::vector<std::string> extra_args;
    // How long the server may take to write its port file.
    absl::Duration start_timeout = absl::Seconds(20);
    // How long Terminate() waits for the process to exit after SIGTERM.
    absl::Duration stop_timeout = absl::Seconds(30);
  };

  // Starts the binary with --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0
  // --data_dir --port_file and the extra args, and waits for the port file.
  // On failure (cannot spawn, the process exits, no port file in time) the
  // process is killed and the error message includes the process log.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(Options options);

  // SIGKILLs the process if it is still running.
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts the binary again after Kill(), Terminate() or an exit, with the
  // same data directory and a new port file; the ports usually change.
  // FAILED_PRECONDITION if the process is still running.
  absl::Status Restart();

  // SIGKILL and reap: the `kill -9` of a crash. No-op if not running.
  void Kill();

  // Sends `signal` without waiting (e.g. SIGTERM while a stream is open).
  absl::Status Signal(int signal);

  // Waits up to `timeout` for the process to exit and reaps it. Returns the
  // exit code, or 128 + the signal number if a signal ended it (as a shell
  // reports it); DEADLINE_EXCEEDED if it is still running (it is left
  // running); FAILED_PRECONDITION if it was not running.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // SIGTERM, then Wait(stop_timeout). If the process does not exit in time
  // it is SIGKILLed and DEADLINE_EXCEEDED (with the log) is returned.
  absl::StatusOr<int> Terminate();

  // Whether the process is running (reaps it if it has exited on its own;
  // the exit code is then in last_exit_code()).
  bool running();
  // The exit code of the last reaped run, as Wait() reports it; -1 if none.
  int last_exit_code() const { return last_exit_code_; }

  pid_t pid() const { return pid_; }
  // "127.0.0.1:PORT" of the current (last started) run.
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& log_path() const { return log_path_; }
  // The whole log, every run so far.
  std::string ReadLog() const;
  // The last `max_bytes` of the log, for failure messages.
  std::string LogTail(size_t max_bytes = 8192) const;

 private:
  explicit ServiceProcess(Options options);
  absl::Status Spawn();
  // Reads the port file; true once both addresses are there.
  bool ReadPortFile(const std::string& path);
  void Reap(int wait_status);

  const Options options_;
  std::string log_path_;
  int starts_ = 0;
  pid_t pid_ = -1;
  int last_exit_code_ = -1;
  std::string grpc_address_;
  std::string metrics_address_;
};

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_SERVICE_PROCESS_H_
