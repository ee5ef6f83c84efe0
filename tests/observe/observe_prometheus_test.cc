// End to end: a real Prometheus (Debian's package) on 127.0.0.1, configured
// by deploy/prometheus/prometheus.yml (only the targets replaced by this
// test's ports) with deploy/prometheus/kam-rules.yaml, scrapes a real
// kam-registry, kam-engagement, kam-scoring and kam-planning every second
// while the test drives traffic, and is asked over its HTTP API:
//   - up is 1 for each job;
//   - a recording rule (job:kam_grpc_requests:rate5m) and its expression
//     both show each service's traffic;
//   - every rule evaluates without error, and no alert is pending or firing
//     on a healthy suite;
//   - every dashboard query runs, and every selector of the dashboard and
//     the rules (recorded series included) returns series.
// Every wait is for a condition, with a bound generous enough for a loaded
// machine (five processes and Prometheus on two busy cores); Prometheus and
// the services are stopped and their directories removed at the end.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/observe/observe_testing.h"
#include "tests/support/http_get.h"
#include "tests/support/wait.h"

namespace kam::observe_test {
namespace {

const google::protobuf::Value* Field(const google::protobuf::Struct& object,
                                     const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

// One series of an instant query's answer.
struct Series {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The PromQL text of a selector, with the dashboard's variables expanded.
std::string SelectorText(const Selector& selector) {
  std::vector<std::string> matchers;
  for (const LabelMatcher& m : selector.matchers) {
    std::string value =
        absl::StrReplaceAll(m.value, {{"\\", "\\\\"}, {"\"", "\\\""}});
    matchers.push_back(absl::StrCat(m.label, m.op, "\"", value, "\""));
  }
  return ExpandVariables(
      absl::StrCat(selector.metric, "{", absl::StrJoin(matchers, ", "), "}"));
}

class ObservePrometheusTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "%s\n", suite_.Logs().c_str());
      if (prometheus_ != nullptr) {
        std::fprintf(stderr, "---- prometheus ----\n%s\n",
                     prometheus_->LogTail().c_str());
      }
    }
    if (prometheus_ != nullptr) prometheus_->Stop();
    suite_.Stop();
  }

  // GET on Prometheus's HTTP API; the "data" of a success answer.
  absl::StatusOr<google::protobuf::Value> Api(
      const std::string& path_and_query) {
    absl::StatusOr<std::string> body =
        test_support::HttpGet(address_, path_and_query, absl::Seconds(10));
    if (!body.ok()) return body.status();
    absl::StatusOr<google::protobuf::Struct> answer = ParseJson(*body);
    if (!answer.ok()) return answer.status();
    const auto* status = Field(*answer, "status");
    const auto* data = Field(*answer, "data");
    if (status == nullptr || status->string_value() != "success" ||
        data == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(path_and_query, ": ", *body));
    }
    return *data;
  }

  absl::StatusOr<std::vector<Series>> Query(const std::string& promql) {
    absl::StatusOr<google::protobuf::Value> data =
        Api("/api/v1/query?query=" + UrlEncode(promql));
    if (!data.ok()) return data.status();
    std::vector<Series> out;
    const auto* result = Field(data->struct_value(), "result");
    if (result == nullptr) return out;
    const auto* type = Field(data->struct_value(), "resultType");
    if (type != nullptr && type->string_value() == "scalar") {
      Series one;
      (void)absl::SimpleAtod(result->list_value().values(1).string_value(),
                             &one.value);
      out.push_back(one);
      return out;
    }
    for (const auto& item : result->list_value().values()) {
      Series series;
      if (const auto* metric = Field(item.struct_value(), "metric")) {
        for (const auto& [key, value] : metric->struct_value().fields()) {
          series.labels[key] = value.string_value();
        }
      }
      if (const auto* value = Field(item.struct_value(), "value");
          value != nullptr && value->list_value().values_size() == 2) {
        (void)absl::SimpleAtod(value->list_value().values(1).string_value(),
                               &series.value);
      }
      out.push_back(std::move(series));
    }
    return out;
  }

  // The value of `promql` per job (series without a job are left out).
  std::map<std::string, double> ByJob(const std::string& promql) {
    std::map<std::string, double> out;
    absl::StatusOr<std::vector<Series>> series = Query(promql);
    if (!series.ok()) return out;
    for (const Series& s : *series) {
      auto job = s.labels.find("job");
      if (job != s.labels.end()) out[job->second] = s.value;
    }
    return out;
  }

  // Waits until every rule group has finished an evaluation that started
  // after `since`, and returns whether they all did within `timeout`.
  //
  // Prometheus commits each rule's samples as soon as that rule is
  // evaluated, so while a group is being evaluated a query sees the first
  // rules' new samples but not yet the later ones: job:kam_grpc_requests:
  // rate5m can show kam-scoring's first GetTier rate while the p99 recorded
  // from the very same scrapes, further down kam-grpc.rules, is not written
  // yet. A group's lastEvaluation changes only when a whole iteration has
  // finished (to the time that iteration started), so after this every
  // recorded series reflects at least the data Prometheus had at `since`.
  // `groups` is left saying when each group last finished, for a failure
  // message.
  bool WaitForRuleGroupsEvaluatedAfter(absl::Time since, absl::Duration timeout,
                                       std::string* groups) {
    return test_support::WaitUntil(
        [&] {
          groups->clear();
          absl::StatusOr<google::protobuf::Value> data = Api("/api/v1/rules");
          if (!data.ok()) {
            *groups = data.status().ToString();
            return false;
          }
          const auto* list = Field(data->struct_value(), "groups");
          if (list == nullptr || list->list_value().values().empty()) {
            *groups = "Prometheus reports no rule groups";
            return false;
          }
          bool all = true;
          for (const auto& group : list->list_value().values()) {
            const auto* name = Field(group.struct_value(), "name");
            const auto* last = Field(group.struct_value(), "lastEvaluation");
            const std::string text =
                last != nullptr ? last->string_value() : "(none)";
            absl::Time at;
            std::string error;
            const bool after =
                last != nullptr &&
                absl::ParseTime(absl::RFC3339_full, text, &at, &error) &&
                at > since;
            all = all && after;
            absl::StrAppend(groups,
                            name != nullptr ? name->string_value() : "?",
                            " last evaluated ", text, "\n");
          }
          return all;
        },
        timeout, absl::Milliseconds(100));
  }

  test_support::TempDir dir_;
  KamSuite suite_{dir_};
  std::unique_ptr<BackgroundProcess> prometheus_;
  std::string address_;
};

TEST_F(ObservePrometheusTest, ScrapesTheSuiteAndEvaluatesTheRules) {
  ASSERT_FALSE(PrometheusBinary().empty())
      << "prometheus not found: install the Debian package prometheus "
         "(tools/install-deps.sh) and re-run CMake";
  absl::Status started = suite_.Start();
  ASSERT_TRUE(started.ok()) << started;
  const std::vector<ServiceInfo> services = suite_.services();
  std::vector<std::string> jobs;
  for (const ServiceInfo& s : services) jobs.push_back(s.job);

  // The shipped configuration, pointed at this test's ports.
  absl::StatusOr<std::string> config = ReadFile(PrometheusConfigPath());
  ASSERT_TRUE(config.ok()) << config.status();
  const std::map<std::string, std::string> defaults = {
      {"kam-registry", "127.0.0.1:9461"},
      {"kam-engagement", "127.0.0.1:9462"},
      {"kam-scoring", "127.0.0.1:9463"},
      {"kam-planning", "127.0.0.1:9464"}};
  for (const ServiceInfo& s : services) {
    const std::string& target = defaults.at(s.job);
    size_t count = 0;
    for (size_t at = config->find(target); at != std::string::npos;
         at = config->find(target, at + 1)) {
      ++count;
    }
    ASSERT_EQ(count, 1u) << "prometheus.yml should name " << target
                         << " exactly once";
    absl::StrReplaceAll({{target, s.process->metrics_address()}}, &*config);
  }
  const std::string run = dir_.Sub("prometheus");
  std::filesystem::create_directories(run);
  ASSERT_TRUE(WriteFile(run + "/prometheus.yml", *config).ok());
  absl::StatusOr<std::string> rules = ReadFile(RulesPath());
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_TRUE(WriteFile(run + "/kam-rules.yaml", *rules).ok());

  absl::StatusOr<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  address_ = absl::StrCat("127.0.0.1:", *port);
  auto prometheus = BackgroundProcess::Start(
      {PrometheusBinary(), "--config.file=" + run + "/prometheus.yml",
       "--storage.tsdb.path=" + run + "/data",
       "--storage.tsdb.retention.time=1h", "--web.listen-address=" + address_},
      run + "/prometheus.log");
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  prometheus_ = *std::move(prometheus);
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        return !prometheus_->running() ||
               test_support::HttpGet(address_, "/-/ready", absl::Seconds(1))
                   .ok();
      },
      absl::Seconds(60), absl::Milliseconds(100)));
  ASSERT_TRUE(prometheus_->running()) << "prometheus exited:\n"
                                      << prometheus_->LogTail();

  // Every target is scraped.
  for (const std::string& job : jobs) {
    std::vector<Series> up;
    ASSERT_TRUE(test_support::WaitUntil(
        [&] {
          absl::StatusOr<std::vector<Series>> answer =
              Query(absl::StrCat("up{job=\"", job, "\"}"));
          if (answer.ok()) up = *answer;
          return up.size() == 1 && up[0].value == 1;
        },
        absl::Seconds(60), absl::Milliseconds(200)))
        << "up{job=\"" << job << "\"} did not become 1";
  }

  // Traffic, and more while Prometheus takes samples, so every rate moves.
  absl::Status driven = suite_.DriveTraffic("prom");
  ASSERT_TRUE(driven.ok()) << driven;
  const std::string recorded = "job:kam_grpc_requests:rate5m";
  std::map<std::string, double> rates;
  const bool moving = test_support::WaitUntil(
      [&] {
        suite_.Poke("prom");
        rates = ByJob(recorded);
        for (const std::string& job : jobs) {
          if (!(rates[job] > 0)) return false;
        }
        return true;
      },
      absl::Seconds(60), absl::Milliseconds(250));
  ASSERT_TRUE(moving) << recorded << " per job: "
                      << absl::StrJoin(rates, ", ", absl::PairFormatter("="));
  // The rates above may come from a rule group still being evaluated; the
  // recorded series checked below are read once every group has finished an
  // evaluation that started after them.
  std::string groups;
  ASSERT_TRUE(
      WaitForRuleGroupsEvaluatedAfter(absl::Now(), absl::Seconds(60), &groups))
      << "the rule groups did not finish an evaluation within 60 s:\n"
      << groups;

  // The recording rule's own expression, evaluated on the spot, agrees.
  absl::StatusOr<std::vector<Rule>> loaded = LoadRules(RulesPath());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::string expr;
  for (const Rule& rule : *loaded) {
    if (rule.record == recorded) expr = rule.expr;
  }
  ASSERT_FALSE(expr.empty());
  const std::map<std::string, double> direct = ByJob(expr);
  for (const std::string& job : jobs) {
    EXPECT_GT(direct.count(job) ? direct.at(job) : 0, 0)
        << expr << " for " << job;
  }

  // GetTier's p99 is recorded for the latency objective.
  absl::StatusOr<std::vector<Series>> p99 = Query(
      "job_grpc_method:kam_grpc_server_handling_seconds:p99_5m"
      "{job=\"kam-scoring\", grpc_method=\"GetTier\"}");
  ASSERT_TRUE(p99.ok()) << p99.status();
  EXPECT_EQ(p99->size(), 1u);

  // Every rule has been evaluated, without error.
  std::vector<std::string> unhealthy;
  const bool evaluated = test_support::WaitUntil(
      [&] {
        unhealthy.clear();
        absl::StatusOr<google::protobuf::Value> data = Api("/api/v1/rules");
        if (!data.ok()) {
          unhealthy.push_back(data.status().ToString());
          return false;
        }
        int count = 0;
        for (const auto& group :
             Field(data->struct_value(), "groups")->list_value().values()) {
          for (const auto& rule :
               Field(group.struct_value(), "rules")->list_value().values()) {
            ++count;
            const auto& r = rule.struct_value();
            const std::string health = Field(r, "health")->string_value();
            if (health != "ok") {
              const auto* error = Field(r, "lastError");
              unhealthy.push_back(absl::StrCat(
                  Field(r, "name")->string_value(), ": ", health, " ",
                  error != nullptr ? error->string_value() : ""));
            }
          }
        }
        if (count != static_cast<int>(loaded->size())) {
          unhealthy.push_back(absl::StrCat(
              "Prometheus has ", count, " rules, the file ", loaded->size()));
        }
        return unhealthy.empty();
      },
      absl::Seconds(60), absl::Milliseconds(250));
  EXPECT_TRUE(evaluated) << absl::StrJoin(unhealthy, "\n");

  // A healthy suite raises nothing, not even a pending alert.
  absl::StatusOr<google::protobuf::Value> alerts = Api("/api/v1/alerts");
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  std::vector<std::string> raised;
  for (const auto& alert :
       Field(alerts->struct_value(), "alerts")->list_value().values()) {
    const auto& a = alert.struct_value();
    raised.push_back(absl::StrCat(
        Field(Field(a, "labels")->struct_value(), "alertname")->string_value(),
        " ", Field(a, "state")->string_value()));
  }
  EXPECT_TRUE(raised.empty()) << absl::StrJoin(raised, "\n");

  // Every dashboard query runs; those not filtered by "> 0" show data. Every
  // selector of the dashboard and the rules returns series.
  absl::StatusOr<google::protobuf::Struct> dashboard =
      LoadJson(DashboardPath());
  ASSERT_TRUE(dashboard.ok()) << dashboard.status();
  std::vector<std::string> dead;
  std::set<std::string> selectors;
  auto collect = [&](const std::string& text) {
    absl::StatusOr<std::vector<Selector>> found = ExtractSelectors(text);
    if (!found.ok()) {
      dead.push_back(found.status().ToString());
      return;
    }
    for (const Selector& s : *found) selectors.insert(SelectorText(s));
  };
  for (const DashboardQuery& query : DashboardQueries(*dashboard)) {
    const std::string promql = ExpandVariables(query.expr);
    absl::StatusOr<std::vector<Series>> answer = Query(promql);
    if (!answer.ok()) {
      dead.push_back(
          absl::StrCat(query.where, ": ", answer.status().ToString()));
    } else if (answer->empty() && !absl::EndsWith(query.expr, "> 0")) {
      dead.push_back(absl::StrCat(query.where, ": no data for ", promql));
    }
    collect(query.expr);
  }
  for (const Rule& rule : *loaded) collect(rule.expr);
  for (const std::string& selector : selectors) {
    absl::StatusOr<std::vector<Series>> answer = Query(selector);
    if (!answer.ok() || answer->empty()) {
      dead.push_back(absl::StrCat("no series for ", selector));
    }
  }
  EXPECT_TRUE(dead.empty()) << absl::StrJoin(dead, "\n");
  EXPECT_GT(selectors.size(), 20u);

  // A clean shutdown.
  EXPECT_EQ(prometheus_->Stop(), 0) << prometheus_->LogTail();
}

}  // namespace
}  // namespace kam::observe_test
