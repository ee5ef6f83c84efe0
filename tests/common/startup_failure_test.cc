// What an operator sees when a kam server cannot start: the real binaries of
// all four services (and a scoring follower, whose start differs) are run
// against a taken gRPC port, a taken metrics port, a data directory another
// process holds, and unreadable or malformed tokens and TLS files. Each must
// exit on its own with code 1 (not killed by a signal: no abort, no
// "terminate called"), having written exactly one line to stderr that names
// the thing and the cause.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/server.h"
#include "gtest/gtest.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace kam {
namespace {

using test_support::ServiceProcess;
using test_support::TempDir;

// How a binary is started, peers pointing nowhere (its feed consumers keep
// retrying in the background; the start must not wait for them).
struct Binary {
  std::string label;    // the test's name for it
  std::string program;  // what it calls itself on stderr
  std::string path;
  std::vector<std::string> args;
};

// gtest names the parameter in test lists and failures by its label.
void PrintTo(const Binary& binary, std::ostream* out) { *out << binary.label; }

std::vector<Binary> Binaries() {
  const std::string nowhere = "127.0.0.1:1";
  return {
      {"registry", "kam-registry", KAM_REGISTRY_BINARY, {}},
      {"engagement",
       "kam-engagement",
       KAM_ENGAGEMENT_BINARY,
       {"--registry_addr=" + nowhere, "--scoring_addr=" + nowhere}},
      {"scoring",
       "kam-scoring",
       KAM_SCORING_BINARY,
       {"--registry_addr=" + nowhere, "--engagement_addr=" + nowhere}},
      {"scoring_follower",
       "kam-scoring",
       KAM_SCORING_BINARY,
       {"--follow_primary=" + nowhere}},
      {"planning",
       "kam-planning",
       KAM_PLANNING_BINARY,
       {"--registry_addr=" + nowhere, "--scoring_addr=" + nowhere,
        "--engagement_addr=" + nowhere}},
  };
}

// A process that ran to its end (or was killed after `timeout`).
struct Ending {
  bool exited = false;     // ended by exit(), not by a signal
  int exit_code = -1;      // if exited
  int signal = 0;          // if killed by a signal
  bool timed_out = false;  // still running at the timeout (then killed)
  std::string output;      // stderr and stdout
  // The non-empty lines of `output`.
  std::vector<std::string> Lines() const {
    return absl::StrSplit(output, '\n', absl::SkipEmpty());
  }
  std::string Describe() const {
    return absl::StrCat(timed_out ? "still running (killed); " : "",
                        exited ? absl::StrCat("exit code ", exit_code)
                               : absl::StrCat("signal ", signal),
                        "; output:\n", output);
  }
};

// Runs `args` (args[0] the binary) to its end, collecting what it writes.
Ending RunToEnd(const std::vector<std::string>& args,
                absl::Duration timeout = absl::Seconds(30)) {
  Ending ending;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    ending.output = absl::StrCat("pipe: ", std::strerror(errno));
    return ending;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    ending.output = absl::StrCat("posix_spawn: ", std::strerror(spawned));
    return ending;
  }
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  bool open = true;
  while (open) {
    pollfd p{out[0], POLLIN, 0};
    const int remaining =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (remaining <= 0) {
      ending.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(&p, 1, remaining) <= 0) continue;
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n > 0) {
      ending.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      open = false;  // every writer (the process) is gone
    }
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ending.exited = WIFEXITED(status);
  if (ending.exited) ending.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) ending.signal = WTERMSIG(status);
  return ending;
}

// A TCP listener on 127.0.0.1 that holds a port for the test's lifetime.
class TakenPort {
 public:
  TakenPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
            0 &&
        listen(fd_, 1) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~TakenPort() {
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A self-signed EC certificate, its key, and a key of another pair: test
// material only, never used to protect anything.
constexpr char kCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUXy8s34ZPRgCQ84wCpdTG4wFABz8wCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIa2FtLXRlc3QwIBcNMjYxMjAzMTg1NjE0WhgPMjEyNjExMDkx
ODU2MTRaMBMxETAPBgNVBAMMCGthbS10ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEhOKiZ4iJlm9wP9PWsUo/f0Sb8p9IVpELi0uRdjgkWbLG0X87U73HUyR2
rsZeHSwcixnc/2M3jC6LHA1PIj1MH6NTMFEwHQYDVR0OBBYEFNYz8+aK33f+4oI9
7DXbj4utWhO0MB8GA1UdIwQYMBaAFNYz8+aK33f+4oI97DXbj4utWhO0MA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgaOF4kFXnol250YPxoWX/npES
Su3WTQE8ohZdrBj/nPYCIQCuCbZRoGWtD3+50Fpq3G0UIue8Ft14oB/BFhA2POW8
pg==
-----END CERTIFICATE-----
)";
constexpr char kOtherKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfEAO4EBPlxUgcV/T
2WQZcrkj3jkJg/XfgzKCJvVmzimhRANCAATPysPjMzjnjGkiVNAxwtZG/6NNGBh1
jixFqbSV9mPVoV1U/2Y4f7XNNQGEANb4PVZ1YmwllKOjBkyyL4bqMQtT
-----END PRIVATE KEY-----
)";

class StartupFailureTest : public ::testing::TestWithParam<Binary> {
 protected:
  // The binary with its own ports (0), data directory and `more` flags.
  std::vector<std::string> Command(std::vector<std::string> more) const {
    std::vector<std::string> args = {GetParam().path, "--listen=127.0.0.1:0",
                                     "--metrics_listen=127.0.0.1:0",
                                     "--data_dir=" + dir_.Sub("data")};
    args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
    // Later flags win: a case's own --listen replaces the one above.
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }

  // Runs with `more` flags and checks the ending an operator must see: exit
  // code 1 on its own, one line "<program>: cannot start: ..." that holds
  // every one of `says`.
  void ExpectCannotStart(const std::vector<std::string>& more,
                         const std::vector<std::string>& says) {
    const Ending ending = RunToEnd(Command(more));
    SCOPED_TRACE(ending.Describe());
    EXPECT_FALSE(ending.timed_out) << "it should not have started";
    ASSERT_TRUE(ending.exited)
        << "killed by signal " << ending.signal << " instead of exiting";
    EXPECT_EQ(ending.exit_code, kExitCannotStart);
    EXPECT_FALSE(absl::StrContains(ending.output, "terminate called"));
    const std::vector<std::string> lines = ending.Lines();
    ASSERT_EQ(lines.size(), 1u) << "one line on stderr, no more";
    EXPECT_TRUE(absl::StartsWith(
        lines[0], absl::StrCat(GetParam().program, ": cannot start: ")))
        << lines[0];
    for (const std::string& part : says) {
      EXPECT_TRUE(absl::StrContains(lines[0], part))
          << "the line does not say \"" << part << "\": " << lines[0];
    }
  }

  TempDir dir_;
};

TEST_P(StartupFailureTest, GrpcPortTaken) {
  TakenPort taken;
  ASSERT_NE(taken.port(), 0);
  ExpectCannotStart({"--listen=" + taken.address()},
                    {absl::StrCat("gRPC address ", taken.address(),
                                  " (--listen): Address already in use")});
}

TEST_P(StartupFailureTest, MetricsPortTaken) {
  TakenPort taken;
  ASSERT_NE(taken.port(), 0);
  ExpectCannotStart(
      {"--metrics_listen=" + taken.address()},
      {absl::StrCat("metrics address ", taken.address(),
                    " (--metrics_listen): Address already in use")});
}

// A second process on a data directory a running one holds: the second
// says so; the first keeps serving and stops cleanly.
TEST_P(StartupFailureTest, DataDirectoryHeldByAnotherProcess) {
  ServiceProcess::Options options;
  options.binary = GetParam().path;
  options.data_dir = dir_.Sub("data");
  options.run_dir = dir_.path();
  options.extra_args = GetParam().args;
  auto holder = ServiceProcess::Start(options);
  ASSERT_TRUE(holder.ok()) << holder.status();

  ExpectCannotStart({}, {absl::StrCat("data directory ", dir_.Sub("data"),
                                      " (--data_dir): in use by another "
                                      "process"),
                         "LOCK"});
  EXPECT_TRUE((*holder)->running());
  auto stopped = (*holder)->Terminate();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0) << (*holder)->LogTail();
}

TEST_P(StartupFailureTest, TokensFileMissing) {
  const std::string path = dir_.Sub("no-such-tokens");
  ExpectCannotStart({"--auth_tokens_file=" + path},
                    {absl::StrCat("auth tokens file ", path,
                                  " (--auth_tokens_file): cannot read it: No "
                                  "such file or directory")});
}

TEST_P(StartupFailureTest, TokensFileMalformed) {
  const std::string path = WriteFile("tokens", "viewer s3cret\neditor\n");
  ExpectCannotStart({"--auth_tokens_file=" + path},
                    {"--auth_tokens_file", absl::StrCat(path,
                                                        ":2: expected \"<role> "
                                                        "<token>\"")});
}

TEST_P(StartupFailureTest, TlsCertificateMalformed) {
  const std::string cert = WriteFile("cert.pem", "not a certificate\n");
  const std::string key = WriteFile("key.pem", kOtherKey);
  ExpectCannotStart(
      {"--tls_cert_file=" + cert, "--tls_key_file=" + key},
      {absl::StrCat("TLS certificate ", cert,
                    " (--tls_cert_file): not a PEM certificate")});
}

TEST_P(StartupFailureTest, TlsKeyUnreadable) {
  const std::string cert = WriteFile("cert.pem", kCertificate);
  const std::string key = dir_.Sub("no-such-key.pem");
  ExpectCannotStart({"--tls_cert_file=" + cert, "--tls_key_file=" + key},
                    {absl::StrCat("TLS key ", key,
                                  " (--tls_key_file): cannot read it: No such "
                                  "file or directory")});
}

// The certificate given as the key, a copy-paste slip.
TEST_P(StartupFailureTest, TlsKeyMalformed) {
  const std::string cert = WriteFile("cert.pem", kCertificate);
  ExpectCannotStart({"--tls_cert_file=" + cert, "--tls_key_file=" + cert},
                    {absl::StrCat("TLS key ", cert,
                                  " (--tls_key_file): not a PEM private key")});
}

// Both files well-formed, but the key is another pair's: gRPC refuses it,
// and its reason is in the one line.
TEST_P(StartupFailureTest, TlsKeyOfAnotherCertificate) {
  const std::string cert = WriteFile("cert.pem", kCertificate);
  const std::string key = WriteFile("key.pem", kOtherKey);
  ExpectCannotStart(
      {"--tls_cert_file=" + cert, "--tls_key_file=" + key},
      {"cannot serve TLS with the certificate " + cert, "gRPC says: "});
}

INSTANTIATE_TEST_SUITE_P(AllServices, StartupFailureTest,
                         ::testing::ValuesIn(Binaries()),
                         [](const ::testing::TestParamInfo<Binary>& info) {
                           return info.param.label;
                         });

}  // namespace
}  // namespace kam
