#include "services/planning/planning_service.h"

namespace kam::planning {

PlanningService::PlanningService(PlanBook* book, const Authorizer* auth,
                                 HandlerPools pools)
    : book_(book), auth_(*auth), reads_(*pools.read), writes_(*pools.write) {}

grpc::ServerUnaryReactor* PlanningService::CreateAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountPlanRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_,
      [this, request, response, deadline = DeadlineOf(*context)] {
        return book_->CreatePlan(*request, deadline, response);
      });
}

grpc::ServerUnaryReactor* PlanningService::GetAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::GetAccountPlanRequest* request, v1::AccountPlan* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return book_->GetPlan(*request, response); });
}

grpc::ServerUnaryReactor* PlanningService::ListAccountPlans(
    grpc::CallbackServerContext* context,
    const v1::ListAccountPlansRequest* request,
    v1::ListAccountPlansResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListPlans(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::UpdateAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::UpdateAccountPlanRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->UpdatePlan(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::DeleteAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::DeleteAccountPlanRequest* request,
    v1::DeleteAccountPlanResponse* /*response*/) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_,
      [this, request] { return book_->DeletePlan(*request); });
}

grpc::ServerUnaryReactor* PlanningService::ActivateAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::ActivateAccountPlanRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->ActivatePlan(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::StartPlanReview(
    grpc::CallbackServerContext* context,
    const v1::StartPlanReviewRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->StartReview(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::RecordPlanReview(
    grpc::CallbackServerContext* context,
    const v1::RecordPlanReviewRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(
      context, auth_, Role::kEditor, writes_,
      [this, request, response, deadline = DeadlineOf(*context)] {
        return book_->RecordReview(*request, deadline, response);
      });
}

grpc::ServerUnaryReactor* PlanningService::CloseAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::CloseAccountPlanRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->ClosePlan(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::RecordObjectiveProgress(
    grpc::CallbackServerContext* context,
    const v1::RecordObjectiveProgressRequest* request,
    v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->RecordProgress(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::UpdatePlanAction(
    grpc::CallbackServerContext* context,
    const v1::UpdatePlanActionRequest* request, v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->UpdateAction(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::RecordCustomerAgreement(
    grpc::CallbackServerContext* context,
    const v1::RecordCustomerAgreementRequest* request,
    v1::AccountPlan* response) {
  return ServeOffloaded(context, auth_, Role::kEditor, writes_,
                        [this, request, response] {
                          return book_->RecordAgreement(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::ListPlanRevisions(
    grpc::CallbackServerContext* context,
    const v1::ListPlanRevisionsRequest* request,
    v1::ListPlanRevisionsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListRevisions(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::GetPlanRevision(
    grpc::CallbackServerContext* context,
    const v1::GetPlanRevisionRequest* request, v1::PlanRevision* response) {
  return Serve(context, auth_, Role::kViewer,
               [&] { return book_->GetRevision(*request, response); });
}

grpc::ServerUnaryReactor* PlanningService::ListOverdueActions(
    grpc::CallbackServerContext* context,
    const v1::ListOverdueActionsRequest* request,
    v1::ListOverdueActionsResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListOverdueActions(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::ListPlansDueForReview(
    grpc::CallbackServerContext* context,
    const v1::ListPlansDueForReviewRequest* request,
    v1::ListPlansDueForReviewResponse* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->ListDueForReview(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::GetPlanCoverage(
    grpc::CallbackServerContext* context,
    const v1::GetPlanCoverageRequest* request, v1::PlanCoverage* response) {
  return ServeOffloaded(context, auth_, Role::kViewer, reads_,
                        [this, request, response] {
                          return book_->GetCoverage(*request, response);
                        });
}

grpc::ServerUnaryReactor* PlanningService::ExportAccountPlan(
    grpc::CallbackServerContext* context,
    const v1::ExportAccountPlanRequest* request,
    v1::ExportAccountPlanResponse* response) {
  return ServeOffloaded(
      context, auth_, Role::kViewer, reads_,
      [this, request, response] { return book_->Export(*request, response); });
}

}  // namespace kam::planning
