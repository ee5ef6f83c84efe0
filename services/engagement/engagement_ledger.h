#ifndef KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_LEDGER_H_
#define KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_LEDGER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/change_feed.h"
#include "common/clock.h"
#include "common/request_log.h"
#include "common/store.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "services/engagement/engagement_rules.h"

namespace kam::engagement {

// EngagementLedger is the engagement service's domain: interactions,
// survey answers, cadence policies, relationship stages, and the reports
// built from them (overdue, coverage, satisfaction, summary). It keeps its
// own projection of the registry's accounts and contacts, fed by
// ApplyRegistryEvent, and validates against that, never calling the
// registry.
//
// Writes are serialised by the ChangeFeed writer lock. Every write that
// changes an account's summary marks the account dirty in the same batch;
// PublishDirtySummaries later appends the fresh summary to the change feed,
// so ingest stays fast and no change goes unpublished, even across a crash.
//
// Thread-safe.
class EngagementLedger {
 public:
  struct Options {
    // The tier of accounts the scoring service has not tiered.
    kam::common::v1::Tier default_tier = kam::common::v1::MAINTAIN;
  };

  static const std::vector<std::string>& ColumnFamilies();
  // Where feed consumers keep their cursors.
  static constexpr char kCursorFamily[] = "cursors";

  EngagementLedger(Store* store, Clock* clock, Options options);
  ~EngagementLedger();

  ChangeFeed& feed() { return *feed_; }

  // Applies one registry change to the projection (for a FeedConsumer).
  // Before a re-list of the registry (FeedConsumer::Options::clear):
  // registry_projection::StageClear, and every projected account's summary
  // marked for recomputing.
  absl::Status ClearRegistryProjection(rocksdb::WriteBatch* batch);
  absl::Status ApplyRegistryEvent(const kam::common::v1::ChangeEvent& event,
                                  rocksdb::WriteBatch* batch);
  // Applies one change of scoring's tier feed: the account's tier, which
  // picks its cadence targets (for a FeedConsumer).
  absl::Status ApplyScoringEvent(const kam::common::v1::ChangeEvent& event,
                                 rocksdb::WriteBatch* batch);

  // *replayed (optional) says whether this was a retry of an earlier
  // request_id, answered from the request log and not written again.
  absl::Status CreateInteraction(const v1::CreateInteractionRequest& request,
                                 v1::Interaction* interaction,
                                 bool* replayed = nullptr);
  absl::Status BatchCreateInteractions(
      const v1::BatchCreateInteractionsRequest& request,
      v1::BatchCreateInteractionsResponse* response);
  absl::Status GetInteraction(const v1::GetInteractionRequest& request,
                              v1::Interaction* interaction) const;
  absl::Status ListInteractions(const v1::ListInteractionsRequest& request,
                                v1::ListInteractionsResponse* response) const;
  absl::Status ListContactInteractions(
      const v1::ListContactInteractionsRequest& request,
      v1::ListInteractionsResponse* response) const;
  absl::Status UpdateInteraction(const v1::UpdateInteractionRequest& request,
                                 v1::Interaction* interaction);
  absl::Status DeleteInteraction(const v1::DeleteInteractionRequest& request);

  absl::Status RecordSurveyResponse(
      const v1::RecordSurveyResponseRequest& request,
      v1::SurveyResponse* response);
  absl::Status GetSatisfaction(const v1::GetSatisfactionRequest& request,
                               v1::Satisfaction* satisfaction) const;

  absl::Status ListCadencePolicies(v1::ListCadencePoliciesResponse* response) const;
  absl::Status SetCadencePolicy(const v1::SetCadencePolicyRequest& request,
                                v1::CadencePolicy* policy);
  absl::Status ListOverdueAccounts(const v1::ListOverdueAccountsRequest& request,
                                   v1::ListOverdueAccountsResponse* response) const;
  // Overdue accounts per tier (index = Tier value), for the metrics gauge.
  absl::StatusOr<std::vector<int>> CountOverdueByTier() const;

  absl::Status GetCoverage(const v1::GetCoverageRequest& request,
                           v1::Coverage* coverage) const;

  absl::Status SetRelationshipStage(const v1::SetRelationshipStageRequest& request,
                                    v1::RelationshipStage* stage);
  absl::Status GetRelationshipStage(const v1::GetRelationshipStageRequest& request,
                                    v1::RelationshipStageHistory* history) const;

  absl::Status GetEngagementSummary(const v1::GetEngagementSummaryRequest& request,
                                    v1::EngagementSummary* summary) const;

  // Publishes the summaries of up to `max_accounts` dirty accounts on the
  // change feed; returns how many were published.
  absl::StatusOr<int> PublishDirtySummaries(int max_accounts);

  static constexpr int kMaxBatchItems = 5000;

 private:
  class IngestTxn;
  struct AccountView;

  absl::StatusOr<AccountView> ReadAccount(const std::string& field,
                                          const std::string& account_name,
                                          bool allow_deleted) const;
  // Checks that every participant is a known contact of the account; sets
  // *has_executive (optional) if one of them is at the executive level.
  absl::Status CheckParticipants(const std::string& field,
                                 const std::string& account_id,
                                 const v1::Interaction& interaction,
                                 bool* has_executive = nullptr) const;
  // Validates and stages one new interaction; the caller commits.
  absl::Status StageCreate(IngestTxn& txn, const v1::CreateInteractionRequest& request,
                           const std::string& field, v1::Interaction* out,
                           bool* replayed);
  // Calls `visit` on the account's interactions that occurred at or before
  // `newest`, newest first, until it returns false.
  absl::Status ScanTimeline(
      const std::string& account_id, absl::Time newest,
      const std::function<bool(const v1::Interaction&)>& visit) const;
  // The cadence stats from the whole timeline, leaving out the interaction
  // named `skip_name` and adding `extra` (for updates and deletes).
  absl::StatusOr<CadenceStats> ComputeStats(const std::string& account_id,
                                            const std::string& skip_name,
                                            const v1::Interaction* extra) const;
  absl::StatusOr<CadenceStats> ReadStats(const std::string& account_id) const;
  v1::CadencePolicy Policy(kam::common::v1::Tier tier) const;
  kam::common::v1::Tier TierOf(const std::string& account_id) const;
  bool HasExecutive(const std::string& account_id,
                    const v1::Interaction& interaction) const;
  absl::Status Summarize(const std::string& account_id,
                         v1::EngagementSummary* summary) const;
  absl::Status CoverageOf(const std::string& account_id, int days,
                          v1::Coverage* coverage) const;
  absl::Status SatisfactionOf(const std::string& account_id, int window_days,
                              v1::Satisfaction* satisfaction) const;
  absl::StatusOr<bool> IsOverdue(const std::string& account_id,
                                 const AccountView& account,
                                 std::vector<v1::OverdueItem>* items) const;

  Store* const store_;
  Clock* const clock_;
  const Options options_;
  std::unique_ptr<ChangeFeed> feed_;
  RequestLog requests_;
};

}  // namespace kam::engagement

#endif  // KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_LEDGER_H_
