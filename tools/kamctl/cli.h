#ifndef KAM_TOOLS_KAMCTL_CLI_H_
#define KAM_TOOLS_KAMCTL_CLI_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "google/protobuf/message.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/planning/v1/planning.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/engagement_import.h"
#include "tools/kamctl/flags.h"

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

// ReadInputFile reads a file named on the command line (a CSV file to
// import, a JSON file), printing why when it cannot.
std::optional<std::string> ReadInputFile(const std::string& path);

// ReadJsonFile reads a message from a proto3 JSON file with `from_json`
// (PlanFromJson, ScoreModelFromJson, ...), printing why when it cannot:
// "kamctl: FILE: <from_json's error>".
template <typename Message>
std::optional<Message> ReadJsonFile(
    const std::string& path,
    absl::StatusOr<Message> (*from_json)(absl::string_view)) {
  std::optional<std::string> content = ReadInputFile(path);
  if (!content.has_value()) return std::nullopt;
  absl::StatusOr<Message> message = from_json(*content);
  if (!message.ok()) {
    std::cerr << "kamctl: " << path << ": " << message.status().message()
              << "\n";
    return std::nullopt;
  }
  return *std::move(message);
}

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

// IsTransient says whether a call may simply be tried again: the server was
// unreachable or too slow.
bool IsTransient(const grpc::Status& status);

// SendRowByRow sends the items of `plan` (a RowImportPlan) one call each,
// with `send(const Request&) -> grpc::Status`, which makes its own context.
// A transient failure is retried twice (the rows' keys make that safe).
// In *tally an accepted row counts as `created`, any other failure as a
// refused row named `name(const Request&)`. Progress goes to stderr every 100
// rows: "recorded 100/160 answers...". Returns false when the server stayed
// unreachable: then it has printed the error and how many rows were sent,
// and the import should stop.
template <typename Plan, typename SendFn, typename NameFn>
bool SendRowByRow(const Plan& plan, absl::string_view verb,
                  absl::string_view noun, SendFn send, NameFn name,
                  ImportTally* tally) {
  constexpr int kAttempts = 3;
  constexpr size_t kProgressEvery = 100;
  const size_t total = plan.size();
  for (size_t i = 0; i < total; ++i) {
    grpc::Status status;
    for (int attempt = 1;; ++attempt) {
      status = send(plan.items[i]);
      if (status.ok() || !IsTransient(status) || attempt == kAttempts) break;
      absl::SleepFor(absl::Milliseconds(500 * attempt));
    }
    if (IsTransient(status)) {
      RpcError(status);
      std::cerr << absl::StrFormat(
          "kamctl: %d of %d %s were sent before this; running the same import "
          "again is safe\n",
          i, total, noun);
      return false;
    }
    if (status.ok()) {
      ++tally->created;
    } else {
      ++tally->failed;
      tally->failures.push_back({plan.lines[i], name(plan.items[i]),
                                 status.error_code(), status.error_message()});
    }
    if ((i + 1) % kProgressEvery == 0 || i + 1 == total) {
      std::cerr << absl::StrFormat("%s %d/%d %s...\n", verb, i + 1, total,
                                   noun);
    }
  }
  return true;
}

// FeedReader is the stream of a WatchChanges-style call.
using FeedReader = grpc::ClientReader<kam::common::v1::WatchChangesResponse>;

// WatchFeed runs `kamctl feed watch` and its likes: opens the stream with
// `open(context, request)` from --after, prints each event (JSON Lines with
// -o json, else the line `line(event)` makes), and stops after --limit
// events, at the --timeout given on the command line (exit 0), on Ctrl-C, or
// when the server ends the stream.
int WatchFeed(
    const Invocation& in,
    const std::function<std::unique_ptr<FeedReader>(
        grpc::ClientContext*, const kam::common::v1::WatchChangesRequest&)>&
        open,
    const std::function<std::string(const kam::common::v1::ChangeEvent&)>&
        line);

// RegistryChannel is the channel to --registry_addr, made on first use.
std::shared_ptr<grpc::Channel> RegistryChannel();

// NewRegistryStub is a Registry stub on RegistryChannel().
std::unique_ptr<kam::registry::v1::Registry::Stub> NewRegistryStub();

// EngagementChannel is the channel to --engagement_addr, made on first use.
std::shared_ptr<grpc::Channel> EngagementChannel();

// NewEngagementStub is an Engagement stub on EngagementChannel().
std::unique_ptr<kam::engagement::v1::Engagement::Stub> NewEngagementStub();

// ScoringChannel is the channel to --scoring_addr, made on first use.
std::shared_ptr<grpc::Channel> ScoringChannel();

// NewScoringStub is a Scoring stub on ScoringChannel().
std::unique_ptr<kam::scoring::v1::Scoring::Stub> NewScoringStub();

// PlanningChannel is the channel to --planning_addr, made on first use.
std::shared_ptr<grpc::Channel> PlanningChannel();

// NewPlanningStub is a Planning stub on PlanningChannel().
std::unique_ptr<kam::planning::v1::Planning::Stub> NewPlanningStub();

// PrepareContext sets the deadline (now + --timeout) unless told not to
// (only long-lived streams are), and, with --token, the
// "authorization: Bearer <token>" metadata.
void PrepareContext(grpc::ClientContext* context, bool with_deadline = true);

// PrepareSlowContext is PrepareContext for a call whose documented default
// deadline is longer than most (a what-if over every account, a batch): the
// deadline is now + the longer of --timeout and `at_least`.
void PrepareSlowContext(grpc::ClientContext* context, absl::Duration at_least);

// ListPages runs a paged List call: `call(stub, context, request, page)` on
// a stub from `new_stub()` (NewScoringStub, ...) for the page --page_size and
// --page_token ask for, or for every page from there with --all. It gathers
// the items `items(&response)` (the response's repeated field) of each page
// and prints them as JSON, or with `print(response)` and the next-page hint.
// Returns the exit code; a negative --page_size is a usage error, found
// before any call.
template <typename Response, typename NewStubFn, typename Request,
          typename CallFn, typename ItemsFn, typename PrintFn>
int ListPages(NewStubFn new_stub, Request request, CallFn call, ItemsFn items,
              PrintFn print) {
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  if (request.page_size() < 0) {
    return UsageError("--page_size: must not be negative");
  }
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  const bool all = absl::GetFlag(FLAGS_all);
  auto stub = new_stub();
  Response result;
  do {
    grpc::ClientContext context;
    PrepareContext(&context);
    Response page;
    grpc::Status status = call(stub.get(), &context, request, &page);
    if (!status.ok()) return RpcError(status);
    for (auto& item : *items(&page)) *items(&result)->Add() = std::move(item);
    result.set_next_page_token(page.next_page_token());
    request.set_page_token(page.next_page_token());
  } while (all && !request.page_token().empty());

  if (JsonOutput()) {
    PrintJson(result);
    return kExitOk;
  }
  print(result);
  PrintMoreHint(result.next_page_token());
  return kExitOk;
}

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_CLI_H_
