#include "tools/kamctl/engagement_import.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_format.h"

namespace kam::kamctl {
namespace {

// PlanRows parses `csv_text` as a file of `file_kind` with `specs`, and maps
// each record with `map`, which returns the request. Two rows with the same
// request_id have the same key; `describe` names a row's key for the message
// ("interaction \"i\" of account \"a\"").
template <typename Request, typename MapFn, typename DescribeFn>
absl::StatusOr<EngagementImportPlan<Request>> PlanRows(
    absl::string_view file_kind, const std::vector<CsvColumnSpec>& specs,
    absl::string_view csv_text, MapFn map, DescribeFn describe) {
  absl::StatusOr<CsvDocument> doc = ParseCsv(csv_text);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<CsvColumns> columns =
      CsvColumns::Bind(file_kind, specs, doc->header);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: %s", doc->header_line, columns.status().message()));
  }
  EngagementImportPlan<Request> plan;
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
    auto [it, inserted] = first_line.emplace(item->request_id(), record.line);
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

}  // namespace

absl::StatusOr<InteractionImportPlan> PlanInteractionImport(
    absl::string_view csv_text) {
  return PlanRows<ev1::CreateInteractionRequest>(
      "interactions", InteractionColumns(), csv_text, InteractionFromCsv,
      [](const CsvColumns& columns, const CsvRecord& record) {
        return absl::StrFormat("interaction \"%s\" of account \"%s\"",
                               columns.Get(record, "interaction_id"),
                               columns.Get(record, "account_id"));
      });
}

absl::StatusOr<SurveyImportPlan> PlanSurveyImport(absl::string_view csv_text) {
  return PlanRows<ev1::RecordSurveyResponseRequest>(
      "surveys", SurveyColumns(), csv_text, SurveyResponseFromCsv,
      [](const CsvColumns& columns, const CsvRecord& record) {
        return absl::StrFormat("response \"%s\" of account \"%s\"",
                               columns.Get(record, "response_id"),
                               columns.Get(record, "account_id"));
      });
}

absl::Status TallyInteractionBatch(
    const InteractionImportPlan& plan, size_t begin, size_t end,
    const ev1::BatchCreateInteractionsResponse& response, ImportTally* tally) {
  end = std::min(end, plan.size());
  if (begin > end ||
      static_cast<size_t>(response.results_size()) != end - begin) {
    return absl::InternalError(absl::StrFormat(
        "the server answered %d results for a batch of %d interactions",
        response.results_size(), end - begin));
  }
  for (size_t i = begin; i < end; ++i) {
    const auto& result = response.results(static_cast<int>(i - begin));
    if (result.code() == 0) {
      ++(result.replayed() ? tally->already_imported : tally->created);
      continue;
    }
    ++tally->failed;
    const ev1::Interaction& sent = plan.items[i].interaction();
    tally->failures.push_back(
        {plan.lines[i],
         InteractionName(IdOf(sent.account()), sent.interaction_id()),
         result.code(), result.message()});
  }
  return absl::OkStatus();
}

}  // namespace kam::kamctl
