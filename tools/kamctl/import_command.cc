// kamctl import accounts|contacts|financials FILE.csv: bulk upsert through
// ImportRecords, in batches that are safe to send again.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/import_plan.h"

namespace kam::kamctl {
namespace {

constexpr int kMaxBatch = 5000;  // ImportRecords' limit per request
constexpr int kAttempts = 3;

struct RowFailure {
  int line = 0;
  std::string name;
  int code = 0;
  std::string message;
};

// ImportBatch sends one batch, retrying while the server is unreachable or
// slow: each batch has a fixed request_id, so a retry never writes twice.
grpc::Status ImportBatch(v1::Registry::Stub* stub,
                         const v1::ImportRecordsRequest& request,
                         int batch_index, v1::ImportRecordsResponse* response) {
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    PrepareContext(&context);
    response->Clear();
    grpc::Status status = stub->ImportRecords(&context, request, response);
    const bool transient =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (status.ok() || !transient || attempt == kAttempts) return status;
    std::cerr << absl::StrFormat(
        "kamctl: batch %d: %s: %s; retrying\n", batch_index + 1,
        StatusCodeName(status.error_code()), status.error_message());
    absl::SleepFor(absl::Milliseconds(500 * attempt));
  }
}

// PrintJsonSummary writes the outcome as one JSON object, keys in a fixed
// order (camelCase, like the proto3 JSON of the other commands).
void PrintJsonSummary(const std::string& path, const ImportPlan& plan,
                      bool validate_only,
                      const v1::ImportRecordsResponse& totals,
                      const std::vector<RowFailure>& failures) {
  std::string json = absl::StrFormat(
      "{\n  \"file\": %s,\n  \"kind\": \"%s\",\n  \"validateOnly\": %s,\n"
      "  \"rows\": %d,\n  \"created\": %d,\n  \"updated\": %d,\n"
      "  \"unchanged\": %d,\n  \"failed\": %d,\n  \"malformed\": %d,\n"
      "  \"failedRows\": [",
      JsonString(path), ImportKindName(plan.kind),
      validate_only ? "true" : "false", plan.total_rows, totals.created(),
      totals.updated(), totals.unchanged(), totals.failed(),
      plan.errors.size());
  for (size_t i = 0; i < failures.size(); ++i) {
    const RowFailure& f = failures[i];
    absl::StrAppendFormat(
        &json,
        "%s\n    {\"line\": %d, \"name\": %s, \"code\": \"%s\", "
        "\"message\": %s}",
        i == 0 ? "" : ",", f.line, JsonString(f.name), StatusCodeName(f.code),
        JsonString(f.message));
  }
  absl::StrAppend(&json, failures.empty() ? "" : "\n  ",
                  "],\n  \"malformedRows\": [");
  for (size_t i = 0; i < plan.errors.size(); ++i) {
    absl::StrAppendFormat(&json, "%s\n    {\"line\": %d, \"message\": %s}",
                          i == 0 ? "" : ",", plan.errors[i].line,
                          JsonString(plan.errors[i].message));
  }
  absl::StrAppend(&json, plan.errors.empty() ? "" : "\n  ", "]\n}\n");
  std::cout << json;
}

}  // namespace

int RunImport(const Invocation& in) {
  absl::StatusOr<ImportKind> kind = ParseImportKind(in.args[0]);
  if (!kind.ok()) {
    return UsageError(
        absl::StrCat("import: what to import ", kind.status().message()));
  }
  const std::string& path = in.args[1];
  const int batch_size = absl::GetFlag(FLAGS_batch);
  if (batch_size < 1 || batch_size > kMaxBatch) {
    return UsageError(absl::StrFormat("--batch: must be from 1 to %d, got %d",
                                      kMaxBatch, batch_size));
  }
  const bool validate_only = absl::GetFlag(FLAGS_validate_only);
  const char* const verb = validate_only ? "validated" : "imported";

  const std::optional<std::string> content = ReadInputFile(path);
  if (!content.has_value()) return kExitFailure;
  absl::StatusOr<ImportPlan> plan = PlanImport(*kind, *content);
  if (!ReportPlan(path, plan)) return kExitFailure;

  auto stub = NewRegistryStub();
  v1::ImportRecordsResponse totals;
  std::vector<RowFailure> failures;
  const size_t total = plan->size();
  const std::string run_id = NewImportRunId();
  int batch_index = 0;
  for (size_t begin = 0; begin < total; begin += batch_size, ++batch_index) {
    const size_t end = std::min(total, begin + batch_size);
    const v1::ImportRecordsRequest request =
        BatchRequest(*plan, begin, end, run_id, batch_index, validate_only);
    v1::ImportRecordsResponse response;
    grpc::Status status =
        ImportBatch(stub.get(), request, batch_index, &response);
    if (!status.ok()) {
      RpcError(status);
      std::cerr << absl::StrFormat(
          "kamctl: %d of %d rows were %s before this; running the same import "
          "again is safe\n",
          begin, total, verb);
      return kExitFailure;
    }
    totals.set_created(totals.created() + response.created());
    totals.set_updated(totals.updated() + response.updated());
    totals.set_unchanged(totals.unchanged() + response.unchanged());
    totals.set_failed(totals.failed() + response.failed());
    for (const v1::ImportResult& result : response.results()) {
      if (result.outcome() != v1::ImportResult::FAILED) continue;
      const size_t item = begin + static_cast<size_t>(result.index());
      failures.push_back({item < end ? plan->lines[item] : 0, result.name(),
                          result.error_code(), result.error_message()});
    }
    std::cerr << absl::StrFormat("%s %d/%d rows...\n", verb, end, total);
  }

  std::stable_sort(
      failures.begin(), failures.end(),
      [](const RowFailure& a, const RowFailure& b) { return a.line < b.line; });
  for (const RowFailure& failure : failures) {
    std::cerr << "kamctl: " << path << ":" << failure.line << ": "
              << (failure.name.empty() ? "" : failure.name + ": ")
              << StatusCodeName(failure.code) << ": " << failure.message
              << "\n";
  }
  if (JsonOutput()) {
    PrintJsonSummary(path, *plan, validate_only, totals, failures);
  } else {
    std::cout << absl::StrFormat(
        "%s: %d rows: %d created, %d updated, %d unchanged, %d failed, %d "
        "malformed (not sent)%s\n",
        path, plan->total_rows, totals.created(), totals.updated(),
        totals.unchanged(), totals.failed(), plan->errors.size(),
        validate_only ? "; validate only, nothing was written" : "");
  }
  return totals.failed() > 0 || !failures.empty() || !plan->errors.empty()
             ? kExitFailure
             : kExitOk;
}

}  // namespace kam::kamctl
