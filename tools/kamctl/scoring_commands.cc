// kamctl models, ratings, import ratings, score, scores, tier, tiers, abc,
// portfolio, rescore and runs: choosing the key accounts. They talk to the
// scoring service (--scoring_addr).

#include <fstream>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/scoring_records.h"
#include "tools/kamctl/scoring_views.h"

namespace kam::kamctl {
namespace {

// The documented default deadlines of the slow calls; each waits at least
// this long even when --timeout is shorter.
constexpr absl::Duration kEvaluateDeadline = absl::Seconds(60);
constexpr absl::Duration kPortfolioDeadline = absl::Seconds(30);
// How often `--wait` asks after a run, and how many failed asks in a row
// (the server restarting, say) it sits out.
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);
constexpr int kPollAttempts = 25;
constexpr int kMaxBatchTiers = 1000;  // BatchGetTiers' limit
constexpr int kMaxListed = 1000;      // max_changes, max_candidates
constexpr int kMaxPercent = 100;

// AccountArg checks an account ID argument and returns its name.
absl::StatusOr<std::string> AccountArg(const std::string& arg) {
  if (absl::Status s = CheckId(arg); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  return AccountName(arg);
}

// ModelArg reads a MODEL_ID argument; `active_ok` allows "-".
absl::StatusOr<std::string> ModelArg(const std::string& arg, bool active_ok) {
  auto name = ModelNameFromArg(arg);
  if (!name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MODEL_ID ", name.status().message()));
  }
  if (!active_ok && absl::EndsWith(*name, "/-")) {
    return absl::InvalidArgumentError(
        "MODEL_ID: name the model by its ID here, not as - (see kamctl "
        "models list)");
  }
  return name;
}

absl::StatusOr<int32_t> LimitFlag(int max) {
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0)
    return absl::InvalidArgumentError("--limit: must not be negative");
  if (limit > max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--limit: at most %d, got %d", max, limit));
  }
  return static_cast<int32_t>(limit);
}

// ClearOutputOnly drops what the server sets, so that the output of
// `models get -o json` can be sent back.
void ClearOutputOnly(sv1::ScoreModel* model) {
  model->clear_version();
  model->clear_state();
  model->clear_create_time();
  model->clear_update_time();
  model->clear_activate_time();
}

void PrintModel(const sv1::ScoreModel& model) {
  if (JsonOutput()) {
    PrintJson(model);
  } else {
    std::cout << ModelText(model);
  }
}

void PrintRun(const sv1::RescoringRun& run) {
  if (JsonOutput()) {
    PrintJson(run);
  } else {
    RunDetails(run).Print(std::cout);
  }
}

void PrintTier(const sv1::AccountTier& tier) {
  if (JsonOutput()) {
    PrintJson(tier);
  } else {
    TierDetails(tier).Print(std::cout);
  }
}

// FollowRun polls the run every 200ms until it ends, printing its progress
// to stderr as it changes, then the run itself. Exit 0 only if it succeeded.
int FollowRun(sv1::RescoringRun run) {
  auto stub = NewScoringStub();
  std::string last_line;
  int failures = 0;
  while (run.state() == sv1::RUNNING) {
    if (const std::string line = RunProgressLine(run); line != last_line) {
      std::cerr << line << "\n";
      last_line = line;
    }
    absl::SleepFor(kPollInterval);
    sv1::GetRescoringRunRequest request;
    request.set_name(run.name());
    grpc::ClientContext context;
    PrepareContext(&context);
    sv1::RescoringRun next;
    grpc::Status status = stub->GetRescoringRun(&context, request, &next);
    if (!status.ok()) {
      if (!IsTransient(status) || ++failures >= kPollAttempts) {
        return RpcError(status);
      }
      continue;
    }
    failures = 0;
    run = std::move(next);
  }
  std::cerr << RunProgressLine(run) << "\n";
  PrintRun(run);
  return run.state() == sv1::SUCCEEDED ? kExitOk : kExitFailure;
}

}  // namespace

int RunModelsList(const Invocation&) {
  return ListPages<sv1::ListScoreModelsResponse>(
      NewScoringStub, sv1::ListScoreModelsRequest(),
      [](sv1::Scoring::Stub* stub, grpc::ClientContext* context,
         const sv1::ListScoreModelsRequest& request,
         sv1::ListScoreModelsResponse* page) {
        return stub->ListScoreModels(context, request, page);
      },
      [](sv1::ListScoreModelsResponse* r) { return r->mutable_models(); },
      [](const sv1::ListScoreModelsResponse& r) {
        ModelsTable(r.models()).Print(std::cout);
      });
}

int RunModelsGet(const Invocation& in) {
  auto name = ModelArg(in.args[0], /*active_ok=*/true);
  if (!name.ok()) return UsageError(name.status().message());
  sv1::GetScoreModelRequest request;
  request.set_name(*name);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::ScoreModel model;
  grpc::Status status =
      NewScoringStub()->GetScoreModel(&context, request, &model);
  if (!status.ok()) return RpcError(status);
  PrintModel(model);
  return kExitOk;
}

int RunModelsCreate(const Invocation& in) {
  sv1::CreateScoreModelRequest request;
  if (in.Has("id")) {
    const std::string id = absl::GetFlag(FLAGS_id);
    if (absl::Status s = CheckScoringId(id); !s.ok()) {
      return UsageError(FlagError("id", s).message());
    }
  }
  std::optional<sv1::ScoreModel> model =
      ReadJsonFile(in.args[0], ScoreModelFromJson);
  if (!model.has_value()) return kExitFailure;
  ClearOutputOnly(&*model);
  model->clear_name();
  model->clear_etag();
  if (in.Has("id")) model->set_model_id(absl::GetFlag(FLAGS_id));
  *request.mutable_model() = *std::move(model);
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::ScoreModel created;
  grpc::Status status =
      NewScoringStub()->CreateScoreModel(&context, request, &created);
  if (!status.ok()) return RpcError(status);
  PrintModel(created);
  return kExitOk;
}

int RunModelsUpdate(const Invocation& in) {
  auto name = ModelArg(in.args[0], /*active_ok=*/false);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string& path = in.args[1];
  std::optional<sv1::ScoreModel> model = ReadJsonFile(path, ScoreModelFromJson);
  if (!model.has_value()) return kExitFailure;
  // A file read from another model must not overwrite this one by accident.
  const std::string id = IdOf(*name);
  if ((!model->name().empty() && model->name() != *name) ||
      (!model->model_id().empty() && model->model_id() != id)) {
    std::cerr << "kamctl: " << path << " is the model "
              << (model->name().empty() ? model->model_id()
                                        : IdOf(model->name()))
              << ", not " << id
              << " (take name and modelId out of the file to apply it to " << id
              << ")\n";
    return kExitFailure;
  }
  ClearOutputOnly(&*model);
  model->clear_model_id();
  model->set_name(*name);
  // The file's etag (from `models get -o json`) protects the edit, unless
  // --etag says otherwise.
  if (in.Has("etag")) model->set_etag(absl::GetFlag(FLAGS_etag));
  sv1::UpdateScoreModelRequest request;
  *request.mutable_model() = *std::move(model);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::ScoreModel updated;
  grpc::Status status =
      NewScoringStub()->UpdateScoreModel(&context, request, &updated);
  if (!status.ok()) return RpcError(status);
  PrintModel(updated);
  return kExitOk;
}

int RunModelsDelete(const Invocation& in) {
  auto name = ModelArg(in.args[0], /*active_ok=*/false);
  if (!name.ok()) return UsageError(name.status().message());
  sv1::DeleteScoreModelRequest request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::DeleteScoreModelResponse response;
  grpc::Status status =
      NewScoringStub()->DeleteScoreModel(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << "deleted " << request.name() << "\n";
  }
  return kExitOk;
}

int RunModelsActivate(const Invocation& in) {
  auto name = ModelArg(in.args[0], /*active_ok=*/false);
  if (!name.ok()) return UsageError(name.status().message());
  sv1::ActivateScoreModelRequest request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::RescoringRun run;
  grpc::Status status =
      NewScoringStub()->ActivateScoreModel(&context, request, &run);
  if (!status.ok()) return RpcError(status);
  if (absl::GetFlag(FLAGS_wait)) return FollowRun(std::move(run));
  PrintRun(run);
  return kExitOk;
}

int RunModelsEvaluate(const Invocation& in) {
  auto limit = LimitFlag(kMaxListed);
  if (!limit.ok()) return UsageError(limit.status().message());
  sv1::EvaluateScoreModelRequest request;
  request.set_max_changes(*limit);
  // A .json argument (or a path) is a file; anything else a stored model.
  const std::string& arg = in.args[0];
  const bool is_file =
      absl::EndsWith(arg, ".json") ||
      (absl::StrContains(arg, '/') && !absl::StartsWith(arg, "scoringModels/"));
  if (is_file) {
    std::optional<sv1::ScoreModel> model =
        ReadJsonFile(arg, ScoreModelFromJson);
    if (!model.has_value()) return kExitFailure;
    // Evaluated as given, never saved: not the stored model it may come from.
    ClearOutputOnly(&*model);
    model->clear_name();
    model->clear_model_id();
    model->clear_etag();
    *request.mutable_model() = *std::move(model);
  } else {
    auto name = ModelArg(arg, /*active_ok=*/true);
    if (!name.ok()) {
      return UsageError(absl::StrCat(name.status().message(),
                                     "; a model file must end in .json"));
    }
    request.set_name(*name);
  }
  grpc::ClientContext context;
  PrepareSlowContext(&context, kEvaluateDeadline);
  sv1::WhatIfReport report;
  grpc::Status status =
      NewScoringStub()->EvaluateScoreModel(&context, request, &report);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(report);
  } else {
    std::cout << WhatIfText(report);
  }
  return kExitOk;
}

int RunRatingsSet(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  if (absl::Status s = CheckScoringId(in.args[1]); !s.ok()) {
    return UsageError(absl::StrCat("CRITERION_ID ", s.message()));
  }
  auto value = ParseRatingValue(in.args[2]);
  if (!value.ok()) {
    return UsageError(absl::StrCat("VALUE ", value.status().message()));
  }
  const std::string rater = absl::GetFlag(FLAGS_rater);
  if (rater.empty()) {
    return UsageError(
        "ratings set: --rater is required: who rates, e.g. an "
        "e-mail address");
  }
  sv1::SetRatingRequest request;
  request.set_account(*account);
  request.set_criterion_id(in.args[1]);
  request.set_value(*value);
  request.set_rater(rater);
  request.set_note(absl::GetFlag(FLAGS_note));
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::Rating rating;
  grpc::Status status = NewScoringStub()->SetRating(&context, request, &rating);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(rating);
  } else {
    google::protobuf::RepeatedPtrField<sv1::Rating> shown;
    *shown.Add() = rating;
    RatingsTable(shown).Print(std::cout);
  }
  return kExitOk;
}

int RunRatingsList(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  sv1::ListRatingsRequest request;
  request.set_account(*account);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::ListRatingsResponse response;
  grpc::Status status =
      NewScoringStub()->ListRatings(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else if (response.ratings().empty()) {
    std::cout << *account << ": no ratings yet\n";
  } else {
    RatingsTable(response.ratings()).Print(std::cout);
  }
  return kExitOk;
}

int RunImportRatings(const Invocation& in) {
  const std::string& path = in.args[0];
  const std::optional<std::string> content = ReadInputFile(path);
  if (!content.has_value()) return kExitFailure;
  absl::StatusOr<RatingImportPlan> plan = PlanRatingImport(*content);
  if (!ReportPlan(path, plan)) return kExitFailure;

  auto stub = NewScoringStub();
  ImportTally tally;
  const bool finished = SendRowByRow(
      *plan, "set", "ratings",
      [&stub](const sv1::SetRatingRequest& request) {
        grpc::ClientContext context;
        PrepareContext(&context);
        sv1::Rating rating;
        return stub->SetRating(&context, request, &rating);
      },
      [](const sv1::SetRatingRequest& request) {
        return absl::StrCat(request.account(), "/ratings/",
                            request.criterion_id());
      },
      &tally);
  if (!finished) return kExitFailure;

  PrintRefusedRows(path, &tally.failures);
  if (JsonOutput()) {
    PrintImportJson(path,
                    {{"rows", plan->total_rows},
                     {"set", tally.created},
                     {"failed", tally.failed},
                     {"malformed", static_cast<int>(plan->errors.size())}},
                    tally.failures, plan->errors);
  } else {
    std::cout << absl::StrFormat(
        "%s: %d rows: %d set, %d failed, %d malformed (not sent)\n", path,
        plan->total_rows, tally.created, tally.failed, plan->errors.size());
  }
  return tally.failed > 0 || !plan->errors.empty() ? kExitFailure : kExitOk;
}

int RunScore(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  sv1::GetScoreRequest request;
  request.set_account(*account);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::Score score;
  grpc::Status status = NewScoringStub()->GetScore(&context, request, &score);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(score);
  } else {
    std::cout << ScoreText(score);
  }
  return kExitOk;
}

int RunScoresList(const Invocation&) {
  sv1::ListScoresRequest request;
  if (const std::string tier = absl::GetFlag(FLAGS_tier); !tier.empty()) {
    auto parsed = ParseTier(tier);
    if (!parsed.ok()) {
      return UsageError(FlagError("tier", parsed.status()).message());
    }
    request.set_tier(*parsed);
  }
  return ListPages<sv1::ListScoresResponse>(
      NewScoringStub, request,
      [](sv1::Scoring::Stub* stub, grpc::ClientContext* context,
         const sv1::ListScoresRequest& r, sv1::ListScoresResponse* page) {
        return stub->ListScores(context, r, page);
      },
      [](sv1::ListScoresResponse* r) { return r->mutable_scores(); },
      [](const sv1::ListScoresResponse& r) {
        ScoresTable(r.scores()).Print(std::cout);
      });
}

int RunScoreHistory(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  sv1::ListScoreHistoryRequest request;
  request.set_account(*account);
  return ListPages<sv1::ListScoreHistoryResponse>(
      NewScoringStub, request,
      [](sv1::Scoring::Stub* stub, grpc::ClientContext* context,
         const sv1::ListScoreHistoryRequest& r,
         sv1::ListScoreHistoryResponse* page) {
        return stub->ListScoreHistory(context, r, page);
      },
      [](sv1::ListScoreHistoryResponse* r) { return r->mutable_points(); },
      [](const sv1::ListScoreHistoryResponse& r) {
        ScoreHistoryTable(r.points()).Print(std::cout);
      });
}

int RunTier(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  sv1::GetTierRequest request;
  request.set_account(*account);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::AccountTier tier;
  grpc::Status status = NewScoringStub()->GetTier(&context, request, &tier);
  if (!status.ok()) return RpcError(status);
  PrintTier(tier);
  return kExitOk;
}

int RunTiers(const Invocation& in) {
  if (in.args.size() > kMaxBatchTiers) {
    return UsageError(
        absl::StrFormat("tiers: at most %d accounts at once", kMaxBatchTiers));
  }
  sv1::BatchGetTiersRequest request;
  for (const std::string& arg : in.args) {
    auto account = AccountArg(arg);
    if (!account.ok()) return UsageError(account.status().message());
    request.add_accounts(*account);
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::BatchGetTiersResponse response;
  grpc::Status status =
      NewScoringStub()->BatchGetTiers(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    TiersTable(response.tiers()).Print(std::cout);
  }
  return kExitOk;
}

int RunTierOverride(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  auto tier = ParseTier(in.args[1]);
  if (!tier.ok()) {
    return UsageError(absl::StrCat("TIER ", tier.status().message()));
  }
  const std::string reason = absl::GetFlag(FLAGS_reason);
  const std::string author = absl::GetFlag(FLAGS_author);
  if (reason.empty()) {
    return UsageError(
        "tier override: --reason is required: say why the tier "
        "is pinned");
  }
  if (author.empty()) {
    return UsageError("tier override: --author is required: who pins it");
  }
  if (!in.Has("expires")) {
    return UsageError(
        "tier override: --expires is required: when the "
        "override ends (30d, 720h, an RFC 3339 time or a day)");
  }
  auto expires = ParseExpiry(absl::GetFlag(FLAGS_expires), absl::Now());
  if (!expires.ok()) {
    return UsageError(FlagError("expires", expires.status()).message());
  }
  sv1::SetTierOverrideRequest request;
  request.set_account(*account);
  request.set_tier(*tier);
  request.set_reason(reason);
  request.set_author(author);
  *request.mutable_expire_time() = ToTimestamp(*expires);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::AccountTier result;
  grpc::Status status =
      NewScoringStub()->SetTierOverride(&context, request, &result);
  if (!status.ok()) return RpcError(status);
  PrintTier(result);
  return kExitOk;
}

int RunTierClear(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  const std::string author = absl::GetFlag(FLAGS_author);
  if (author.empty()) {
    return UsageError(
        "tier clear: --author is required: who ends the "
        "override");
  }
  sv1::ClearTierOverrideRequest request;
  request.set_account(*account);
  request.set_author(author);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::AccountTier result;
  grpc::Status status =
      NewScoringStub()->ClearTierOverride(&context, request, &result);
  if (!status.ok()) return RpcError(status);
  PrintTier(result);
  return kExitOk;
}

int RunTierHistory(const Invocation& in) {
  auto account = AccountArg(in.args[0]);
  if (!account.ok()) return UsageError(account.status().message());
  sv1::ListTierHistoryRequest request;
  request.set_account(*account);
  return ListPages<sv1::ListTierHistoryResponse>(
      NewScoringStub, request,
      [](sv1::Scoring::Stub* stub, grpc::ClientContext* context,
         const sv1::ListTierHistoryRequest& r,
         sv1::ListTierHistoryResponse* page) {
        return stub->ListTierHistory(context, r, page);
      },
      [](sv1::ListTierHistoryResponse* r) { return r->mutable_changes(); },
      [](const sv1::ListTierHistoryResponse& r) {
        TierChangesTable(r.changes()).Print(std::cout);
      });
}

int RunTiersWatch(const Invocation& in) {
  auto stub = NewScoringStub();
  return WatchFeed(
      in,
      [&stub](grpc::ClientContext* context,
              const kam::common::v1::WatchChangesRequest& request) {
        return stub->WatchTiers(context, request);
      },
      TierChangeLine);
}

int RunAbc(const Invocation&) {
  sv1::GetAbcAnalysisRequest request;
  request.set_a_percent(absl::GetFlag(FLAGS_a));
  request.set_b_percent(absl::GetFlag(FLAGS_b));
  for (const auto& [flag, value] :
       {std::pair<const char*, int32_t>{"a", request.a_percent()},
        std::pair<const char*, int32_t>{"b", request.b_percent()}}) {
    if (value < 0 || value > kMaxPercent) {
      return UsageError(absl::StrFormat(
          "--%s: must be a whole percent from 0 to 100, got %d", flag, value));
    }
  }
  if (request.a_percent() + request.b_percent() > kMaxPercent) {
    return UsageError(
        absl::StrFormat("--a plus --b must be at most 100, got %d",
                        request.a_percent() + request.b_percent()));
  }
  grpc::ClientContext context;
  PrepareSlowContext(&context, kPortfolioDeadline);
  sv1::AbcAnalysis analysis;
  grpc::Status status =
      NewScoringStub()->GetAbcAnalysis(&context, request, &analysis);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(analysis);
  } else {
    std::cout << AbcText(analysis);
  }
  return kExitOk;
}

int RunPortfolioMatrix(const Invocation&) {
  grpc::ClientContext context;
  PrepareSlowContext(&context, kPortfolioDeadline);
  sv1::PortfolioMatrix matrix;
  grpc::Status status = NewScoringStub()->GetPortfolioMatrix(
      &context, sv1::GetPortfolioMatrixRequest(), &matrix);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(matrix);
  } else {
    std::cout << PortfolioMatrixText(matrix);
  }
  return kExitOk;
}

int RunPortfolioSummary(const Invocation&) {
  sv1::GetPortfolioSummaryRequest request;
  request.set_near_points(absl::GetFlag(FLAGS_near));
  if (!(request.near_points() >= 0 && request.near_points() <= kMaxPercent)) {
    return UsageError("--near: must be from 0 to 100 score points");
  }
  auto limit = LimitFlag(kMaxListed);
  if (!limit.ok()) return UsageError(limit.status().message());
  request.set_max_candidates(*limit);
  grpc::ClientContext context;
  PrepareSlowContext(&context, kPortfolioDeadline);
  sv1::PortfolioSummary summary;
  grpc::Status status =
      NewScoringStub()->GetPortfolioSummary(&context, request, &summary);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(summary);
  } else {
    std::cout << PortfolioSummaryText(summary);
  }
  return kExitOk;
}

int RunRescore(const Invocation&) {
  sv1::StartRescoringRequest request;
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::RescoringRun run;
  grpc::Status status =
      NewScoringStub()->StartRescoring(&context, request, &run);
  if (!status.ok()) return RpcError(status);
  if (absl::GetFlag(FLAGS_wait)) return FollowRun(std::move(run));
  PrintRun(run);
  return kExitOk;
}

int RunRunsList(const Invocation&) {
  return ListPages<sv1::ListRescoringRunsResponse>(
      NewScoringStub, sv1::ListRescoringRunsRequest(),
      [](sv1::Scoring::Stub* stub, grpc::ClientContext* context,
         const sv1::ListRescoringRunsRequest& r,
         sv1::ListRescoringRunsResponse* page) {
        return stub->ListRescoringRuns(context, r, page);
      },
      [](sv1::ListRescoringRunsResponse* r) { return r->mutable_runs(); },
      [](const sv1::ListRescoringRunsResponse& r) {
        RunsTable(r.runs()).Print(std::cout);
      });
}

int RunRunsGet(const Invocation& in) {
  auto name = RunNameFromArg(in.args[0]);
  if (!name.ok()) {
    return UsageError(absl::StrCat("RUN_ID ", name.status().message()));
  }
  sv1::GetRescoringRunRequest request;
  request.set_name(*name);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::RescoringRun run;
  grpc::Status status =
      NewScoringStub()->GetRescoringRun(&context, request, &run);
  if (!status.ok()) return RpcError(status);
  PrintRun(run);
  return kExitOk;
}

int RunRunsCancel(const Invocation& in) {
  auto name = RunNameFromArg(in.args[0]);
  if (!name.ok()) {
    return UsageError(absl::StrCat("RUN_ID ", name.status().message()));
  }
  sv1::CancelRescoringRunRequest request;
  request.set_name(*name);
  grpc::ClientContext context;
  PrepareContext(&context);
  sv1::RescoringRun run;
  grpc::Status status =
      NewScoringStub()->CancelRescoringRun(&context, request, &run);
  if (!status.ok()) return RpcError(status);
  PrintRun(run);
  return kExitOk;
}

}  // namespace kam::kamctl
