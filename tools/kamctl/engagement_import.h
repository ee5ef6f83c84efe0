#ifndef KAM_TOOLS_KAMCTL_ENGAGEMENT_IMPORT_H_
#define KAM_TOOLS_KAMCTL_ENGAGEMENT_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/engagement_records.h"

// The engagement imports (kamctl interactions import, kamctl surveys import)
// without the network: a CSV file made into requests, and the server's
// answers counted and tied back to the file's lines.
namespace kam::kamctl {

// EngagementImportPlan is a CSV file made ready to send: the rows that map
// cleanly, in file order, each with its stable request_id, and the rows that
// do not (reported, never sent).
template <typename Request>
struct EngagementImportPlan {
  std::vector<Request> items;
  // lines[i] is the CSV line of items[i].
  std::vector<int> lines;
  // Malformed rows (CSV syntax, mapping, a key repeated in the file), by line.
  std::vector<CsvError> errors;
  // The data rows in the file, good and bad.
  int total_rows = 0;

  size_t size() const { return items.size(); }
};

using InteractionImportPlan =
    EngagementImportPlan<ev1::CreateInteractionRequest>;
using SurveyImportPlan = EngagementImportPlan<ev1::RecordSurveyResponseRequest>;

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
