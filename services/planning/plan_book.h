#ifndef KAM_SERVICES_PLANNING_PLAN_BOOK_H_
#define KAM_SERVICES_PLANNING_PLAN_BOOK_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/lock_table.h"
#include "common/request_log.h"
#include "common/store.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/planning/internal/state.pb.h"
#include "kam/planning/v1/planning.pb.h"
#include "services/planning/planning_rules.h"

namespace kam::planning {

// ScoreSource fills what no feed carries into a situation snapshot: the
// account's current score and ABC class, asked of the scoring service. It
// leaves a field unset when it cannot tell (scoring down, account unscored).
// May block for a bounded time (a network call with a deadline), and never
// past `deadline` (the caller's; absl::InfiniteFuture() for none).
class ScoreSource {
 public:
  virtual ~ScoreSource() = default;
  virtual void Fill(const std::string& account_name, absl::Time deadline,
                    v1::SituationSnapshot* snapshot) = 0;
};

// PlanBook is the planning service's domain and store: account plans with
// their revisions, and planning's projections of its peers' feeds (the
// registry's accounts and contacts, scoring's tiers, engagement's NPS and
// stage), which it validates and snapshots against without calling them.
//
// Every change of a plan is one RocksDB batch holding the plan, its new
// revision, the progress updates it adds and the index of plans in force,
// written under the account's lock; so a rejected request writes nothing and
// an acknowledged one survives a crash (with the store's sync writes).
//
// Storage per revision is bounded: the current plan keeps its objectives'
// progress inline, but a revision stores the plan without it, and per
// objective only which of the progress updates (each stored once, in their
// own family) it had. Revisions are put back together when read.
//
// Thread-safe.
class PlanBook {
 public:
  static const std::vector<std::string>& ColumnFamilies();
  // Where feed consumers keep their cursors.
  static constexpr char kCursorFamily[] = "cursors";

  // `scores` may be null (no score or ABC class in snapshots beyond the
  // tier feed's); all outlive the book.
  PlanBook(Store* store, Clock* clock, ScoreSource* scores);

  // Feed consumers' apply functions: stage the projection change into
  // `batch` (committed with the consumer's cursor).
  absl::Status ApplyRegistryEvent(const kam::common::v1::ChangeEvent& event,
                                  rocksdb::WriteBatch* batch);
  absl::Status ApplyScoringEvent(const kam::common::v1::ChangeEvent& event,
                                 rocksdb::WriteBatch* batch);
  absl::Status ApplyEngagementEvent(const kam::common::v1::ChangeEvent& event,
                                    rocksdb::WriteBatch* batch);

  // `deadline` is the caller's (absl::InfiniteFuture() for none): the
  // situation snapshot asks scoring no longer than that.
  absl::Status CreatePlan(const v1::CreateAccountPlanRequest& request,
                          absl::Time deadline, v1::AccountPlan* plan);
  absl::Status GetPlan(const v1::GetAccountPlanRequest& request,
                       v1::AccountPlan* plan) const;
  absl::Status ListPlans(const v1::ListAccountPlansRequest& request,
                         v1::ListAccountPlansResponse* response) const;
  absl::Status UpdatePlan(const v1::UpdateAccountPlanRequest& request,
                          v1::AccountPlan* plan);
  absl::Status DeletePlan(const v1::DeleteAccountPlanRequest& request);
  absl::Status ActivatePlan(const v1::ActivateAccountPlanRequest& request,
                            v1::AccountPlan* plan);
  absl::Status StartReview(const v1::StartPlanReviewRequest& request,
                           v1::AccountPlan* plan);
  // `deadline` as for CreatePlan.
  absl::Status RecordReview(const v1::RecordPlanReviewRequest& request,
                            absl::Time deadline, v1::AccountPlan* plan);
  absl::Status ClosePlan(const v1::CloseAccountPlanRequest& request,
                         v1::AccountPlan* plan);
  absl::Status RecordProgress(const v1::RecordObjectiveProgressRequest& request,
                              v1::AccountPlan* plan);
  absl::Status UpdateAction(const v1::UpdatePlanActionRequest& request,
                            v1::AccountPlan* plan);
  absl::Status RecordAgreement(const v1::RecordCustomerAgreementRequest& request,
                               v1::AccountPlan* plan);

  absl::Status ListRevisions(const v1::ListPlanRevisionsRequest& request,
                             v1::ListPlanRevisionsResponse* response) const;
  absl::Status GetRevision(const v1::GetPlanRevisionRequest& request,
                           v1::PlanRevision* revision) const;

  absl::Status ListOverdueActions(const v1::ListOverdueActionsRequest& request,
                                  v1::ListOverdueActionsResponse* response) const;
  absl::Status ListDueForReview(const v1::ListPlansDueForReviewRequest& request,
                                v1::ListPlansDueForReviewResponse* response) const;
  absl::Status GetCoverage(const v1::GetPlanCoverageRequest& request,
                           v1::PlanCoverage* coverage) const;
  absl::Status Export(const v1::ExportAccountPlanRequest& request,
                      v1::ExportAccountPlanResponse* response) const;

  // What the metrics gauges show, indexed by PlanHorizon (and PlanStatus).
  struct Gauges {
    std::array<std::array<int, 5>, 4> plans{};  // [horizon][status]
    std::array<int, 4> overdue_actions{};
    std::array<int, 4> due_for_review{};
    std::array<int, 4> key_accounts_without_plan{};
  };
  absl::StatusOr<Gauges> ComputeGauges() const;

 private:
  struct PlanKey {
    std::string account_id;
    std::string plan_id;
    std::string name() const;
    std::string key() const;
  };

  absl::StatusOr<PlanKey> ParsePlanName(const std::string& field,
                                        const std::string& name) const;
  // Reads a plan; NOT_FOUND naming it when absent.
  absl::Status ReadPlan(const PlanKey& key, v1::AccountPlan* plan) const;
  // The situation now, from the projections and the ScoreSource. Called
  // outside the account's lock (the ScoreSource may wait on the network, up
  // to `deadline`).
  v1::SituationSnapshot TakeSnapshot(const std::string& account_id,
                                     absl::Time deadline) const;
  // FAILED_PRECONDITION unless the account is known and not deleted; sets
  // *display_name.
  absl::Status CheckAccount(const std::string& field,
                            const std::string& account_id,
                            std::string* display_name) const;
  // Checks participants against the registry projection and fills their
  // names; checks the parent plan and the objectives' serves_objective.
  absl::Status CheckReferences(const std::string& prefix,
                               const std::string& account_id,
                               v1::AccountPlan* plan) const;
  // The plan in force for (account, horizon), or "" if none.
  std::string InForcePlan(const std::string& account_id,
                          v1::PlanHorizon horizon) const;

  // Calls `visit` on each plan in force whose in-force key starts with
  // `prefix` ("<account>/" for one account, "" for all).
  absl::Status ForEachInForce(
      const std::string& prefix,
      const std::function<void(const v1::AccountPlan&)>& visit) const;

  // A read-modify-write of one existing plan under the writer lock:
  // reads it, checks the etag, lets `change` modify it (or reject), then
  // writes the plan and its revision in one batch. `change` may also stage
  // extra writes into the batch.
  using Change = std::function<absl::Status(v1::AccountPlan* plan,
                                            rocksdb::WriteBatch* batch)>;
  absl::Status Mutate(const std::string& field, const std::string& name,
                      const std::string& etag, v1::ChangeKind kind,
                      const std::string& description, const Change& change,
                      v1::AccountPlan* out);
  // Stamps revision, update time and etag, and stages plan + revision +
  // the progress updates added since the previous revision (all of them if
  // that one was stored with progress inline). Reads the previous revision:
  // call under the account's lock.
  absl::Status StageWrite(v1::AccountPlan* plan, v1::ChangeKind kind,
                          const std::string& description, absl::Time now,
                          rocksdb::WriteBatch* batch) const;
  // The revision as clients see it: `stored` with each objective's progress
  // read back from its range (or inline, if stored by an older binary).
  // Without `with_plan`, leaves the plan out and reads nothing.
  absl::Status ToPlanRevision(internal::StoredRevision stored, bool with_plan,
                              v1::PlanRevision* out) const;

  Store* const store_;
  Clock* const clock_;
  ScoreSource* const scores_;
  RequestLog requests_;
  // Serialises the read-modify-write of one account's plans (its plans,
  // revisions and in-force index; key: the account's name), so changes to
  // different accounts run side by side and RocksDB group-commits their
  // writes. Feed projections are written by the consumers on their own.
  LockTable locks_;
};

}  // namespace kam::planning

#endif  // KAM_SERVICES_PLANNING_PLAN_BOOK_H_
