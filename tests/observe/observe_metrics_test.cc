// What the real binaries export, against the dashboard and the rules. Each
// test starts a real kam-registry, kam-engagement, kam-scoring and
// kam-planning (port 0, temporary data), drives a little of everything
// through them (an account, a contact, a fact, interactions, a survey answer,
// tier lookups, a draft plan), scrapes each /metrics and checks:
//   - promtool check metrics accepts each exposition;
//   - every metric the dashboard or the rules select is exported, by the
//     services the selector's job matcher allows (recording rules resolved
//     to the metrics they read; histograms by their _bucket/_sum/_count
//     series), and every label value a selector requires
//     (grpc_method="GetTier", outcome="failed", ...) occurs: no dead panel, no
//     alert on a metric that is never written;
//   - each family is exported by every service that should have it (process_*,
//     kam_rocksdb_* and kam_store_* by all four, the feed consumer families by
//     the three consumers), with plausible units.

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/observe/observe_testing.h"
#include "tests/support/http_get.h"

namespace kam::observe_test {
namespace {

// Series Prometheus itself writes for every target it scrapes.
const std::set<std::string>& PrometheusSeries() {
  static const auto* const kSet =
      new std::set<std::string>{"up", "scrape_samples_scraped"};
  return *kSet;
}

struct Exposition {
  std::string job;
  std::string text;
  std::vector<test_support::MetricSample> samples;
  std::set<std::string> names;
};

// Which services must export a family, by its prefix.
std::set<std::string> OwnersOf(const std::string& metric) {
  if (absl::StartsWith(metric, "kam_grpc_") ||
      absl::StartsWith(metric, "process_") ||
      absl::StartsWith(metric, "kam_rocksdb_") ||
      absl::StartsWith(metric, "kam_store_")) {
    return {"kam-registry", "kam-engagement", "kam-scoring", "kam-planning"};
  }
  if (absl::StartsWith(metric, "kam_feed_consumer_")) {
    return {"kam-engagement", "kam-scoring", "kam-planning"};
  }
  // The change-feed servers: the registry's and engagement's feeds, and
  // scoring's tier feed. Planning serves none.
  if (absl::StartsWith(metric, "kam_feed_watch_") ||
      absl::StartsWith(metric, "kam_feed_tail_")) {
    return {"kam-registry", "kam-engagement", "kam-scoring"};
  }
  if (absl::StartsWith(metric, "kam_engagement_")) return {"kam-engagement"};
  if (absl::StartsWith(metric, "kam_scoring_")) return {"kam-scoring"};
  if (absl::StartsWith(metric, "kam_planning_")) return {"kam-planning"};
  return {};
}

bool FullMatch(const std::string& value, const std::string& pattern) {
  try {
    return std::regex_match(value, std::regex(pattern));
  } catch (const std::regex_error&) {
    return false;
  }
}

class ObserveMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = suite_.Start();
    ASSERT_TRUE(started.ok()) << started;
    absl::Status driven = suite_.DriveTraffic("observed");
    ASSERT_TRUE(driven.ok()) << driven << "\n" << suite_.Logs();
    for (const ServiceInfo& service : suite_.services()) {
      absl::StatusOr<std::string> body =
          test_support::HttpGet(service.process->metrics_address(), "/metrics");
      ASSERT_TRUE(body.ok()) << service.job << ": " << body.status();
      Exposition exposition;
      exposition.job = service.job;
      exposition.text = *body;
      exposition.samples = test_support::ParsePrometheusText(*body);
      for (const auto& sample : exposition.samples) {
        exposition.names.insert(sample.name);
      }
      expositions_.push_back(std::move(exposition));
    }
    absl::StatusOr<std::vector<Rule>> rules = LoadRules(RulesPath());
    ASSERT_TRUE(rules.ok()) << rules.status();
    for (const Rule& rule : *rules) {
      if (!rule.record.empty()) records_[rule.record] = rule;
    }
    rules_ = *std::move(rules);
  }

  void TearDown() override {
    if (HasFailure()) std::fprintf(stderr, "%s\n", suite_.Logs().c_str());
    suite_.Stop();
  }

  // The expositions a selector can read, by its job matcher.
  std::vector<const Exposition*> JobsOf(const Selector& selector) const {
    std::vector<const Exposition*> out;
    for (const Exposition& e : expositions_) {
      bool allowed = true;
      for (const LabelMatcher& m : selector.matchers) {
        if (m.label != "job" || absl::StrContains(m.value, "$")) continue;
        if (m.op == "=") allowed &= e.job == m.value;
        if (m.op == "=~") allowed &= FullMatch(e.job, m.value);
        if (m.op == "!=") allowed &= e.job != m.value;
      }
      if (allowed) out.push_back(&e);
    }
    return out;
  }

  // The exported metrics behind `metric`: itself, or what its recording rule
  // reads, recursively. Problems (a name that is neither) go to `problems`.
  std::set<std::string> Resolve(const std::string& metric,
                                const std::string& where,
                                std::vector<std::string>* problems,
                                int depth = 0) const {
    auto record = records_.find(metric);
    if (record == records_.end()) return {metric};
    if (depth > 10) {
      problems->push_back(
          absl::StrCat(where, ": recording rules loop at ", metric));
      return {};
    }
    std::set<std::string> base;
    absl::StatusOr<std::vector<Selector>> inner =
        ExtractSelectors(record->second.expr);
    if (!inner.ok()) {
      problems->push_back(absl::StrCat(where, ": ", inner.status().ToString()));
      return {};
    }
    for (const Selector& s : *inner) {
      for (const std::string& name :
           Resolve(s.metric, absl::StrCat(where, " via ", metric), problems,
                   depth + 1)) {
        base.insert(name);
      }
    }
    return base;
  }

  // Checks every selector of `expr`; returns the problems, empty if none.
  std::vector<std::string> CheckExpression(const std::string& where,
                                           const std::string& expr,
                                           std::set<std::string>* used) const {
    std::vector<std::string> problems;
    absl::StatusOr<std::vector<Selector>> selectors = ExtractSelectors(expr);
    if (!selectors.ok())
      return {absl::StrCat(where, ": ", selectors.status().ToString())};
    for (const Selector& selector : *selectors) {
      const std::string at = absl::StrCat(where, ": ", selector.metric);
      if (selector.metric.empty()) {
        problems.push_back(
            absl::StrCat(where, ": a selector without a metric name"));
        continue;
      }
      if (PrometheusSeries().count(selector.metric) > 0) continue;
      const std::vector<const Exposition*> jobs = JobsOf(selector);
      if (jobs.empty()) {
        problems.push_back(
            absl::StrCat(at, ": its job matcher selects no kam service"));
        continue;
      }
      for (const std::string& base : Resolve(selector.metric, at, &problems)) {
        if (PrometheusSeries().count(base) > 0) continue;
        if (used != nullptr) used->insert(base);
        bool exported = false;
        for (const Exposition* e : jobs) exported |= e->names.count(base) > 0;
        if (!exported) {
          problems.push_back(absl::StrCat(
              at,
              base == selector.metric ? ""
                                      : absl::StrCat(" (reads ", base, ")"),
              " is not exported by ",
              absl::StrJoin(jobs, ", ",
                            [](std::string* out, const Exposition* e) {
                              out->append(e->job);
                            })));
        }
      }
      // Each positive matcher must be satisfiable by some exported series
      // behind the selector (job is checked above; $variables vary).
      const std::set<std::string> bases =
          Resolve(selector.metric, at, &problems);
      for (const LabelMatcher& m : selector.matchers) {
        if (m.label == "job" || absl::StrContains(m.value, "$") ||
            (m.op != "=" && m.op != "=~")) {
          continue;
        }
        bool found = false;
        for (const Exposition* e : jobs) {
          for (const auto& sample : e->samples) {
            if (bases.count(sample.name) == 0) continue;
            auto label = sample.labels.find(m.label);
            if (label == sample.labels.end()) continue;
            found |= m.op == "=" ? label->second == m.value
                                 : FullMatch(label->second, m.value);
            if (found) break;
          }
          if (found) break;
        }
        if (!found) {
          problems.push_back(absl::StrCat(at, ": no exported series has ",
                                          m.label, m.op, "\"", m.value, "\""));
        }
      }
    }
    return problems;
  }

  const Exposition& Of(const std::string& job) const {
    for (const Exposition& e : expositions_) {
      if (e.job == job) return e;
    }
    static const Exposition* const kNone = new Exposition;
    return *kNone;
  }

  test_support::TempDir dir_;
  KamSuite suite_{dir_};
  std::vector<Exposition> expositions_;
  std::vector<Rule> rules_;
  std::map<std::string, Rule> records_;
};

TEST_F(ObserveMetricsTest, PromtoolAcceptsEveryExposition) {
  ASSERT_FALSE(PromtoolBinary().empty())
      << "promtool not found: install the Debian package prometheus";
  ASSERT_EQ(expositions_.size(), 4u);
  for (const Exposition& e : expositions_) {
    SCOPED_TRACE(e.job);
    const std::string path = dir_.Sub(e.job + ".metrics");
    ASSERT_TRUE(WriteFile(path, e.text).ok());
    absl::StatusOr<CommandResult> checked =
        RunCommand({PromtoolBinary(), "check", "metrics"}, path);
    ASSERT_TRUE(checked.ok()) << checked.status();
    EXPECT_EQ(checked->exit_code, 0) << checked->output;
    EXPECT_EQ(checked->output, "") << "promtool's lint findings";
    EXPECT_GT(e.samples.size(), 50u);
  }
}

TEST_F(ObserveMetricsTest, EveryMetricTheDashboardSelectsIsExported) {
  absl::StatusOr<google::protobuf::Struct> dashboard =
      LoadJson(DashboardPath());
  ASSERT_TRUE(dashboard.ok()) << dashboard.status();
  const std::vector<DashboardQuery> queries = DashboardQueries(*dashboard);
  ASSERT_GT(queries.size(), 20u);
  std::vector<std::string> problems;
  for (const DashboardQuery& query : queries) {
    for (std::string& p : CheckExpression(query.where, query.expr, nullptr)) {
      problems.push_back(std::move(p));
    }
  }
  EXPECT_TRUE(problems.empty())
      << "dead panels:\n  " << absl::StrJoin(problems, "\n  ");
}

TEST_F(ObserveMetricsTest, EveryMetricTheRulesSelectIsExported) {
  ASSERT_FALSE(rules_.empty());
  std::vector<std::string> problems;
  for (const Rule& rule : rules_) {
    for (std::string& p : CheckExpression(absl::StrCat("rule ", rule.name()),
                                          rule.expr, nullptr)) {
      problems.push_back(std::move(p));
    }
  }
  EXPECT_TRUE(problems.empty())
      << "rules on metrics that are never written:\n  "
      << absl::StrJoin(problems, "\n  ");
}

// A panel filtered to one service shows nothing if that service lacks the
// family: process_*, kam_rocksdb_* and kam_store_* must come from all four,
// feed consumer metrics from the three consumers, and so on.
TEST_F(ObserveMetricsTest, EveryServiceExportsTheFamiliesItOwns) {
  std::set<std::string> used;
  absl::StatusOr<google::protobuf::Struct> dashboard =
      LoadJson(DashboardPath());
  ASSERT_TRUE(dashboard.ok()) << dashboard.status();
  for (const DashboardQuery& query : DashboardQueries(*dashboard)) {
    CheckExpression(query.where, query.expr, &used);
  }
  for (const Rule& rule : rules_)
    CheckExpression(rule.name(), rule.expr, &used);
  for (const char* process :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds",
        "process_start_time_seconds"}) {
    EXPECT_EQ(used.count(process), 1u) << process << " is on no panel";
  }
  for (const std::string& metric : used) {
    const std::set<std::string> owners = OwnersOf(metric);
    EXPECT_FALSE(owners.empty()) << metric << " belongs to no kam service";
    for (const std::string& job : owners) {
      EXPECT_EQ(Of(job).names.count(metric), 1u)
          << job << " does not export " << metric;
    }
  }
}

// Units in the names mean what they say (seconds, bytes), values are
// plausible, and the traffic this test drove is visible.
TEST_F(ObserveMetricsTest, ValuesHaveTheUnitsTheirNamesPromise) {
  const double now =
      static_cast<double>(absl::ToUnixMillis(absl::Now())) / 1000.0;
  for (const Exposition& e : expositions_) {
    SCOPED_TRACE(e.job);
    auto value = [&](const std::string& name,
                     const std::map<std::string, std::string>& labels = {}) {
      std::optional<double> v =
          test_support::FindMetric(e.samples, name, labels);
      EXPECT_TRUE(v.has_value()) << name;
      return v.value_or(-1);
    };
    const double start = value("process_start_time_seconds");
    EXPECT_GT(start, now - 600)
        << "process_start_time_seconds is not Unix seconds";
    EXPECT_LE(start, now + 5);
    const double rss = value("process_resident_memory_bytes");
    EXPECT_GT(rss, 1 << 20);
    EXPECT_LT(rss, 8.0 * (1LL << 30));
    EXPECT_GE(value("process_virtual_memory_bytes"), rss);
    const double cpu = value("process_cpu_seconds_total");
    EXPECT_GT(cpu, 0);
    EXPECT_LT(cpu, now - start + 600)
        << "process_cpu_seconds_total is not seconds";
    EXPECT_GT(value("process_open_fds"), 3);
    EXPECT_GT(value("kam_rocksdb_estimated_keys"), 0);
    // Everything the test did took well under a second per call.
    double count = 0, sum = 0;
    for (const auto& sample : e.samples) {
      if (sample.name == "kam_grpc_server_handling_seconds_count")
        count += sample.value;
      if (sample.name == "kam_grpc_server_handling_seconds_sum")
        sum += sample.value;
    }
    EXPECT_GT(count, 0);
    EXPECT_LT(sum / count, 1.0)
        << "kam_grpc_server_handling_seconds is not seconds";
  }
  const auto& registry = Of("kam-registry").samples;
  for (const char* method :
       {"CreateAccount", "CreateContact", "RecordFinancialFact"}) {
    EXPECT_EQ(test_support::FindMetric(
                  registry, "kam_grpc_server_handled_total",
                  {{"grpc_method", method}, {"grpc_code", "OK"}}),
              1)
        << method;
  }
  const auto& engagement = Of("kam-engagement").samples;
  EXPECT_EQ(test_support::FindMetric(
                engagement, "kam_engagement_interactions_ingested_total",
                {{"outcome", "created"}}),
            2);
  const auto& scoring = Of("kam-scoring").samples;
  EXPECT_GE(test_support::FindMetric(scoring, "kam_scoring_tier_lookups_total",
                                     {{"result", "found"}})
                .value_or(0),
            2);
  // At least the unknown account's two lookups (more if GetTier polled
  // before scoring had the new account).
  EXPECT_GE(test_support::FindMetric(scoring, "kam_scoring_tier_lookups_total",
                                     {{"result", "not_found"}})
                .value_or(0),
            2);
  EXPECT_GE(test_support::FindMetric(
                scoring, "kam_grpc_server_handled_total",
                {{"grpc_method", "GetTier"}, {"grpc_code", "NOT_FOUND"}})
                .value_or(0),
            1);
}

// kam-planning's own gauges: one series per horizon (and status), counting
// what DriveTraffic made (one draft operational plan, nothing in force), and
// one set of feed consumer series per peer it follows.
TEST_F(ObserveMetricsTest, PlanningExportsItsGaugesAndThreeConsumers) {
  const auto& planning = Of("kam-planning").samples;
  ASSERT_FALSE(planning.empty());
  for (const char* horizon : {"strategic", "tactical", "operational"}) {
    SCOPED_TRACE(horizon);
    for (const char* status : {"draft", "active", "under_review", "closed"}) {
      const bool the_draft = std::string(horizon) == "operational" &&
                             std::string(status) == "draft";
      EXPECT_EQ(
          test_support::FindMetric(planning, "kam_planning_plans",
                                   {{"horizon", horizon}, {"status", status}}),
          the_draft ? 1.0 : 0.0)
          << status;
    }
    for (const char* gauge :
         {"kam_planning_overdue_actions", "kam_planning_plans_due_for_review",
          "kam_planning_key_accounts_without_plan"}) {
      EXPECT_TRUE(
          test_support::FindMetric(planning, gauge, {{"horizon", horizon}})
              .has_value())
          << gauge;
    }
    // Nothing is in force, so nothing is overdue or due for review.
    EXPECT_EQ(test_support::FindMetric(planning, "kam_planning_overdue_actions",
                                       {{"horizon", horizon}}),
              0);
    EXPECT_EQ(
        test_support::FindMetric(planning, "kam_planning_plans_due_for_review",
                                 {{"horizon", horizon}}),
        0);
  }
  for (const char* feed : {"registry", "scoring", "engagement"}) {
    SCOPED_TRACE(feed);
    for (const char* family :
         {"kam_feed_consumer_lag_events", "kam_feed_consumer_cursor",
          "kam_feed_consumer_events_applied_total",
          "kam_feed_consumer_reconnects_total",
          "kam_feed_consumer_connected"}) {
      EXPECT_TRUE(test_support::FindMetric(planning, family, {{"feed", feed}})
                      .has_value())
          << family;
    }
  }
  // The registry feed carried the account (and its contact) over.
  EXPECT_GE(test_support::FindMetric(planning,
                                     "kam_feed_consumer_events_applied_total",
                                     {{"feed", "registry"}})
                .value_or(0),
            1);
  EXPECT_EQ(
      test_support::FindMetric(planning, "kam_grpc_server_handled_total",
                               {{"grpc_service", "kam.planning.v1.Planning"},
                                {"grpc_method", "GetPlanCoverage"},
                                {"grpc_code", "OK"}}),
      1);
}

}  // namespace
}  // namespace kam::observe_test
