#include "tools/kamctl/engagement_import.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace kam::kamctl {
namespace {

// Two rows with the same request_id have the same key.
template <typename Request>
std::string RequestIdOf(const Request& request) {
  return request.request_id();
}

}  // namespace

absl::StatusOr<InteractionImportPlan> PlanInteractionImport(
    absl::string_view csv_text) {
  return PlanRowImport<ev1::CreateInteractionRequest>(
      "interactions", InteractionColumns(), csv_text, InteractionFromCsv,
      RequestIdOf<ev1::CreateInteractionRequest>,
      [](const CsvColumns& columns, const CsvRecord& record) {
        return absl::StrFormat("interaction \"%s\" of account \"%s\"",
                               columns.Get(record, "interaction_id"),
                               columns.Get(record, "account_id"));
      });
}

absl::StatusOr<SurveyImportPlan> PlanSurveyImport(absl::string_view csv_text) {
  return PlanRowImport<ev1::RecordSurveyResponseRequest>(
      "surveys", SurveyColumns(), csv_text, SurveyResponseFromCsv,
      RequestIdOf<ev1::RecordSurveyResponseRequest>,
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
