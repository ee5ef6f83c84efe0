#include "services/scoring/score_book.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/resource.h"
#include "common/status.h"
#include "common/validation.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/scoring/scoring_rules.h"

namespace kam::scoring {

using internal::AccountFacts;
using internal::Standing;
using kam::common::v1::ChangeEvent;
using kam::common::v1::Tier;
namespace reg = kam::registry::v1;
namespace eng = kam::engagement::v1;

namespace {

// Column families.
constexpr char kStandings[] = "standings";         // a -> Standing
constexpr char kScoreHistory[] = "score_history";  // a/<inv t><inv seq>
constexpr char kTierHistory[] = "tier_history";    // a/<inv t><inv seq>
constexpr char kModels[] = "models";               // model id -> ScoreModel
constexpr char kRuns[] = "runs";                   // run id -> RescoringRun
constexpr char kMeta[] = "meta";
constexpr char kInbox[] = "inbox";  // see InboxKey -> event
constexpr char kUnlisted[] = "unlisted";  // feed letter + account id -> ""
constexpr char kRequests[] = "requests";
constexpr char kOutbox[] = "outbox";

constexpr char kActiveModelKey[] = "active_model";
constexpr char kHistorySeqKey[] = "history_seq";

constexpr double kScoreEpsilon = 0.005;

// Inbox keys: the feed's letter ('r' registry, 'e' engagement), then
// ChangeFeed::Key(sequence) for an event. A re-list uses the sequence 0,
// which no event has: letter + Key(0) starts it, letter + Key(0) + resource
// name is a listed item, and letter + Key(0) + "\xff" ends it. Resource
// names are printable, so the three sort in that order, after the feed's
// events from before the listing and before every event after it.
constexpr char kRegistryLetter = 'r';
constexpr char kEngagementLetter = 'e';
constexpr char kListingEnd[] = "\xff";

std::string ListingKey(char letter, absl::string_view suffix) {
  return absl::StrCat(absl::string_view(&letter, 1), ChangeFeed::Key(0),
                      suffix);
}

absl::StatusOr<std::string> InboxKey(char letter, const ChangeEvent& event) {
  if (event.sequence() != 0) {
    return absl::StrCat(absl::string_view(&letter, 1),
                        ChangeFeed::Key(event.sequence()));
  }
  const std::string& name = event.resource_name();
  if (name.empty() || static_cast<unsigned char>(name[0]) < 0x20 ||
      static_cast<unsigned char>(name[0]) >= 0x7f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a listed item (sequence 0) needs a printable resource_name, got \"",
        absl::CHexEscape(name), "\""));
  }
  return ListingKey(letter, name);
}

absl::StatusOr<char> RelistLetter(const std::string& feed) {
  if (feed == "registry") return kRegistryLetter;
  if (feed == "engagement") return kEngagementLetter;
  return absl::InvalidArgumentError(
      absl::StrCat("scoring re-lists the registry and engagement feeds, not \"",
                   feed, "\""));
}


// The commit time, to the microsecond: tier entries keep microseconds, and
// every copy of an instant (GetTier, history, feed) must read the same.
absl::Time CommitTime(const ChangeFeed::Writer& writer) {
  return absl::FromUnixMicros(absl::ToUnixMicros(writer.now()));
}
std::string ModelName(const std::string& id) { return "scoringModels/" + id; }
std::string RunName(const std::string& id) { return "rescoringRuns/" + id; }

std::string TierLabel(Tier tier) {
  return absl::AsciiStrToLower(kam::common::v1::Tier_Name(tier));
}

// "accounts/{a}/<child>/{c}" -> {a, c}; empty on a malformed name.
std::pair<std::string, std::string> SplitChild(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "accounts") return {};
  return {parts[1], parts[3]};
}

// Account ids are [a-z0-9-], so "<id>/" is a prefix no other account shares.
std::string HistoryPrefix(const std::string& account_id) {
  return account_id + "/";
}

bool IsTier(Tier tier) {
  return tier == kam::common::v1::KEY ||
         tier == kam::common::v1::POTENTIAL_KEY ||
         tier == kam::common::v1::MAINTAIN ||
         tier == kam::common::v1::TRANSACTIONAL;
}

// A sentence on why the computed tier is what it is.
std::string ScoreDetail(const v1::TierThresholds& lines, Tier previous,
                        Tier tier, double score) {
  auto band = [&lines](Tier t) -> const v1::TierBand* {
    switch (t) {
      case kam::common::v1::KEY:
        return &lines.key();
      case kam::common::v1::POTENTIAL_KEY:
        return &lines.potential_key();
      case kam::common::v1::MAINTAIN:
        return &lines.maintain();
      default:
        return nullptr;
    }
  };
  if (previous == kam::common::v1::TIER_UNSPECIFIED) {
    return absl::StrFormat("first scored: %.2f", score);
  }
  if (IsHigherTier(tier, previous)) {
    return absl::StrFormat("score %.2f reached %s's promote line %.2f", score,
                           TierLabel(tier), band(tier)->promote_at());
  }
  if (const v1::TierBand* b = band(previous)) {
    return absl::StrFormat("score %.2f fell below %s's demote line %.2f", score,
                           TierLabel(previous), b->demote_below());
  }
  return absl::StrFormat("score %.2f", score);
}

}  // namespace

// ------------------------------------------------------------------ metrics

struct ScoreBook::Metrics {
  explicit Metrics(prometheus::Registry* given)
      : own(given ? nullptr : std::make_shared<prometheus::Registry>()) {
    prometheus::Registry& r = given ? *given : *own;
    auto& scored = prometheus::BuildCounter()
                       .Name("kam_scoring_accounts_scored_total")
                       .Help("Accounts (re)scored, by what triggered it")
                       .Register(r);
    scored_event = &scored.Add({{"trigger", "event"}});
    scored_rating = &scored.Add({{"trigger", "rating"}});
    scored_run = &scored.Add({{"trigger", "run"}});
    auto& changes = prometheus::BuildCounter()
                        .Name("kam_scoring_tier_changes_total")
                        .Help("Changes of an account's tier in force")
                        .Register(r);
    const Tier all[] = {kam::common::v1::TIER_UNSPECIFIED, kam::common::v1::KEY,
                        kam::common::v1::POTENTIAL_KEY,
                        kam::common::v1::MAINTAIN,
                        kam::common::v1::TRANSACTIONAL};
    for (Tier from : all) {
      for (Tier to : all) {
        if (from == to) continue;  // never a change
        const std::string f = from == kam::common::v1::TIER_UNSPECIFIED
                                  ? "none"
                                  : TierLabel(from);
        const std::string t =
            to == kam::common::v1::TIER_UNSPECIFIED ? "none" : TierLabel(to);
        tier_changes[from][to] = &changes.Add({{"from", f}, {"to", t}});
      }
    }
    run_duration = &prometheus::BuildHistogram()
                        .Name("kam_scoring_run_duration_seconds")
                        .Help("Wall time of full rescoring runs that ended")
                        .Register(r)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
                                     600, 1800});
    auto& runs = prometheus::BuildCounter()
                     .Name("kam_scoring_runs_total")
                     .Help("Full rescoring runs that ended, by outcome")
                     .Register(r);
    runs_succeeded = &runs.Add({{"outcome", "succeeded"}});
    runs_failed = &runs.Add({{"outcome", "failed"}});
    runs_cancelled = &runs.Add({{"outcome", "cancelled"}});
    run_progress = &prometheus::BuildGauge()
                        .Name("kam_scoring_run_progress_ratio")
                        .Help(
                            "Progress of the running rescoring run (0-1); "
                            "1 when none runs")
                        .Register(r)
                        .Add({});
    run_progress->Set(1);
    run_active = &prometheus::BuildGauge()
                      .Name("kam_scoring_run_active")
                      .Help("1 while a full rescoring run is in progress")
                      .Register(r)
                      .Add({});
    inbox_applied = &prometheus::BuildCounter()
                         .Name("kam_scoring_inbox_events_applied_total")
                         .Help("Feed events folded into scoring's facts")
                         .Register(r)
                         .Add({});
  }

  std::shared_ptr<prometheus::Registry> own;
  prometheus::Counter* scored_event;
  prometheus::Counter* scored_rating;
  prometheus::Counter* scored_run;
  prometheus::Counter* tier_changes[5][5] = {};
  prometheus::Histogram* run_duration;
  prometheus::Counter* runs_succeeded;
  prometheus::Counter* runs_failed;
  prometheus::Counter* runs_cancelled;
  prometheus::Gauge* run_progress;
  prometheus::Gauge* run_active;
  prometheus::Counter* inbox_applied;
};

// A run's live state; `run` is guarded by ScoreBook::run_mu_.
struct ScoreBook::RunControl {
  v1::RescoringRun run;
  std::atomic<bool> cancel{false};
  absl::Time started;
};

// ------------------------------------------------------------------ set-up

const std::vector<std::string>& ScoreBook::ColumnFamilies() {
  static const auto* families = new std::vector<std::string>{
      kFactsFamily, kStandings, kScoreHistory, kTierHistory,
      kModels,      kRuns,      kMeta,         kInbox,
      kRequests,    kOutbox,    kCursorFamily, kUnlisted};
  return *families;
}

ScoreBook::ScoreBook(Store* store, Clock* clock, prometheus::Registry* metrics,
                     Options options)
    : store_(store),
      clock_(clock),
      options_(options),
      feed_(std::make_unique<ChangeFeed>(store, store->Family(kOutbox), clock)),
      requests_(store, store->Family(kRequests), clock),
      metrics_(std::make_unique<Metrics>(metrics)),
      lookups_(&tiers_, metrics) {}

ScoreBook::~ScoreBook() {
  {
    absl::MutexLock lock(&run_mu_);
    if (run_) run_->cancel = true;
  }
  if (run_thread_.joinable()) run_thread_.join();
}

absl::Status ScoreBook::Load() {
  ChangeFeed::Writer writer(feed_.get());
  rocksdb::WriteBatch batch;

  std::string value;
  absl::Status got = store_->Get(store_->Family(kMeta), kHistorySeqKey, &value);
  if (got.ok()) {
    absl::MutexLock lock(&history_mu_);
    if (!absl::SimpleAtoi(value, &history_seq_)) {
      return absl::DataLossError("scoring: unreadable history counter");
    }
  } else if (!absl::IsNotFound(got)) {
    return got;
  }

  // The active model; a fresh store starts with the default one.
  std::string active_id;
  got = store_->Get(store_->Family(kMeta), kActiveModelKey, &active_id);
  if (absl::IsNotFound(got)) {
    auto models = store_->NewIterator(store_->Family(kModels));
    models->SeekToFirst();
    if (!models->Valid()) {
      v1::ScoreModel model = DefaultModel();
      KAM_RETURN_IF_ERROR(ValidateModel(&model));
      model.set_state(v1::ACTIVE);
      *model.mutable_create_time() = ToProtoTime(CommitTime(writer));
      *model.mutable_update_time() = model.create_time();
      *model.mutable_activate_time() = model.create_time();
      model.set_etag(Etag(model));
      PutProto(&batch, store_->Family(kModels), model.model_id(), model);
      batch.Put(store_->Family(kMeta), kActiveModelKey, model.model_id());
      active_id = model.model_id();
    }
  } else if (!got.ok()) {
    return got;
  }
  if (!active_id.empty()) {
    v1::ScoreModel model;
    if (batch.Count() == 0) {
      KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kModels),
                                                        active_id, &model));
      if (!found) {
        return absl::DataLossError(absl::StrCat("scoring: the active model ",
                                                active_id, " is missing"));
      }
    } else {
      model = DefaultModel();
      KAM_RETURN_IF_ERROR(ValidateModel(&model));
      model.set_state(v1::ACTIVE);
    }
    absl::MutexLock lock(&model_mu_);
    active_ = std::make_shared<const v1::ScoreModel>(std::move(model));
  }

  // Standings into memory.
  auto it = store_->NewIterator(store_->Family(kStandings));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Standing standing;
    if (!ParseProto(it->value(), &standing)) {
      return absl::DataLossError(absl::StrCat(
          "scoring: unreadable standing of ", it->key().ToString()));
    }
    const std::string id = it->key().ToString();
    TierEntry entry = EntryFromStanding(standing);
    if (entry.override) {
      absl::MutexLock lock(&expiries_mu_);
      expiries_.emplace(
          absl::ToUnixMicros(FromProtoTime(entry.override->expire_time())), id);
    }
    tiers_.Put(id, std::move(entry));
  }
  KAM_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scoring scan"));

  // Runs a restart cut short.
  auto runs = store_->NewIterator(store_->Family(kRuns));
  for (runs->SeekToFirst(); runs->Valid(); runs->Next()) {
    v1::RescoringRun run;
    if (!ParseProto(runs->value(), &run)) continue;
    if (run.state() != v1::RUNNING) continue;
    run.set_state(v1::FAILED);
    run.set_detail(
        "interrupted: the service stopped during the run; start "
        "a new one");
    metrics_->runs_failed->Increment();
    *run.mutable_end_time() = ToProtoTime(CommitTime(writer));
    PutProto(&batch, store_->Family(kRuns), runs->key().ToString(), run);
  }

  if (batch.Count() > 0) KAM_RETURN_IF_ERROR(writer.Commit(&batch));
  lookups_.ExportCounts();
  return absl::OkStatus();
}

std::shared_ptr<const v1::ScoreModel> ScoreBook::active_model() const {
  absl::MutexLock lock(&model_mu_);
  return active_;
}

uint32_t ScoreBook::ModelTag(const std::string& model, int version) {
  const std::string tag = absl::StrCat(model, "@", version);
  absl::MutexLock lock(&model_mu_);
  // Few models ever exist; newest last, so search from the back.
  for (size_t i = model_tags_.size(); i > 0; --i) {
    if (model_tags_[i - 1] == tag) return static_cast<uint32_t>(i - 1);
  }
  model_tags_.push_back(tag);
  return static_cast<uint32_t>(model_tags_.size() - 1);
}

TierEntry ScoreBook::EntryFromStanding(const Standing& standing) {
  const v1::Score& score = standing.score();
  TierEntry entry;
  entry.tier = score.tier();
  entry.computed_tier = score.computed_tier();
  entry.since_micros = absl::ToUnixMicros(FromProtoTime(standing.tier_since()));
  entry.score = score.score();
  entry.has_previous_score = score.has_previous_score();
  entry.previous_score = score.previous_score();
  entry.model_tag = ModelTag(score.model(), score.model_version());
  if (standing.has_override()) {
    entry.override =
        std::make_shared<const v1::TierOverride>(standing.override());
  }
  return entry;
}

// ------------------------------------------------------------------ writes

std::string ScoreBook::NextHistoryKey(const std::string& account_id,
                                      absl::Time at) {
  const uint64_t micros = static_cast<uint64_t>(absl::ToUnixMicros(at));
  uint64_t seq;
  {
    absl::MutexLock lock(&history_mu_);
    seq = ++history_seq_;
  }
  return absl::StrCat(HistoryPrefix(account_id),
                      absl::Hex(~micros, absl::kZeroPad16),
                      absl::Hex(~seq, absl::kZeroPad16));
}

void ScoreBook::StageHistoryCounter(rocksdb::WriteBatch* batch) {
  uint64_t seq;
  {
    absl::MutexLock lock(&history_mu_);
    seq = history_seq_;
  }
  batch->Merge(store_->Family(kMeta), kHistorySeqKey, MaxCounterOperand(seq));
}

void ScoreBook::StageTierChange(ChangeFeed::Writer& writer,
                                rocksdb::WriteBatch* batch,
                                const std::string& account_id,
                                const v1::TierChange& change) {
  PutProto(batch, store_->Family(kTierHistory),
           NextHistoryKey(account_id, CommitTime(writer)), change);
  writer.Append(batch,
                change.tier() == kam::common::v1::TIER_UNSPECIFIED
                    ? ChangeEvent::DELETED
                : change.previous_tier() == kam::common::v1::TIER_UNSPECIFIED
                    ? ChangeEvent::CREATED
                    : ChangeEvent::UPDATED,
                change.account(), change);
  if (prometheus::Counter* counter =
          metrics_->tier_changes[change.previous_tier()][change.tier()]) {
    counter->Increment();
  }
}

ScoreBook::Rescored ScoreBook::ComputeRescore(const v1::ScoreModel& model,
                                              const AccountFacts& facts,
                                              const TierEntry* previous,
                                              bool only_if_changed,
                                              absl::Time now) {
  Rescored out;
  out.account_id = facts.account_id();
  Standing standing;
  v1::Score& score = *standing.mutable_score();
  ScoreAccount(model, facts, &score);

  const Tier previous_computed =
      previous ? previous->computed_tier : kam::common::v1::TIER_UNSPECIFIED;
  const Tier computed =
      NextTier(model.tiers(), previous_computed, score.score());
  std::shared_ptr<const v1::TierOverride> override =
      previous ? previous->override : nullptr;
  if (override && FromProtoTime(override->expire_time()) <= now) {
    override.reset();
    out.override_expired = true;
  }
  const Tier tier = override ? override->tier() : computed;
  const uint32_t tag = ModelTag(score.model(), score.model_version());
  out.score_changed =
      previous == nullptr ||
      std::abs(previous->score - score.score()) >= kScoreEpsilon;
  if (only_if_changed && previous != nullptr && !out.score_changed &&
      computed == previous->computed_tier && tier == previous->tier &&
      tag == previous->model_tag && !out.override_expired) {
    out.unchanged = true;
    return out;
  }

  TierEntry& entry = out.entry;
  entry.tier = tier;
  entry.computed_tier = computed;
  entry.since_micros = previous != nullptr && previous->tier == tier
                           ? previous->since_micros
                           : absl::ToUnixMicros(now);
  entry.score = score.score();
  entry.model_tag = tag;
  entry.override = override;
  if (out.score_changed && previous != nullptr) {
    entry.has_previous_score = true;
    entry.previous_score = previous->score;
  } else if (previous != nullptr) {
    entry.has_previous_score = previous->has_previous_score;
    entry.previous_score = previous->previous_score;
  }
  out.previous_tier =
      previous ? previous->tier : kam::common::v1::TIER_UNSPECIFIED;

  *score.mutable_compute_time() = ToProtoTime(now);
  score.set_computed_tier(computed);
  score.set_tier(tier);
  if (entry.has_previous_score) {
    score.set_previous_score(entry.previous_score);
    score.set_trend(std::round((entry.score - entry.previous_score) * 100) /
                    100);
  }
  if (override) *standing.mutable_override() = *override;
  *standing.mutable_tier_since() =
      ToProtoTime(absl::FromUnixMicros(entry.since_micros));
  // Explanations are rendered when a score is read (Explain): stored, they
  // were a third of every standing's bytes, written for each account of a
  // full run and rarely read.
  for (v1::CriterionScore& criterion : *score.mutable_breakdown()) {
    criterion.clear_explanation();
  }
  standing.SerializeToString(&out.standing);

  if (out.score_changed) {
    v1::ScorePoint point;
    point.set_score(score.score());
    point.set_model(score.model());
    point.set_model_version(score.model_version());
    *point.mutable_compute_time() = score.compute_time();
    point.set_computed_tier(computed);
    point.SerializeToString(&out.score_point);
  }
  return out;
}

ScoreBook::Staged ScoreBook::StageRescored(ChangeFeed::Writer& writer,
                                           rocksdb::WriteBatch* batch,
                                           const v1::ScoreModel& model,
                                           Rescored rescored,
                                           std::vector<MemoryUpdate>* updates) {
  if (rescored.unchanged) return {};
  const absl::Time now = CommitTime(writer);
  const std::string& id = rescored.account_id;
  batch->Put(store_->Family(kStandings), id, rescored.standing);
  if (rescored.score_changed) {
    batch->Put(store_->Family(kScoreHistory), NextHistoryKey(id, now),
               rescored.score_point);
  }
  Staged staged;
  staged.written = true;
  const TierEntry& entry = rescored.entry;
  if (entry.tier != rescored.previous_tier) {
    staged.tier_changed = true;
    v1::TierChange change;
    change.set_account(AccountName(id));
    change.set_previous_tier(rescored.previous_tier);
    change.set_tier(entry.tier);
    change.set_reason(rescored.override_expired ? v1::OVERRIDE_EXPIRED
                                                : v1::SCORE);
    *change.mutable_effective_time() = ToProtoTime(now);
    change.set_score(entry.score);
    change.set_detail(rescored.override_expired
                          ? "the override expired"
                          : ScoreDetail(model.tiers(), rescored.previous_tier,
                                        entry.tier, entry.score));
    StageTierChange(writer, batch, id, change);
  }
  updates->push_back({id, false, std::move(rescored.entry)});
  return staged;
}

ScoreBook::Staged ScoreBook::StageRescore(ChangeFeed::Writer& writer,
                                          rocksdb::WriteBatch* batch,
                                          const v1::ScoreModel& model,
                                          const AccountFacts& facts,
                                          const TierEntry* previous,
                                          bool only_if_changed,
                                          std::vector<MemoryUpdate>* updates) {
  return StageRescored(writer, batch, model,
                       ComputeRescore(model, facts, previous, only_if_changed,
                                      CommitTime(writer)),
                       updates);
}

absl::Status ScoreBook::CommitAndPublish(ChangeFeed::Writer& writer,
                                         rocksdb::WriteBatch* batch,
                                         std::vector<MemoryUpdate>* updates) {
  StageHistoryCounter(batch);
  KAM_RETURN_IF_ERROR(writer.Commit(batch));
  for (MemoryUpdate& update : *updates) {
    if (update.erase) {
      tiers_.Erase(update.account_id);
    } else {
      tiers_.Put(update.account_id, std::move(update.entry));
    }
  }
  updates->clear();
  lookups_.ExportCounts();
  return absl::OkStatus();
}

// ------------------------------------------------------------------ feeds

absl::Status ScoreBook::StageRegistryEvent(const ChangeEvent& event,
                                           rocksdb::WriteBatch* batch) {
  const auto& any = event.resource();
  if (!any.Is<reg::Account>() && !any.Is<reg::Contact>() &&
      !any.Is<reg::FinancialFact>()) {
    return absl::OkStatus();
  }
  KAM_ASSIGN_OR_RETURN(std::string key, InboxKey(kRegistryLetter, event));
  batch->Put(store_->Family(kInbox), key, event.SerializeAsString());
  return absl::OkStatus();
}

absl::Status ScoreBook::StageEngagementEvent(const ChangeEvent& event,
                                             rocksdb::WriteBatch* batch) {
  if (!event.resource().Is<eng::EngagementSummary>()) return absl::OkStatus();
  KAM_ASSIGN_OR_RETURN(std::string key, InboxKey(kEngagementLetter, event));
  batch->Put(store_->Family(kInbox), key, event.SerializeAsString());
  return absl::OkStatus();
}

absl::Status ScoreBook::StageRelistStart(const Store& store,
                                         const std::string& feed,
                                         rocksdb::WriteBatch* batch) {
  KAM_ASSIGN_OR_RETURN(char letter, RelistLetter(feed));
  // Every event and listed item of this feed still waiting, including those
  // of a listing a crash interrupted; the marker goes after, so it stays.
  const char next = static_cast<char>(letter + 1);
  batch->DeleteRange(store.Family(kInbox), std::string(1, letter),
                     std::string(1, next));
  batch->Put(store.Family(kInbox), ListingKey(letter, ""), "");
  return absl::OkStatus();
}

absl::Status ScoreBook::StageRelistEnd(const Store& store,
                                       const std::string& feed,
                                       rocksdb::WriteBatch* batch) {
  KAM_ASSIGN_OR_RETURN(char letter, RelistLetter(feed));
  batch->Put(store.Family(kInbox), ListingKey(letter, kListingEnd), "");
  return absl::OkStatus();
}

absl::StatusOr<int> ScoreBook::ApplyInbox(int max_events) {
  ChangeFeed::Writer writer(feed_.get());
  rocksdb::WriteBatch batch;
  struct Touched {
    AccountFacts facts;
    bool deleted = false;
  };
  std::map<std::string, Touched> touched;
  auto load = [&](const std::string& id) -> absl::StatusOr<Touched*> {
    auto [it, inserted] = touched.try_emplace(id);
    if (inserted) {
      KAM_ASSIGN_OR_RETURN(bool found,
                           store_->GetProto(store_->Family(kFactsFamily), id,
                                            &it->second.facts));
      if (!found) it->second.facts.set_account_id(id);
    }
    return &it->second;
  };

  // Re-list bookkeeping (StageRelistStart): feed letter + account id ->
  // unlisted (true) or listed (false), as this pass leaves them.
  std::map<std::string, bool> unlisted;
  // A listing's start: every account the feed had brought is unlisted.
  auto start_listing = [&](char letter) -> absl::Status {
    auto facts = store_->NewIterator(store_->Family(kFactsFamily));
    for (facts->SeekToFirst(); facts->Valid(); facts->Next()) {
      const std::string id = facts->key().ToString();
      auto known = touched.find(id);
      AccountFacts stored;
      const AccountFacts* f = nullptr;
      if (known != touched.end()) {
        f = &known->second.facts;
      } else if (ParseProto(facts->value(), &stored)) {
        f = &stored;
      } else {
        return absl::DataLossError(
            absl::StrCat("scoring: unreadable facts of ", id));
      }
      if (letter == kRegistryLetter ? f->registered() : f->has_engagement()) {
        unlisted[absl::StrCat(absl::string_view(&letter, 1), id)] = true;
      }
    }
    return FromRocksStatus(facts->status(), "scoring: facts scan");
  };
  // A listing's end: what it did not bring is gone from the feed.
  auto end_listing = [&](char letter) -> absl::Status {
    const std::string prefix(1, letter);
    std::map<std::string, bool> marks;
    auto stored = store_->NewIterator(store_->Family(kUnlisted));
    for (stored->Seek(prefix);
         stored->Valid() && stored->key().starts_with(prefix);
         stored->Next()) {
      marks[stored->key().ToString()] = true;
    }
    KAM_RETURN_IF_ERROR(
        FromRocksStatus(stored->status(), "scoring: unlisted scan"));
    for (const auto& [key, mark] : unlisted) {
      if (key[0] == letter) marks[key] = mark;
    }
    for (const auto& [key, mark] : marks) {
      if (!mark) continue;
      unlisted[key] = false;
      const std::string id = key.substr(1);
      KAM_ASSIGN_OR_RETURN(Touched * t, load(id));
      if (letter == kRegistryLetter) {
        t->facts.Clear();
        t->facts.set_account_id(id);
        t->deleted = true;
      } else if (!t->deleted) {
        t->facts.clear_engagement();
      }
    }
    return absl::OkStatus();
  };

  int applied = 0;
  auto it = store_->NewIterator(store_->Family(kInbox));
  for (it->SeekToFirst(); it->Valid() && applied < max_events; it->Next()) {
    ++applied;
    batch.Delete(store_->Family(kInbox), it->key());
    const absl::string_view key(it->key().data(), it->key().size());
    const char letter = key.empty() ? '\0' : key[0];
    const std::string listing = ListingKey(letter, "");
    const bool in_listing = absl::StartsWith(key, listing);
    if (in_listing && key.size() == listing.size()) {
      KAM_RETURN_IF_ERROR(start_listing(letter));
      continue;
    }
    if (in_listing && key.substr(listing.size()) == kListingEnd) {
      KAM_RETURN_IF_ERROR(end_listing(letter));
      continue;
    }
    ChangeEvent event;
    if (!ParseProto(it->value(), &event)) {
      return absl::DataLossError("scoring: unreadable inbox event");
    }
    const bool deleted = event.kind() == ChangeEvent::DELETED;
    const auto& any = event.resource();
    if (any.Is<reg::Account>()) {
      reg::Account account;
      if (!any.UnpackTo(&account))
        return absl::DataLossError("bad account event");
      KAM_ASSIGN_OR_RETURN(Touched * t, load(account.account_id()));
      if (in_listing) {
        // The listing brings the account's contacts and facts after it.
        unlisted[absl::StrCat("r", account.account_id())] = false;
        t->facts.clear_contacts();
        t->facts.clear_financials();
      }
      if (deleted) {
        t->facts.Clear();
        t->facts.set_account_id(account.account_id());
        t->deleted = true;
        continue;
      }
      t->deleted = false;
      t->facts.set_registered(true);
      t->facts.set_display_name(account.display_name());
      if (account.has_potential_revenue()) {
        *t->facts.mutable_potential_revenue() = account.potential_revenue();
      } else {
        t->facts.clear_potential_revenue();
      }
    } else if (any.Is<reg::Contact>()) {
      reg::Contact contact;
      if (!any.UnpackTo(&contact))
        return absl::DataLossError("bad contact event");
      auto [account_id, contact_id] = SplitChild(contact.name());
      if (account_id.empty()) continue;
      KAM_ASSIGN_OR_RETURN(Touched * t, load(account_id));
      if (t->deleted) continue;
      if (deleted) {
        t->facts.mutable_contacts()->erase(contact_id);
      } else {
        internal::ContactFacts& c = (*t->facts.mutable_contacts())[contact_id];
        c.mutable_roles()->Clear();
        for (int role : contact.roles()) {
          c.add_roles(static_cast<reg::BuyingRole>(role));
        }
        c.set_level(contact.level());
        c.set_attitude(contact.attitude());
      }
    } else if (any.Is<reg::FinancialFact>()) {
      reg::FinancialFact fact;
      if (!any.UnpackTo(&fact))
        return absl::DataLossError("bad financial event");
      auto [account_id, period] = SplitChild(fact.name());
      if (account_id.empty()) continue;
      KAM_ASSIGN_OR_RETURN(Touched * t, load(account_id));
      if (t->deleted) continue;
      if (deleted) {
        t->facts.mutable_financials()->erase(period);
      } else {
        (*t->facts.mutable_financials())[period] = fact;
      }
    } else if (any.Is<eng::EngagementSummary>()) {
      eng::EngagementSummary summary;
      if (!any.UnpackTo(&summary))
        return absl::DataLossError("bad summary event");
      if (summary.account_deleted()) continue;
      auto id = ParseName("account", summary.account(), "accounts");
      if (!id.ok()) continue;
      KAM_ASSIGN_OR_RETURN(Touched * t, load(*id));
      if (in_listing) unlisted[absl::StrCat("e", *id)] = false;
      if (t->deleted) continue;
      if (deleted) {
        t->facts.clear_engagement();
      } else {
        *t->facts.mutable_engagement() = std::move(summary);
      }
    }
  }
  KAM_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scoring scan"));
  if (applied == 0) return 0;
  for (const auto& [key, mark] : unlisted) {
    if (mark) {
      batch.Put(store_->Family(kUnlisted), key, "");
    } else {
      batch.Delete(store_->Family(kUnlisted), key);
    }
  }

  const auto model = active_model();
  std::vector<MemoryUpdate> updates;
  int scored = 0;
  for (auto& [id, t] : touched) {
    TierEntry previous;
    const bool had = tiers_.Lookup(id, &previous);
    if (t.deleted) {
      batch.Delete(store_->Family(kFactsFamily), id);
      batch.Delete(store_->Family(kStandings), id);
      if (had) {
        v1::TierChange change;
        change.set_account(AccountName(id));
        change.set_previous_tier(previous.tier);
        change.set_tier(kam::common::v1::TIER_UNSPECIFIED);
        change.set_reason(v1::ACCOUNT_DELETED);
        *change.mutable_effective_time() = ToProtoTime(CommitTime(writer));
        change.set_score(previous.score);
        change.set_detail("the account was deleted in the registry");
        StageTierChange(writer, &batch, id, change);
        if (previous.override) {
          absl::MutexLock lock(&expiries_mu_);
          expiries_.erase({absl::ToUnixMicros(
                               FromProtoTime(previous.override->expire_time())),
                           id});
        }
        updates.push_back({id, true, {}});
      }
      continue;
    }
    PutProto(&batch, store_->Family(kFactsFamily), id, t.facts);
    if (t.facts.registered() && model) {
      StageRescore(writer, &batch, *model, t.facts, had ? &previous : nullptr,
                   /*only_if_changed=*/false, &updates);
      ++scored;
    }
  }
  KAM_RETURN_IF_ERROR(CommitAndPublish(writer, &batch, &updates));
  metrics_->scored_event->Increment(scored);
  metrics_->inbox_applied->Increment(applied);
  return applied;
}

// ------------------------------------------------------------------ models

absl::StatusOr<v1::ScoreModel> ScoreBook::ReadModel(
    const std::string& field, const std::string& name,
    std::string* model_id) const {
  if (name == "scoringModels/-") {
    auto model = active_model();
    if (!model) return absl::NotFoundError("there is no active score model");
    *model_id = model->model_id();
  } else {
    KAM_ASSIGN_OR_RETURN(*model_id, ParseName(field, name, "scoringModels"));
  }
  v1::ScoreModel model;
  KAM_ASSIGN_OR_RETURN(
      bool found, store_->GetProto(store_->Family(kModels), *model_id, &model));
  if (!found)
    return absl::NotFoundError(
        absl::StrCat(ModelName(*model_id), " not found"));
  return model;
}

absl::Status ScoreBook::CreateModel(const v1::CreateScoreModelRequest& request,
                                    v1::ScoreModel* out) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::ScoreModel model = request.model();
  if (model.model_id().empty()) {
    model.set_model_id(GenerateId());
  } else {
    KAM_RETURN_IF_ERROR(ValidateId("model.model_id", model.model_id()));
  }
  KAM_RETURN_IF_ERROR(ValidateModel(&model));

  ChangeFeed::Writer writer(feed_.get());
  if (!request.request_id().empty()) {
    KAM_ASSIGN_OR_RETURN(
        bool seen,
        requests_.LookupCreate(
            "CreateScoreModel", request,
            [&](const std::string& name, google::protobuf::Message* found) {
              return RequestLog::Exists(
                  GetModel(name, static_cast<v1::ScoreModel*>(found)));
            },
            out));
    if (seen) return absl::OkStatus();
  }
  std::string existing;
  absl::Status got =
      store_->Get(store_->Family(kModels), model.model_id(), &existing);
  if (got.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat(ModelName(model.model_id()), " already exists"));
  }
  if (!absl::IsNotFound(got)) return got;

  model.set_name(ModelName(model.model_id()));
  model.set_version(1);
  model.set_state(v1::DRAFT);
  *model.mutable_create_time() = ToProtoTime(CommitTime(writer));
  *model.mutable_update_time() = model.create_time();
  model.clear_activate_time();
  model.clear_etag();
  model.set_etag(Etag(model));
  rocksdb::WriteBatch batch;
  PutProto(&batch, store_->Family(kModels), model.model_id(), model);
  if (!request.request_id().empty()) {
    requests_.RecordCreate(&batch, "CreateScoreModel", request, model);
  }
  KAM_RETURN_IF_ERROR(writer.Commit(&batch));
  *out = std::move(model);
  return absl::OkStatus();
}

absl::Status ScoreBook::GetModel(const std::string& name,
                                 v1::ScoreModel* model) const {
  std::string id;
  KAM_ASSIGN_OR_RETURN(*model, ReadModel("name", name, &id));
  return absl::OkStatus();
}

absl::Status ScoreBook::ListModels(
    const v1::ListScoreModelsRequest& request,
    v1::ListScoreModelsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), ""));
  auto it = store_->NewIterator(store_->Family(kModels));
  after.empty() ? it->SeekToFirst() : it->Seek(after);
  if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  for (; it->Valid(); it->Next()) {
    if (response->models_size() == page_size) {
      response->set_next_page_token(
          MakePageToken("", response->models().rbegin()->model_id()));
      break;
    }
    if (!ParseProto(it->value(), response->add_models())) {
      return absl::DataLossError("scoring: unreadable model");
    }
  }
  return FromRocksStatus(it->status(), "scoring scan");
}

absl::Status ScoreBook::UpdateModel(const v1::UpdateScoreModelRequest& request,
                                    v1::ScoreModel* out) {
  ChangeFeed::Writer writer(feed_.get());
  std::string id;
  KAM_ASSIGN_OR_RETURN(v1::ScoreModel model,
                       ReadModel("model.name", request.model().name(), &id));
  KAM_RETURN_IF_ERROR(
      CheckEtag(request.model().etag(), model.etag(), model.name()));
  if (model.state() != v1::DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(model.name(), " is ", v1::ModelState_Name(model.state()),
                     " and frozen; create a new draft from it instead"));
  }
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) {
    paths = {"display_name",  "criteria", "tiers",
             "portfolio",     "currency", "exchange_rates_micros",
             "missing_rating"};
  }
  const v1::ScoreModel& in = request.model();
  for (const std::string& path : paths) {
    if (path == "display_name") {
      model.set_display_name(in.display_name());
    } else if (path == "criteria") {
      *model.mutable_criteria() = in.criteria();
    } else if (path == "tiers") {
      *model.mutable_tiers() = in.tiers();
    } else if (path == "portfolio") {
      *model.mutable_portfolio() = in.portfolio();
    } else if (path == "currency") {
      model.set_currency(in.currency());
    } else if (path == "exchange_rates_micros") {
      *model.mutable_exchange_rates_micros() = in.exchange_rates_micros();
    } else if (path == "missing_rating") {
      model.set_missing_rating(in.missing_rating());
    } else {
      return InvalidField("update_mask",
                          absl::StrCat("cannot update \"", path, "\""));
    }
  }
  KAM_RETURN_IF_ERROR(ValidateModel(&model));
  model.set_version(model.version() + 1);
  *model.mutable_update_time() = ToProtoTime(CommitTime(writer));
  model.clear_etag();
  model.set_etag(Etag(model));
  rocksdb::WriteBatch batch;
  PutProto(&batch, store_->Family(kModels), id, model);
  KAM_RETURN_IF_ERROR(writer.Commit(&batch));
  *out = std::move(model);
  return absl::OkStatus();
}

absl::Status ScoreBook::DeleteModel(
    const v1::DeleteScoreModelRequest& request) {
  ChangeFeed::Writer writer(feed_.get());
  std::string id;
  KAM_ASSIGN_OR_RETURN(v1::ScoreModel model,
                       ReadModel("name", request.name(), &id));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), model.etag(), model.name()));
  if (model.state() == v1::ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat(
        model.name(), " is the active model; activate another one first"));
  }
  rocksdb::WriteBatch batch;
  batch.Delete(store_->Family(kModels), id);
  return writer.Commit(&batch);
}

absl::Status ScoreBook::ActivateModel(
    const v1::ActivateScoreModelRequest& request, v1::RescoringRun* run) {
  ChangeFeed::Writer writer(feed_.get());
  std::string id;
  KAM_ASSIGN_OR_RETURN(v1::ScoreModel model,
                       ReadModel("name", request.name(), &id));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), model.etag(), model.name()));
  if (model.state() != v1::DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(model.name(), " is ", v1::ModelState_Name(model.state()),
                     "; only a draft can be activated"));
  }
  rocksdb::WriteBatch batch;
  if (auto previous = active_model()) {
    v1::ScoreModel retired;
    KAM_ASSIGN_OR_RETURN(bool found,
                         store_->GetProto(store_->Family(kModels),
                                          previous->model_id(), &retired));
    if (found) {
      retired.set_state(v1::RETIRED);
      *retired.mutable_update_time() = ToProtoTime(CommitTime(writer));
      retired.clear_etag();
      retired.set_etag(Etag(retired));
      PutProto(&batch, store_->Family(kModels), retired.model_id(), retired);
    }
  }
  model.set_state(v1::ACTIVE);
  *model.mutable_activate_time() = ToProtoTime(CommitTime(writer));
  *model.mutable_update_time() = model.activate_time();
  model.clear_etag();
  model.set_etag(Etag(model));
  PutProto(&batch, store_->Family(kModels), id, model);
  batch.Put(store_->Family(kMeta), kActiveModelKey, id);
  // The run is created in the same batch, so a crash cannot leave a new
  // model active with nobody told to rescore under it.
  auto model_ptr = std::make_shared<const v1::ScoreModel>(model);
  std::shared_ptr<const v1::ScoreModel> before;
  {
    absl::MutexLock lock(&model_mu_);
    before = active_;
    active_ = model_ptr;
  }
  absl::Status begun = BeginRun(writer, &batch, "activation", "", run);
  if (!begun.ok()) {
    absl::MutexLock lock(&model_mu_);
    active_ = before;
    return begun;
  }
  return absl::OkStatus();
}

absl::Status ScoreBook::EvaluateModel(
    const v1::EvaluateScoreModelRequest& request,
    v1::WhatIfReport* report) const {
  v1::ScoreModel model;
  if (request.has_model()) {
    model = request.model();
    KAM_RETURN_IF_ERROR(ValidateModel(&model));
    // Never stored: it has no name, and version 0.
    model.clear_name();
    model.set_version(0);
  } else {
    std::string id;
    KAM_ASSIGN_OR_RETURN(model, ReadModel("name", request.name(), &id));
  }
  int max_changes = request.max_changes();
  if (max_changes < 0 || max_changes > 1000) {
    return InvalidField("max_changes", "must be 0-1000");
  }
  if (max_changes == 0) max_changes = 100;

  std::vector<v1::WhatIfChange> changes;
  std::array<int, 5> counts{};
  int evaluated = 0;
  auto it = store_->NewIterator(store_->Family(kFactsFamily));
  AccountFacts facts;
  v1::Score score;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!ParseProto(it->value(), &facts)) {
      return absl::DataLossError("scoring: unreadable facts");
    }
    if (!facts.registered()) continue;
    ++evaluated;
    TierEntry current;
    const bool had = tiers_.Lookup(facts.account_id(), &current);
    score.Clear();
    ScoreAccount(model, facts, &score);
    const Tier now_tier =
        had ? current.computed_tier : kam::common::v1::TIER_UNSPECIFIED;
    const Tier next = NextTier(model.tiers(), now_tier, score.score());
    ++counts[next];
    if (next == now_tier) continue;
    v1::WhatIfChange change;
    change.set_account(AccountName(facts.account_id()));
    change.set_display_name(facts.display_name());
    change.set_current_tier(now_tier);
    change.set_new_tier(next);
    change.set_current_score(had ? current.score : 0);
    change.set_new_score(score.score());
    changes.push_back(std::move(change));
  }
  KAM_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scoring scan"));

  int promotions = 0;
  for (const auto& c : changes) {
    if (IsHigherTier(c.new_tier(), c.current_tier())) ++promotions;
  }
  std::sort(changes.begin(), changes.end(),
            [](const v1::WhatIfChange& a, const v1::WhatIfChange& b) {
              const double da = std::abs(a.new_score() - a.current_score());
              const double db = std::abs(b.new_score() - b.current_score());
              if (da != db) return da > db;
              return a.account() < b.account();
            });
  *report->mutable_model() = model;
  report->set_accounts_evaluated(evaluated);
  report->set_tier_changes(static_cast<int>(changes.size()));
  report->set_promotions(promotions);
  report->set_demotions(static_cast<int>(changes.size()) - promotions);
  for (size_t i = 0; i < changes.size() && static_cast<int>(i) < max_changes;
       ++i) {
    *report->add_changes() = std::move(changes[i]);
  }
  for (int t = 1; t < 5; ++t) {
    v1::TierCount* count = report->add_tier_counts();
    count->set_tier(static_cast<Tier>(t));
    count->set_accounts(counts[t]);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ ratings

absl::StatusOr<AccountFacts> ScoreBook::ReadRegisteredFacts(
    const std::string& field, const std::string& account_name,
    std::string* account_id) const {
  KAM_ASSIGN_OR_RETURN(*account_id, ParseName(field, account_name, "accounts"));
  AccountFacts facts;
  KAM_ASSIGN_OR_RETURN(
      bool found,
      store_->GetProto(store_->Family(kFactsFamily), *account_id, &facts));
  if (!found || !facts.registered()) {
    return absl::FailedPreconditionError(absl::StrCat(
        account_name,
        " is not known to scoring (not in the registry, or its change has "
        "not arrived yet)"));
  }
  return facts;
}

absl::Status ScoreBook::SetRating(const v1::SetRatingRequest& request,
                                  v1::Rating* rating) {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("account", request.account(), "accounts"));
  if (request.value() < 1 || request.value() > 10) {
    return InvalidField("value",
                        absl::StrCat("must be 1-10, got ", request.value()));
  }
  KAM_RETURN_IF_ERROR(ValidateText("rater", request.rater(), 1, 254, false));
  KAM_RETURN_IF_ERROR(ValidateText("note", request.note(), 0, 2000, true));
  // The account's lock before the model: an activation (which holds every
  // lock) cannot slip in between and leave this rating scored by a retired
  // model.
  ChangeFeed::Writer writer(feed_.get(), {request.account()});
  auto model = active_model();
  if (!model)
    return absl::FailedPreconditionError("there is no active score model");
  const v1::Criterion* criterion = nullptr;
  for (const auto& c : model->criteria()) {
    if (c.id() == request.criterion_id()) criterion = &c;
  }
  if (criterion == nullptr || criterion->kind() != v1::MANUAL) {
    std::vector<std::string> manual;
    for (const auto& c : model->criteria()) {
      if (c.kind() == v1::MANUAL) manual.push_back(c.id());
    }
    return InvalidField(
        "criterion_id",
        absl::StrCat(
            "must be a manual criterion of the active model ", model->name(),
            " (", manual.empty() ? "it has none" : absl::StrJoin(manual, ", "),
            "), got \"", request.criterion_id(), "\""));
  }

  std::string id;
  KAM_ASSIGN_OR_RETURN(AccountFacts facts,
                       ReadRegisteredFacts("account", request.account(), &id));
  v1::Rating& stored = (*facts.mutable_ratings())[request.criterion_id()];
  stored.set_name(
      absl::StrCat(AccountName(id), "/ratings/", request.criterion_id()));
  stored.set_value(request.value());
  stored.set_rater(request.rater());
  stored.set_note(request.note());
  *stored.mutable_rate_time() = ToProtoTime(CommitTime(writer));
  *rating = stored;

  rocksdb::WriteBatch batch;
  PutProto(&batch, store_->Family(kFactsFamily), id, facts);
  std::vector<MemoryUpdate> updates;
  TierEntry previous;
  const bool had = tiers_.Lookup(id, &previous);
  StageRescore(writer, &batch, *model, facts, had ? &previous : nullptr,
               /*only_if_changed=*/false, &updates);
  KAM_RETURN_IF_ERROR(CommitAndPublish(writer, &batch, &updates));
  metrics_->scored_rating->Increment();
  return absl::OkStatus();
}

absl::Status ScoreBook::ListRatings(const v1::ListRatingsRequest& request,
                                    v1::ListRatingsResponse* response) const {
  std::string id;
  auto facts = ReadRegisteredFacts("account", request.account(), &id);
  if (absl::IsFailedPrecondition(facts.status())) {
    return absl::NotFoundError(absl::StrCat(request.account(), " not found"));
  }
  KAM_RETURN_IF_ERROR(facts.status());
  std::map<std::string, v1::Rating> sorted(facts->ratings().begin(),
                                           facts->ratings().end());
  for (auto& [criterion, rating] : sorted) *response->add_ratings() = rating;
  return absl::OkStatus();
}

// ------------------------------------------------------------------ scores

absl::Status ScoreBook::ReadStanding(const std::string& account_id,
                                     Standing* standing) const {
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kStandings),
                                                    account_id, standing));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat(AccountName(account_id), " has no score"));
  }
  return absl::OkStatus();
}

absl::Status ScoreBook::GetScore(const v1::GetScoreRequest& request,
                                 v1::Score* score) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  Standing standing;
  KAM_RETURN_IF_ERROR(ReadStanding(id, &standing));
  *score = std::move(*standing.mutable_score());
  return Explain(score);
}

absl::Status ScoreBook::Explain(v1::Score* score) const {
  std::string model_id, account_id;
  auto parsed_model = ParseName("model", score->model(), "scoringModels");
  auto parsed_account = ParseName("account", score->account(), "accounts");
  if (!parsed_model.ok() || !parsed_account.ok()) return absl::OkStatus();
  v1::ScoreModel model;
  KAM_ASSIGN_OR_RETURN(
      bool model_found,
      store_->GetProto(store_->Family(kModels), *parsed_model, &model));
  // Scores come from active models, which are frozen; a deleted model
  // leaves its scores without sentences.
  if (!model_found || model.version() != score->model_version()) {
    return absl::OkStatus();
  }
  AccountFacts facts;
  KAM_ASSIGN_OR_RETURN(
      bool facts_found,
      store_->GetProto(store_->Family(kFactsFamily), *parsed_account, &facts));
  if (!facts_found) return absl::OkStatus();
  // The facts are those the score was computed from: every change of them
  // rescores the account and rewrites its standing.
  v1::Score explained;
  ScoreAccount(model, facts, &explained);
  for (v1::CriterionScore& criterion : *score->mutable_breakdown()) {
    for (const v1::CriterionScore& source : explained.breakdown()) {
      if (source.criterion_id() == criterion.criterion_id()) {
        criterion.set_explanation(source.explanation());
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ScoreBook::ListScores(const v1::ListScoresRequest& request,
                                   v1::ListScoresResponse* response) const {
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  if (request.tier() != kam::common::v1::TIER_UNSPECIFIED &&
      !IsTier(request.tier())) {
    return InvalidField("tier", "must be a tier or unset");
  }
  const std::string filters = absl::StrCat(request.tier());
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));
  auto it = store_->NewIterator(store_->Family(kStandings));
  after.empty() ? it->SeekToFirst() : it->Seek(after);
  if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  Standing standing;
  for (; it->Valid(); it->Next()) {
    if (response->scores_size() == page_size) {
      response->set_next_page_token(MakePageToken(
          filters,
          std::string(response->scores().rbegin()->account()).substr(9)));
      break;
    }
    if (!ParseProto(it->value(), &standing)) {
      return absl::DataLossError("scoring: unreadable standing");
    }
    if (request.tier() != kam::common::v1::TIER_UNSPECIFIED &&
        standing.score().tier() != request.tier()) {
      continue;
    }
    v1::Score* score = response->add_scores();
    *score = std::move(*standing.mutable_score());
    KAM_RETURN_IF_ERROR(Explain(score));
  }
  return FromRocksStatus(it->status(), "scoring scan");
}

namespace {

// Pages through one account's history family, newest first.
template <typename Item, typename Add>
absl::Status ListHistory(const Store& store,
                         rocksdb::ColumnFamilyHandle* family,
                         const std::string& account_id, int page_size,
                         const std::string& page_token, Add add,
                         std::string* next_page_token) {
  const std::string prefix = HistoryPrefix(account_id);
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(page_token, account_id));
  auto it = store.NewIterator(family);
  it->Seek(after.empty() ? prefix : after);
  if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  int count = 0;
  std::string last;
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (count == page_size) {
      *next_page_token = MakePageToken(account_id, last);
      break;
    }
    Item item;
    if (!ParseProto(it->value(), &item)) {
      return absl::DataLossError("scoring: unreadable history");
    }
    add(std::move(item));
    last = it->key().ToString();
    ++count;
  }
  if (count == 0 && after.empty()) {
    return absl::NotFoundError(
        absl::StrCat(AccountName(account_id), " has no history"));
  }
  return FromRocksStatus(it->status(), "scoring scan");
}

}  // namespace

absl::Status ScoreBook::ListScoreHistory(
    const v1::ListScoreHistoryRequest& request,
    v1::ListScoreHistoryResponse* response) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  return ListHistory<v1::ScorePoint>(
      *store_, store_->Family(kScoreHistory), id, page_size,
      request.page_token(),
      [response](v1::ScorePoint p) { *response->add_points() = std::move(p); },
      response->mutable_next_page_token());
}

// ------------------------------------------------------------------ tiers

absl::Status ScoreBook::GetTier(const std::string& account_name,
                                v1::AccountTier* tier) const {
  return lookups_.Get(account_name, tier);
}

absl::Status ScoreBook::BatchGetTiers(
    const v1::BatchGetTiersRequest& request,
    v1::BatchGetTiersResponse* response) const {
  return lookups_.BatchGet(request, response);
}

absl::Status ScoreBook::ApplyOverride(ChangeFeed::Writer& writer,
                                      const std::string& account_id,
                                      const v1::TierOverride* override_or_null,
                                      v1::TierChangeReason reason,
                                      const std::string& detail,
                                      v1::AccountTier* out) {
  Standing standing;
  KAM_RETURN_IF_ERROR(ReadStanding(account_id, &standing));
  TierEntry entry;
  if (!tiers_.Lookup(account_id, &entry)) entry = EntryFromStanding(standing);
  const absl::Time now = CommitTime(writer);
  rocksdb::WriteBatch batch;
  {
    absl::MutexLock lock(&expiries_mu_);
    if (entry.override) {
      expiries_.erase(
          {absl::ToUnixMicros(FromProtoTime(entry.override->expire_time())),
           account_id});
    }
    if (override_or_null != nullptr) {
      expiries_.emplace(
          absl::ToUnixMicros(FromProtoTime(override_or_null->expire_time())),
          account_id);
    }
  }
  const Tier previous_tier = entry.tier;
  if (override_or_null != nullptr) {
    entry.override =
        std::make_shared<const v1::TierOverride>(*override_or_null);
    *standing.mutable_override() = *override_or_null;
  } else {
    entry.override.reset();
    standing.clear_override();
  }
  entry.tier = entry.override ? entry.override->tier() : entry.computed_tier;
  standing.mutable_score()->set_tier(entry.tier);
  if (entry.tier != previous_tier) {
    entry.since_micros = absl::ToUnixMicros(now);
    *standing.mutable_tier_since() = ToProtoTime(now);
    v1::TierChange change;
    change.set_account(AccountName(account_id));
    change.set_previous_tier(previous_tier);
    change.set_tier(entry.tier);
    change.set_reason(reason);
    *change.mutable_effective_time() = ToProtoTime(now);
    change.set_score(entry.score);
    change.set_detail(detail);
    if (entry.override) *change.mutable_override() = *entry.override;
    StageTierChange(writer, &batch, account_id, change);
  }
  PutProto(&batch, store_->Family(kStandings), account_id, standing);
  std::vector<MemoryUpdate> updates;
  updates.push_back({account_id, false, entry});
  KAM_RETURN_IF_ERROR(CommitAndPublish(writer, &batch, &updates));
  if (out != nullptr) {
    TierLookups::Fill(account_id, entry, out);
    out->clear_found();
  }
  return absl::OkStatus();
}

absl::Status ScoreBook::SetTierOverride(
    const v1::SetTierOverrideRequest& request, v1::AccountTier* tier) {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  if (!IsTier(request.tier())) {
    return InvalidField("tier",
                        "must be KEY, POTENTIAL_KEY, MAINTAIN or "
                        "TRANSACTIONAL");
  }
  KAM_RETURN_IF_ERROR(ValidateText("reason", request.reason(), 1, 2000, true));
  KAM_RETURN_IF_ERROR(ValidateText("author", request.author(), 1, 254, false));
  if (!request.has_expire_time()) {
    return InvalidField("expire_time", "is required (an override always ends)");
  }
  const absl::Time expire = FromProtoTime(request.expire_time());
  ChangeFeed::Writer writer(feed_.get(), {AccountName(id)});
  const absl::Time now = CommitTime(writer);
  if (expire <= now)
    return InvalidField("expire_time", "must be in the future");
  if (expire > now + absl::Hours(24 * 366)) {
    return InvalidField("expire_time", "must be at most 366 days ahead");
  }
  TierEntry entry;
  if (!tiers_.Lookup(id, &entry)) {
    return absl::FailedPreconditionError(
        absl::StrCat(request.account(), " has not been scored yet"));
  }
  v1::TierOverride override;
  override.set_tier(request.tier());
  override.set_reason(request.reason());
  override.set_author(request.author());
  *override.mutable_expire_time() = request.expire_time();
  *override.mutable_create_time() = ToProtoTime(now);
  return ApplyOverride(
      writer, id, &override, v1::OVERRIDE_SET,
      absl::StrCat("override by ", request.author(), ": ", request.reason()),
      tier);
}

absl::Status ScoreBook::ClearTierOverride(
    const v1::ClearTierOverrideRequest& request, v1::AccountTier* tier) {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  KAM_RETURN_IF_ERROR(ValidateText("author", request.author(), 1, 254, false));
  ChangeFeed::Writer writer(feed_.get(), {AccountName(id)});
  TierEntry entry;
  if (!tiers_.Lookup(id, &entry) || !entry.override) {
    return absl::NotFoundError(
        absl::StrCat(request.account(), " has no tier override in force"));
  }
  return ApplyOverride(writer, id, nullptr, v1::OVERRIDE_CLEARED,
                       absl::StrCat("override cleared by ", request.author()),
                       tier);
}

absl::StatusOr<int> ScoreBook::ExpireOverrides() {
  ChangeFeed::Writer writer(feed_.get());
  const int64_t now = absl::ToUnixMicros(CommitTime(writer));
  int expired = 0;
  while (true) {
    int64_t micros;
    std::string id;
    {
      absl::MutexLock lock(&expiries_mu_);
      if (expiries_.empty() || expiries_.begin()->first > now) break;
      std::tie(micros, id) = *expiries_.begin();
    }
    TierEntry entry;
    // A rescore after the expiry ends the override too (StageRescore), and
    // then a newer override may be in force: the entry is stale. Drop it and
    // leave the account alone; ApplyOverride would not erase it (it erases
    // the entry of the override in force), and the loop would never end.
    if (!tiers_.Lookup(id, &entry) || !entry.override ||
        absl::ToUnixMicros(FromProtoTime(entry.override->expire_time())) !=
            micros) {
      absl::MutexLock lock(&expiries_mu_);
      expiries_.erase({micros, id});
      continue;
    }
    const std::string detail =
        absl::StrCat("the override by ", entry.override->author(), " expired (",
                     entry.override->reason(), ")");
    absl::Status s = ApplyOverride(writer, id, nullptr, v1::OVERRIDE_EXPIRED,
                                   detail, nullptr);
    if (absl::IsNotFound(s)) {
      absl::MutexLock lock(&expiries_mu_);
      expiries_.erase({micros, id});  // the account went away
      continue;
    }
    KAM_RETURN_IF_ERROR(s);
    ++expired;
  }
  return expired;
}

absl::Status ScoreBook::ListTierHistory(
    const v1::ListTierHistoryRequest& request,
    v1::ListTierHistoryResponse* response) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  return ListHistory<v1::TierChange>(
      *store_, store_->Family(kTierHistory), id, page_size,
      request.page_token(),
      [response](v1::TierChange c) { *response->add_changes() = std::move(c); },
      response->mutable_next_page_token());
}

// ------------------------------------------------------------------ reports

absl::Status ScoreBook::ScanScores(
    const std::function<void(const v1::Score&)>& visit) const {
  auto it = store_->NewIterator(store_->Family(kStandings));
  Standing standing;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!ParseProto(it->value(), &standing)) {
      return absl::DataLossError("scoring: unreadable standing");
    }
    visit(standing.score());
  }
  return FromRocksStatus(it->status(), "scoring scan");
}

namespace {

absl::Status AbcCutOffs(int a, int b, int* a_out, int* b_out) {
  *a_out = a == 0 ? 80 : a;
  *b_out = b == 0 ? 15 : b;
  if (*a_out < 1 || *a_out > 100) {
    return InvalidField("a_percent",
                        absl::StrCat("must be 1-100 (0 for 80), got ", a));
  }
  if (*b_out < 1 || *b_out > 100) {
    return InvalidField("b_percent",
                        absl::StrCat("must be 1-100 (0 for 15), got ", b));
  }
  if (*a_out + *b_out > 100) {
    return InvalidField(
        "b_percent",
        absl::StrCat("a_percent + b_percent must be at most 100, got ",
                     *a_out + *b_out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ScoreBook::GetAbcAnalysis(const v1::GetAbcAnalysisRequest& request,
                                       v1::AbcAnalysis* analysis) const {
  int a = 0, b = 0;
  KAM_RETURN_IF_ERROR(
      AbcCutOffs(request.a_percent(), request.b_percent(), &a, &b));
  auto model = active_model();
  if (!model)
    return absl::FailedPreconditionError("there is no active score model");
  std::vector<AbcItem> items;
  KAM_RETURN_IF_ERROR(ScanScores([&items](const v1::Score& score) {
    items.push_back({score.account(), score.display_name(),
                     score.gross_profit().minor_units()});
  }));
  ComputeAbc(std::move(items), a, b, model->currency(), analysis);
  return absl::OkStatus();
}

absl::Status ScoreBook::GetPortfolioMatrix(v1::PortfolioMatrix* matrix) const {
  auto model = active_model();
  if (!model)
    return absl::FailedPreconditionError("there is no active score model");
  matrix->set_midpoint(model->portfolio().midpoint());
  *matrix->mutable_attractiveness_criteria() =
      model->portfolio().attractiveness_criteria();
  *matrix->mutable_strength_criteria() = model->portfolio().strength_criteria();
  return ScanScores([matrix](const v1::Score& score) {
    v1::PortfolioPosition* p = matrix->add_positions();
    p->set_account(score.account());
    p->set_display_name(score.display_name());
    p->set_attractiveness(score.attractiveness());
    p->set_strength(score.strength());
    p->set_quadrant(score.quadrant());
    p->set_tier(score.tier());
  });
}

absl::Status ScoreBook::GetPortfolioSummary(
    const v1::GetPortfolioSummaryRequest& request,
    v1::PortfolioSummary* summary) const {
  double near = request.near_points();
  if (near < 0 || near > 100 || std::isnan(near)) {
    return InvalidField("near_points", "must be 0-100 (0 for 5)");
  }
  if (near == 0) near = 5;
  int max_candidates = request.max_candidates();
  if (max_candidates < 0 || max_candidates > 1000) {
    return InvalidField("max_candidates", "must be 0-1000 (0 for 20)");
  }
  if (max_candidates == 0) max_candidates = 20;
  auto model = active_model();
  if (!model)
    return absl::FailedPreconditionError("there is no active score model");
  const double promote = model->tiers().key().promote_at();
  const double demote = model->tiers().key().demote_below();

  std::array<int, 5> by_tier{};
  std::array<int, 5> by_quadrant{};
  int64_t key_revenue = 0, total_revenue = 0;
  std::vector<AbcItem> items;
  std::vector<v1::WatchEntry> candidates, watch;
  KAM_RETURN_IF_ERROR(ScanScores([&](const v1::Score& score) {
    ++by_tier[score.tier() < 5 ? score.tier() : 0];
    ++by_quadrant[score.quadrant() < 5 ? score.quadrant() : 0];
    total_revenue += score.revenue().minor_units();
    if (score.tier() == kam::common::v1::KEY)
      key_revenue += score.revenue().minor_units();
    items.push_back({score.account(), score.display_name(),
                     score.gross_profit().minor_units()});
    v1::WatchEntry entry;
    entry.set_account(score.account());
    entry.set_display_name(score.display_name());
    entry.set_tier(score.tier());
    entry.set_score(score.score());
    entry.set_trend(score.trend());
    if (score.computed_tier() != kam::common::v1::KEY) {
      if (score.score() >= promote - near ||
          (score.trend() > 0 && score.score() >= promote - 2 * near)) {
        entry.set_line(promote);
        candidates.push_back(entry);
      }
    } else if (score.score() < demote + near || score.trend() < 0) {
      entry.set_line(demote);
      watch.push_back(entry);
    }
  }));
  summary->set_model(model->name());
  summary->set_model_version(model->version());
  summary->set_accounts(static_cast<int>(items.size()));
  for (int t = 1; t < 5; ++t) {
    v1::TierCount* count = summary->add_by_tier();
    count->set_tier(static_cast<Tier>(t));
    count->set_accounts(by_tier[t]);
  }
  v1::AbcAnalysis abc;
  ComputeAbc(std::move(items), 80, 15, model->currency(), &abc);
  summary->set_abc_a(abc.a_count());
  summary->set_abc_b(abc.b_count());
  summary->set_abc_c(abc.c_count());
  summary->set_strategic(by_quadrant[v1::STRATEGIC]);
  summary->set_star(by_quadrant[v1::STAR]);
  summary->set_status(by_quadrant[v1::STATUS]);
  summary->set_streamline(by_quadrant[v1::STREAMLINE]);
  summary->set_key_revenue_share_bp(
      total_revenue > 0 ? static_cast<int>(static_cast<__int128>(key_revenue) *
                                           10000 / total_revenue)
                        : 0);
  summary->mutable_total_revenue()->set_currency_code(model->currency());
  summary->mutable_total_revenue()->set_minor_units(total_revenue);
  auto closest = [](const v1::WatchEntry& a, const v1::WatchEntry& b) {
    const double da = std::abs(a.line() - a.score());
    const double db = std::abs(b.line() - b.score());
    if (da != db) return da < db;
    return a.account() < b.account();
  };
  std::sort(candidates.begin(), candidates.end(), closest);
  std::sort(watch.begin(), watch.end(), closest);
  for (size_t i = 0;
       i < candidates.size() && static_cast<int>(i) < max_candidates; ++i) {
    *summary->add_promotion_candidates() = candidates[i];
  }
  for (size_t i = 0; i < watch.size() && static_cast<int>(i) < max_candidates;
       ++i) {
    *summary->add_demotion_watch() = watch[i];
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ runs

void ScoreBook::PersistRun(rocksdb::WriteBatch* batch,
                           const v1::RescoringRun& run) {
  PutProto(batch, store_->Family(kRuns),
           run.name().substr(sizeof("rescoringRuns/") - 1), run);
}

absl::Status ScoreBook::BeginRun(ChangeFeed::Writer& writer,
                                 rocksdb::WriteBatch* batch,
                                 const std::string& trigger,
                                 const std::string& request_id,
                                 v1::RescoringRun* out) {
  auto model = active_model();
  if (!model)
    return absl::FailedPreconditionError("there is no active score model");
  {
    absl::MutexLock lock(&run_mu_);
    if (run_ && run_->run.state() == v1::RUNNING) {
      return absl::FailedPreconditionError(absl::StrCat(
          run_->run.name(), " is still running; wait for it or cancel it"));
    }
  }
  // The previous run has ended; its thread is done or about to be.
  if (run_thread_.joinable()) run_thread_.join();

  auto control = std::make_shared<RunControl>();
  v1::RescoringRun& run = control->run;
  run.set_name(RunName(GenerateId()));
  run.set_state(v1::RUNNING);
  run.set_model(model->name());
  run.set_model_version(model->version());
  run.set_accounts_total(tiers_.size());
  *run.mutable_start_time() = ToProtoTime(CommitTime(writer));
  run.set_trigger(trigger);
  control->started = absl::Now();
  PersistRun(batch, run);
  if (!request_id.empty()) {
    v1::StartRescoringRequest request;
    request.set_request_id(request_id);
    requests_.RecordCreate(batch, "StartRescoring", request, run);
  }
  KAM_RETURN_IF_ERROR(writer.Commit(batch));
  *out = run;
  {
    absl::MutexLock lock(&run_mu_);
    run_ = control;
  }
  metrics_->run_progress->Set(0);
  metrics_->run_active->Set(1);
  run_thread_ = std::thread([this, control] { RunLoop(control); });
  return absl::OkStatus();
}

absl::Status ScoreBook::StartRescoring(const v1::StartRescoringRequest& request,
                                       v1::RescoringRun* run) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  ChangeFeed::Writer writer(feed_.get());
  if (!request.request_id().empty()) {
    KAM_ASSIGN_OR_RETURN(
        bool seen,
        requests_.LookupCreate(
            "StartRescoring", request,
            [&](const std::string& name, google::protobuf::Message* found) {
              return RequestLog::Exists(
                  GetRun(name, static_cast<v1::RescoringRun*>(found)));
            },
            run));
    if (seen) return absl::OkStatus();
  }
  rocksdb::WriteBatch batch;
  return BeginRun(writer, &batch, "manual", request.request_id(), run);
}

void ScoreBook::FinishRun(const std::shared_ptr<RunControl>& control,
                          v1::RunState state, const std::string& detail) {
  v1::RescoringRun run;
  {
    absl::MutexLock lock(&run_mu_);
    control->run.set_state(state);
    control->run.set_detail(detail);
    *control->run.mutable_end_time() = ToProtoTime(clock_->Now());
    run = control->run;
  }
  rocksdb::WriteBatch batch;
  PersistRun(&batch, run);
  absl::Status written = store_->Write(&batch);
  if (!written.ok()) {
    std::fprintf(stderr, "kam-scoring: recording the end of %s: %s\n",
                 run.name().c_str(), written.ToString().c_str());
  }
  metrics_->run_duration->Observe(
      absl::ToDoubleSeconds(absl::Now() - control->started));
  (state == v1::SUCCEEDED   ? metrics_->runs_succeeded
   : state == v1::CANCELLED ? metrics_->runs_cancelled
                            : metrics_->runs_failed)
      ->Increment();
  metrics_->run_progress->Set(1);
  metrics_->run_active->Set(0);
  absl::MutexLock lock(&run_mu_);
  run_ended_.SignalAll();
}

void ScoreBook::RunLoop(std::shared_ptr<RunControl> control) {
  const auto model = active_model();
  // Each chunk starts at the first key the previous one did not take.
  std::string next_start;
  int64_t done = 0, tier_changes = 0;
  std::vector<MemoryUpdate> updates;
  // A chunk's accounts are scored on two threads (this one and a helper),
  // then written in key order: scoring is most of a run's CPU, and the
  // writer lock is held either way, so nothing can change facts meanwhile.
  constexpr int kScoringThreads = 2;
  std::vector<std::string> values;
  std::vector<Rescored> results;
  while (true) {
    if (control->cancel) {
      FinishRun(control, v1::CANCELLED,
                absl::StrCat("cancelled after ", done, " accounts"));
      return;
    }
    ChangeFeed::Writer writer(feed_.get());
    const absl::Time now = CommitTime(writer);
    rocksdb::WriteBatch batch;
    auto it = store_->NewBulkIterator(store_->Family(kFactsFamily));
    it->Seek(next_start);
    values.clear();
    for (; it->Valid() && static_cast<int>(values.size()) <
                              options_.run_chunk_size;
         it->Next()) {
      values.push_back(it->value().ToString());
    }
    results.assign(values.size(), Rescored());
    std::atomic<bool> unreadable{false};
    auto score_range = [&](size_t begin, size_t end) {
      AccountFacts facts;
      for (size_t i = begin; i < end; ++i) {
        if (!ParseProto(values[i], &facts)) {
          unreadable = true;
          return;
        }
        if (!facts.registered()) {
          results[i].unchanged = true;
          continue;
        }
        TierEntry previous;
        const bool had = tiers_.Lookup(facts.account_id(), &previous);
        results[i] = ComputeRescore(*model, facts, had ? &previous : nullptr,
                                    /*only_if_changed=*/true, now);
        results[i].registered = true;
      }
    };
    const size_t half = values.size() / kScoringThreads;
    std::thread helper(score_range, 0, half);
    score_range(half, values.size());
    helper.join();
    if (unreadable) {
      FinishRun(control, v1::FAILED, "unreadable account facts");
      return;
    }
    int scored = 0;
    for (Rescored& result : results) {
      if (!result.registered) continue;
      ++scored;
      Staged staged =
          StageRescored(writer, &batch, *model, std::move(result), &updates);
      if (staged.tier_changed) ++tier_changes;
    }
    if (!it->status().ok()) {
      FinishRun(control, v1::FAILED, it->status().ToString());
      return;
    }
    const bool more = it->Valid();
    if (more) next_start = it->key().ToString();
    it.reset();
    done += scored;
    v1::RescoringRun snapshot;
    {
      absl::MutexLock lock(&run_mu_);
      control->run.set_accounts_done(done);
      control->run.set_tier_changes(tier_changes);
      snapshot = control->run;
    }
    PersistRun(&batch, snapshot);
    absl::Status committed = CommitAndPublish(writer, &batch, &updates);
    if (!committed.ok()) {
      FinishRun(control, v1::FAILED, committed.ToString());
      return;
    }
    metrics_->scored_run->Increment(scored);
    const int64_t total = std::max<int64_t>(snapshot.accounts_total(), 1);
    metrics_->run_progress->Set(
        std::min(1.0, static_cast<double>(done) / total));
    if (!more) break;
  }
  FinishRun(control, v1::SUCCEEDED, "");
}

absl::Status ScoreBook::GetRun(const std::string& name,
                               v1::RescoringRun* run) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("name", name, "rescoringRuns"));
  {
    absl::MutexLock lock(&run_mu_);
    if (run_ && run_->run.name() == name) {
      *run = run_->run;
      return absl::OkStatus();
    }
  }
  KAM_ASSIGN_OR_RETURN(bool found,
                       store_->GetProto(store_->Family(kRuns), id, run));
  if (!found) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return absl::OkStatus();
}

absl::Status ScoreBook::ListRuns(
    const v1::ListRescoringRunsRequest& request,
    v1::ListRescoringRunsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), ""));
  std::vector<v1::RescoringRun> runs;
  auto it = store_->NewIterator(store_->Family(kRuns));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::RescoringRun run;
    if (!ParseProto(it->value(), &run)) continue;
    runs.push_back(std::move(run));
  }
  KAM_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scoring scan"));
  {
    absl::MutexLock lock(&run_mu_);
    for (auto& run : runs) {
      if (run_ && run.name() == run_->run.name()) run = run_->run;
    }
  }
  auto newest_first = [](const v1::RescoringRun& a, const v1::RescoringRun& b) {
    const absl::Time ta = FromProtoTime(a.start_time());
    const absl::Time tb = FromProtoTime(b.start_time());
    if (ta != tb) return ta > tb;
    return a.name() > b.name();
  };
  std::sort(runs.begin(), runs.end(), newest_first);
  size_t start = 0;
  if (!after.empty()) {
    while (start < runs.size() && runs[start].name() != after) ++start;
    ++start;
  }
  for (size_t i = start; i < runs.size(); ++i) {
    if (response->runs_size() == page_size) {
      response->set_next_page_token(MakePageToken("", runs[i - 1].name()));
      break;
    }
    *response->add_runs() = runs[i];
  }
  return absl::OkStatus();
}

absl::Status ScoreBook::CancelRun(const std::string& name,
                                  v1::RescoringRun* run) {
  KAM_RETURN_IF_ERROR(ParseName("name", name, "rescoringRuns").status());
  bool asked = false;
  {
    absl::MutexLock lock(&run_mu_);
    if (run_ && run_->run.name() == name && run_->run.state() == v1::RUNNING) {
      run_->cancel = true;
      asked = true;
    }
  }
  if (!asked) {
    KAM_RETURN_IF_ERROR(GetRun(name, run));
    return absl::FailedPreconditionError(absl::StrCat(
        name, " has already ended (", v1::RunState_Name(run->state()), ")"));
  }
  // A chunk takes well under a second; answer with the ended run if it
  // stops in time, else with the run still RUNNING (poll GetRescoringRun).
  KAM_ASSIGN_OR_RETURN(*run, WaitForRun(name, absl::Seconds(3)));
  return absl::OkStatus();
}

absl::StatusOr<v1::RescoringRun> ScoreBook::WaitForRun(
    const std::string& name, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  v1::RescoringRun run;
  while (true) {
    KAM_RETURN_IF_ERROR(GetRun(name, &run));
    if (run.state() != v1::RUNNING || absl::Now() >= deadline) return run;
    absl::MutexLock lock(&run_mu_);
    run_ended_.WaitWithDeadline(
        &run_mu_, std::min(deadline, absl::Now() + absl::Milliseconds(100)));
  }
}

}  // namespace kam::scoring
