#ifndef KAM_TOOLS_KAMCTL_CLI_H_
#define KAM_TOOLS_KAMCTL_CLI_H_

#include <grpcpp/grpcpp.h>

#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/engagement_import.h"

// What every kamctl subcommand shares: how it was invoked, how it reaches the
// server, and how it reports results and errors.
namespace kam::kamctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the server said no, or bad data
inline constexpr int kExitUsage = 2;    // the command line is wrong

// Invocation is one parsed command line.
struct Invocation {
  // The positional words after the subcommand, e.g. {"acme"} for
  // "kamctl accounts get acme".
  std::vector<std::string> args;
  // The names of the flags given on the command line (not those left at
  // their defaults), so that an update sends only what was asked for.
  std::set<std::string, std::less<>> flags;

  bool Has(absl::string_view flag) const { return flags.count(flag) > 0; }
};

// UsageError prints "kamctl: <message>" and a pointer to the help to stderr
// and returns kExitUsage.
int UsageError(absl::string_view message);

// RpcError prints "kamctl: <CODE>: <server message>" to stderr and returns
// kExitFailure.
int RpcError(const grpc::Status& status);

// StatusCodeName is the canonical name of a gRPC code, e.g. "NOT_FOUND".
std::string StatusCodeName(int code);

// JsonOutput says whether --output=json was asked for.
bool JsonOutput();

// PrintJson writes `message` as proto3 JSON to stdout: indented, or on one
// line for streams (JSON Lines).
void PrintJson(const google::protobuf::Message& message, bool one_line = false);

// JsonString quotes `text` as a JSON string (UTF-8 passes through), for the
// summaries that are not proto messages.
std::string JsonString(absl::string_view text);

// PrintImportJson writes the outcome of an engagement import to stdout as one
// JSON object: "file", then `counts` in order, then "failedRows" and
// "malformedRows" (each with its line).
void PrintImportJson(const std::string& path,
                     const std::vector<std::pair<std::string, int>>& counts,
                     const std::vector<RefusedRow>& failed,
                     const std::vector<CsvError>& malformed);

// PrintRefusedRows sorts the rows the server refused by line (so the JSON
// summary lists them in that order too) and prints each to stderr:
// "kamctl: FILE:LINE: NAME: CODE: message".
void PrintRefusedRows(const std::string& path, std::vector<RefusedRow>* rows);

// ReadFileToString reads the whole file; false (errno set) when it cannot.
bool ReadFileToString(const std::string& path, std::string* content);

// ReadCsvFile reads a CSV file to import, printing why when it cannot.
std::optional<std::string> ReadCsvFile(const std::string& path);

// ReportPlan prints what makes a planned import unusable (the plan's error)
// or which rows will not be sent (its malformed rows); false if nothing can
// be sent. `Plan` has `errors`, a list of CsvError.
template <typename Plan>
bool ReportPlan(const std::string& path, const absl::StatusOr<Plan>& plan) {
  if (!plan.ok()) {
    std::cerr << "kamctl: " << path << ": " << plan.status().message() << "\n";
    return false;
  }
  for (const CsvError& error : plan->errors) {
    std::cerr << "kamctl: " << path << ":" << error.line << ": "
              << error.message << " (row not sent)\n";
  }
  return true;
}

// PrintMoreHint tells how to read the next page of a list, if there is one.
void PrintMoreHint(const std::string& next_page_token);

// RegistryChannel is the channel to --registry_addr, made on first use.
std::shared_ptr<grpc::Channel> RegistryChannel();

// NewRegistryStub is a Registry stub on RegistryChannel().
std::unique_ptr<kam::registry::v1::Registry::Stub> NewRegistryStub();

// EngagementChannel is the channel to --engagement_addr, made on first use.
std::shared_ptr<grpc::Channel> EngagementChannel();

// NewEngagementStub is an Engagement stub on EngagementChannel().
std::unique_ptr<kam::engagement::v1::Engagement::Stub> NewEngagementStub();

// PrepareContext sets the deadline (now + --timeout) unless told not to
// (only long-lived streams are), and, with --token, the
// "authorization: Bearer <token>" metadata.
void PrepareContext(grpc::ClientContext* context, bool with_deadline = true);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_CLI_H_
