#ifndef KAM_TOOLS_KAMCTL_IMPORT_PLAN_H_
#define KAM_TOOLS_KAMCTL_IMPORT_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kam/registry/v1/registry.pb.h"
#include "tools/kamctl/csv.h"
#include "tools/kamctl/records.h"

namespace kam::kamctl {

// ImportPlan is a CSV file made ready for ImportRecords: the rows that map
// cleanly, in an order the server can apply batch by batch, and the rows that
// do not (which are reported and never sent).
struct ImportPlan {
  ImportKind kind = ImportKind::kAccounts;
  // Exactly one of these is filled, by `kind`. Accounts come parents first
  // and contacts managers first wherever the file holds both, so a batch
  // never names a parent that only a later batch creates; otherwise the file
  // order is kept.
  std::vector<v1::Account> accounts;
  std::vector<v1::ImportContact> contacts;
  std::vector<v1::ImportFinancialFact> financials;
  // lines[i] is the CSV line of item i.
  std::vector<int> lines;
  // Malformed rows (CSV syntax, mapping, a key repeated in the file), by line.
  std::vector<CsvError> errors;
  // The data rows in the file, good and bad.
  int total_rows = 0;

  size_t size() const { return lines.size(); }
};

// PlanImport parses and maps `csv_text` as a file of `kind`. Fails (with the
// line number where there is one) only when the file as a whole is unusable:
// no header, a malformed header, an unknown or missing column.
absl::StatusOr<ImportPlan> PlanImport(ImportKind kind,
                                      absl::string_view csv_text);

// NewImportRunId returns a random ID for one run of `kamctl import`.
std::string NewImportRunId();

// BatchRequestId is the idempotency key of one batch of one run: a retry of
// the batch within the run (after a timeout or a lost connection) sends the
// same key, so the server writes it once. A later run of the same file is a
// new request: it gets its own keys, and the upserts report what changed
// since (typically UNCHANGED). At most 128 printable characters.
std::string BatchRequestId(const std::string& run_id, ImportKind kind,
                           int batch_index, bool validate_only);

// BatchRequest builds the ImportRecords request for items [begin, end) of the
// plan, which is batch number `batch_index` of run `run_id`.
v1::ImportRecordsRequest BatchRequest(const ImportPlan& plan, size_t begin,
                                      size_t end, const std::string& run_id,
                                      int batch_index, bool validate_only);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_IMPORT_PLAN_H_
