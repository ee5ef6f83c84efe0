// kamctl surveys record|import and kamctl satisfaction: NPS and CSAT
// answers, and what they add up to. They talk to the engagement service.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/engagement_import.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/engagement_views.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {

int RunSurveysRecord(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  if (!in.Has("nps") && !in.Has("csat")) {
    return UsageError("surveys record: give --nps=0..10, --csat=1..5 or both");
  }
  ev1::RecordSurveyResponseRequest request;
  ev1::SurveyResponse* response = request.mutable_response();
  response->set_account(AccountName(in.args[0]));
  if (in.Has("contact")) {
    const std::string contact = absl::GetFlag(FLAGS_contact);
    if (absl::Status s = CheckId(contact); !s.ok()) {
      return UsageError(FlagError("contact", s).message());
    }
    response->set_contact(ContactName(in.args[0], contact));
  }
  response->set_nps(-1);  // not asked
  if (in.Has("nps")) {
    auto nps = ParseNps(absl::GetFlag(FLAGS_nps));
    if (!nps.ok()) return UsageError(FlagError("nps", nps.status()).message());
    response->set_nps(*nps);
  }
  if (in.Has("csat")) {
    auto csat = ParseCsat(absl::GetFlag(FLAGS_csat));
    if (!csat.ok()) {
      return UsageError(FlagError("csat", csat.status()).message());
    }
    response->set_csat(*csat);
  }
  absl::Time at = absl::Now();
  if (in.Has("at")) {
    auto parsed = ParseTime(absl::GetFlag(FLAGS_at));
    if (!parsed.ok()) {
      return UsageError(FlagError("at", parsed.status()).message());
    }
    at = *parsed;
  }
  *response->mutable_responded_at() = ToTimestamp(at);
  response->set_comment(absl::GetFlag(FLAGS_comment));
  request.set_request_id(absl::GetFlag(FLAGS_request_id));

  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::SurveyResponse recorded;
  grpc::Status status =
      NewEngagementStub()->RecordSurveyResponse(&context, request, &recorded);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(recorded);
  } else {
    std::cout << "recorded " << recorded.name() << "\n";
  }
  return kExitOk;
}

int RunSurveysImport(const Invocation& in) {
  const std::string& path = in.args[0];
  const std::optional<std::string> content = ReadInputFile(path);
  if (!content.has_value()) return kExitFailure;
  absl::StatusOr<SurveyImportPlan> plan = PlanSurveyImport(*content);
  if (!ReportPlan(path, plan)) return kExitFailure;

  auto stub = NewEngagementStub();
  ImportTally tally;
  const bool finished = SendRowByRow(
      *plan, "recorded", "answers",
      [&stub](const ev1::RecordSurveyResponseRequest& request) {
        grpc::ClientContext context;
        PrepareContext(&context);
        ev1::SurveyResponse recorded;
        return stub->RecordSurveyResponse(&context, request, &recorded);
      },
      [](const ev1::RecordSurveyResponseRequest& request) {
        return request.response().account();
      },
      &tally);
  if (!finished) return kExitFailure;

  PrintRefusedRows(path, &tally.failures);
  if (JsonOutput()) {
    PrintImportJson(path,
                    {{"rows", plan->total_rows},
                     {"recorded", tally.created},
                     {"failed", tally.failed},
                     {"malformed", static_cast<int>(plan->errors.size())}},
                    tally.failures, plan->errors);
  } else {
    std::cout << absl::StrFormat(
        "%s: %d rows: %d recorded (each once, also on a re-run), %d failed, "
        "%d malformed (not sent)\n",
        path, plan->total_rows, tally.created, tally.failed,
        plan->errors.size());
  }
  return tally.failed > 0 || !plan->errors.empty() ? kExitFailure : kExitOk;
}

int RunSatisfaction(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  ev1::GetSatisfactionRequest request;
  request.set_account(AccountName(in.args[0]));
  request.set_window_days(absl::GetFlag(FLAGS_window_days));
  if (request.window_days() < 0) {
    return UsageError("--window_days: must not be negative");
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::Satisfaction satisfaction;
  grpc::Status status =
      NewEngagementStub()->GetSatisfaction(&context, request, &satisfaction);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(satisfaction);
  } else {
    SatisfactionDetails(satisfaction).Print(std::cout);
  }
  return kExitOk;
}

}  // namespace kam::kamctl
