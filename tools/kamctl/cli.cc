#include "tools/kamctl/cli.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {

int UsageError(absl::string_view message) {
  std::cerr << "kamctl: " << message << "\n"
            << "Run 'kamctl help' for the list of commands.\n";
  return kExitUsage;
}

std::string StatusCodeName(int code) {
  const std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", code) : name;
}

int RpcError(const grpc::Status& status) {
  std::cerr << "kamctl: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return kExitFailure;
}

bool JsonOutput() { return absl::GetFlag(FLAGS_output) == "json"; }

void PrintJson(const google::protobuf::Message& message, bool one_line) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !one_line;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "kamctl: cannot print " << message.GetTypeName()
              << " as JSON: " << status.ToString() << "\n";
    return;
  }
  if (!json.empty() && json.back() == '\n') json.pop_back();
  std::cout << json << std::endl;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void PrintImportJson(const std::string& path,
                     const std::vector<std::pair<std::string, int>>& counts,
                     const std::vector<RefusedRow>& failed,
                     const std::vector<CsvError>& malformed) {
  std::string json = absl::StrCat("{\n  \"file\": ", JsonString(path), ",\n");
  for (const auto& [key, value] : counts) {
    absl::StrAppend(&json, "  ", JsonString(key), ": ", value, ",\n");
  }
  absl::StrAppend(&json, "  \"failedRows\": [");
  for (size_t i = 0; i < failed.size(); ++i) {
    const RefusedRow& f = failed[i];
    absl::StrAppendFormat(
        &json,
        "%s\n    {\"line\": %d, \"name\": %s, \"code\": \"%s\", "
        "\"message\": %s}",
        i == 0 ? "" : ",", f.line, JsonString(f.name), StatusCodeName(f.code),
        JsonString(f.message));
  }
  absl::StrAppend(&json, failed.empty() ? "" : "\n  ",
                  "],\n  \"malformedRows\": [");
  for (size_t i = 0; i < malformed.size(); ++i) {
    absl::StrAppendFormat(&json, "%s\n    {\"line\": %d, \"message\": %s}",
                          i == 0 ? "" : ",", malformed[i].line,
                          JsonString(malformed[i].message));
  }
  absl::StrAppend(&json, malformed.empty() ? "" : "\n  ", "]\n}\n");
  std::cout << json;
}

bool ReadFileToString(const std::string& path, std::string* content) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  *content = std::move(buffer).str();
  return !file.bad();
}

std::optional<std::string> ReadInputFile(const std::string& path) {
  std::string content;
  if (!ReadFileToString(path, &content)) {
    std::cerr << "kamctl: cannot read " << path << ": " << std::strerror(errno)
              << "\n";
    return std::nullopt;
  }
  return content;
}

void PrintRefusedRows(const std::string& path, std::vector<RefusedRow>* rows) {
  std::stable_sort(
      rows->begin(), rows->end(),
      [](const RefusedRow& a, const RefusedRow& b) { return a.line < b.line; });
  for (const RefusedRow& row : *rows) {
    std::cerr << "kamctl: " << path << ":" << row.line << ": " << row.name
              << ": " << StatusCodeName(row.code) << ": " << row.message
              << "\n";
  }
}

bool IsTransient(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

int WatchFeed(
    const Invocation& in,
    const std::function<std::unique_ptr<FeedReader>(
        grpc::ClientContext*, const kam::common::v1::WatchChangesRequest&)>&
        open,
    const std::function<std::string(const kam::common::v1::ChangeEvent&)>&
        line) {
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) return UsageError("--limit: must not be negative");
  kam::common::v1::WatchChangesRequest request;
  request.set_after_sequence(absl::GetFlag(FLAGS_after));
  if (limit > 0 && limit < 4096) {
    request.set_max_batch_size(static_cast<int32_t>(limit));
  }

  // The stream is long-lived: it has a deadline only when --timeout is given
  // on the command line, and reaching it ends the watch normally. An
  // unreachable server still fails at once (the call is not wait-for-ready).
  const bool bounded = in.Has("timeout");
  grpc::ClientContext context;
  PrepareContext(&context, /*with_deadline=*/bounded);

  std::unique_ptr<FeedReader> reader = open(&context, request);
  kam::common::v1::WatchChangesResponse batch;
  int64_t printed = 0;
  while (reader->Read(&batch)) {
    for (const kam::common::v1::ChangeEvent& event : batch.events()) {
      if (JsonOutput()) {
        PrintJson(event, /*one_line=*/true);
      } else {
        std::cout << line(event) << std::endl;
      }
      if (limit > 0 && ++printed >= limit) {
        context.TryCancel();
        while (reader->Read(&batch)) {
        }
        grpc::Status cancelled = reader->Finish();  // CANCELLED, by us
        (void)cancelled;
        return kExitOk;
      }
    }
  }
  grpc::Status status = reader->Finish();
  if (status.ok() ||
      (bounded && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
    return kExitOk;
  }
  return RpcError(status);
}

void PrintMoreHint(const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  std::cerr << "(more: add --page_token=" << next_page_token
            << ", or --all for every page)\n";
}

std::shared_ptr<grpc::Channel> RegistryChannel() {
  static const auto* const kChannel = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_registry_addr),
                          grpc::InsecureChannelCredentials()));
  return *kChannel;
}

std::unique_ptr<kam::registry::v1::Registry::Stub> NewRegistryStub() {
  return kam::registry::v1::Registry::NewStub(RegistryChannel());
}

std::shared_ptr<grpc::Channel> EngagementChannel() {
  static const auto* const kChannel = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_engagement_addr),
                          grpc::InsecureChannelCredentials()));
  return *kChannel;
}

std::unique_ptr<kam::engagement::v1::Engagement::Stub> NewEngagementStub() {
  return kam::engagement::v1::Engagement::NewStub(EngagementChannel());
}

std::shared_ptr<grpc::Channel> ScoringChannel() {
  static const auto* const kChannel = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_scoring_addr),
                          grpc::InsecureChannelCredentials()));
  return *kChannel;
}

std::unique_ptr<kam::scoring::v1::Scoring::Stub> NewScoringStub() {
  return kam::scoring::v1::Scoring::NewStub(ScoringChannel());
}

std::shared_ptr<grpc::Channel> PlanningChannel() {
  static const auto* const kChannel = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_planning_addr),
                          grpc::InsecureChannelCredentials()));
  return *kChannel;
}

std::unique_ptr<kam::planning::v1::Planning::Stub> NewPlanningStub() {
  return kam::planning::v1::Planning::NewStub(PlanningChannel());
}

void PrepareSlowContext(grpc::ClientContext* context, absl::Duration at_least) {
  PrepareContext(context, /*with_deadline=*/false);
  context->set_deadline(absl::ToChronoTime(
      absl::Now() + std::max(absl::GetFlag(FLAGS_timeout), at_least)));
}

void PrepareContext(grpc::ClientContext* context, bool with_deadline) {
  if (with_deadline) {
    context->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  }
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

}  // namespace kam::kamctl
