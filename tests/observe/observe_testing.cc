#include "tests/observe/observe_testing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/http_get.h"
#include "tests/support/wait.h"

#ifndef KAM_SOURCE_DIR
#define KAM_SOURCE_DIR ""
#endif
#ifndef KAM_PROMTOOL
#define KAM_PROMTOOL ""
#endif
#ifndef KAM_PROMETHEUS
#define KAM_PROMETHEUS ""
#endif
#ifndef KAM_PLANNING_BINARY
#define KAM_PLANNING_BINARY ""
#endif

namespace kam::observe_test {

namespace rv1 = ::kam::registry::v1;
namespace ev1 = ::kam::engagement::v1;
namespace sv1 = ::kam::scoring::v1;
namespace pv1 = ::kam::planning::v1;

// --- Paths -------------------------------------------------------------------

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(KAM_SOURCE_DIR, "/", relative);
}
std::string DashboardPath() {
  return SourcePath("deploy/grafana/kam-overview.json");
}
std::string RulesPath() {
  return SourcePath("deploy/prometheus/kam-rules.yaml");
}
std::string RuleTestsDir() { return SourcePath("deploy/prometheus/tests"); }
std::string RunbookPath() { return SourcePath("deploy/prometheus/RUNBOOK.md"); }
std::string PrometheusConfigPath() {
  return SourcePath("deploy/prometheus/prometheus.yml");
}
std::string PromtoolBinary() { return KAM_PROMTOOL; }
std::string PrometheusBinary() { return KAM_PROMETHEUS; }
std::string PlanningBinary() { return KAM_PLANNING_BINARY; }

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// --- YAML --------------------------------------------------------------------

const Yaml* Yaml::Get(const std::string& key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& [name, value] : map) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string Yaml::Str(const std::string& key) const {
  const Yaml* value = Get(key);
  return value != nullptr && value->kind == Kind::kScalar ? value->scalar : "";
}

namespace {

int IndentOf(absl::string_view line) {
  int indent = 0;
  while (indent < static_cast<int>(line.size()) && line[indent] == ' ') {
    ++indent;
  }
  return indent;
}

bool IsBlankOrComment(absl::string_view line) {
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
  return trimmed.empty() || trimmed[0] == '#';
}

bool IsDash(absl::string_view body) {
  return body == "-" || absl::StartsWith(body, "- ");
}

// The position of the colon that ends a plain key ("key: value" or "key:"),
// or npos.
size_t FindKeyColon(absl::string_view body) {
  if (body.empty() || body[0] == '\'' || body[0] == '"' || body[0] == '#') {
    return absl::string_view::npos;
  }
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == ':' && (i + 1 == body.size() || body[i + 1] == ' ')) {
      return i;
    }
    if (body[i] == ' ' && i + 1 < body.size() && body[i + 1] == '#') break;
  }
  return absl::string_view::npos;
}

class YamlParser {
 public:
  explicit YamlParser(absl::string_view text) {
    int number = 0;
    for (absl::string_view raw : absl::StrSplit(text, '\n')) {
      ++number;
      std::string line(raw);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back({number, std::move(line)});
    }
  }

  absl::StatusOr<Yaml> Parse() {
    Skip();
    if (pos_ < lines_.size() && lines_[pos_].text == "---") {
      ++pos_;
    }
    absl::StatusOr<Yaml> root = ParseNode(-1);
    if (!root.ok()) return root;
    Skip();
    if (pos_ < lines_.size()) return Error("unexpected content");
    return root;
  }

 private:
  struct Line {
    int number;
    std::string text;
  };

  absl::Status Error(absl::string_view what) const {
    const int number = pos_ < lines_.size()
                           ? lines_[pos_].number
                           : (lines_.empty() ? 0 : lines_.back().number);
    return absl::InvalidArgumentError(
        absl::StrCat("YAML line ", number, ": ", what));
  }

  void Skip() {
    while (pos_ < lines_.size() && IsBlankOrComment(lines_[pos_].text)) ++pos_;
  }

  // The node starting at the next significant line if it is indented more
  // than `parent`; a null node otherwise.
  absl::StatusOr<Yaml> ParseNode(int parent) {
    Skip();
    if (pos_ >= lines_.size()) return Yaml{};
    const std::string& text = lines_[pos_].text;
    const int indent = IndentOf(text);
    if (indent <= parent) return Yaml{};
    absl::string_view body = absl::string_view(text).substr(indent);
    if (IsDash(body)) return ParseList(indent);
    if (FindKeyColon(body) != absl::string_view::npos) return ParseMap(indent);
    absl::StatusOr<Yaml> scalar = InlineScalar(body);
    ++pos_;
    return scalar;
  }

  absl::StatusOr<Yaml> ParseList(int indent) {
    Yaml out;
    out.kind = Yaml::Kind::kList;
    while (true) {
      Skip();
      if (pos_ >= lines_.size()) break;
      std::string& text = lines_[pos_].text;
      const int at = IndentOf(text);
      if (at < indent) break;
      if (at > indent) return Error("unexpected indentation in a list");
      absl::string_view body = absl::string_view(text).substr(indent);
      if (!IsDash(body)) break;
      absl::string_view rest = body.substr(1);
      const int gap = IndentOf(rest);
      rest.remove_prefix(gap);
      absl::StatusOr<Yaml> item;
      if (rest.empty() || rest[0] == '#') {
        ++pos_;
        item = ParseNode(indent);
      } else {
        // "- key: value": read the item as if it started on its own line,
        // indented past the dash.
        text = std::string(indent + 1 + gap, ' ') + std::string(rest);
        item = ParseNode(indent);
      }
      if (!item.ok()) return item.status();
      out.list.push_back(*std::move(item));
    }
    return out;
  }

  absl::StatusOr<Yaml> ParseMap(int indent) {
    Yaml out;
    out.kind = Yaml::Kind::kMap;
    while (true) {
      Skip();
      if (pos_ >= lines_.size()) break;
      const std::string text = lines_[pos_].text;
      const int at = IndentOf(text);
      if (at < indent) break;
      if (at > indent) return Error("unexpected indentation in a mapping");
      absl::string_view body = absl::string_view(text).substr(indent);
      if (IsDash(body)) break;
      const size_t colon = FindKeyColon(body);
      if (colon == absl::string_view::npos) return Error("expected key: value");
      const std::string key(absl::StripAsciiWhitespace(body.substr(0, colon)));
      absl::string_view value =
          absl::StripAsciiWhitespace(body.substr(colon + 1));
      if (!value.empty() && value[0] == '#') value = "";
      if (out.Get(key) != nullptr) {
        return Error(absl::StrCat("duplicate key ", key));
      }
      ++pos_;
      absl::StatusOr<Yaml> child;
      if (value.empty()) {
        Skip();
        if (pos_ < lines_.size() && IndentOf(lines_[pos_].text) == indent &&
            IsDash(absl::string_view(lines_[pos_].text).substr(indent))) {
          child = ParseList(indent);
        } else {
          child = ParseNode(indent);
        }
      } else if (value[0] == '|' || value[0] == '>') {
        child = BlockScalar(value, indent);
      } else {
        --pos_;
        child = InlineScalar(value);
        ++pos_;
      }
      if (!child.ok()) return child.status();
      out.map.emplace_back(key, *std::move(child));
    }
    return out;
  }

  // A block scalar whose header ("|", "|-", ">", ">-", "|+") ends the line
  // before pos_; its lines are those indented more than `indent`.
  absl::StatusOr<Yaml> BlockScalar(absl::string_view header, int indent) {
    const char style = header[0];
    absl::string_view chomp = header.substr(1);
    chomp = absl::StripAsciiWhitespace(chomp.substr(0, chomp.find('#')));
    if (chomp != "" && chomp != "-" && chomp != "+") {
      --pos_;
      return Error("unsupported block scalar header");
    }
    std::vector<std::string> lines;
    int block_indent = -1;
    while (pos_ < lines_.size()) {
      const std::string& text = lines_[pos_].text;
      const bool blank = absl::StripAsciiWhitespace(text).empty();
      if (!blank && IndentOf(text) <= indent) break;
      if (!blank && block_indent < 0) block_indent = IndentOf(text);
      if (!blank && IndentOf(text) < block_indent) {
        return Error("block scalar line indented less than its first line");
      }
      lines.push_back(blank ? "" : text.substr(block_indent));
      ++pos_;
    }
    size_t trailing = 0;
    while (trailing < lines.size() &&
           lines[lines.size() - 1 - trailing].empty()) {
      ++trailing;
    }
    std::vector<std::string> content(lines.begin(), lines.end() - trailing);
    std::string text;
    if (style == '|') {
      text = absl::StrJoin(content, "\n");
    } else {
      for (size_t i = 0; i < content.size(); ++i) {
        if (i > 0)
          text += content[i].empty() || content[i - 1].empty() ? "\n" : " ";
        text += content[i];
      }
    }
    if (chomp == "" && !content.empty()) text += "\n";
    if (chomp == "+")
      text += std::string(trailing + (content.empty() ? 0 : 1), '\n');
    Yaml out;
    out.kind = Yaml::Kind::kScalar;
    out.scalar = std::move(text);
    return out;
  }

  absl::StatusOr<Yaml> InlineScalar(absl::string_view value) {
    Yaml out;
    out.kind = Yaml::Kind::kScalar;
    if (value == "[]") {
      out.kind = Yaml::Kind::kList;
      return out;
    }
    if (value == "{}") {
      out.kind = Yaml::Kind::kMap;
      return out;
    }
    const char first = value[0];
    if (first == '[' || first == '{' || first == '&' || first == '*' ||
        first == '!' || first == '|' || first == '>') {
      return Error("unsupported YAML (flow collection, anchor, alias or tag)");
    }
    if (first == '\'' || first == '"') {
      size_t i = 1;
      std::string text;
      bool closed = false;
      for (; i < value.size(); ++i) {
        const char c = value[i];
        if (first == '\'' && c == '\'') {
          if (i + 1 < value.size() && value[i + 1] == '\'') {
            text.push_back('\'');
            ++i;
            continue;
          }
          closed = true;
          break;
        }
        if (first == '"' && c == '\\' && i + 1 < value.size()) {
          const char next = value[++i];
          text.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
          continue;
        }
        if (first == '"' && c == '"') {
          closed = true;
          break;
        }
        text.push_back(c);
      }
      absl::string_view rest =
          closed ? absl::StripAsciiWhitespace(value.substr(i + 1)) : "";
      if (!closed || !(rest.empty() || rest[0] == '#')) {
        return Error("unterminated or multi-line quoted scalar");
      }
      out.scalar = std::move(text);
      return out;
    }
    const size_t comment = value.find(" #");
    out.scalar =
        std::string(absl::StripAsciiWhitespace(value.substr(0, comment)));
    return out;
  }

  std::vector<Line> lines_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<Yaml> ParseYaml(absl::string_view text) {
  return YamlParser(text).Parse();
}

// --- Rules -------------------------------------------------------------------

absl::StatusOr<std::vector<Rule>> ParseRules(absl::string_view text) {
  absl::StatusOr<Yaml> root = ParseYaml(text);
  if (!root.ok()) return root.status();
  const Yaml* groups = root->Get("groups");
  if (groups == nullptr || groups->kind != Yaml::Kind::kList) {
    return absl::InvalidArgumentError("rules: no `groups:` list");
  }
  std::vector<Rule> rules;
  for (const Yaml& group : groups->list) {
    const Yaml* items = group.Get("rules");
    if (items == nullptr || items->kind != Yaml::Kind::kList) {
      return absl::InvalidArgumentError(
          absl::StrCat("rules: group ", group.Str("name"), " has no rules"));
    }
    for (const Yaml& item : items->list) {
      Rule rule;
      rule.group = group.Str("name");
      rule.record = item.Str("record");
      rule.alert = item.Str("alert");
      rule.expr = item.Str("expr");
      rule.for_duration = item.Str("for");
      if (rule.record.empty() == rule.alert.empty() || rule.expr.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("rules: a rule in group ", rule.group,
                         " needs exactly one of record/alert, and an expr"));
      }
      for (const char* section : {"labels", "annotations"}) {
        const Yaml* map = item.Get(section);
        if (map == nullptr) continue;
        for (const auto& [key, value] : map->map) {
          (std::string(section) == "labels" ? rule.labels
                                            : rule.annotations)[key] =
              value.scalar;
        }
      }
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

absl::StatusOr<std::vector<Rule>> LoadRules(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<Rule>> rules = ParseRules(*text);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

absl::StatusOr<std::vector<AlertCase>> LoadAlertCases(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<Yaml> root = ParseYaml(*text);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", root.status().message()));
  }
  std::vector<AlertCase> cases;
  const Yaml* tests = root->Get("tests");
  if (tests == nullptr) return cases;
  for (const Yaml& test : tests->list) {
    const Yaml* alert_tests = test.Get("alert_rule_test");
    if (alert_tests == nullptr) continue;
    for (const Yaml& item : alert_tests->list) {
      AlertCase one;
      one.file = path;
      one.eval_time = item.Str("eval_time");
      one.alertname = item.Str("alertname");
      const Yaml* expected = item.Get("exp_alerts");
      one.expected_alerts =
          expected == nullptr ? 0 : static_cast<int>(expected->list.size());
      cases.push_back(std::move(one));
    }
  }
  return cases;
}

// --- PromQL ------------------------------------------------------------------

namespace {

bool IsIdentifierStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         c == ':';
}
bool IsIdentifierChar(char c) {
  return IsIdentifierStart(c) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c));
}

const std::set<std::string>& Aggregations() {
  static const auto* const kSet = new std::set<std::string>{
      "sum",    "min",      "max",    "avg",          "group",
      "stddev", "stdvar",   "count",  "count_values", "bottomk",
      "topk",   "quantile", "limitk", "limit_ratio"};
  return *kSet;
}
const std::set<std::string>& LabelListKeywords() {
  static const auto* const kSet = new std::set<std::string>{
      "by", "without", "on", "ignoring", "group_left", "group_right"};
  return *kSet;
}
const std::set<std::string>& OtherKeywords() {
  static const auto* const kSet =
      new std::set<std::string>{"and",   "or",  "unless", "bool",  "offset",
                                "atan2", "inf", "nan",    "start", "end"};
  return *kSet;
}

// Skips a quoted string starting at text[*i]; returns its unescaped content.
absl::StatusOr<std::string> ReadString(absl::string_view text, size_t* i) {
  const char quote = text[*i];
  std::string out;
  for (size_t j = *i + 1; j < text.size(); ++j) {
    if (quote != '`' && text[j] == '\\' && j + 1 < text.size()) {
      out.push_back(text[++j]);
      continue;
    }
    if (text[j] == quote) {
      *i = j + 1;
      return out;
    }
    out.push_back(text[j]);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unterminated string in: ", text));
}

void SkipSpaces(absl::string_view text, size_t* i) {
  while (*i < text.size() &&
         absl::ascii_isspace(static_cast<unsigned char>(text[*i]))) {
    ++*i;
  }
}

// Reads `{label op "value", ...}` starting at text[*i] == '{'.
absl::StatusOr<std::vector<LabelMatcher>> ReadMatchers(absl::string_view text,
                                                       size_t* i) {
  std::vector<LabelMatcher> matchers;
  size_t j = *i + 1;
  while (true) {
    SkipSpaces(text, &j);
    if (j >= text.size()) break;
    if (text[j] == '}') {
      *i = j + 1;
      return matchers;
    }
    if (text[j] == ',') {
      ++j;
      continue;
    }
    LabelMatcher matcher;
    const size_t start = j;
    while (j < text.size() && IsIdentifierChar(text[j])) ++j;
    matcher.label = std::string(text.substr(start, j - start));
    SkipSpaces(text, &j);
    const size_t op_start = j;
    while (j < text.size() &&
           (text[j] == '=' || text[j] == '!' || text[j] == '~')) {
      ++j;
    }
    matcher.op = std::string(text.substr(op_start, j - op_start));
    SkipSpaces(text, &j);
    if (matcher.label.empty() || matcher.op.empty() || j >= text.size() ||
        (text[j] != '"' && text[j] != '\'' && text[j] != '`')) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed label matcher in: ", text));
    }
    absl::StatusOr<std::string> value = ReadString(text, &j);
    if (!value.ok()) return value.status();
    matcher.value = *std::move(value);
    matchers.push_back(std::move(matcher));
  }
  return absl::InvalidArgumentError(absl::StrCat("unterminated { in: ", text));
}

}  // namespace

absl::StatusOr<std::vector<Selector>> ExtractSelectors(absl::string_view text) {
  std::vector<Selector> selectors;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'' || c == '`') {
      absl::StatusOr<std::string> skipped = ReadString(text, &i);
      if (!skipped.ok()) return skipped.status();
    } else if (c == '[') {
      const size_t close = text.find(']', i);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("unterminated [ in: ", text));
      }
      i = close + 1;
    } else if (c == '{') {
      // A selector without a leading name: {__name__="x", ...}.
      absl::StatusOr<std::vector<LabelMatcher>> matchers =
          ReadMatchers(text, &i);
      if (!matchers.ok()) return matchers.status();
      Selector selector;
      for (const LabelMatcher& m : *matchers) {
        if (m.label == "__name__" && m.op == "=") {
          selector.metric = m.value;
        } else {
          selector.matchers.push_back(m);
        }
      }
      selectors.push_back(std::move(selector));
    } else if (c == '$') {
      // A Grafana variable: $name or ${name}.
      ++i;
      if (i < text.size() && text[i] == '{') {
        const size_t close = text.find('}', i);
        i = close == absl::string_view::npos ? text.size() : close + 1;
      } else {
        while (i < text.size() && IsIdentifierChar(text[i])) ++i;
      }
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < text.size() &&
                absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1])))) {
      // A number or a duration (1e-3, 0x1f, 5m, 1h30m).
      while (i < text.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(text[i])) ||
              text[i] == '.' ||
              ((text[i] == '-' || text[i] == '+') &&
               (text[i - 1] == 'e' || text[i - 1] == 'E')))) {
        ++i;
      }
    } else if (IsIdentifierStart(c)) {
      const size_t start = i;
      while (i < text.size() && IsIdentifierChar(text[i])) ++i;
      const std::string name(text.substr(start, i - start));
      size_t next = i;
      SkipSpaces(text, &next);
      const char after = next < text.size() ? text[next] : '\0';
      const std::string lower = absl::AsciiStrToLower(name);
      if (LabelListKeywords().count(name) > 0) {
        if (after == '(') {
          const size_t close = text.find(')', next);
          if (close == absl::string_view::npos) {
            return absl::InvalidArgumentError(
                absl::StrCat("unterminated ( in: ", text));
          }
          i = close + 1;
        }
      } else if (Aggregations().count(name) > 0 ||
                 OtherKeywords().count(lower) > 0 || after == '(') {
        // An aggregation, a keyword or a function call.
      } else {
        Selector selector;
        selector.metric = name;
        if (after == '{') {
          i = next;
          absl::StatusOr<std::vector<LabelMatcher>> matchers =
              ReadMatchers(text, &i);
          if (!matchers.ok()) return matchers.status();
          selector.matchers = *std::move(matchers);
        }
        selectors.push_back(std::move(selector));
      }
    } else {
      ++i;  // an operator, a paren, a comma
    }
  }
  return selectors;
}

// --- Grafana -----------------------------------------------------------------

absl::StatusOr<google::protobuf::Struct> ParseJson(absl::string_view json) {
  google::protobuf::Struct out;
  auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON: ", std::string(status.message())));
  }
  return out;
}

absl::StatusOr<google::protobuf::Struct> LoadJson(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<google::protobuf::Struct> parsed = ParseJson(*text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", parsed.status().message()));
  }
  return parsed;
}

namespace {

const google::protobuf::Value* Field(const google::protobuf::Struct& object,
                                     const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

void CollectPanelQueries(const google::protobuf::ListValue& panels,
                         std::vector<DashboardQuery>* out) {
  for (const google::protobuf::Value& value : panels.values()) {
    if (!value.has_struct_value()) continue;
    const google::protobuf::Struct& panel = value.struct_value();
    const google::protobuf::Value* id = Field(panel, "id");
    const google::protobuf::Value* title = Field(panel, "title");
    const std::string where = absl::StrCat(
        "panel ", id != nullptr ? absl::StrCat(id->number_value()) : "?", " \"",
        title != nullptr ? title->string_value() : "", "\"");
    if (const auto* targets = Field(panel, "targets");
        targets != nullptr && targets->has_list_value()) {
      for (const google::protobuf::Value& target :
           targets->list_value().values()) {
        if (!target.has_struct_value()) continue;
        const auto* expr = Field(target.struct_value(), "expr");
        const auto* ref = Field(target.struct_value(), "refId");
        out->push_back(
            {absl::StrCat(where, " target ",
                          ref != nullptr ? ref->string_value() : "?"),
             expr != nullptr ? expr->string_value() : ""});
      }
    }
    if (const auto* nested = Field(panel, "panels");
        nested != nullptr && nested->has_list_value()) {
      CollectPanelQueries(nested->list_value(), out);
    }
  }
}

}  // namespace

std::vector<DashboardQuery> DashboardQueries(
    const google::protobuf::Struct& dashboard) {
  std::vector<DashboardQuery> out;
  if (const auto* panels = Field(dashboard, "panels");
      panels != nullptr && panels->has_list_value()) {
    CollectPanelQueries(panels->list_value(), &out);
  }
  const auto* templating = Field(dashboard, "templating");
  if (templating == nullptr || !templating->has_struct_value()) return out;
  const auto* list = Field(templating->struct_value(), "list");
  if (list == nullptr || !list->has_list_value()) return out;
  for (const google::protobuf::Value& value : list->list_value().values()) {
    if (!value.has_struct_value()) continue;
    const auto& variable = value.struct_value();
    const auto* type = Field(variable, "type");
    if (type == nullptr || type->string_value() != "query") continue;
    const auto* query = Field(variable, "query");
    std::string text;
    if (query != nullptr && query->has_string_value()) {
      text = query->string_value();
    } else if (query != nullptr && query->has_struct_value()) {
      const auto* inner = Field(query->struct_value(), "query");
      if (inner != nullptr) text = inner->string_value();
    }
    const auto* name = Field(variable, "name");
    const std::string promql = VariableQueryPromQL(text);
    if (!promql.empty()) {
      out.push_back({absl::StrCat("variable $",
                                  name != nullptr ? name->string_value() : "?"),
                     promql});
    }
  }
  return out;
}

std::string VariableQueryPromQL(absl::string_view query) {
  query = absl::StripAsciiWhitespace(query);
  for (absl::string_view function : {"label_values(", "query_result("}) {
    if (!absl::StartsWith(query, function) || !absl::EndsWith(query, ")")) {
      continue;
    }
    absl::string_view inner =
        query.substr(function.size(), query.size() - function.size() - 1);
    if (function == "query_result(") return std::string(inner);
    // label_values(selector, label): the selector is before the last comma
    // outside braces and quotes; label_values(label) selects no metric.
    int depth = 0;
    char quote = 0;
    size_t last_comma = absl::string_view::npos;
    for (size_t i = 0; i < inner.size(); ++i) {
      const char c = inner[i];
      if (quote != 0) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '{' || c == '(' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ')' || c == ']') {
        --depth;
      } else if (c == ',' && depth == 0) {
        last_comma = i;
      }
    }
    if (last_comma == absl::string_view::npos) return "";
    return std::string(absl::StripAsciiWhitespace(inner.substr(0, last_comma)));
  }
  if (absl::StartsWith(query, "metrics(") ||
      absl::StartsWith(query, "label_names(")) {
    return "";
  }
  return std::string(query);
}

std::string ExpandVariables(absl::string_view expr) {
  return absl::StrReplaceAll(expr, {{"${job}", "kam-.+"},
                                    {"$job", "kam-.+"},
                                    {"${instance}", ".+"},
                                    {"$instance", ".+"},
                                    {"$__rate_interval", "1m"},
                                    {"$__range", "1h"},
                                    {"$__interval", "15s"}});
}

// --- Processes ---------------------------------------------------------------

namespace {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// Forks and execs argv with stdin from `stdin_fd` and stdout/stderr to
// `out_fd`; the child dies with the parent thread. Only async-signal-safe
// calls happen between fork and exec.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, int stdin_fd,
                            int out_fd) {
  if (args.empty() || args[0].empty()) {
    return absl::FailedPreconditionError(
        "no binary: is the Debian package `prometheus` installed "
        "(tools/install-deps.sh) and CMake re-run?");
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD}) {
      signal(sig, SIG_DFL);
    }
    dup2(stdin_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    static const char kExecFailed[] = "execv failed\n";
    if (write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1) < 0) {
    }
    _exit(127);
  }
  return pid;
}

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& stdin_path,
                                         absl::Duration timeout) {
  const std::string input = stdin_path.empty() ? "/dev/null" : stdin_path;
  const int in_fd = open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open ", input));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    close(in_fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  absl::StatusOr<pid_t> pid = Spawn(argv, in_fd, pipe_fds[1]);
  close(in_fd);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    return pid.status();
  }
  CommandResult result;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  while (true) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd poll_fd = {pipe_fds[0], POLLIN, 0};
    const int ready = poll(&poll_fd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(*pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(*pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        argv[0], " did not finish within ", absl::FormatDuration(timeout),
        "; it said:\n", result.output));
  }
  result.exit_code = ExitCodeOf(wait_status);
  return result;
}

absl::StatusOr<std::unique_ptr<BackgroundProcess>> BackgroundProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path) {
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", log_path));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  absl::StatusOr<pid_t> pid = Spawn(argv, null_fd, log_fd);
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  if (!pid.ok()) return pid.status();
  return std::unique_ptr<BackgroundProcess>(
      new BackgroundProcess(*pid, log_path));
}

BackgroundProcess::~BackgroundProcess() { Stop(absl::Seconds(5)); }

bool BackgroundProcess::running() {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, WNOHANG) == pid_) {
    exit_code_ = ExitCodeOf(wait_status);
    pid_ = -1;
    return false;
  }
  return true;
}

int BackgroundProcess::Stop(absl::Duration timeout) {
  if (!running()) return exit_code_;
  kill(pid_, SIGTERM);
  test_support::WaitUntil([&] { return !running(); }, timeout,
                          absl::Milliseconds(20));
  if (running()) {
    kill(pid_, SIGKILL);
    int wait_status = 0;
    while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = ExitCodeOf(wait_status);
    pid_ = -1;
  }
  return exit_code_;
}

std::string BackgroundProcess::LogTail(size_t max_bytes) const {
  absl::StatusOr<std::string> log = ReadFile(log_path_);
  if (!log.ok()) return log.status().ToString();
  return log->size() <= max_bytes ? *log : log->substr(log->size() - max_bytes);
}

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("bind: ", std::strerror(errno)));
  }
  close(fd);
  return static_cast<int>(ntohs(address.sin_port));
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// --- The suite ---------------------------------------------------------------

KamSuite::~KamSuite() { Stop(); }

absl::Status KamSuite::Start() {
  if (PlanningBinary().empty()) {
    return absl::FailedPreconditionError(
        "KAM_PLANNING_BINARY is not set: the kam-planning target did not "
        "exist when CMake configured tests/observe; build kam-planning and "
        "re-run CMake");
  }
  for (const char* sub : {"registry", "engagement", "scoring", "planning"}) {
    std::filesystem::create_directories(dir_.Sub(sub));
  }
  const std::string fixed_time =
      absl::StrCat("--fixed_time=", engagement_test::kFixedTime);
  auto start = [&](const std::string& name, const std::string& binary,
                   std::vector<std::string> args)
      -> absl::StatusOr<std::unique_ptr<test_support::ServiceProcess>> {
    test_support::ServiceProcess::Options options;
    options.binary = binary;
    options.data_dir = dir_.Sub(name + "/data");
    options.run_dir = dir_.Sub(name);
    options.extra_args = std::move(args);
    options.extra_args.push_back(fixed_time);
    return test_support::ServiceProcess::Start(options);
  };
  auto registry = start("registry", registry_test::RegistryBinary(), {});
  if (!registry.ok()) return registry.status();
  registry_ = *std::move(registry);
  auto engagement = start("engagement", engagement_test::EngagementBinary(),
                          {"--registry_addr=" + registry_->grpc_address()});
  if (!engagement.ok()) return engagement.status();
  engagement_ = *std::move(engagement);
  auto scoring = start("scoring", scoring_test::ScoringBinary(),
                       {"--registry_addr=" + registry_->grpc_address(),
                        "--engagement_addr=" + engagement_->grpc_address(),
                        "--rescore_interval=20ms"});
  if (!scoring.ok()) return scoring.status();
  scoring_ = *std::move(scoring);
  // Planning follows all three; its gauges are recomputed often enough for a
  // test to see a new plan counted.
  auto planning = start("planning", PlanningBinary(),
                        {"--registry_addr=" + registry_->grpc_address(),
                         "--scoring_addr=" + scoring_->grpc_address(),
                         "--engagement_addr=" + engagement_->grpc_address(),
                         "--gauge_interval=200ms"});
  if (!planning.ok()) return planning.status();
  planning_ = *std::move(planning);
  registry_client_ = std::make_unique<registry_test::RegistryClient>(
      registry_->grpc_address());
  engagement_client_ = std::make_unique<engagement_test::EngagementClient>(
      engagement_->grpc_address());
  scoring_client_ =
      std::make_unique<scoring_test::ScoringClient>(scoring_->grpc_address());
  planning_stub_ = pv1::Planning::NewStub(grpc::CreateChannel(
      planning_->grpc_address(), grpc::InsecureChannelCredentials()));
  return absl::OkStatus();
}

void KamSuite::Stop() {
  planning_stub_.reset();
  scoring_client_.reset();
  engagement_client_.reset();
  registry_client_.reset();
  for (auto* process :
       {planning_.get(), scoring_.get(), engagement_.get(), registry_.get()}) {
    if (process != nullptr) process->Kill();
  }
}

std::vector<ServiceInfo> KamSuite::services() const {
  return {{"kam-registry", registry_.get()},
          {"kam-engagement", engagement_.get()},
          {"kam-scoring", scoring_.get()},
          {"kam-planning", planning_.get()}};
}

namespace {

absl::Status Failed(absl::string_view what, const grpc::Status& status) {
  return absl::InternalError(absl::StrCat(what, ": ", status.error_code(), " ",
                                          status.error_message()));
}

// A planning call's context, with the contract's 5 s default deadline.
void PlanningDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
}

google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(time));
  return out;
}

std::string PlanName(const std::string& id) {
  return absl::StrCat(registry_test::AccountName(id), "/plans/ops-", id);
}

}  // namespace

absl::Status KamSuite::DriveTraffic(const std::string& id) {
  // Generous: on a loaded machine (a whole ctest -j2 run on two cores) a
  // feed hop or a gauge pass can take seconds; a healthy suite is not held
  // up by these bounds, only a broken one.
  constexpr absl::Duration kFeedWait = absl::Seconds(30);
  constexpr absl::Duration kGaugeWait = absl::Seconds(30);
  const std::string account = registry_test::AccountName(id);
  rv1::Account created;
  grpc::Status status = registry().CreateAccount(
      engagement_test::NewCustomer(id, "Observed Account " + id), &created,
      "create-" + id);
  if (!status.ok()) return Failed("CreateAccount", status);
  status = registry().CreateContact(
      account, registry_test::NewContact("pat", {rv1::DECIDER}, rv1::EXECUTIVE),
      nullptr, "contact-" + id);
  if (!status.ok()) return Failed("CreateContact", status);
  status = registry().RecordFact(
      account, registry_test::NewFact("2025", "EUR", 500'000'000, 150'000'000,
                                      20'000'000));
  if (!status.ok()) return Failed("RecordFact", status);

  // Engagement knows the account and the contact once the registry feed has
  // carried them over.
  const ev1::Interaction visit = engagement_test::NewInteraction(
      id, ev1::VISIT, engagement_test::At(2026, 5, 20), {"pat"});
  const bool logged = test_support::WaitUntil(
      [&] {
        status = engagement().Create(visit, nullptr, "visit-" + id);
        return status.ok();
      },
      kFeedWait, absl::Milliseconds(20));
  if (!logged) return Failed("CreateInteraction (waited for the feed)", status);
  ev1::BatchCreateInteractionsResponse batch;
  status = engagement().BatchCreate(
      {engagement_test::NewCreateRequest(
          engagement_test::NewInteraction(
              id, ev1::CALL, engagement_test::At(2026, 5, 25), {"pat"}),
          "call-" + id)},
      &batch);
  if (!status.ok()) return Failed("BatchCreateInteractions", status);
  status = engagement().RecordSurvey(
      engagement_test::NewSurvey(id, 9, 5, engagement_test::At(2026, 5, 26)),
      nullptr, "survey-" + id);
  if (!status.ok()) return Failed("RecordSurveyResponse", status);

  // Scoring tiers the account once its feed consumer has applied it.
  sv1::AccountTier tier;
  const bool tiered = test_support::WaitUntil(
      [&] {
        status = scoring().GetTier(account, &tier);
        return status.ok();
      },
      kFeedWait, absl::Milliseconds(20));
  if (!tiered) return Failed("GetTier (waited for the feed)", status);
  sv1::BatchGetTiersResponse tiers;
  status = scoring().BatchGetTiers({account, "accounts/nobody-" + id}, &tiers);
  if (!status.ok()) return Failed("BatchGetTiers", status);
  // A lookup of an unknown account: NOT_FOUND, a client error.
  status = scoring().GetTier("accounts/nobody-" + id, &tier);
  if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
    return Failed("GetTier of an unknown account (want NOT_FOUND)", status);
  }

  // Planning accepts a plan for the account once its registry feed has
  // carried the account over: a draft operational plan, one year long.
  pv1::CreateAccountPlanRequest create;
  create.set_parent(account);
  create.set_plan_id("ops-" + id);
  create.set_request_id("plan-" + id);
  pv1::AccountPlan* draft = create.mutable_plan();
  draft->set_horizon(pv1::OPERATIONAL);
  draft->set_title("Observed operational plan " + id);
  const absl::Time start = engagement_test::At(2026, 6, 1);
  *draft->mutable_period_start() = ToProto(start);
  *draft->mutable_period_end() = ToProto(start + absl::Hours(24 * 365));
  pv1::AccountPlan plan;
  const bool planned = test_support::WaitUntil(
      [&] {
        grpc::ClientContext context;
        PlanningDeadline(&context);
        status = planning().CreateAccountPlan(&context, create, &plan);
        return status.ok();
      },
      kFeedWait, absl::Milliseconds(20));
  if (!planned) {
    return Failed("CreateAccountPlan (waited for the feed)", status);
  }
  {
    grpc::ClientContext context;
    PlanningDeadline(&context);
    pv1::PlanCoverage coverage;
    status = planning().GetPlanCoverage(&context, pv1::GetPlanCoverageRequest(),
                                        &coverage);
    if (!status.ok()) return Failed("GetPlanCoverage", status);
  }
  {
    grpc::ClientContext context;
    PlanningDeadline(&context);
    pv1::ListAccountPlansRequest list;
    list.set_parent("accounts/-");
    pv1::ListAccountPlansResponse plans;
    status = planning().ListAccountPlans(&context, list, &plans);
    if (!status.ok()) return Failed("ListAccountPlans", status);
  }
  // planning's gauges count the draft after their next pass
  // (--gauge_interval).
  std::optional<double> drafts;
  const bool counted = test_support::WaitUntil(
      [&] {
        absl::StatusOr<std::string> body =
            test_support::HttpGet(planning_->metrics_address(), "/metrics");
        if (!body.ok()) return false;
        drafts = test_support::FindMetric(
            test_support::ParsePrometheusText(*body), "kam_planning_plans",
            {{"horizon", "operational"}, {"status", "draft"}});
        return drafts.value_or(0) >= 1;
      },
      kGaugeWait, absl::Milliseconds(50));
  if (!counted) {
    return absl::DeadlineExceededError(absl::StrCat(
        "kam_planning_plans{horizon=\"operational\", status=\"draft\"} "
        "is ",
        drafts.has_value() ? absl::StrCat(*drafts) : "missing", " ",
        absl::FormatDuration(kGaugeWait), " after CreateAccountPlan"));
  }
  return absl::OkStatus();
}

void KamSuite::Poke(const std::string& id) {
  rv1::Account account;
  (void)registry().GetAccount(registry_test::AccountName(id), &account);
  ev1::EngagementSummary summary;
  (void)engagement().GetSummary(registry_test::AccountName(id), &summary);
  sv1::AccountTier tier;
  (void)scoring().GetTier(registry_test::AccountName(id), &tier);
  grpc::ClientContext context;
  PlanningDeadline(&context);
  pv1::GetAccountPlanRequest get;
  get.set_name(PlanName(id));
  pv1::AccountPlan plan;
  (void)planning().GetAccountPlan(&context, get, &plan);
}

std::string KamSuite::Logs() const {
  std::string out;
  for (const auto* process :
       {registry_.get(), engagement_.get(), scoring_.get(), planning_.get()}) {
    if (process == nullptr) continue;
    absl::StrAppend(&out, "---- ", process->log_path(), " ----\n",
                    process->LogTail(2048), "\n");
  }
  return out;
}

}  // namespace kam::observe_test
