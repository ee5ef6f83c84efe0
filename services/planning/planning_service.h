#ifndef KAM_SERVICES_PLANNING_PLANNING_SERVICE_H_
#define KAM_SERVICES_PLANNING_PLANNING_SERVICE_H_

#include "common/auth.h"
#include "common/handler.h"
#include "kam/planning/v1/planning.grpc.pb.h"
#include "services/planning/plan_book.h"

namespace kam::planning {

// PlanningService translates kam.planning.v1.Planning calls into PlanBook
// calls: it checks the caller's role (viewer reads, editor writes), runs
// point reads inline, every write on the write pool (creating a plan and
// recording a review also take a snapshot that asks scoring for the score
// and ABC class, within the caller's deadline) and scans, reports and
// exports on the read pool.
class PlanningService final : public v1::Planning::CallbackService {
 public:
  // All outlive the service.
  PlanningService(PlanBook* book, const Authorizer* auth, HandlerPools pools);

  grpc::ServerUnaryReactor* CreateAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::CreateAccountPlanRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* GetAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::GetAccountPlanRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* ListAccountPlans(
      grpc::CallbackServerContext* context,
      const v1::ListAccountPlansRequest* request,
      v1::ListAccountPlansResponse* response) override;
  grpc::ServerUnaryReactor* UpdateAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::UpdateAccountPlanRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* DeleteAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::DeleteAccountPlanRequest* request,
      v1::DeleteAccountPlanResponse* response) override;
  grpc::ServerUnaryReactor* ActivateAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::ActivateAccountPlanRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* StartPlanReview(
      grpc::CallbackServerContext* context,
      const v1::StartPlanReviewRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* RecordPlanReview(
      grpc::CallbackServerContext* context,
      const v1::RecordPlanReviewRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* CloseAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::CloseAccountPlanRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* RecordObjectiveProgress(
      grpc::CallbackServerContext* context,
      const v1::RecordObjectiveProgressRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* UpdatePlanAction(
      grpc::CallbackServerContext* context,
      const v1::UpdatePlanActionRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* RecordCustomerAgreement(
      grpc::CallbackServerContext* context,
      const v1::RecordCustomerAgreementRequest* request,
      v1::AccountPlan* response) override;
  grpc::ServerUnaryReactor* ListPlanRevisions(
      grpc::CallbackServerContext* context,
      const v1::ListPlanRevisionsRequest* request,
      v1::ListPlanRevisionsResponse* response) override;
  grpc::ServerUnaryReactor* GetPlanRevision(
      grpc::CallbackServerContext* context,
      const v1::GetPlanRevisionRequest* request,
      v1::PlanRevision* response) override;
  grpc::ServerUnaryReactor* ListOverdueActions(
      grpc::CallbackServerContext* context,
      const v1::ListOverdueActionsRequest* request,
      v1::ListOverdueActionsResponse* response) override;
  grpc::ServerUnaryReactor* ListPlansDueForReview(
      grpc::CallbackServerContext* context,
      const v1::ListPlansDueForReviewRequest* request,
      v1::ListPlansDueForReviewResponse* response) override;
  grpc::ServerUnaryReactor* GetPlanCoverage(
      grpc::CallbackServerContext* context,
      const v1::GetPlanCoverageRequest* request,
      v1::PlanCoverage* response) override;
  grpc::ServerUnaryReactor* ExportAccountPlan(
      grpc::CallbackServerContext* context,
      const v1::ExportAccountPlanRequest* request,
      v1::ExportAccountPlanResponse* response) override;

 private:
  PlanBook* const book_;
  const Authorizer& auth_;
  WorkerPool& reads_;
  WorkerPool& writes_;
};

}  // namespace kam::planning

#endif  // KAM_SERVICES_PLANNING_PLANNING_SERVICE_H_
