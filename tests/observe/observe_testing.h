#ifndef KAM_TESTS_OBSERVE_OBSERVE_TESTING_H_
#define KAM_TESTS_OBSERVE_OBSERVE_TESTING_H_

// Shared pieces of the observability tests (tests/observe): the paths of the
// dashboard and the rules, readers for the subset of YAML the rule files use
// and for the Grafana JSON, a PromQL scanner that lists the metrics an
// expression selects, a child-process runner for promtool and prometheus,
// and a fixture-free "suite" of real kam-registry, kam-engagement,
// kam-scoring and kam-planning processes with a little traffic.
//
// Why C++ and not a Python script: the integration checks have to drive
// gRPC traffic (create an account, a contact, a fact, an interaction, look
// tiers up) and run the real binaries exactly as the other integration tests
// do. tests/support and the services' test clients already do both; a
// script would need Python gRPC stubs generated from proto/ at build time
// and a second process harness. The rule files are read with a small
// YAML-subset reader (the subset Prometheus rule files use) whose rule count
// observe_config_test checks against promtool's, so it cannot silently miss
// a rule.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "kam/planning/v1/planning.grpc.pb.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/registry/registry_testing.h"
#include "tests/scoring/scoring_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace kam::observe_test {

// --- Paths (compiled in by CMake) -------------------------------------------

// The repository's root, e.g. for SourcePath("deploy/prometheus").
std::string SourcePath(const std::string& relative);
std::string DashboardPath();         // deploy/grafana/kam-overview.json
std::string RulesPath();             // deploy/prometheus/kam-rules.yaml
std::string RuleTestsDir();          // deploy/prometheus/tests
std::string RunbookPath();           // deploy/prometheus/RUNBOOK.md
std::string PrometheusConfigPath();  // deploy/prometheus/prometheus.yml
// promtool and prometheus as CMake found them; empty if not installed.
std::string PromtoolBinary();
std::string PrometheusBinary();

absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::Status WriteFile(const std::string& path, absl::string_view text);

// --- A YAML subset -----------------------------------------------------------

// A YAML node: what Prometheus rule files and promtool test files use.
struct Yaml {
  enum class Kind { kNull, kScalar, kMap, kList };
  Kind kind = Kind::kNull;
  std::string scalar;
  // A map keeps its keys in file order.
  std::vector<std::pair<std::string, Yaml>> map;
  std::vector<Yaml> list;

  // The value of `key` in a map, or null (also when this is not a map).
  const Yaml* Get(const std::string& key) const;
  // Get(key)'s scalar, or "" when absent or not a scalar.
  std::string Str(const std::string& key) const;
};

// ParseYaml reads block mappings and sequences (indentation), plain, single-
// and double-quoted one-line scalars, block scalars (|, |-, >, >-), the empty
// flow collections [] and {}, and # comments. Anything else (anchors, tags,
// multi-line flow collections, several documents) is INVALID_ARGUMENT with
// the line number rather than a wrong tree.
absl::StatusOr<Yaml> ParseYaml(absl::string_view text);

// --- Prometheus rules --------------------------------------------------------

struct Rule {
  std::string group;
  std::string record;  // one of record / alert is set
  std::string alert;
  std::string expr;
  std::string for_duration;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  const std::string& name() const { return record.empty() ? alert : record; }
};

absl::StatusOr<std::vector<Rule>> ParseRules(absl::string_view yaml);
absl::StatusOr<std::vector<Rule>> LoadRules(const std::string& path);

// One alert_rule_test case of a promtool test file.
struct AlertCase {
  std::string file;
  std::string eval_time;
  std::string alertname;
  int expected_alerts = 0;  // 0: the test says the alert stays quiet
};
absl::StatusOr<std::vector<AlertCase>> LoadAlertCases(const std::string& path);

// --- PromQL ------------------------------------------------------------------

struct LabelMatcher {
  std::string label;
  std::string op;  // =, !=, =~, !~
  std::string value;
};

// A vector selector: a metric name and its label matchers.
struct Selector {
  std::string metric;
  std::vector<LabelMatcher> matchers;
};

// ExtractSelectors lists the vector selectors of a PromQL expression, in
// order: every name that is not a function, an aggregation, a keyword or a
// label name (by/without/on/ignoring/group_left/group_right lists), with the
// matchers in braces after it. A `{__name__="x"}` selector counts as x.
// Grafana variables ($job, ${job}, $__rate_interval) are left as text.
// INVALID_ARGUMENT on an unterminated string, brace or bracket.
absl::StatusOr<std::vector<Selector>> ExtractSelectors(
    absl::string_view promql);

// --- Grafana -----------------------------------------------------------------

absl::StatusOr<google::protobuf::Struct> LoadJson(const std::string& path);
absl::StatusOr<google::protobuf::Struct> ParseJson(absl::string_view json);

// Every query of a dashboard: each panel target's expr (rows' nested panels
// included) and each query variable's PromQL (the metric selector of a
// label_values(selector, label) query).
struct DashboardQuery {
  std::string where;  // "panel 7 \"Resident memory\" target A" etc.
  std::string expr;
};
std::vector<DashboardQuery> DashboardQueries(
    const google::protobuf::Struct& dashboard);
// The PromQL a Grafana Prometheus variable query evaluates, or "" for one
// that names no metric (label_values(job)).
std::string VariableQueryPromQL(absl::string_view query);
// A dashboard expression with the template variables replaced by values
// that select every kam series: $job -> kam-.+, $instance -> .+,
// $__rate_interval -> 1m, $__range -> 1h, $__interval -> 15s.
std::string ExpandVariables(absl::string_view expr);

// --- Processes ---------------------------------------------------------------

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs argv[0] (an absolute path) with `stdin_path` (or /dev/null) as its
// input and waits up to `timeout`; a command still running then is killed
// and DEADLINE_EXCEEDED returned.
absl::StatusOr<CommandResult> RunCommand(
    const std::vector<std::string>& argv, const std::string& stdin_path = "",
    absl::Duration timeout = absl::Seconds(30));

// A long-running child (prometheus) with its output in a log file; SIGKILLed
// by the kernel if the test thread that started it dies, SIGTERMed and
// reaped by Stop() or the destructor.
class BackgroundProcess {
 public:
  static absl::StatusOr<std::unique_ptr<BackgroundProcess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool running();
  // SIGTERM, up to `timeout` for it to exit, then SIGKILL. Returns the exit
  // code (128 + signal when a signal ended it).
  int Stop(absl::Duration timeout = absl::Seconds(10));
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  BackgroundProcess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  int exit_code_ = -1;
  std::string log_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();

// "%XX"-escapes everything but unreserved characters, for a query string.
std::string UrlEncode(absl::string_view text);

// --- The suite ---------------------------------------------------------------

// The four services and the job names Prometheus gives them.
struct ServiceInfo {
  std::string job;  // kam-registry, kam-engagement, kam-scoring, kam-planning
  test_support::ServiceProcess* process;
};

// The kam-planning binary CMake built; empty if its target did not exist.
std::string PlanningBinary();

// KamSuite runs a real kam-registry, a kam-engagement following it, a
// kam-scoring following both and a kam-planning following all three, each
// with its own data directory under `dir` on 127.0.0.1 port 0, with the
// clients to talk to them. Start it from the test's main thread.
class KamSuite {
 public:
  explicit KamSuite(const test_support::TempDir& dir) : dir_(dir) {}
  ~KamSuite();

  absl::Status Start();
  // Kills the four processes (the test is over).
  void Stop();

  // A little of everything a user does: an account with a contact and a
  // financial fact in the registry; once engagement and scoring have it from
  // the feeds, an interaction (and a batch of one) and a survey answer in
  // engagement, then GetTier and BatchGetTiers on scoring; once planning has
  // it, a draft operational plan, its coverage and a list of plans, and
  // planning's gauges showing the draft. `id` makes the account (and the
  // request ids) unique, so it can run repeatedly.
  absl::Status DriveTraffic(const std::string& id);
  // One cheap read on each service (GetAccount, GetEngagementSummary,
  // GetTier, GetAccountPlan of `id`'s, created by DriveTraffic), so request
  // rates move.
  void Poke(const std::string& id);

  std::vector<ServiceInfo> services() const;
  registry_test::RegistryClient& registry() { return *registry_client_; }
  engagement_test::EngagementClient& engagement() {
    return *engagement_client_;
  }
  scoring_test::ScoringClient& scoring() { return *scoring_client_; }
  kam::planning::v1::Planning::Stub& planning() { return *planning_stub_; }
  // The last lines of each process's log, for failure messages.
  std::string Logs() const;

 private:
  const test_support::TempDir& dir_;
  std::unique_ptr<test_support::ServiceProcess> registry_;
  std::unique_ptr<test_support::ServiceProcess> engagement_;
  std::unique_ptr<test_support::ServiceProcess> scoring_;
  std::unique_ptr<test_support::ServiceProcess> planning_;
  std::unique_ptr<registry_test::RegistryClient> registry_client_;
  std::unique_ptr<engagement_test::EngagementClient> engagement_client_;
  std::unique_ptr<scoring_test::ScoringClient> scoring_client_;
  std::unique_ptr<kam::planning::v1::Planning::Stub> planning_stub_;
};

}  // namespace kam::observe_test

#endif  // KAM_TESTS_OBSERVE_OBSERVE_TESTING_H_
