// Runs the kamctl binary the way a user does and checks what they see: exit
// status, and the messages on stdout and stderr. No server is needed: calls go
// to a closed port.

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kClosedPort[] = "--registry_addr=127.0.0.1:1";

struct KamctlRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// This process's own scratch directory: ctest runs the cases of this binary
// as parallel processes, which must not share files.
const std::string& ScratchDir() {
  static const kam::test_support::TempDir dir;  // removed at exit
  return dir.path();
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = ScratchDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Kamctl runs "env <env> kamctl <args>" through the shell.
KamctlRun Kamctl(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const std::string base =
      ScratchDir() + "/kamctl_cli_" + std::to_string(++counter);
  const std::string command =
      "env -u KAM_REGISTRY_ADDR -u KAM_TOKEN "
      "-u KAM_OUTPUT -u KAM_TIMEOUT " +
      env + " " + KAMCTL_PATH + " " + args + " >" + base + ".out 2>" + base +
      ".err";
  const int status = std::system(command.c_str());
  KamctlRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(base + ".out");
  run.err = Slurp(base + ".err");
  return run;
}

TEST(KamctlCliTest, HelpListsEverySubcommand) {
  KamctlRun run = Kamctl("help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"health", "accounts list", "accounts get", "accounts create",
        "accounts update", "accounts delete", "accounts hierarchy",
        "contacts list", "contacts get", "contacts create", "contacts update",
        "contacts delete", "contacts orgchart", "financials list",
        "financials record", "import accounts|contacts|financials",
        "feed watch"}) {
    EXPECT_THAT(run.out, HasSubstr("\n  " + std::string(command) + " "))
        << command;
  }
}

TEST(KamctlCliTest, NoArgumentsPrintsUsageAndFails) {
  KamctlRun run = Kamctl("");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("Usage: kamctl COMMAND"));
}

TEST(KamctlCliTest, UnknownSubcommandExitsTwoWithUsage) {
  KamctlRun run = Kamctl("acounts list");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown command \"acounts list\""));
  EXPECT_THAT(run.err, HasSubstr("Usage: kamctl COMMAND"));
  KamctlRun verb = Kamctl("accounts lsit");
  EXPECT_EQ(verb.exit_code, 2);
  EXPECT_THAT(verb.err, HasSubstr("'accounts' needs one of: list, get"));
}

TEST(KamctlCliTest, FlagMistakesAreUsageErrors) {
  KamctlRun unknown = Kamctl("accounts list --colour=red");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown flag --colour"));

  KamctlRun elsewhere = Kamctl("accounts get acme --period=2025");
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_THAT(elsewhere.err,
              HasSubstr("--period does not apply to 'kamctl accounts get'"));

  KamctlRun bad_value = Kamctl("accounts list --page_size=many");
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_THAT(bad_value.err, HasSubstr("--page_size"));

  KamctlRun bad_args = Kamctl("contacts get acme");
  EXPECT_EQ(bad_args.exit_code, 2);
  EXPECT_THAT(bad_args.err,
              HasSubstr("usage: kamctl contacts get ACCOUNT_ID CONTACT_ID"));
}

TEST(KamctlCliTest, MoneyIsCheckedBeforeAnythingIsSent) {
  KamctlRun run =
      Kamctl(std::string(kClosedPort) +
             " financials record acme --period=2025 --revenue=1.234 "
             "--gross_margin=1 --currency=EUR");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--revenue: must be a decimal amount"));
  KamctlRun missing =
      Kamctl("financials record acme --period=2025 --revenue=1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--gross_margin is required"));
}

TEST(KamctlCliTest, UpdateWithoutFieldsIsAUsageError) {
  KamctlRun run = Kamctl("accounts update acme --etag=abc");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("nothing to change"));
}

TEST(KamctlCliTest, ServerErrorsPrintCodeAndExitOne) {
  KamctlRun run =
      Kamctl(std::string(kClosedPort) + " accounts get acme --timeout=5s");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, StartsWith("kamctl: UNAVAILABLE: "));
  EXPECT_THAT(run.out, IsEmpty());
}

TEST(KamctlCliTest, ShortOutputFlagAndEnvironmentVariablesAreRead) {
  KamctlRun short_flag = Kamctl("-o yaml health");
  EXPECT_EQ(short_flag.exit_code, 2);
  EXPECT_THAT(short_flag.err,
              HasSubstr("--output: must be table or json, got \"yaml\""));

  KamctlRun from_env = Kamctl("health", "KAM_OUTPUT=yaml");
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_THAT(from_env.err, HasSubstr("got \"yaml\""));

  // The command line wins over the environment; the address comes from it.
  KamctlRun both =
      Kamctl("-o json health", "KAM_OUTPUT=yaml KAM_REGISTRY_ADDR=127.0.0.1:1");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_THAT(both.err, StartsWith("kamctl: UNAVAILABLE: "));
}

TEST(KamctlCliTest, ImportRejectsAFileWithAnUnknownColumn) {
  const std::string path = WriteTempFile(
      "bad_header.csv", "account_id,display_name,turnover\nacme,Acme,5\n");
  KamctlRun run = Kamctl(std::string(kClosedPort) + " import accounts " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ": line 1: header: unknown column "
                                        "\"turnover\""));
}

TEST(KamctlCliTest, ImportReportsMalformedRowsByLineAndDoesNotSendThem) {
  const std::string path =
      WriteTempFile("malformed.csv",
                    "account_id,period,currency,revenue,gross_margin\n"
                    "acme,2024,EUR,1.234,5\n"
                    "acme,2025,EUR,\"100,5\n");
  // Nothing valid is left to send, so the closed port is never dialled.
  KamctlRun run =
      Kamctl(std::string(kClosedPort) + " import financials " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":2: column \"revenue\""));
  EXPECT_THAT(run.err, HasSubstr(path + ":3: field 4: the quote opened on "
                                        "line 3 is never closed"));
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("UNAVAILABLE")));
  EXPECT_THAT(run.out, HasSubstr("2 rows: 0 created, 0 updated, 0 unchanged, "
                                 "0 failed, 2 malformed (not sent)"));
}

}  // namespace
