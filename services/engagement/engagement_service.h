#ifndef KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_SERVICE_H_
#define KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_SERVICE_H_

#include "common/auth.h"
#include "common/handler.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/engagement/engagement_ledger.h"

namespace kam::engagement {

// EngagementService translates kam.engagement.v1.Engagement calls into
// EngagementLedger calls: it checks the caller's role, runs point reads
// inline, every write on the write pool and scans and reports on the read
// pool, and counts ingested interactions.
class EngagementService final : public v1::Engagement::CallbackService {
 public:
  // All outlive the service; metrics are registered in `metrics`.
  EngagementService(EngagementLedger* ledger, const Authorizer* auth,
                    HandlerPools pools, prometheus::Registry* metrics);

  grpc::ServerUnaryReactor* CreateInteraction(
      grpc::CallbackServerContext* context,
      const v1::CreateInteractionRequest* request,
      v1::Interaction* response) override;
  grpc::ServerUnaryReactor* BatchCreateInteractions(
      grpc::CallbackServerContext* context,
      const v1::BatchCreateInteractionsRequest* request,
      v1::BatchCreateInteractionsResponse* response) override;
  grpc::ServerUnaryReactor* GetInteraction(
      grpc::CallbackServerContext* context,
      const v1::GetInteractionRequest* request,
      v1::Interaction* response) override;
  grpc::ServerUnaryReactor* ListInteractions(
      grpc::CallbackServerContext* context,
      const v1::ListInteractionsRequest* request,
      v1::ListInteractionsResponse* response) override;
  grpc::ServerUnaryReactor* ListContactInteractions(
      grpc::CallbackServerContext* context,
      const v1::ListContactInteractionsRequest* request,
      v1::ListInteractionsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateInteraction(
      grpc::CallbackServerContext* context,
      const v1::UpdateInteractionRequest* request,
      v1::Interaction* response) override;
  grpc::ServerUnaryReactor* DeleteInteraction(
      grpc::CallbackServerContext* context,
      const v1::DeleteInteractionRequest* request,
      v1::DeleteInteractionResponse* response) override;
  grpc::ServerUnaryReactor* RecordSurveyResponse(
      grpc::CallbackServerContext* context,
      const v1::RecordSurveyResponseRequest* request,
      v1::SurveyResponse* response) override;
  grpc::ServerUnaryReactor* GetSatisfaction(
      grpc::CallbackServerContext* context,
      const v1::GetSatisfactionRequest* request,
      v1::Satisfaction* response) override;
  grpc::ServerUnaryReactor* ListCadencePolicies(
      grpc::CallbackServerContext* context,
      const v1::ListCadencePoliciesRequest* request,
      v1::ListCadencePoliciesResponse* response) override;
  grpc::ServerUnaryReactor* SetCadencePolicy(
      grpc::CallbackServerContext* context,
      const v1::SetCadencePolicyRequest* request,
      v1::CadencePolicy* response) override;
  grpc::ServerUnaryReactor* ListOverdueAccounts(
      grpc::CallbackServerContext* context,
      const v1::ListOverdueAccountsRequest* request,
      v1::ListOverdueAccountsResponse* response) override;
  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext* context,
                                        const v1::GetCoverageRequest* request,
                                        v1::Coverage* response) override;
  grpc::ServerUnaryReactor* SetRelationshipStage(
      grpc::CallbackServerContext* context,
      const v1::SetRelationshipStageRequest* request,
      v1::RelationshipStage* response) override;
  grpc::ServerUnaryReactor* GetRelationshipStage(
      grpc::CallbackServerContext* context,
      const v1::GetRelationshipStageRequest* request,
      v1::RelationshipStageHistory* response) override;
  grpc::ServerUnaryReactor* GetEngagementSummary(
      grpc::CallbackServerContext* context,
      const v1::GetEngagementSummaryRequest* request,
      v1::EngagementSummary* response) override;

 private:
  EngagementLedger* const ledger_;
  const Authorizer& auth_;
  WorkerPool& reads_;
  WorkerPool& writes_;
  prometheus::Counter* ingested_;
  prometheus::Counter* rejected_;
  prometheus::Histogram* batch_seconds_;
};

}  // namespace kam::engagement

#endif  // KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_SERVICE_H_
