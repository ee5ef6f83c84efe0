#include "tests/kamctl/cli_harness.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace kam::kamctl {

std::string Slurp(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

const std::string& ScratchDir() {
  static const kam::test_support::TempDir dir;  // removed at exit
  return dir.path();
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = ScratchDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

KamctlRun Kamctl(const std::string& args, const std::string& env,
                 const std::string& dir) {
  static int counter = 0;
  const std::string base =
      ScratchDir() + "/kamctl_run_" + std::to_string(++counter);
  const std::string command =
      "cd " + dir +
      " && env -u KAM_REGISTRY_ADDR -u KAM_ENGAGEMENT_ADDR "
      "-u KAM_SCORING_ADDR -u KAM_PLANNING_ADDR -u KAM_TOKEN -u KAM_OUTPUT "
      "-u KAM_TIMEOUT " +
      env + " " + KAMCTL_PATH + " " + args + " >" + base + ".out 2>" + base +
      ".err";
  const int status = std::system(command.c_str());
  KamctlRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(base + ".out");
  run.err = Slurp(base + ".err");
  return run;
}

}  // namespace kam::kamctl
