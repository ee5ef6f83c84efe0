#include "tests/support/prometheus_text.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace kam::test_support {
namespace {

// Parses `{a="x",b="y"}` starting at text[*pos] == '{'; leaves *pos after
// the closing brace. Returns false on malformed input.
bool ParseLabels(absl::string_view text, size_t* pos,
                 std::map<std::string, std::string>* labels) {
  size_t i = *pos + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || text[i] == ' ')) ++i;
    if (i < text.size() && text[i] == '}') {
      *pos = i + 1;
      return true;
    }
    const size_t eq = text.find('=', i);
    if (eq == absl::string_view::npos || eq + 1 >= text.size() ||
        text[eq + 1] != '"') {
      return false;
    }
    std::string key(absl::StripAsciiWhitespace(text.substr(i, eq - i)));
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        value.push_back(text[j] == 'n' ? '\n' : text[j]);
      } else {
        value.push_back(text[j]);
      }
    }
    if (j >= text.size()) return false;
    (*labels)[key] = value;
    i = j + 1;
  }
  return false;
}

bool Matches(const MetricSample& sample, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  if (sample.name != name) return false;
  for (const auto& [key, value] : labels) {
    auto it = sample.labels.find(key);
    if (it == sample.labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

std::vector<MetricSample> ParsePrometheusText(absl::string_view text) {
  std::vector<MetricSample> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    sample.name = std::string(line.substr(0, pos));
    if (pos < line.size() && line[pos] == '{' &&
        !ParseLabels(line, &pos, &sample.labels)) {
      continue;
    }
    absl::string_view rest = absl::StripAsciiWhitespace(line.substr(pos));
    rest = rest.substr(0, rest.find(' '));  // drop an optional timestamp
    const std::string number(rest);
    char* end = nullptr;
    sample.value = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size()) continue;
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::optional<double> FindMetric(
    const std::vector<MetricSample>& samples, const std::string& name,
    const std::map<std::string, std::string>& labels) {
  for (const MetricSample& sample : samples) {
    if (Matches(sample, name, labels)) return sample.value;
  }
  return std::nullopt;
}

int CountMetrics(const std::vector<MetricSample>& samples,
                 const std::string& name,
                 const std::map<std::string, std::string>& labels) {
  int count = 0;
  for (const MetricSample& sample : samples) {
    if (Matches(sample, name, labels)) ++count;
  }
  return count;
}

}  // namespace kam::test_support
