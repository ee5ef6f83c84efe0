#ifndef KAM_TOOLS_KAMCTL_ENGAGEMENT_IMPORT_H_
#define KAM_TOOLS_KAMCTL_ENGAGEMENT_IMPORT_H_

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/engagement_records.h"

// The imports that send one request per row (kamctl interactions import,
// surveys import, import ratings) without the network: a CSV file made into
// requests, and the server's answers counted and tied back to the file's
// lines.
namespace kam::kamctl {

// RowImportPlan is a CSV file made ready to send: the rows that map cleanly,
// in file order, each with its key (a stable request_id, or what the request
// sets), and the rows that do not (reported, never sent).
template <typename Request>
struct RowImportPlan {
  std::vector<Request> items;
  // lines[i] is the CSV line of items[i].
  std::vector<int> lines;
  // Malformed rows (CSV syntax, mapping, a key repeated in the file), by line.
  std::vector<CsvError> errors;
  // The data rows in the file, good and bad.
  int total_rows = 0;

  size_t size() const { return items.size(); }
};

using InteractionImportPlan = RowImportPlan<ev1::CreateInteractionRequest>;
using SurveyImportPlan = RowImportPlan<ev1::RecordSurveyResponseRequest>;

// PlanRowImport parses `csv_text` as a file of `file_kind` ("surveys") with
// the columns `specs`, and maps each record with
// `map(const CsvColumns&, const CsvRecord&) -> absl::StatusOr<Request>`.
// A row whose `key(const Request&) -> std::string` equals an earlier row's is
// malformed, named by `describe(const CsvColumns&, const CsvRecord&)` in the
// message ("interaction "i" of account "a" appears again (first on line
// 2)"). Fails, with the line number, only when the file as a whole is
// unusable (no header, a bad header, a column unknown, repeated or missing).
template <typename Request, typename MapFn, typename KeyFn, typename DescribeFn>
absl::StatusOr<RowImportPlan<Request>> PlanRowImport(
    absl::string_view file_kind, const std::vector<CsvColumnSpec>& specs,
    absl::string_view csv_text, MapFn map, KeyFn key, DescribeFn describe) {
  absl::StatusOr<CsvDocument> doc = ParseCsv(csv_text);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<CsvColumns> columns =
      CsvColumns::Bind(file_kind, specs, doc->header);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: %s", doc->header_line, columns.status().message()));
  }
  RowImportPlan<Request> plan;
  plan.total_rows = static_cast<int>(doc->records.size() + doc->errors.size());
  plan.errors = doc->errors;
  std::map<std::string, int> first_line;
  for (const CsvRecord& record : doc->records) {
    absl::StatusOr<Request> item = map(*columns, record);
    if (!item.ok()) {
      plan.errors.push_back(
          {record.line, std::string(item.status().message())});
      continue;
    }
    auto [it, inserted] = first_line.emplace(key(*item), record.line);
    if (!inserted) {
      plan.errors.push_back(
          {record.line,
           absl::StrFormat("%s appears again (first on line %d)",
                           describe(*columns, record), it->second)});
      continue;
    }
    plan.items.push_back(*std::move(item));
    plan.lines.push_back(record.line);
  }
  std::stable_sort(
      plan.errors.begin(), plan.errors.end(),
      [](const CsvError& a, const CsvError& b) { return a.line < b.line; });
  return plan;
}

// PlanInteractionImport and PlanSurveyImport parse and map a whole file.
// They fail (with the line number) only when the file as a whole is
// unusable: no header, a malformed header, an unknown, repeated or missing
// required column. A row whose key (account and interaction_id, or account
// and response_id) appeared on an earlier line is malformed: sending it would
// be reported as a replay of the first and silently drop it.
absl::StatusOr<InteractionImportPlan> PlanInteractionImport(
    absl::string_view csv_text);
absl::StatusOr<SurveyImportPlan> PlanSurveyImport(absl::string_view csv_text);

// A row the server refused.
struct RefusedRow {
  int line = 0;
  std::string name;  // the resource, e.g. "accounts/a/interactions/i"
  int code = 0;      // a grpc::StatusCode
  std::string message;
};

// ImportTally adds up the outcome of an import as the answers come in.
struct ImportTally {
  int created = 0;
  // Items the server had already written under the same request_id (an
  // earlier run of the same file, or a retried batch): nothing was written.
  int already_imported = 0;
  int failed = 0;
  std::vector<RefusedRow> failures;  // in the order they were added
};

// TallyInteractionBatch counts the answer to the batch of items [begin, end)
// of `plan`. Fails, counting nothing, when the response does not hold one
// result per item.
absl::Status TallyInteractionBatch(
    const InteractionImportPlan& plan, size_t begin, size_t end,
    const ev1::BatchCreateInteractionsResponse& response, ImportTally* tally);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_ENGAGEMENT_IMPORT_H_
