#include "services/engagement/engagement_service.h"

#include "absl/time/clock.h"
#include "common/metrics.h"

namespace kam::engagement {

EngagementService::EngagementService(EngagementLedger* ledger,
                                     const Authorizer* auth, HandlerPools pools,
                                     prometheus::Registry* metrics)
    : ledger_(ledger),
      auth_(*auth),
      reads_(*pools.read),
      writes_(*pools.write) {
  auto& ingested = prometheus::BuildCounter()
                       .Name("kam_engagement_interactions_ingested_total")
                       .Help(
                           "Interactions received for ingest, by outcome: "
                           "created (durably written) or rejected; retries "
                           "of a request_id are not counted")
                       .Register(*metrics);
  ingested_ = &ingested.Add({{"outcome", "created"}});
  rejected_ = &ingested.Add({{"outcome", "rejected"}});
  batch_seconds_ = &prometheus::BuildHistogram()
                        .Name("kam_engagement_ingest_batch_seconds")
                        .Help(
                            "Time to validate and durably write one "
                            "BatchCreateInteractions call")
                        .Register(*metrics)
                        .Add({}, Metrics::LatencyBuckets());
}

grpc::ServerUnaryReactor* EngagementService::CreateInteraction(
    grpc::CallbackServerContext* context,
    const v1::CreateInteractionRequest* request, v1::Interaction* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_, [this, request, response] {
        bool replayed = false;
        absl::Status status =
            ledger_->CreateInteraction(*request, response, &replayed);
        if (!status.ok()) {
          rejected_->Increment();
        } else if (!replayed) {
          ingested_->Increment();
        }
        return status;
      });
}

grpc::ServerUnaryReactor* EngagementService::BatchCreateInteractions(
    grpc::CallbackServerContext* context,
    const v1::BatchCreateInteractionsRequest* request,
    v1::BatchCreateInteractionsResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_, [this, request, response] {
        const absl::Time start = absl::Now();
        absl::Status status =
            ledger_->BatchCreateInteractions(*request, response);
        if (status.ok()) {
          batch_seconds_->Observe(absl::ToDoubleSeconds(absl::Now() - start));
          ingested_->Increment(response->created());
          rejected_->Increment(response->failed());
        }
        return status;
      });
}

grpc::ServerUnaryReactor* EngagementService::GetInteraction(
    grpc::CallbackServerContext* context,
    const v1::GetInteractionRequest* request, v1::Interaction* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return ledger_->GetInteraction(*request, response); });
}

grpc::ServerUnaryReactor* EngagementService::ListInteractions(
    grpc::CallbackServerContext* context,
    const v1::ListInteractionsRequest* request,
    v1::ListInteractionsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return ledger_->ListInteractions(*request, response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::ListContactInteractions(
    grpc::CallbackServerContext* context,
    const v1::ListContactInteractionsRequest* request,
    v1::ListInteractionsResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_, [this, request, response] {
        return ledger_->ListContactInteractions(*request, response);
      });
}

grpc::ServerUnaryReactor* EngagementService::UpdateInteraction(
    grpc::CallbackServerContext* context,
    const v1::UpdateInteractionRequest* request, v1::Interaction* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return ledger_->UpdateInteraction(*request, response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::DeleteInteraction(
    grpc::CallbackServerContext* context,
    const v1::DeleteInteractionRequest* request,
    v1::DeleteInteractionResponse* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return ledger_->DeleteInteraction(*request);
                        });
}

grpc::ServerUnaryReactor* EngagementService::RecordSurveyResponse(
    grpc::CallbackServerContext* context,
    const v1::RecordSurveyResponseRequest* request,
    v1::SurveyResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_, [this, request, response] {
        return ledger_->RecordSurveyResponse(*request, response);
      });
}

grpc::ServerUnaryReactor* EngagementService::GetSatisfaction(
    grpc::CallbackServerContext* context,
    const v1::GetSatisfactionRequest* request, v1::Satisfaction* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return ledger_->GetSatisfaction(*request, response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::ListCadencePolicies(
    grpc::CallbackServerContext* context,
    const v1::ListCadencePoliciesRequest* request,
    v1::ListCadencePoliciesResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return ledger_->ListCadencePolicies(response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::SetCadencePolicy(
    grpc::CallbackServerContext* context,
    const v1::SetCadencePolicyRequest* request, v1::CadencePolicy* response) {
  return ServeOffloaded(context, auth_, Role::kAdmin, writes_,
                        [this, request, response] {
                          return ledger_->SetCadencePolicy(*request, response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::ListOverdueAccounts(
    grpc::CallbackServerContext* context,
    const v1::ListOverdueAccountsRequest* request,
    v1::ListOverdueAccountsResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_, [this, request, response] {
        return ledger_->ListOverdueAccounts(*request, response);
      });
}

grpc::ServerUnaryReactor* EngagementService::GetCoverage(
    grpc::CallbackServerContext* context, const v1::GetCoverageRequest* request,
    v1::Coverage* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return ledger_->GetCoverage(*request, response);
                        });
}

grpc::ServerUnaryReactor* EngagementService::SetRelationshipStage(
    grpc::CallbackServerContext* context,
    const v1::SetRelationshipStageRequest* request,
    v1::RelationshipStage* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_, [this, request, response] {
        return ledger_->SetRelationshipStage(*request, response);
      });
}

grpc::ServerUnaryReactor* EngagementService::GetRelationshipStage(
    grpc::CallbackServerContext* context,
    const v1::GetRelationshipStageRequest* request,
    v1::RelationshipStageHistory* response) {
  return Serve(context, auth_, Role::kViewer, [&] {
    return ledger_->GetRelationshipStage(*request, response);
  });
}

grpc::ServerUnaryReactor* EngagementService::GetEngagementSummary(
    grpc::CallbackServerContext* context,
    const v1::GetEngagementSummaryRequest* request,
    v1::EngagementSummary* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_, [this, request, response] {
        return ledger_->GetEngagementSummary(*request, response);
      });
}

}  // namespace kam::engagement
