#include "services/scoring/scoring_service.h"

namespace kam::scoring {

ScoringService::ScoringService(ScoreBook* book, const Authorizer* auth,
                               HandlerPools pools, ChangeFeedService* tier_feed)
    : book_(book),
      auth_(*auth),
      reads_(*pools.read),
      writes_(*pools.write),
      tier_feed_(tier_feed) {}

grpc::ServerUnaryReactor* ScoringService::CreateScoreModel(
    grpc::CallbackServerContext* context,
    const v1::CreateScoreModelRequest* request, v1::ScoreModel* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->CreateModel(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetScoreModel(
    grpc::CallbackServerContext* context,
    const v1::GetScoreModelRequest* request, v1::ScoreModel* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return book_->GetModel(request->name(), response); });
}

grpc::ServerUnaryReactor* ScoringService::ListScoreModels(
    grpc::CallbackServerContext* context,
    const v1::ListScoreModelsRequest* request,
    v1::ListScoreModelsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListModels(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::UpdateScoreModel(
    grpc::CallbackServerContext* context,
    const v1::UpdateScoreModelRequest* request, v1::ScoreModel* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->UpdateModel(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::DeleteScoreModel(
    grpc::CallbackServerContext* context,
    const v1::DeleteScoreModelRequest* request,
    v1::DeleteScoreModelResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_,
      [this, request, response] { return book_->DeleteModel(*request); });
}

grpc::ServerUnaryReactor* ScoringService::ActivateScoreModel(
    grpc::CallbackServerContext* context,
    const v1::ActivateScoreModelRequest* request, v1::RescoringRun* response) {
  return ServeOffloaded(context, auth_, Role::kAdmin, writes_,
                        [this, request, response] {
                          return book_->ActivateModel(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::EvaluateScoreModel(
    grpc::CallbackServerContext* context,
    const v1::EvaluateScoreModelRequest* request, v1::WhatIfReport* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->EvaluateModel(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::SetRating(
    grpc::CallbackServerContext* context, const v1::SetRatingRequest* request,
    v1::Rating* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->SetRating(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::ListRatings(
    grpc::CallbackServerContext* context, const v1::ListRatingsRequest* request,
    v1::ListRatingsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListRatings(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetScore(
    grpc::CallbackServerContext* context, const v1::GetScoreRequest* request,
    v1::Score* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return book_->GetScore(*request, response); });
}

grpc::ServerUnaryReactor* ScoringService::ListScores(
    grpc::CallbackServerContext* context, const v1::ListScoresRequest* request,
    v1::ListScoresResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListScores(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::ListScoreHistory(
    grpc::CallbackServerContext* context,
    const v1::ListScoreHistoryRequest* request,
    v1::ListScoreHistoryResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListScoreHistory(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetTier(
    grpc::CallbackServerContext* context, const v1::GetTierRequest* request,
    v1::AccountTier* response) {
  return Serve(context, auth_, Role::kTierReader,
               [&] { return book_->GetTier(request->account(), response); });
}

grpc::ServerUnaryReactor* ScoringService::BatchGetTiers(
    grpc::CallbackServerContext* context,
    const v1::BatchGetTiersRequest* request,
    v1::BatchGetTiersResponse* response) {
  return Serve(context, auth_, Role::kTierReader,
               [&] { return book_->BatchGetTiers(*request, response); });
}

grpc::ServerUnaryReactor* ScoringService::SetTierOverride(
    grpc::CallbackServerContext* context,
    const v1::SetTierOverrideRequest* request, v1::AccountTier* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->SetTierOverride(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::ClearTierOverride(
    grpc::CallbackServerContext* context,
    const v1::ClearTierOverrideRequest* request, v1::AccountTier* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->ClearTierOverride(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::ListTierHistory(
    grpc::CallbackServerContext* context,
    const v1::ListTierHistoryRequest* request,
    v1::ListTierHistoryResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListTierHistory(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetAbcAnalysis(
    grpc::CallbackServerContext* context,
    const v1::GetAbcAnalysisRequest* request, v1::AbcAnalysis* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->GetAbcAnalysis(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetPortfolioMatrix(
    grpc::CallbackServerContext* context,
    const v1::GetPortfolioMatrixRequest* request,
    v1::PortfolioMatrix* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->GetPortfolioMatrix(response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetPortfolioSummary(
    grpc::CallbackServerContext* context,
    const v1::GetPortfolioSummaryRequest* request,
    v1::PortfolioSummary* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->GetPortfolioSummary(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::StartRescoring(
    grpc::CallbackServerContext* context,
    const v1::StartRescoringRequest* request, v1::RescoringRun* response) {
  return ServeOffloaded(context, auth_, Role::kAdmin, writes_,
                        [this, request, response] {
                          return book_->StartRescoring(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::GetRescoringRun(
    grpc::CallbackServerContext* context,
    const v1::GetRescoringRunRequest* request, v1::RescoringRun* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return book_->GetRun(request->name(), response); });
}

grpc::ServerUnaryReactor* ScoringService::ListRescoringRuns(
    grpc::CallbackServerContext* context,
    const v1::ListRescoringRunsRequest* request,
    v1::ListRescoringRunsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListRuns(*request, response);
                        });
}

grpc::ServerUnaryReactor* ScoringService::CancelRescoringRun(
    grpc::CallbackServerContext* context,
    const v1::CancelRescoringRunRequest* request, v1::RescoringRun* response) {
  return ServeOffloaded(context, auth_, Role::kAdmin, writes_,
                        [this, request, response] {
                          return book_->CancelRun(request->name(), response);
                        });
}

grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>*
ScoringService::WatchTiers(
    grpc::CallbackServerContext* context,
    const kam::common::v1::WatchChangesRequest* request) {
  return tier_feed_->WatchChanges(context, request);
}

TierReplicaService::TierReplicaService(const TierReplica* replica,
                                       const Authorizer* auth,
                                       ChangeFeedService* tier_feed)
    : replica_(replica), auth_(*auth), tier_feed_(tier_feed) {}

grpc::ServerUnaryReactor* TierReplicaService::GetTier(
    grpc::CallbackServerContext* context, const v1::GetTierRequest* request,
    v1::AccountTier* response) {
  return Serve(context, auth_, Role::kTierReader, [&] {
    return replica_->lookups().Get(request->account(), response);
  });
}

grpc::ServerUnaryReactor* TierReplicaService::BatchGetTiers(
    grpc::CallbackServerContext* context,
    const v1::BatchGetTiersRequest* request,
    v1::BatchGetTiersResponse* response) {
  return Serve(context, auth_, Role::kTierReader, [&] {
    return replica_->lookups().BatchGet(*request, response);
  });
}

grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>*
TierReplicaService::WatchTiers(
    grpc::CallbackServerContext* context,
    const kam::common::v1::WatchChangesRequest* request) {
  return tier_feed_->WatchChanges(context, request);
}

}  // namespace kam::scoring
