// The dashboard and the rules as files: what an SRE relies on without
// running anything. Every alert carries a severity, a summary, a description
// and a runbook line that points at a RUNBOOK.md section; every alert is
// tested by promtool both firing and quiet; the dashboard has the datasource
// and job variables, filters every panel by job, and shows what issue 6 asks
// for. Also the readers these tests (and observe_metrics_test) use.

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/observe/observe_testing.h"

namespace kam::observe_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<Rule> MustLoadRules() {
  absl::StatusOr<std::vector<Rule>> rules = LoadRules(RulesPath());
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : std::vector<Rule>{};
}

google::protobuf::Struct MustLoadDashboard() {
  absl::StatusOr<google::protobuf::Struct> dashboard =
      LoadJson(DashboardPath());
  EXPECT_TRUE(dashboard.ok()) << dashboard.status();
  return dashboard.ok() ? *dashboard : google::protobuf::Struct{};
}

const google::protobuf::Value* Field(const google::protobuf::Struct& object,
                                     const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

std::vector<std::string> Names(const std::vector<Selector>& selectors) {
  std::vector<std::string> names;
  for (const Selector& s : selectors) names.push_back(s.metric);
  return names;
}

// --- The readers -------------------------------------------------------------

TEST(YamlSubsetTest, ReadsWhatRuleAndTestFilesUse) {
  absl::StatusOr<Yaml> yaml = ParseYaml(R"(# a comment
groups:
  - name: g   # trailing comment
    rules:
      - record: a:b:c
        expr: |
          sum by (job) (
            rate(x[5m])
          )
      - alert: Down
        # a comment between keys
        expr: up == 0
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} is \"down\""
          runbook: 'it''s down: restart it'
tests:
- values: '1x3'
  exp_alerts: []
  folded: >-
    one
    two
)");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  const Yaml* groups = yaml->Get("groups");
  ASSERT_NE(groups, nullptr);
  ASSERT_EQ(groups->list.size(), 1u);
  EXPECT_EQ(groups->list[0].Str("name"), "g");
  const Yaml* rules = groups->list[0].Get("rules");
  ASSERT_NE(rules, nullptr);
  ASSERT_EQ(rules->list.size(), 2u);
  EXPECT_EQ(rules->list[0].Str("expr"), "sum by (job) (\n  rate(x[5m])\n)\n");
  EXPECT_EQ(rules->list[1].Str("expr"), "up == 0");
  EXPECT_EQ(rules->list[1].Get("labels")->Str("severity"), "critical");
  EXPECT_EQ(rules->list[1].Get("annotations")->Str("summary"),
            "{{ $labels.job }} is \"down\"");
  EXPECT_EQ(rules->list[1].Get("annotations")->Str("runbook"),
            "it's down: restart it");
  const Yaml* tests = yaml->Get("tests");
  ASSERT_NE(tests, nullptr);
  ASSERT_EQ(tests->list.size(), 1u);
  EXPECT_EQ(tests->list[0].Str("values"), "1x3");
  EXPECT_EQ(tests->list[0].Get("exp_alerts")->kind, Yaml::Kind::kList);
  EXPECT_EQ(tests->list[0].Str("folded"), "one two");
}

TEST(YamlSubsetTest, RejectsWhatItDoesNotRead) {
  EXPECT_FALSE(ParseYaml("a: &anchor 1\n").ok());
  EXPECT_FALSE(ParseYaml("a: [1, 2]\n").ok());
  EXPECT_FALSE(ParseYaml("a: 1\n   b: 2\n").ok());
  EXPECT_FALSE(ParseYaml("a: 1\na: 2\n").ok());
  EXPECT_FALSE(ParseYaml("a: 'open\n").ok());
}

TEST(PromqlTest, ListsSelectorsNotFunctionsKeywordsOrLabels) {
  absl::StatusOr<std::vector<Selector>> selectors = ExtractSelectors(
      R"(histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{job=~"$job", grpc_method!~"X|Y"}[$__rate_interval])))
           / on (job) group_left (instance) b:rec:rate5m offset 1h
           and absent(up{job="kam-scoring"}) or {__name__="c", x='1'}
           > bool 32 * 1e-3 unless count without (le) (d[5m:1m]) # e_in_a_comment)");
  ASSERT_TRUE(selectors.ok()) << selectors.status();
  EXPECT_THAT(Names(*selectors),
              ElementsAre("a_bucket", "b:rec:rate5m", "up", "c", "d"));
  ASSERT_EQ((*selectors)[0].matchers.size(), 2u);
  EXPECT_EQ((*selectors)[0].matchers[0].label, "job");
  EXPECT_EQ((*selectors)[0].matchers[0].op, "=~");
  EXPECT_EQ((*selectors)[0].matchers[0].value, "$job");
  EXPECT_EQ((*selectors)[0].matchers[1].op, "!~");
  EXPECT_EQ((*selectors)[2].matchers[0].value, "kam-scoring");
  ASSERT_EQ((*selectors)[3].matchers.size(), 1u);
  EXPECT_EQ((*selectors)[3].matchers[0].value, "1");
  EXPECT_FALSE(ExtractSelectors(R"(a{job="x)").ok());
  EXPECT_FALSE(ExtractSelectors("rate(a[5m)").ok());
}

TEST(PromqlTest, ReadsGrafanaVariableQueries) {
  EXPECT_EQ(
      VariableQueryPromQL(R"(label_values(up{job=~"kam-.+", a="x,y"}, job))"),
      R"(up{job=~"kam-.+", a="x,y"})");
  EXPECT_EQ(VariableQueryPromQL("label_values(job)"), "");
  EXPECT_EQ(VariableQueryPromQL("query_result(sum(up))"), "sum(up)");
  EXPECT_EQ(
      ExpandVariables(
          R"(rate(x{job=~"$job", instance=~"${instance}"}[$__rate_interval]))"),
      R"(rate(x{job=~"kam-.+", instance=~".+"}[1m]))");
}

// --- The rules ---------------------------------------------------------------

// The reader these tests use must see every rule promtool sees.
TEST(RulesTest, ReaderAgreesWithPromtool) {
  ASSERT_FALSE(PromtoolBinary().empty())
      << "promtool not found: install the Debian package prometheus";
  absl::StatusOr<CommandResult> checked =
      RunCommand({PromtoolBinary(), "check", "rules", RulesPath()});
  ASSERT_TRUE(checked.ok()) << checked.status();
  ASSERT_EQ(checked->exit_code, 0) << checked->output;
  const std::vector<Rule> rules = MustLoadRules();
  EXPECT_TRUE(absl::StrContains(
      checked->output, absl::StrCat("SUCCESS: ", rules.size(), " rules found")))
      << "promtool says:\n"
      << checked->output << "\nthe reader found " << rules.size();
}

TEST(RulesTest, EveryAlertHasSeverityAnnotationsAndARunbookSection) {
  const std::vector<Rule> rules = MustLoadRules();
  absl::StatusOr<std::string> runbook = ReadFile(RunbookPath());
  ASSERT_TRUE(runbook.ok()) << runbook.status();
  std::set<std::string> sections;
  for (absl::string_view line : absl::StrSplit(*runbook, '\n')) {
    if (absl::StartsWith(line, "## "))
      sections.insert(std::string(line.substr(3)));
  }
  std::set<std::string> alerts;
  int count = 0;
  for (const Rule& rule : rules) {
    if (rule.alert.empty()) continue;
    ++count;
    SCOPED_TRACE(rule.alert);
    EXPECT_TRUE(alerts.insert(rule.alert).second) << "duplicate alert name";
    EXPECT_TRUE(
        std::regex_match(rule.alert, std::regex("Kam[A-Z][A-Za-z0-9]+")))
        << "alert names are KamCamelCase";
    const auto severity = rule.labels.find("severity");
    ASSERT_NE(severity, rule.labels.end()) << "no severity label";
    EXPECT_TRUE(severity->second == "critical" || severity->second == "warning")
        << severity->second;
    for (const char* key : {"summary", "description", "runbook"}) {
      const auto it = rule.annotations.find(key);
      EXPECT_TRUE(it != rule.annotations.end() && !it->second.empty())
          << "no " << key << " annotation";
    }
    EXPECT_EQ(rule.annotations.size(), 3u)
        << "summary, description and runbook, nothing else (the promtool "
           "tests compare all annotations)";
    const std::string anchor = absl::StrCat("deploy/prometheus/RUNBOOK.md#",
                                            absl::AsciiStrToLower(rule.alert));
    const std::string line = rule.annotations.count("runbook") > 0
                                 ? rule.annotations.at("runbook")
                                 : "";
    EXPECT_TRUE(absl::EndsWith(line, "; see " + anchor))
        << "the runbook line should end with \"; see " << anchor
        << "\": " << line;
    EXPECT_EQ(sections.count(rule.alert), 1u)
        << "RUNBOOK.md has no \"## " << rule.alert << "\" section";
  }
  EXPECT_GE(count, 5);
  for (const std::string& section : sections) {
    if (absl::StartsWith(section, "Kam")) {
      EXPECT_EQ(alerts.count(section), 1u)
          << "RUNBOOK.md section \"" << section << "\" has no alert";
    }
  }
}

// Every job prometheus.yml scrapes (one per service) is watched for a
// missing target: a service nobody scrapes can raise no alert at all.
TEST(RulesTest, TargetMissingCoversEveryScrapedJob) {
  absl::StatusOr<std::string> config = ReadFile(PrometheusConfigPath());
  ASSERT_TRUE(config.ok()) << config.status();
  std::set<std::string> jobs;
  const std::regex job_name("job_name:\\s*\"?([A-Za-z0-9_-]+)\"?");
  for (std::sregex_iterator it(config->begin(), config->end(), job_name), end;
       it != end; ++it) {
    jobs.insert((*it)[1].str());
  }
  EXPECT_EQ(jobs, (std::set<std::string>{"kam-registry", "kam-engagement",
                                         "kam-scoring", "kam-planning"}));
  std::string expr;
  for (const Rule& rule : MustLoadRules()) {
    if (rule.alert == "KamTargetMissing") expr = rule.expr;
  }
  ASSERT_FALSE(expr.empty()) << "no KamTargetMissing alert";
  for (const std::string& job : jobs) {
    EXPECT_TRUE(
        absl::StrContains(expr, absl::StrCat("absent(up{job=\"", job, "\"})")))
        << "KamTargetMissing does not watch " << job;
  }
}

TEST(RulesTest, RecordingRuleNamesFollowLevelMetricOperations) {
  std::set<std::string> records;
  for (const Rule& rule : MustLoadRules()) {
    if (rule.record.empty()) continue;
    EXPECT_TRUE(records.insert(rule.record).second)
        << "recorded twice: " << rule.record;
    EXPECT_TRUE(std::regex_match(
        rule.record, std::regex("[a-z_]+:kam_[a-z0-9_]+:[a-z0-9_]+")))
        << rule.record << " is not level:kam_metric:operations";
  }
  EXPECT_EQ(records.count("job:kam_grpc_requests:rate5m"), 1u);
  EXPECT_EQ(records.count("job:kam_grpc_server_error_ratio:rate5m"), 1u);
  EXPECT_EQ(
      records.count("job_grpc_method:kam_grpc_server_handling_seconds:p99_5m"),
      1u);
}

// promtool passes `exp_alerts: []` for a misspelt alert name, and a test
// that only ever expects silence proves nothing: so every alert needs a
// case where it fires and one where it stays quiet, and every case must name
// a real alert.
TEST(RulesTest, EveryAlertIsTestedFiringAndQuiet) {
  std::set<std::string> alerts;
  for (const Rule& rule : MustLoadRules()) {
    if (!rule.alert.empty()) alerts.insert(rule.alert);
  }
  std::map<std::string, int> firing, quiet;
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(RuleTestsDir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    absl::StatusOr<std::vector<AlertCase>> cases =
        LoadAlertCases(entry.path().string());
    ASSERT_TRUE(cases.ok()) << cases.status();
    for (const AlertCase& one : *cases) {
      EXPECT_EQ(alerts.count(one.alertname), 1u)
          << entry.path().filename() << " at " << one.eval_time
          << " tests an alert that does not exist: " << one.alertname;
      (one.expected_alerts > 0 ? firing : quiet)[one.alertname]++;
    }
  }
  EXPECT_GT(files, 0) << "no promtool tests in " << RuleTestsDir();
  for (const std::string& alert : alerts) {
    EXPECT_GT(firing[alert], 0) << alert << " is never tested firing";
    EXPECT_GT(quiet[alert], 0) << alert << " is never tested staying quiet";
  }
}

TEST(RulesTest, EveryExpressionNamesAMetric) {
  for (const Rule& rule : MustLoadRules()) {
    absl::StatusOr<std::vector<Selector>> selectors =
        ExtractSelectors(rule.expr);
    ASSERT_TRUE(selectors.ok()) << rule.name() << ": " << selectors.status();
    EXPECT_FALSE(selectors->empty()) << rule.name();
    for (const Selector& s : *selectors) {
      EXPECT_FALSE(s.metric.empty())
          << rule.name() << ": a selector without a name";
    }
  }
}

// --- The dashboard -----------------------------------------------------------

TEST(DashboardTest, HasDatasourceAndJobVariables) {
  const google::protobuf::Struct dashboard = MustLoadDashboard();
  const auto* uid = Field(dashboard, "uid");
  EXPECT_TRUE(uid != nullptr && !uid->string_value().empty());
  const auto* schema = Field(dashboard, "schemaVersion");
  ASSERT_NE(schema, nullptr);
  EXPECT_GE(schema->number_value(), 36) << "Grafana 9+ JSON model";
  const auto* templating = Field(dashboard, "templating");
  ASSERT_NE(templating, nullptr);
  std::map<std::string, google::protobuf::Struct> variables;
  for (const auto& value :
       Field(templating->struct_value(), "list")->list_value().values()) {
    variables[Field(value.struct_value(), "name")->string_value()] =
        value.struct_value();
  }
  ASSERT_EQ(variables.count("datasource"), 1u);
  EXPECT_EQ(Field(variables["datasource"], "type")->string_value(),
            "datasource");
  EXPECT_EQ(Field(variables["datasource"], "query")->string_value(),
            "prometheus");
  ASSERT_EQ(variables.count("job"), 1u);
  EXPECT_EQ(Field(variables["job"], "type")->string_value(), "query");
  EXPECT_EQ(Field(Field(variables["job"], "datasource")->struct_value(), "uid")
                ->string_value(),
            "${datasource}");
  EXPECT_TRUE(absl::StrContains(
      Field(variables["job"], "definition")->string_value(), "label_values("));
}

TEST(DashboardTest, PanelsAreWellFormedAndUseTheVariables) {
  const google::protobuf::Struct dashboard = MustLoadDashboard();
  std::set<double> ids;
  int panels = 0;
  for (const auto& value : Field(dashboard, "panels")->list_value().values()) {
    const google::protobuf::Struct& panel = value.struct_value();
    const std::string title = Field(panel, "title")->string_value();
    SCOPED_TRACE(title);
    EXPECT_TRUE(ids.insert(Field(panel, "id")->number_value()).second)
        << "duplicate panel id";
    const auto& grid = Field(panel, "gridPos")->struct_value();
    EXPECT_LE(
        Field(grid, "x")->number_value() + Field(grid, "w")->number_value(),
        24);
    const std::string type = Field(panel, "type")->string_value();
    EXPECT_TRUE(type == "row" || type == "timeseries" || type == "stat")
        << "panel type " << type << " (graph is deprecated in Grafana 9)";
    if (type == "row") continue;
    ++panels;
    EXPECT_FALSE(title.empty());
    EXPECT_TRUE(Field(panel, "description") != nullptr &&
                !Field(panel, "description")->string_value().empty())
        << "every panel says what it shows";
    EXPECT_EQ(Field(Field(panel, "datasource")->struct_value(), "uid")
                  ->string_value(),
              "${datasource}");
    const auto* targets = Field(panel, "targets");
    ASSERT_TRUE(targets != nullptr && targets->list_value().values_size() > 0);
    std::set<std::string> refs;
    for (const auto& target : targets->list_value().values()) {
      const auto& t = target.struct_value();
      EXPECT_TRUE(refs.insert(Field(t, "refId")->string_value()).second);
      EXPECT_EQ(
          Field(Field(t, "datasource")->struct_value(), "uid")->string_value(),
          "${datasource}");
      const std::string expr = Field(t, "expr")->string_value();
      absl::StatusOr<std::vector<Selector>> selectors = ExtractSelectors(expr);
      ASSERT_TRUE(selectors.ok()) << selectors.status();
      EXPECT_FALSE(selectors->empty()) << expr;
      // The job variable filters every panel.
      for (const Selector& s : *selectors) {
        bool by_job = false;
        for (const LabelMatcher& m : s.matchers) {
          by_job |= m.label == "job" && m.op == "=~" && m.value == "$job";
        }
        EXPECT_TRUE(by_job) << s.metric << " in " << expr
                            << " is not filtered by job=~\"$job\"";
      }
    }
  }
  EXPECT_GE(panels, 20);
}

// What issue 6 asks the dashboard to show, by the metric that shows it.
TEST(DashboardTest, ShowsWhatTheIssueAsksFor) {
  std::set<std::string> shown;
  for (const DashboardQuery& query : DashboardQueries(MustLoadDashboard())) {
    absl::StatusOr<std::vector<Selector>> selectors =
        ExtractSelectors(query.expr);
    ASSERT_TRUE(selectors.ok()) << query.where << ": " << selectors.status();
    for (const Selector& s : *selectors) shown.insert(s.metric);
  }
  for (const char* metric : {
           "kam_grpc_server_handled_total",               // RED: rate, errors
           "kam_grpc_server_handling_seconds_bucket",     // RED: latency
           "kam_scoring_accounts_scored_total",           // scoring throughput
           "kam_scoring_run_duration_seconds_bucket",     // run duration
           "kam_scoring_run_progress_ratio",              // run progress
           "kam_scoring_runs_total",                      // run outcomes
           "kam_scoring_tier_lookups_total",              // tier lookups
           "kam_scoring_accounts",                        // tier distribution
           "kam_scoring_tier_changes_total",              // tier changes
           "kam_feed_consumer_lag_events",                // feed lag
           "kam_engagement_interactions_ingested_total",  // ingest rate
           "kam_rocksdb_sst_files_bytes",                 // RocksDB size
           "kam_rocksdb_pending_compaction_bytes",        // pending compaction
           "process_resident_memory_bytes",               // memory
           "process_cpu_seconds_total",                   // CPU
       }) {
    EXPECT_EQ(shown.count(metric), 1u)
        << "the dashboard does not show " << metric;
  }
}

// The Planning row: kam-planning's four gauges, and the lag of its three
// feed consumers on a panel of its own.
TEST(DashboardTest, ShowsPlanning) {
  std::set<std::string> shown;
  bool planning_lag = false;
  for (const DashboardQuery& query : DashboardQueries(MustLoadDashboard())) {
    absl::StatusOr<std::vector<Selector>> selectors =
        ExtractSelectors(query.expr);
    ASSERT_TRUE(selectors.ok()) << query.where << ": " << selectors.status();
    for (const Selector& s : *selectors) {
      shown.insert(s.metric);
      if (s.metric != "kam_feed_consumer_lag_events") continue;
      for (const LabelMatcher& m : s.matchers) {
        planning_lag |=
            m.label == "job" && m.op == "=" && m.value == "kam-planning";
      }
    }
  }
  for (const char* metric : {
           "kam_planning_plans",                      // plans by status/horizon
           "kam_planning_overdue_actions",            // overdue actions
           "kam_planning_plans_due_for_review",       // reviews due
           "kam_planning_key_accounts_without_plan",  // coverage
       }) {
    EXPECT_EQ(shown.count(metric), 1u)
        << "the dashboard does not show " << metric;
  }
  EXPECT_TRUE(planning_lag)
      << "no panel shows kam_feed_consumer_lag_events{job=\"kam-planning\"}";
}

}  // namespace
}  // namespace kam::observe_test
