// Runs the kamctl binary the way a user does and checks what they see: exit
// status, and the messages on stdout and stderr. No server is needed: calls go
// to a closed port.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/cli_harness.h"

namespace kam::kamctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kClosedPort[] = "--registry_addr=127.0.0.1:1";
constexpr char kClosedEngagementPort[] = "--engagement_addr=127.0.0.1:1";
constexpr char kClosedScoringPort[] = "--scoring_addr=127.0.0.1:1";

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

TEST(KamctlCliTest, HelpListsEveryEngagementSubcommand) {
  KamctlRun run = Kamctl("help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"interactions list ", "interactions contact ", "interactions get ",
        "interactions log ", "interactions update ", "interactions delete ",
        "interactions import ", "surveys record ", "surveys import ",
        "satisfaction ", "cadence list\n", "cadence set ", "overdue ",
        "coverage ", "stage get ", "stage set ", "summary ",
        "health [--target=registry|engagement|scoring|planning]"}) {
    EXPECT_THAT(run.out, HasSubstr("\n  " + std::string(command))) << command;
  }
  EXPECT_THAT(run.out, HasSubstr("KAM_ENGAGEMENT_ADDR"));
  EXPECT_THAT(run.out, HasSubstr("127.0.0.1:50062"));
}

// Each case is a usage error found before any call: exit 2 and the message.
struct UsageCase {
  const char* args;
  const char* error;
};

TEST(KamctlCliTest, EngagementFlagMistakesAreUsageErrors) {
  for (const UsageCase& c : {
           UsageCase{"interactions log acme",
                     "interactions log: --type is required"},
           UsageCase{"interactions log acme --type=lunch",
                     "--type: must be one of visit, meeting, call, email, "
                     "business_review, workshop, event, got \"lunch\""},
           UsageCase{"interactions log acme --type=visit --sentiment=3",
                     "--sentiment: must be a whole number from -2 to 2"},
           UsageCase{"interactions log acme --type=visit --at=yesterday",
                     "--at: must be an RFC 3339 time"},
           UsageCase{"interactions log acme --type=visit --with=Jo_Berg",
                     "--with: each contact ID must be 1-63 characters"},
           UsageCase{"interactions log acme --type=visit --channel=pigeon",
                     "--channel: must be one of in_person, remote"},
           UsageCase{"interactions log Acme --type=visit",
                     "ACCOUNT_ID must be 1-63 characters"},
           UsageCase{"interactions update acme v1 --etag=abc",
                     "interactions update: nothing to change"},
           UsageCase{"interactions get acme v1 --type=visit",
                     "--type does not apply to 'kamctl interactions get'"},
           UsageCase{"interactions get acme",
                     "usage: kamctl interactions get ACCOUNT_ID "
                     "INTERACTION_ID"},
           UsageCase{"interactions list acme --since=2026-13-01",
                     "--since: must be an RFC 3339 time"},
           UsageCase{"interactions list acme --since=2026-03-01 "
                     "--until=2026-02-01",
                     "--since must be before --until"},
           UsageCase{"interactions list acme --page_size=-1",
                     "--page_size: must not be negative"},
           UsageCase{"interactions import f.csv --batch=5001",
                     "--batch: must be from 1 to 5000, got 5001"},
           UsageCase{"surveys record acme",
                     "surveys record: give --nps=0..10, --csat=1..5 or both"},
           UsageCase{"surveys record acme --nps=11",
                     "--nps: must be a whole number from 0 to 10"},
           UsageCase{"surveys record acme --csat=4 --contact=Jo",
                     "--contact: must be 1-63 characters"},
           UsageCase{"satisfaction acme --window_days=-5",
                     "--window_days: must not be negative"},
           UsageCase{"cadence set gold --visit_days=30",
                     "TIER must be one of key, potential_key, maintain, "
                     "transactional, got \"gold\""},
           UsageCase{"cadence set key", "cadence set: nothing to change"},
           UsageCase{"cadence set key --visit_days=-1",
                     "--visit_days: must not be negative"},
           UsageCase{"cadence list extra", "usage: kamctl cadence list\n"},
           UsageCase{"overdue --tier=gold", "--tier: must be one of key"},
           UsageCase{"overdue --limit=-1", "--limit: must not be negative"},
           UsageCase{"coverage acme --days=-1", "--days: must not be negative"},
           UsageCase{"stage set acme cooperative",
                     "stage set: --rationale is required"},
           UsageCase{"stage set acme friendly --rationale=x",
                     "STAGE must be one of exploratory, basic, cooperative"},
           UsageCase{"stage set acme basic --rationale=x --effective=soon",
                     "--effective: must be an RFC 3339 time"},
           UsageCase{"health --target=billing",
                     "--target: must be registry, engagement, scoring or "
                     "planning, got \"billing\""},
       }) {
    KamctlRun run = Kamctl(std::string(kClosedEngagementPort) + " " + c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.error)) << c.args;
    EXPECT_THAT(run.out, IsEmpty()) << c.args;
  }
}

TEST(KamctlCliTest, EngagementServerErrorsPrintCodeAndExitOne) {
  KamctlRun run = Kamctl(std::string(kClosedEngagementPort) +
                         " interactions get acme v1 --timeout=5s");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, StartsWith("kamctl: UNAVAILABLE: "));
  EXPECT_THAT(run.out, IsEmpty());

  // The address also comes from the environment, and health can check it.
  KamctlRun from_env = Kamctl("health --target=engagement --timeout=5s",
                              "KAM_ENGAGEMENT_ADDR=127.0.0.1:1");
  EXPECT_EQ(from_env.exit_code, 1);
  EXPECT_THAT(from_env.err, StartsWith("kamctl: UNAVAILABLE: "));
}

TEST(KamctlCliTest, InteractionsImportNeedsTheInteractionIdColumn) {
  const std::string path = WriteTempFile(
      "no_id.csv", "account_id,type,occurred_at\nacme,visit,2026-03-12\n");
  KamctlRun run = Kamctl(std::string(kClosedEngagementPort) +
                         " interactions import " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ": line 1: header: the required column "
                                        "\"interaction_id\" is missing"));
}

TEST(KamctlCliTest, InteractionsImportReportsMalformedRowsAndSendsNothing) {
  const std::string path =
      WriteTempFile("bad_interactions.csv",
                    "account_id,interaction_id,type,occurred_at,sentiment\n"
                    "acme,v1,visit,2026-03-12,5\n"
                    "acme,v2,visit,12.03.2026,1\n"
                    "acme,v3,lunch,2026-03-12,0\n");
  // Nothing valid is left to send, so the closed port is never dialled.
  KamctlRun run = Kamctl(std::string(kClosedEngagementPort) +
                         " interactions import " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":2: column \"sentiment\""));
  EXPECT_THAT(run.err, HasSubstr(path + ":3: column \"occurred_at\""));
  EXPECT_THAT(run.err, HasSubstr(path + ":4: column \"type\""));
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("UNAVAILABLE")));
  EXPECT_THAT(run.out, HasSubstr("3 rows: 0 created, 0 already imported, 0 "
                                 "failed, 3 malformed (not sent)"));
}

TEST(KamctlCliTest, SurveysImportReportsMalformedRowsByLine) {
  const std::string path =
      WriteTempFile("bad_surveys.csv",
                    "account_id,response_id,nps,csat,responded_at\n"
                    "acme,r1,11,,2026-04-20\n"
                    "acme,r2,,,2026-04-20\n");
  KamctlRun run = Kamctl(std::string(kClosedEngagementPort) +
                         " -o json surveys import " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":2: column \"nps\": must be a "
                                        "whole number from 0 to 10"));
  EXPECT_THAT(run.err, HasSubstr(path + ":3: column \"nps\": empty, and so "
                                        "is csat"));
  EXPECT_THAT(run.out, HasSubstr("\"recorded\": 0,"));
  EXPECT_THAT(run.out, HasSubstr("\"malformed\": 2,"));
  EXPECT_THAT(run.out, HasSubstr("{\"line\": 3, \"message\": "));
}

TEST(KamctlCliTest, HelpListsEveryScoringSubcommand) {
  KamctlRun run = Kamctl("help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"models list ",       "models get ",    "models create ",
        "models update ",     "models delete ", "models activate ",
        "models evaluate ",   "ratings set ",   "ratings list ",
        "import ratings ",    "score ",         "score history ",
        "scores list ",       "tier ",          "tier override ",
        "tier clear ",        "tier history ",  "tiers ",
        "tiers watch ",       "abc ",           "portfolio matrix\n",
        "portfolio summary ", "rescore ",       "runs list ",
        "runs get ",          "runs cancel "}) {
    EXPECT_THAT(run.out, HasSubstr("\n  " + std::string(command))) << command;
  }
  EXPECT_THAT(run.out, HasSubstr("KAM_SCORING_ADDR"));
  EXPECT_THAT(run.out, HasSubstr("127.0.0.1:50063"));
}

TEST(KamctlCliTest, ScoringMistakesAreUsageErrors) {
  for (const UsageCase& c : {
           UsageCase{"score Acme", "ACCOUNT_ID must be 1-63 characters"},
           UsageCase{"score history", "usage: kamctl score history ACCOUNT_ID"},
           UsageCase{"tier", "usage: kamctl tier ACCOUNT_ID\n"},
           UsageCase{"tiers", "usage: kamctl tiers ACCOUNT_ID..."},
           UsageCase{"models", "'models' needs one of: list, get, create"},
           UsageCase{"models get Default",
                     "MODEL_ID must be 1-63 characters of [a-z0-9-]"},
           UsageCase{"models delete -",
                     "MODEL_ID: name the model by its ID here"},
           UsageCase{"models create m.json --id=New_Model",
                     "--id: must be 1-63 characters of [a-z0-9-]"},
           UsageCase{"models evaluate draft --limit=5000",
                     "--limit: at most 1000, got 5000"},
           UsageCase{"ratings set acme strategic-fit 11 --rater=me",
                     "VALUE must be a whole number from 1 to 10, got \"11\""},
           UsageCase{"ratings set acme strategic-fit 8",
                     "ratings set: --rater is required"},
           UsageCase{"ratings set acme Strategic 8 --rater=me",
                     "CRITERION_ID must be 1-63 characters of [a-z0-9-]"},
           UsageCase{"scores list --tier=gold", "--tier: must be one of key"},
           UsageCase{"tier override acme gold --reason=x --author=me "
                     "--expires=30d",
                     "TIER must be one of key, potential_key, maintain, "
                     "transactional, got \"gold\""},
           UsageCase{"tier override acme key --author=me --expires=30d",
                     "tier override: --reason is required"},
           UsageCase{"tier override acme key --reason=x --expires=30d",
                     "tier override: --author is required"},
           UsageCase{"tier override acme key --reason=x --author=me",
                     "tier override: --expires is required"},
           UsageCase{"tier override acme key --reason=x --author=me "
                     "--expires=soon",
                     "--expires: must be a duration from now like 30d or "
                     "720h"},
           UsageCase{"tier clear acme", "tier clear: --author is required"},
           UsageCase{"tier acme --author=me",
                     "--author does not apply to 'kamctl tier'"},
           UsageCase{"abc --a=90 --b=20",
                     "--a plus --b must be at most 100, got 110"},
           UsageCase{"abc --a=-1", "--a: must be a whole percent"},
           UsageCase{"portfolio summary --near=-1",
                     "--near: must be from 0 to 100"},
           UsageCase{"tiers watch --limit=-1", "--limit: must not be negative"},
           UsageCase{"runs get a/b", "RUN_ID must be a run ID like r1"},
           UsageCase{"score history acme --page_size=-1",
                     "--page_size: must not be negative"},
       }) {
    KamctlRun run = Kamctl(std::string(kClosedScoringPort) + " " + c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.error)) << c.args;
    EXPECT_THAT(run.out, IsEmpty()) << c.args;
  }
}

TEST(KamctlCliTest, ScoringServerErrorsPrintCodeAndExitOne) {
  for (const char* args :
       {"score acme", "score history acme", "tier acme", "tiers acme beta",
        "models get -", "portfolio summary", "rescore"}) {
    KamctlRun run =
        Kamctl(std::string(kClosedScoringPort) + " --timeout=5s " + args);
    EXPECT_EQ(run.exit_code, 1) << args;
    EXPECT_THAT(run.err, StartsWith("kamctl: UNAVAILABLE: ")) << args;
    EXPECT_THAT(run.out, IsEmpty()) << args;
  }
  // The address also comes from the environment, and health can check it.
  KamctlRun from_env = Kamctl("health --target=scoring --timeout=5s",
                              "KAM_SCORING_ADDR=127.0.0.1:1");
  EXPECT_EQ(from_env.exit_code, 1);
  EXPECT_THAT(from_env.err, StartsWith("kamctl: UNAVAILABLE: "));
}

TEST(KamctlCliTest, ModelFilesAreCheckedBeforeAnythingIsSent) {
  const std::string path = WriteTempFile("typo_model.json",
                                         "{\"displayName\": \"x\", "
                                         "\"critera\": []}");
  KamctlRun typo =
      Kamctl(std::string(kClosedScoringPort) + " models create " + path);
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err, HasSubstr(path + ": not a score model in proto3 JSON"));
  EXPECT_THAT(typo.err, Not(HasSubstr("UNAVAILABLE")));

  const std::string other = WriteTempFile(
      "other_model.json", "{\"name\": \"scoringModels/default\"}");
  KamctlRun mismatch = Kamctl(std::string(kClosedScoringPort) +
                              " models update draft-2027 " + other);
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_THAT(mismatch.err, HasSubstr(other + " is the model default, not "
                                              "draft-2027"));

  KamctlRun missing = Kamctl(std::string(kClosedScoringPort) +
                             " models evaluate no-such-file.json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read no-such-file.json"));
}

TEST(KamctlCliTest, ImportRatingsReportsMalformedRowsByLine) {
  const std::string path =
      WriteTempFile("bad_ratings.csv",
                    "account_id,criterion_id,value,rater,note\n"
                    "acme,strategic-fit,0,me@fm.example,\n"
                    "acme,strategic-fit,7,,\n");
  // Nothing valid is left to send, so the closed port is never dialled.
  KamctlRun run =
      Kamctl(std::string(kClosedScoringPort) + " import ratings " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":2: column \"value\": must be a "
                                        "whole number from 1 to 10"));
  EXPECT_THAT(run.err, HasSubstr(path + ":3: column \"rater\""));
  EXPECT_THAT(run.err, Not(HasSubstr("UNAVAILABLE")));
  EXPECT_THAT(run.out,
              HasSubstr("2 rows: 0 set, 0 failed, 2 malformed (not sent)"));

  KamctlRun json = Kamctl(std::string(kClosedScoringPort) +
                          " -o json import ratings " + path);
  EXPECT_THAT(json.out, HasSubstr("\"set\": 0,"));
  EXPECT_THAT(json.out, HasSubstr("{\"line\": 3, \"message\": "));
}

}  // namespace
}  // namespace kam::kamctl
