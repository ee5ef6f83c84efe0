#ifndef KAM_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
#define KAM_TESTS_SUPPORT_PROMETHEUS_TEXT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace kam::test_support {

// One sample line of the Prometheus text exposition format, e.g.
//   kam_grpc_server_handled_total{grpc_method="GetAccount",...} 3
struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// ParsePrometheusText reads the sample lines of a /metrics body; comments
// (# HELP, # TYPE) and lines that do not parse are skipped.
std::vector<MetricSample> ParsePrometheusText(absl::string_view text);

// FindMetric returns the value of the sample called `name` whose labels
// include every pair in `labels` (other labels may be present), or nullopt.
// If several match, the first wins.
//
// Example:
//   FindMetric(samples, "kam_grpc_server_handled_total",
//              {{"grpc_method", "CreateAccount"}, {"grpc_code", "OK"}});
std::optional<double> FindMetric(
    const std::vector<MetricSample>& samples, const std::string& name,
    const std::map<std::string, std::string>& labels);

// CountMetrics is how many samples are called `name` and carry `labels`.
int CountMetrics(const std::vector<MetricSample>& samples,
                 const std::string& name,
                 const std::map<std::string, std::string>& labels);

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
