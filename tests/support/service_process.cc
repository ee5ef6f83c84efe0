#include "tests/support/service_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace kam::test_support {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

ServiceProcess::ServiceProcess(Options options)
    : options_(std::move(options)),
      log_path_(options_.run_dir + "/process.log") {}

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(
    Options options) {
  if (options.binary.empty()) {
    return absl::InvalidArgumentError("ServiceProcess: no binary given");
  }
  std::unique_ptr<ServiceProcess> process(
      new ServiceProcess(std::move(options)));
  absl::Status started = process->Spawn();
  if (!started.ok()) return started;
  return process;
}

ServiceProcess::~ServiceProcess() { Kill(); }

absl::Status ServiceProcess::Restart() {
  if (running()) {
    return absl::FailedPreconditionError(
        "ServiceProcess::Restart: the process is still running");
  }
  return Spawn();
}

absl::Status ServiceProcess::Spawn() {
  ++starts_;
  const std::string port_file =
      absl::StrCat(options_.run_dir, "/port.", starts_);
  unlink(port_file.c_str());
  grpc_address_.clear();
  metrics_address_.clear();

  std::vector<std::string> args = {
      options_.binary,
      "--listen=127.0.0.1:0",
      "--metrics_listen=127.0.0.1:0",
      "--data_dir=" + options_.data_dir,
      "--port_file=" + port_file,
  };
  args.insert(args.end(), options_.extra_args.begin(),
              options_.extra_args.end());

  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (the test process has gRPC threads).
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int log_fd =
      open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat(
        "ServiceProcess: cannot open ", log_path_, ": ", std::strerror(errno)));
  }
  const std::string banner = absl::StrCat("==== start #", starts_, ": ",
                                          absl::StrJoin(args, " "), "\n");
  if (write(log_fd, banner.data(), banner.size()) < 0) {
    // The banner is a courtesy; the log itself still works.
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return absl::InternalError(
        absl::StrCat("ServiceProcess: fork: ", std::strerror(error)));
  }
  if (pid == 0) {
    // Child.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died already
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD}) {
      signal(sig, SIG_DFL);
    }
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    static const char kExecFailed[] = "ServiceProcess: execv failed\n";
    if (write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1) < 0) {
    }
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  pid_ = pid;

  const absl::Time deadline = absl::Now() + options_.start_timeout;
  while (true) {
    int wait_status = 0;
    const pid_t reaped = waitpid(pid_, &wait_status, WNOHANG);
    if (reaped == pid_) {
      Reap(wait_status);
      return absl::FailedPreconditionError(
          absl::StrCat(options_.binary, " exited with code ", last_exit_code_,
                       " before serving; its log:\n", LogTail()));
    }
    if (ReadPortFile(port_file)) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      Kill();
      return absl::DeadlineExceededError(
          absl::StrCat(options_.binary, " wrote no port file ", port_file,
                       " within ", absl::FormatDuration(options_.start_timeout),
                       "; its log:\n", LogTail()));
    }
    absl::SleepFor(kPollInterval);
  }
}

bool ServiceProcess::ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return false;
  std::string grpc, metrics, line;
  while (std::getline(in, line)) {
    absl::string_view value = line;
    if (absl::ConsumePrefix(&value, "grpc=")) grpc = std::string(value);
    if (absl::ConsumePrefix(&value, "metrics=")) metrics = std::string(value);
  }
  // The server renames a complete file into place, but be tolerant of a
  // writer that does not.
  if (grpc.empty() || metrics.empty()) return false;
  grpc_address_ = grpc;
  metrics_address_ = metrics;
  return true;
}

void ServiceProcess::Reap(int wait_status) {
  last_exit_code_ = ExitCodeOf(wait_status);
  pid_ = -1;
}

bool ServiceProcess::running() {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  const pid_t reaped = waitpid(pid_, &wait_status, WNOHANG);
  if (reaped == pid_) {
    Reap(wait_status);
    return false;
  }
  return true;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
  }
  Reap(wait_status);
}

absl::Status ServiceProcess::Signal(int signal) {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("ServiceProcess: not running");
  }
  if (kill(pid_, signal) != 0) {
    return absl::InternalError(
        absl::StrCat("ServiceProcess: kill: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ServiceProcess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("ServiceProcess: not running");
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int wait_status = 0;
    const pid_t reaped = waitpid(pid_, &wait_status, WNOHANG);
    if (reaped == pid_) {
      Reap(wait_status);
      return last_exit_code_;
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("ServiceProcess: pid ", pid_, " still running after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

absl::StatusOr<int> ServiceProcess::Terminate() {
  absl::Status signalled = Signal(SIGTERM);
  if (!signalled.ok()) return signalled;
  absl::StatusOr<int> code = Wait(options_.stop_timeout);
  if (absl::IsDeadlineExceeded(code.status())) {
    Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(options_.binary, " did not exit within ",
                     absl::FormatDuration(options_.stop_timeout),
                     " of SIGTERM (killed); its log:\n", LogTail()));
  }
  return code;
}

std::string ServiceProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string ServiceProcess::LogTail(size_t max_bytes) const {
  std::string log = ReadLog();
  if (log.size() <= max_bytes) return log;
  return "[...]\n" + log.substr(log.size() - max_bytes);
}

}  // namespace kam::test_support
