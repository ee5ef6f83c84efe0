#ifndef KAM_SERVICES_SCORING_SCORING_SERVICE_H_
#define KAM_SERVICES_SCORING_SCORING_SERVICE_H_

#include "common/auth.h"
#include "common/change_feed_service.h"
#include "common/handler.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "services/scoring/score_book.h"
#include "services/scoring/tier_replica.h"

namespace kam::scoring {

// ScoringService translates kam.scoring.v1.Scoring calls into ScoreBook
// calls: it checks the caller's role, runs point reads (tier lookups above
// all) inline on gRPC's thread, every write on the write pool and scans and
// reports on the read pool. WatchTiers is the tier feed's ChangeFeedService
// under another name.
class ScoringService final : public v1::Scoring::CallbackService {
 public:
  // All outlive the service.
  ScoringService(ScoreBook* book, const Authorizer* auth, HandlerPools pools,
                 ChangeFeedService* tier_feed);
  grpc::ServerUnaryReactor* CreateScoreModel(
      grpc::CallbackServerContext* context,
      const v1::CreateScoreModelRequest* request,
      v1::ScoreModel* response) override;
  grpc::ServerUnaryReactor* GetScoreModel(
      grpc::CallbackServerContext* context,
      const v1::GetScoreModelRequest* request,
      v1::ScoreModel* response) override;
  grpc::ServerUnaryReactor* ListScoreModels(
      grpc::CallbackServerContext* context,
      const v1::ListScoreModelsRequest* request,
      v1::ListScoreModelsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateScoreModel(
      grpc::CallbackServerContext* context,
      const v1::UpdateScoreModelRequest* request,
      v1::ScoreModel* response) override;
  grpc::ServerUnaryReactor* DeleteScoreModel(
      grpc::CallbackServerContext* context,
      const v1::DeleteScoreModelRequest* request,
      v1::DeleteScoreModelResponse* response) override;
  grpc::ServerUnaryReactor* ActivateScoreModel(
      grpc::CallbackServerContext* context,
      const v1::ActivateScoreModelRequest* request,
      v1::RescoringRun* response) override;
  grpc::ServerUnaryReactor* EvaluateScoreModel(
      grpc::CallbackServerContext* context,
      const v1::EvaluateScoreModelRequest* request,
      v1::WhatIfReport* response) override;
  grpc::ServerUnaryReactor* SetRating(grpc::CallbackServerContext* context,
                                      const v1::SetRatingRequest* request,
                                      v1::Rating* response) override;
  grpc::ServerUnaryReactor* ListRatings(
      grpc::CallbackServerContext* context,
      const v1::ListRatingsRequest* request,
      v1::ListRatingsResponse* response) override;
  grpc::ServerUnaryReactor* GetScore(grpc::CallbackServerContext* context,
                                     const v1::GetScoreRequest* request,
                                     v1::Score* response) override;
  grpc::ServerUnaryReactor* ListScores(
      grpc::CallbackServerContext* context,
      const v1::ListScoresRequest* request,
      v1::ListScoresResponse* response) override;
  grpc::ServerUnaryReactor* ListScoreHistory(
      grpc::CallbackServerContext* context,
      const v1::ListScoreHistoryRequest* request,
      v1::ListScoreHistoryResponse* response) override;
  grpc::ServerUnaryReactor* GetTier(grpc::CallbackServerContext* context,
                                    const v1::GetTierRequest* request,
                                    v1::AccountTier* response) override;
  grpc::ServerUnaryReactor* BatchGetTiers(
      grpc::CallbackServerContext* context,
      const v1::BatchGetTiersRequest* request,
      v1::BatchGetTiersResponse* response) override;
  grpc::ServerUnaryReactor* SetTierOverride(
      grpc::CallbackServerContext* context,
      const v1::SetTierOverrideRequest* request,
      v1::AccountTier* response) override;
  grpc::ServerUnaryReactor* ClearTierOverride(
      grpc::CallbackServerContext* context,
      const v1::ClearTierOverrideRequest* request,
      v1::AccountTier* response) override;
  grpc::ServerUnaryReactor* ListTierHistory(
      grpc::CallbackServerContext* context,
      const v1::ListTierHistoryRequest* request,
      v1::ListTierHistoryResponse* response) override;
  grpc::ServerUnaryReactor* GetAbcAnalysis(
      grpc::CallbackServerContext* context,
      const v1::GetAbcAnalysisRequest* request,
      v1::AbcAnalysis* response) override;
  grpc::ServerUnaryReactor* GetPortfolioMatrix(
      grpc::CallbackServerContext* context,
      const v1::GetPortfolioMatrixRequest* request,
      v1::PortfolioMatrix* response) override;
  grpc::ServerUnaryReactor* GetPortfolioSummary(
      grpc::CallbackServerContext* context,
      const v1::GetPortfolioSummaryRequest* request,
      v1::PortfolioSummary* response) override;
  grpc::ServerUnaryReactor* StartRescoring(
      grpc::CallbackServerContext* context,
      const v1::StartRescoringRequest* request,
      v1::RescoringRun* response) override;
  grpc::ServerUnaryReactor* GetRescoringRun(
      grpc::CallbackServerContext* context,
      const v1::GetRescoringRunRequest* request,
      v1::RescoringRun* response) override;
  grpc::ServerUnaryReactor* ListRescoringRuns(
      grpc::CallbackServerContext* context,
      const v1::ListRescoringRunsRequest* request,
      v1::ListRescoringRunsResponse* response) override;
  grpc::ServerUnaryReactor* CancelRescoringRun(
      grpc::CallbackServerContext* context,
      const v1::CancelRescoringRunRequest* request,
      v1::RescoringRun* response) override;
  grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>* WatchTiers(
      grpc::CallbackServerContext* context,
      const kam::common::v1::WatchChangesRequest* request) override;

 private:
  ScoreBook* const book_;
  const Authorizer& auth_;
  WorkerPool& reads_;
  WorkerPool& writes_;
  ChangeFeedService* const tier_feed_;
};

// TierReplicaService is a read-only follower's kam.scoring.v1.Scoring: the
// tier lookups and WatchTiers, from the follower's own TierReplica. Every
// other method answers UNIMPLEMENTED: writes, scores and reports are the
// primary's.
class TierReplicaService final : public v1::Scoring::CallbackService {
 public:
  // All outlive the service.
  TierReplicaService(const TierReplica* replica, const Authorizer* auth,
                     ChangeFeedService* tier_feed);

  grpc::ServerUnaryReactor* GetTier(grpc::CallbackServerContext* context,
                                    const v1::GetTierRequest* request,
                                    v1::AccountTier* response) override;
  grpc::ServerUnaryReactor* BatchGetTiers(
      grpc::CallbackServerContext* context,
      const v1::BatchGetTiersRequest* request,
      v1::BatchGetTiersResponse* response) override;
  grpc::ServerWriteReactor<kam::common::v1::WatchChangesResponse>* WatchTiers(
      grpc::CallbackServerContext* context,
      const kam::common::v1::WatchChangesRequest* request) override;

 private:
  const TierReplica* const replica_;
  const Authorizer& auth_;
  ChangeFeedService* const tier_feed_;
};

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_SCORING_SERVICE_H_
