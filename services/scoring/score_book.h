#ifndef KAM_SERVICES_SCORING_SCORE_BOOK_H_
#define KAM_SERVICES_SCORING_SCORE_BOOK_H_

#include <atomic>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/change_feed.h"
#include "common/clock.h"
#include "common/request_log.h"
#include "common/store.h"
#include "kam/common/v1/feed.pb.h"
#include "kam/scoring/internal/state.pb.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "services/scoring/tier_lookup.h"
#include "services/scoring/tier_table.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace kam::scoring {

// ScoreBook is the scoring service's domain and store: score models,
// the projection of account facts (from the registry's and engagement's
// feeds, plus manual ratings), each account's standing (score, computed
// tier, override, tier in force), score and tier history, rescoring runs,
// and the reports built from standings.
//
// Every mutation runs under the ChangeFeed's writer lock and commits in one
// WriteBatch with the tier changes it publishes, so the feed (WatchTiers)
// holds exactly the committed tier changes in order. The in-memory
// TierTable is updated after each commit, still under that lock.
//
// Feed consumers never mutate facts directly: StageRegistryEvent and
// StageEngagementEvent only append the event to an inbox (in the consumer's
// own batch, with its cursor), and ApplyInbox, called by the service's
// background thread, folds the inbox into facts and rescores the accounts
// it touched. One writer for all facts means no lost update between a feed
// event and a rating.
//
// Thread-safe.
class ScoreBook {
 public:
  struct Options {
    // Accounts per WriteBatch in a full rescoring run; the writer lock is
    // held for one chunk at a time, so events and ratings wait at most that.
    int run_chunk_size = 4096;
  };

  static const std::vector<std::string>& ColumnFamilies();
  // Where feed consumers keep their cursors.
  static constexpr char kCursorFamily[] = "cursors";
  // Account facts, key: account id, value: internal::AccountFacts. Public
  // for the rescoring benchmark, which seeds it directly.
  static constexpr char kFactsFamily[] = "facts";

  // `metrics` may be null.
  ScoreBook(Store* store, Clock* clock, prometheus::Registry* metrics,
            Options options);
  // Cancels a running run and waits for it.
  ~ScoreBook();

  // Reads the active model (creating and activating the default model on a
  // fresh store), loads every standing into the tier table, and marks runs
  // that a restart interrupted as FAILED. Call once, before serving.
  absl::Status Load();

  ChangeFeed& feed() { return *feed_; }
  const TierTable& tiers() const { return tiers_; }

  // ---- feeds (FeedConsumer ApplyFn's) ----
  absl::Status StageRegistryEvent(const kam::common::v1::ChangeEvent& event,
                                  rocksdb::WriteBatch* batch);
  absl::Status StageEngagementEvent(const kam::common::v1::ChangeEvent& event,
                                    rocksdb::WriteBatch* batch);
  // Re-listing a feed (FeedConsumer::Options::clear and ::listed), "registry"
  // or "engagement". Both only stage inbox markers, so ApplyInbox keeps
  // being the one writer of facts:
  //  - StageRelistStart drops the feed's events still waiting in the inbox
  //    (the listing supersedes them) and queues a start marker. ApplyInbox
  //    marks every account that feed had brought as unlisted.
  //  - The listed items (sequence 0) queue after the marker, in name order.
  //    Each one applies as a CREATED event and unmarks its account; a listed
  //    account's contacts and financial facts are replaced by the listed
  //    ones.
  //  - StageRelistEnd, staged with the consumer's cursor move, queues an end
  //    marker: ApplyInbox treats the accounts still unlisted as deleted by
  //    that feed (a registry account: deleted, its tier ends with
  //    ACCOUNT_DELETED; an engagement summary: dropped).
  // Until the end, accounts keep their facts: tiers never blink to deleted
  // and back while a listing is under way. A tier change is published only
  // for an account whose tier the listing moved.
  static absl::Status StageRelistStart(const Store& store,
                                       const std::string& feed,
                                       rocksdb::WriteBatch* batch);
  static absl::Status StageRelistEnd(const Store& store,
                                     const std::string& feed,
                                     rocksdb::WriteBatch* batch);
  // Folds up to `max_events` staged events into the facts and rescores the
  // accounts they touched; returns how many events were applied.
  absl::StatusOr<int> ApplyInbox(int max_events);
  // Ends the overrides whose expiry has passed; returns how many.
  absl::StatusOr<int> ExpireOverrides();

  // ---- models ----
  absl::Status CreateModel(const v1::CreateScoreModelRequest& request,
                           v1::ScoreModel* model);
  absl::Status GetModel(const std::string& name, v1::ScoreModel* model) const;
  absl::Status ListModels(const v1::ListScoreModelsRequest& request,
                          v1::ListScoreModelsResponse* response) const;
  absl::Status UpdateModel(const v1::UpdateScoreModelRequest& request,
                           v1::ScoreModel* model);
  absl::Status DeleteModel(const v1::DeleteScoreModelRequest& request);
  absl::Status ActivateModel(const v1::ActivateScoreModelRequest& request,
                             v1::RescoringRun* run);
  absl::Status EvaluateModel(const v1::EvaluateScoreModelRequest& request,
                             v1::WhatIfReport* report) const;

  // ---- ratings and scores ----
  absl::Status SetRating(const v1::SetRatingRequest& request,
                         v1::Rating* rating);
  absl::Status ListRatings(const v1::ListRatingsRequest& request,
                           v1::ListRatingsResponse* response) const;
  absl::Status GetScore(const v1::GetScoreRequest& request,
                        v1::Score* score) const;
  absl::Status ListScores(const v1::ListScoresRequest& request,
                          v1::ListScoresResponse* response) const;
  absl::Status ListScoreHistory(const v1::ListScoreHistoryRequest& request,
                                v1::ListScoreHistoryResponse* response) const;

  // ---- tiers ----
  // From memory only.
  absl::Status GetTier(const std::string& account_name,
                       v1::AccountTier* tier) const;
  absl::Status BatchGetTiers(const v1::BatchGetTiersRequest& request,
                             v1::BatchGetTiersResponse* response) const;
  absl::Status SetTierOverride(const v1::SetTierOverrideRequest& request,
                               v1::AccountTier* tier);
  absl::Status ClearTierOverride(const v1::ClearTierOverrideRequest& request,
                                 v1::AccountTier* tier);
  absl::Status ListTierHistory(const v1::ListTierHistoryRequest& request,
                               v1::ListTierHistoryResponse* response) const;

  // ---- reports ----
  absl::Status GetAbcAnalysis(const v1::GetAbcAnalysisRequest& request,
                              v1::AbcAnalysis* analysis) const;
  absl::Status GetPortfolioMatrix(v1::PortfolioMatrix* matrix) const;
  absl::Status GetPortfolioSummary(
      const v1::GetPortfolioSummaryRequest& request,
      v1::PortfolioSummary* summary) const;

  // ---- rescoring runs ----
  // Starts a run on the book's own thread; FAILED_PRECONDITION if one runs.
  absl::Status StartRescoring(const v1::StartRescoringRequest& request,
                              v1::RescoringRun* run);
  absl::Status GetRun(const std::string& name, v1::RescoringRun* run) const;
  absl::Status ListRuns(const v1::ListRescoringRunsRequest& request,
                        v1::ListRescoringRunsResponse* response) const;
  absl::Status CancelRun(const std::string& name, v1::RescoringRun* run);
  // Blocks until the named run has ended or `timeout` passes; returns the
  // run as it then stands.
  absl::StatusOr<v1::RescoringRun> WaitForRun(const std::string& name,
                                              absl::Duration timeout) const;

 private:
  struct Metrics;
  struct RunControl;
  // A committed change to apply to the tier table once its batch is written.
  struct MemoryUpdate {
    std::string account_id;
    bool erase = false;
    TierEntry entry;
  };
  // What one rescoring staged: the entry to publish to memory and whether
  // the tier in force moved.
  struct Staged {
    bool written = false;
    bool tier_changed = false;
  };

  // An account rescored but not yet written: what StageRescored needs.
  struct Rescored {
    std::string account_id;
    // With only_if_changed: nothing to write.
    bool unchanged = false;
    // A full run skips facts of accounts the registry has not confirmed.
    bool registered = false;
    bool score_changed = false;
    bool override_expired = false;
    kam::common::v1::Tier previous_tier = kam::common::v1::TIER_UNSPECIFIED;
    TierEntry entry;
    std::string standing;     // serialized internal::Standing
    std::string score_point;  // serialized v1::ScorePoint, if score_changed
  };

  std::shared_ptr<const v1::ScoreModel> active_model() const;
  uint32_t ModelTag(const std::string& model, int version);
  // Scores `facts` under `model` against the account's previous entry (null
  // for a first score), stages the standing, history and any tier change
  // (published on the feed) into `batch`, and queues the memory update. With
  // `only_if_changed`, an unchanged score and tier write nothing.
  Staged StageRescore(ChangeFeed::Writer& writer, rocksdb::WriteBatch* batch,
                      const v1::ScoreModel& model,
                      const internal::AccountFacts& facts,
                      const TierEntry* previous, bool only_if_changed,
                      std::vector<MemoryUpdate>* updates);
  // The pure half of StageRescore: scores and decides, writes nothing, so a
  // run can compute on several threads. `now` is the commit time.
  Rescored ComputeRescore(const v1::ScoreModel& model,
                          const internal::AccountFacts& facts,
                          const TierEntry* previous, bool only_if_changed,
                          absl::Time now);
  // The writing half, in commit order (history keys, feed sequences).
  Staged StageRescored(ChangeFeed::Writer& writer, rocksdb::WriteBatch* batch,
                       const v1::ScoreModel& model, Rescored rescored,
                       std::vector<MemoryUpdate>* updates);
  // Stages a change of the tier in force into the history and the feed.
  void StageTierChange(ChangeFeed::Writer& writer, rocksdb::WriteBatch* batch,
                       const std::string& account_id,
                       const v1::TierChange& change);
  // Writes the batch and then applies `updates` to memory.
  absl::Status CommitAndPublish(ChangeFeed::Writer& writer,
                                rocksdb::WriteBatch* batch,
                                std::vector<MemoryUpdate>* updates);
  // A history key for an entry of `account_id` at `at`: newest first, and
  // unique through a counter that breaks ties within one microsecond.
  std::string NextHistoryKey(const std::string& account_id, absl::Time at);
  // Stages "the counter is at least where it is now" (a max merge, so
  // writers that commit side by side never move it backwards).
  void StageHistoryCounter(rocksdb::WriteBatch* batch);

  absl::StatusOr<internal::AccountFacts> ReadRegisteredFacts(
      const std::string& field, const std::string& account_name,
      std::string* account_id) const;
  absl::StatusOr<v1::ScoreModel> ReadModel(const std::string& field,
                                           const std::string& name,
                                           std::string* model_id) const;
  // Fills the breakdown's sentences of a stored score, from the facts and
  // the model that computed it.
  absl::Status Explain(v1::Score* score) const;
  absl::Status ReadStanding(const std::string& account_id,
                            internal::Standing* standing) const;
  TierEntry EntryFromStanding(const internal::Standing& standing);
  // Changes an account's tier in force for an override set, cleared or
  // expired; under the account's lock (or the whole table).
  absl::Status ApplyOverride(ChangeFeed::Writer& writer,
                             const std::string& account_id,
                             const v1::TierOverride* override_or_null,
                             v1::TierChangeReason reason,
                             const std::string& detail, v1::AccountTier* out);
  // Calls `visit` on every stored standing's score, in account order.
  absl::Status ScanScores(
      const std::function<void(const v1::Score& score)>& visit) const;

  // Creates a run in `batch` (with the request log entry, if any), commits,
  // and starts its thread; under the writer lock.
  absl::Status BeginRun(ChangeFeed::Writer& writer, rocksdb::WriteBatch* batch,
                        const std::string& trigger,
                        const std::string& request_id, v1::RescoringRun* run);
  void RunLoop(std::shared_ptr<RunControl> control);
  void PersistRun(rocksdb::WriteBatch* batch, const v1::RescoringRun& run);
  void FinishRun(const std::shared_ptr<RunControl>& control, v1::RunState state,
                 const std::string& detail);

  Store* const store_;
  Clock* const clock_;
  const Options options_;
  std::unique_ptr<ChangeFeed> feed_;
  RequestLog requests_;
  TierTable tiers_;
  std::unique_ptr<Metrics> metrics_;
  TierLookups lookups_;

  mutable absl::Mutex model_mu_;
  std::shared_ptr<const v1::ScoreModel> active_ ABSL_GUARDED_BY(model_mu_);
  std::deque<std::string> model_tags_ ABSL_GUARDED_BY(model_mu_);

  // Changes to different accounts run side by side (each holds its
  // account's lock), so what they share has locks of its own.
  absl::Mutex history_mu_;
  uint64_t history_seq_ ABSL_GUARDED_BY(history_mu_) = 0;
  absl::Mutex expiries_mu_;
  std::set<std::pair<int64_t, std::string>> expiries_
      ABSL_GUARDED_BY(expiries_mu_);  // (micros, id)

  mutable absl::Mutex run_mu_;
  mutable absl::CondVar run_ended_;
  std::shared_ptr<RunControl> run_ ABSL_GUARDED_BY(run_mu_);
  std::thread run_thread_;
};

}  // namespace kam::scoring

#endif  // KAM_SERVICES_SCORING_SCORE_BOOK_H_
