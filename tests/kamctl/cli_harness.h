#ifndef KAM_TESTS_KAMCTL_CLI_HARNESS_H_
#define KAM_TESTS_KAMCTL_CLI_HARNESS_H_

#include <string>

// What the tests of the kamctl binary share: they run it the way a user does,
// through the shell, and check what it printed and wrote. The binary is the
// one the build made (KAMCTL_PATH, compiled into cli_harness.cc).
namespace kam::kamctl {

// KamctlRun is what one run of kamctl did.
struct KamctlRun {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out, err;
};

// Slurp is the whole content of a file, "" when it cannot be read.
std::string Slurp(const std::string& path);

// ScratchDir is this process's own scratch directory, removed at exit: ctest
// runs the cases of a test binary as parallel processes, which must not share
// files.
const std::string& ScratchDir();

// WriteTempFile writes `text` to the file `name` in ScratchDir() and returns
// its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

// Kamctl runs "cd <dir> && env <env> kamctl <args>" through the shell and
// returns its exit code, stdout and stderr. The KAM_* variables kamctl reads
// (KAM_REGISTRY_ADDR, KAM_TOKEN, ...) are unset first, so that only `env`
// sets them. `args` and `env` are shell words, quoted by the caller as
// needed.
KamctlRun Kamctl(const std::string& args, const std::string& env = "",
                 const std::string& dir = ScratchDir());

}  // namespace kam::kamctl

#endif  // KAM_TESTS_KAMCTL_CLI_HARNESS_H_
