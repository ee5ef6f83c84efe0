#include "services/planning/plan_book.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/registry_projection.h"
#include "common/resource.h"
#include "common/validation.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "kam/planning/internal/state.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "kam/scoring/v1/scoring.pb.h"
#include "services/planning/plan_markdown.h"

namespace kam::planning {

using kam::common::v1::ChangeEvent;
namespace reg = kam::registry::v1;

namespace {

// Column families.
constexpr char kPlans[] = "plans";              // a/p -> AccountPlan
constexpr char kRevisions[] = "revisions";  // a/p/<~rev hex> -> StoredRevision
// a/p/<objective id>/<counter hex> -> ProgressUpdate, each written once.
constexpr char kProgress[] = "progress";
constexpr char kInForce[] = "in_force";         // a/<horizon> -> plan id
constexpr const char* kRegAccounts = registry_projection::kAccounts;
constexpr const char* kRegDeleted = registry_projection::kDeleted;
constexpr const char* kRegContacts = registry_projection::kContacts;
constexpr char kTiers[] = "tiers";              // a -> scoring TierChange
constexpr char kEngagement[] = "engagement";    // a -> EngagementSummary
constexpr char kRequests[] = "requests";

constexpr int kMaxProgressPerObjective = 1000;
// A progress update's counter is (revision that wrote it) << 10 | (index in
// that write): unique in the plan and increasing, so an objective's updates
// lie in key order, and those it has at a revision are one run of keys.
constexpr int kProgressIndexBits = 10;
static_assert(kMaxProgressPerObjective <= (1 << kProgressIndexBits),
              "a revision may write all of an objective's progress");
constexpr int kMaxReportLimit = 1000;

const v1::PlanHorizon kHorizons[] = {v1::STRATEGIC, v1::TACTICAL,
                                     v1::OPERATIONAL};

std::string Key(absl::string_view a, absl::string_view b) {
  return absl::StrCat(a, "/", b);
}

// Newest first: the complement of the revision as 16 hex digits.
std::string RevisionSuffix(int64_t revision) {
  return absl::StrCat(
      absl::Hex(~static_cast<uint64_t>(revision), absl::kZeroPad16));
}

uint64_t ProgressCounter(int64_t revision, int index) {
  return (static_cast<uint64_t>(revision) << kProgressIndexBits) |
         static_cast<uint64_t>(index);
}

// `plan_key` is "a/p".
std::string ProgressKey(absl::string_view plan_key,
                        absl::string_view objective_id, uint64_t counter) {
  return absl::StrCat(plan_key, "/", objective_id, "/",
                      absl::Hex(counter, absl::kZeroPad16));
}

// "accounts/a/plans/p" -> "a/p".
std::string PlanKeyOf(const std::string& plan_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(plan_name, '/');
  return Key(parts[1], parts[3]);
}

std::string InForceKey(const std::string& account_id, v1::PlanHorizon h) {
  return Key(account_id, absl::StrCat(static_cast<int>(h)));
}

absl::Status CheckNotClosed(const v1::AccountPlan& plan) {
  if (plan.status() == v1::CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat(plan.name(), " is closed; a closed plan is kept "
                                  "read-only (create a new plan instead)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LimitParam(int limit) {
  if (limit < 0 || limit > kMaxReportLimit) {
    return InvalidField("limit", absl::StrCat("must be between 0 and ",
                                              kMaxReportLimit,
                                              " (0 for 100), got ", limit));
  }
  return limit == 0 ? 100 : limit;
}

// A time a caller may give for something that happened: defaults to now,
// may not be in the future.
absl::StatusOr<absl::Time> PastTime(const std::string& field, bool has,
                                    const google::protobuf::Timestamp& t,
                                    absl::Time now) {
  if (!has) return now;
  const absl::Time time = FromProtoTime(t);
  if (time > now) {
    return InvalidField(field, absl::StrCat("may not be in the future, got ",
                                            absl::FormatTime(time)));
  }
  return time;
}

}  // namespace

std::string PlanBook::PlanKey::name() const {
  return absl::StrCat("accounts/", account_id, "/plans/", plan_id);
}
std::string PlanBook::PlanKey::key() const { return Key(account_id, plan_id); }

const std::vector<std::string>& PlanBook::ColumnFamilies() {
  static const auto* const families = new std::vector<std::string>{
      kPlans, kRevisions,  kInForce,  kRegAccounts,  kRegDeleted, kRegContacts,
      kTiers, kEngagement, kRequests, kCursorFamily, kProgress};
  return *families;
}

PlanBook::PlanBook(Store* store, Clock* clock, ScoreSource* scores)
    : store_(store),
      clock_(clock),
      scores_(scores),
      requests_(store, store->Family(kRequests), clock) {}

// ------------------------------------------------------------------ feeds

absl::Status PlanBook::ApplyRegistryEvent(const ChangeEvent& event,
                                          rocksdb::WriteBatch* batch) {
  std::string account_id;
  return registry_projection::StageEvent(*store_, event, batch, &account_id);
}

absl::Status PlanBook::ApplyScoringEvent(const ChangeEvent& event,
                                         rocksdb::WriteBatch* batch) {
  if (!event.resource().Is<kam::scoring::v1::TierChange>()) {
    return absl::OkStatus();
  }
  kam::scoring::v1::TierChange change;
  if (!event.resource().UnpackTo(&change)) {
    return absl::DataLossError("undecodable tier change event");
  }
  auto id = ParseName("account", change.account(), "accounts");
  if (!id.ok()) return absl::DataLossError("tier change without an account");
  if (change.tier() == kam::common::v1::TIER_UNSPECIFIED) {
    batch->Delete(store_->Family(kTiers), *id);
  } else {
    PutProto(batch, store_->Family(kTiers), *id, change);
  }
  return absl::OkStatus();
}

absl::Status PlanBook::ApplyEngagementEvent(const ChangeEvent& event,
                                            rocksdb::WriteBatch* batch) {
  if (!event.resource().Is<kam::engagement::v1::EngagementSummary>()) {
    return absl::OkStatus();
  }
  kam::engagement::v1::EngagementSummary summary;
  if (!event.resource().UnpackTo(&summary)) {
    return absl::DataLossError("undecodable engagement summary event");
  }
  auto id = ParseName("account", summary.account(), "accounts");
  if (!id.ok()) return absl::DataLossError("summary without an account");
  PutProto(batch, store_->Family(kEngagement), *id, summary);
  return absl::OkStatus();
}

// ---------------------------------------------------------------- helpers

absl::StatusOr<PlanBook::PlanKey> PlanBook::ParsePlanName(
    const std::string& field, const std::string& name) const {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName(field, name, "accounts", "plans"));
  return PlanKey{ids.first, ids.second};
}

absl::Status PlanBook::ReadPlan(const PlanKey& key, v1::AccountPlan* plan) const {
  KAM_ASSIGN_OR_RETURN(bool found,
                       store_->GetProto(store_->Family(kPlans), key.key(), plan));
  if (!found) return absl::NotFoundError(absl::StrCat(key.name(), " not found"));
  return absl::OkStatus();
}

absl::Status PlanBook::CheckAccount(const std::string& field,
                                    const std::string& account_id,
                                    std::string* display_name) const {
  reg::Account account;
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kRegAccounts),
                                                    account_id, &account));
  if (!found) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": accounts/", account_id,
        " is not known to planning (not in the registry, or the registry's "
        "change feed has not delivered it yet)"));
  }
  std::string unused;
  if (store_->Get(store_->Family(kRegDeleted), account_id, &unused).ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": accounts/", account_id,
                     " was deleted in the registry; its plans are kept "
                     "read-only"));
  }
  *display_name = account.display_name();
  return absl::OkStatus();
}

absl::Status PlanBook::CheckReferences(const std::string& prefix,
                                       const std::string& account_id,
                                       v1::AccountPlan* plan) const {
  for (int i = 0; i < plan->participants_size(); ++i) {
    v1::Participant* p = plan->mutable_participants(i);
    auto ids = ParseChildName("contact", p->contact(), "accounts", "contacts");
    reg::Contact contact;
    KAM_ASSIGN_OR_RETURN(
        bool found, store_->GetProto(store_->Family(kRegContacts),
                                     Key(ids->first, ids->second), &contact));
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat(
          prefix, ".participants[", i, "].contact: ", p->contact(),
          " is not a contact known to planning (not in the registry, or not "
          "yet delivered by its change feed)"));
    }
    p->set_display_name(contact.display_name());
    p->set_title(contact.title());
  }
  if (plan->parent_plan().empty()) return absl::OkStatus();
  const std::string field = absl::StrCat(prefix, ".parent_plan");
  KAM_ASSIGN_OR_RETURN(PlanKey parent_key, ParsePlanName(field, plan->parent_plan()));
  v1::AccountPlan parent;
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kPlans),
                                                    parent_key.key(), &parent));
  if (!found) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", plan->parent_plan(), " does not exist"));
  }
  if (parent.horizon() != ParentHorizon(plan->horizon())) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": a ", HorizonLabel(plan->horizon()), " plan serves a ",
        HorizonLabel(ParentHorizon(plan->horizon())), " plan, ",
        plan->parent_plan(), " is ", HorizonLabel(parent.horizon())));
  }
  if (parent.status() == v1::CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", plan->parent_plan(), " is closed"));
  }
  std::set<std::string> parent_objectives;
  for (const auto& o : parent.objectives()) parent_objectives.insert(o.id());
  for (int i = 0; i < plan->objectives_size(); ++i) {
    const std::string& serves = plan->objectives(i).serves_objective();
    if (!serves.empty() && !parent_objectives.count(serves)) {
      return absl::FailedPreconditionError(absl::StrCat(
          prefix, ".objectives[", i, "].serves_objective: ",
          plan->parent_plan(), " has no objective \"", serves, "\""));
    }
  }
  return absl::OkStatus();
}

std::string PlanBook::InForcePlan(const std::string& account_id,
                                  v1::PlanHorizon horizon) const {
  std::string plan_id;
  if (!store_->Get(store_->Family(kInForce), InForceKey(account_id, horizon),
                   &plan_id)
           .ok()) {
    return "";
  }
  return plan_id;
}

v1::SituationSnapshot PlanBook::TakeSnapshot(const std::string& account_id,
                                             absl::Time deadline) const {
  v1::SituationSnapshot snapshot;
  *snapshot.mutable_take_time() = ToProtoTime(clock_->Now());
  kam::scoring::v1::TierChange tier;
  auto found = store_->GetProto(store_->Family(kTiers), account_id, &tier);
  if (found.ok() && *found) {
    snapshot.set_tier(tier.tier());
    *snapshot.mutable_tier_since() = tier.effective_time();
  }
  if (scores_ != nullptr) {
    scores_->Fill("accounts/" + account_id, deadline, &snapshot);
  }
  if (!snapshot.has_score() && found.ok() && *found) {
    snapshot.set_score(tier.score());
  }
  kam::engagement::v1::EngagementSummary summary;
  auto engaged = store_->GetProto(store_->Family(kEngagement), account_id, &summary);
  if (engaged.ok() && *engaged) {
    if (summary.has_nps()) snapshot.set_nps(summary.nps());
    snapshot.set_stage(summary.stage());
  }
  if (snapshot.tier() == kam::common::v1::TIER_UNSPECIFIED) {
    snapshot.add_unknown("tier");
  }
  if (!snapshot.has_score()) snapshot.add_unknown("score");
  if (snapshot.abc_class() == kam::scoring::v1::ABC_CLASS_UNSPECIFIED) {
    snapshot.add_unknown("abc_class");
  }
  if (!snapshot.has_nps()) snapshot.add_unknown("nps");
  if (snapshot.stage() == kam::engagement::v1::STAGE_UNSPECIFIED) {
    snapshot.add_unknown("stage");
  }
  return snapshot;
}

absl::Status PlanBook::StageWrite(v1::AccountPlan* plan, v1::ChangeKind kind,
                                  const std::string& description,
                                  absl::Time now,
                                  rocksdb::WriteBatch* batch) const {
  const int64_t previous = plan->revision();
  EvaluateObjectives(plan);
  plan->set_revision(previous + 1);
  *plan->mutable_update_time() = ToProtoTime(now);
  plan->clear_etag();
  plan->set_etag(Etag(*plan));
  const std::string plan_key = PlanKeyOf(plan->name());
  PutProto(batch, store_->Family(kPlans), plan_key, *plan);

  // Where each objective's progress was at the previous revision; none if
  // this is the first, or the previous was written with progress inline
  // (then this revision writes all progress out once).
  std::map<std::string, internal::ProgressRange> before;
  if (previous > 0) {
    internal::StoredRevision last;
    KAM_ASSIGN_OR_RETURN(
        bool found,
        store_->GetProto(
            store_->Family(kRevisions),
            absl::StrCat(plan->name(), "/", RevisionSuffix(previous)), &last));
    if (found && last.progress_by_range()) {
      for (auto& range : *last.mutable_progress()) {
        before[range.objective_id()] = std::move(range);
      }
    }
  }
  internal::StoredRevision revision;
  revision.set_name(absl::StrCat(plan->name(), "/revisions/", plan->revision()));
  revision.set_revision(plan->revision());
  *revision.mutable_create_time() = ToProtoTime(now);
  revision.set_change(kind);
  revision.set_description(description);
  *revision.mutable_plan() = *plan;
  revision.set_progress_by_range(true);
  for (v1::Objective& objective :
       *revision.mutable_plan()->mutable_objectives()) {
    internal::ProgressRange* range = revision.add_progress();
    range->set_objective_id(objective.id());
    // Progress is append-only while the objective stays: what the previous
    // revision had is kept by reference, only what is new is written.
    int kept = 0;
    auto it = before.find(objective.id());
    if (it != before.end() && it->second.count() <= objective.progress_size()) {
      *range = it->second;
      kept = range->count();
    }
    for (int i = kept; i < objective.progress_size(); ++i) {
      const uint64_t counter = ProgressCounter(plan->revision(), i - kept);
      if (range->count() == 0) range->set_first(counter);
      range->set_count(range->count() + 1);
      PutProto(batch, store_->Family(kProgress),
               ProgressKey(plan_key, objective.id(), counter),
               objective.progress(i));
    }
    objective.clear_progress();
  }
  PutProto(batch, store_->Family(kRevisions),
           absl::StrCat(plan->name(), "/", RevisionSuffix(plan->revision())),
           revision);
  return absl::OkStatus();
}

absl::Status PlanBook::ToPlanRevision(internal::StoredRevision stored,
                                      bool with_plan,
                                      v1::PlanRevision* out) const {
  out->set_name(std::move(*stored.mutable_name()));
  out->set_revision(stored.revision());
  *out->mutable_create_time() = stored.create_time();
  out->set_change(stored.change());
  out->set_description(std::move(*stored.mutable_description()));
  if (!with_plan || !stored.has_plan()) return absl::OkStatus();
  v1::AccountPlan* plan = stored.mutable_plan();
  if (stored.progress_by_range()) {
    const std::string plan_key = PlanKeyOf(plan->name());
    std::map<std::string, const internal::ProgressRange*> ranges;
    for (const auto& range : stored.progress()) {
      ranges[range.objective_id()] = &range;
    }
    std::unique_ptr<rocksdb::Iterator> it;
    for (v1::Objective& objective : *plan->mutable_objectives()) {
      auto found = ranges.find(objective.id());
      if (found == ranges.end() || found->second->count() == 0) continue;
      const internal::ProgressRange& range = *found->second;
      if (it == nullptr) it = store_->NewIterator(store_->Family(kProgress));
      const std::string prefix =
          absl::StrCat(plan_key, "/", objective.id(), "/");
      it->Seek(ProgressKey(plan_key, objective.id(), range.first()));
      for (int i = 0; i < range.count(); ++i, it->Next()) {
        if (!it->Valid() || !it->key().starts_with(prefix) ||
            !ParseProto(it->value(), objective.add_progress())) {
          return absl::DataLossError(
              absl::StrCat("progress of objective ", objective.id(),
                           " missing or undecodable in ", out->name()));
        }
      }
    }
  }
  *out->mutable_plan() = std::move(*plan);
  return absl::OkStatus();
}

absl::Status PlanBook::Mutate(const std::string& field, const std::string& name,
                              const std::string& etag, v1::ChangeKind kind,
                              const std::string& description,
                              const Change& change, v1::AccountPlan* out) {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName(field, name));
  LockTable::Locks locks = locks_.Lock({AccountName(key.account_id)});
  v1::AccountPlan plan;
  KAM_RETURN_IF_ERROR(ReadPlan(key, &plan));
  KAM_RETURN_IF_ERROR(CheckEtag(etag, plan.etag(), plan.name()));
  rocksdb::WriteBatch batch;
  KAM_RETURN_IF_ERROR(change(&plan, &batch));
  KAM_RETURN_IF_ERROR(
      StageWrite(&plan, kind, description, clock_->Now(), &batch));
  KAM_RETURN_IF_ERROR(store_->Write(&batch));
  *out = std::move(plan);
  return absl::OkStatus();
}

// ----------------------------------------------------------------- plans

absl::Status PlanBook::CreatePlan(const v1::CreateAccountPlanRequest& request,
                                  absl::Time deadline, v1::AccountPlan* out) {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), "accounts"));
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  std::string plan_id = request.plan_id();
  if (!plan_id.empty()) KAM_RETURN_IF_ERROR(ValidateId("plan_id", plan_id));
  v1::AccountPlan plan = request.plan();
  // Output-only fields are ignored, progress included (it is recorded).
  for (auto& o : *plan.mutable_objectives()) o.clear_progress();
  NormalizePlan(&plan);
  KAM_RETURN_IF_ERROR(ValidatePlan(plan, account_id, "plan"));

  // Taken before the lock: the score source may wait on scoring.
  const v1::SituationSnapshot snapshot = TakeSnapshot(account_id, deadline);

  LockTable::Locks locks = locks_.Lock(
      {request.parent(),
       RequestLog::LockKey("CreateAccountPlan", request.request_id())});
  if (!request.request_id().empty()) {
    KAM_ASSIGN_OR_RETURN(
        bool seen,
        requests_.LookupCreate(
            "CreateAccountPlan", request,
            [&](const std::string& name, google::protobuf::Message* found) {
              v1::GetAccountPlanRequest get;
              get.set_name(name);
              return RequestLog::Exists(
                  GetPlan(get, static_cast<v1::AccountPlan*>(found)));
            },
            out));
    if (seen) return absl::OkStatus();
  }
  std::string display_name;
  KAM_RETURN_IF_ERROR(CheckAccount("parent", account_id, &display_name));
  KAM_RETURN_IF_ERROR(CheckReferences("plan", account_id, &plan));
  if (plan_id.empty()) plan_id = GenerateId();
  const PlanKey key{account_id, plan_id};
  std::string unused;
  if (store_->Get(store_->Family(kPlans), key.key(), &unused).ok()) {
    return absl::AlreadyExistsError(absl::StrCat(key.name(), " already exists"));
  }
  const absl::Time now = clock_->Now();
  v1::AccountPlan stored;
  stored.set_name(key.name());
  stored.set_horizon(plan.horizon());
  stored.set_title(plan.title());
  stored.set_summary(plan.summary());
  *stored.mutable_period_start() = plan.period_start();
  *stored.mutable_period_end() = plan.period_end();
  stored.set_status(v1::DRAFT);
  stored.set_parent_plan(plan.parent_plan());
  *stored.mutable_objectives() = plan.objectives();
  *stored.mutable_strategy() = plan.strategy();
  *stored.mutable_actions() = plan.actions();
  *stored.mutable_participants() = plan.participants();
  stored.set_review_interval_days(plan.review_interval_days());
  *stored.mutable_situation() = snapshot;
  stored.set_account_display_name(display_name);
  *stored.mutable_create_time() = ToProtoTime(now);
  rocksdb::WriteBatch batch;
  KAM_RETURN_IF_ERROR(
      StageWrite(&stored, v1::PLAN_CREATED, "created the plan", now, &batch));
  if (!request.request_id().empty()) {
    requests_.RecordCreate(&batch, "CreateAccountPlan", request, stored);
  }
  KAM_RETURN_IF_ERROR(store_->Write(&batch));
  *out = std::move(stored);
  return absl::OkStatus();
}

absl::Status PlanBook::GetPlan(const v1::GetAccountPlanRequest& request,
                               v1::AccountPlan* plan) const {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", request.name()));
  return ReadPlan(key, plan);
}

absl::Status PlanBook::ListPlans(const v1::ListAccountPlansRequest& request,
                                 v1::ListAccountPlansResponse* response) const {
  std::string prefix;
  if (request.parent() != "accounts/-") {
    KAM_ASSIGN_OR_RETURN(std::string account_id,
                         ParseName("parent", request.parent(), "accounts"));
    prefix = account_id + "/";
  }
  if (!v1::PlanHorizon_IsValid(request.horizon())) {
    return InvalidField("horizon", "must be a PlanHorizon value");
  }
  if (!v1::PlanStatus_IsValid(request.status())) {
    return InvalidField("status", "must be a PlanStatus value");
  }
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  const std::string filters = absl::StrCat(request.parent(), "|", request.horizon(),
                                           "|", request.status());
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));
  auto it = store_->NewIterator(store_->Family(kPlans));
  for (it->Seek(after.empty() ? prefix : after); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    if (!absl::StartsWith(key, prefix)) break;
    if (key == after) continue;
    v1::AccountPlan plan;
    if (!ParseProto(it->value(), &plan)) {
      return absl::DataLossError(absl::StrCat("undecodable plan ", key));
    }
    if (request.horizon() != v1::PLAN_HORIZON_UNSPECIFIED &&
        plan.horizon() != request.horizon()) {
      continue;
    }
    if (request.status() != v1::PLAN_STATUS_UNSPECIFIED &&
        plan.status() != request.status()) {
      continue;
    }
    if (response->plans_size() == page_size) {
      response->set_next_page_token(MakePageToken(filters, after));
      break;
    }
    *response->add_plans() = std::move(plan);
    after = key;
  }
  return it->status().ok() ? absl::OkStatus()
                           : absl::InternalError(it->status().ToString());
}

absl::Status PlanBook::UpdatePlan(const v1::UpdateAccountPlanRequest& request,
                                  v1::AccountPlan* out) {
  const v1::AccountPlan& given = request.plan();
  static const auto* const kPaths = new std::vector<std::string>{
      "title",    "summary",      "period",      "period_start",
      "period_end", "parent_plan", "strategy",   "objectives",
      "actions",  "participants", "review_interval_days"};
  KAM_RETURN_IF_ERROR(ValidateMask(request.update_mask(), *kPaths));
  const std::set<std::string> paths(request.update_mask().paths().begin(),
                                    request.update_mask().paths().end());
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("plan.name", given.name()));
  std::vector<std::string> changed(paths.begin(), paths.end());
  return Mutate(
      "plan.name", given.name(), given.etag(), v1::PLAN_UPDATED,
      absl::StrCat("updated ", absl::StrJoin(changed, ", ")),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        KAM_RETURN_IF_ERROR(CheckNotClosed(*plan));
        v1::AccountPlan next = *plan;
        if (paths.count("title")) next.set_title(given.title());
        if (paths.count("summary")) next.set_summary(given.summary());
        if (paths.count("period") || paths.count("period_start")) {
          *next.mutable_period_start() = given.period_start();
        }
        if (paths.count("period") || paths.count("period_end")) {
          *next.mutable_period_end() = given.period_end();
        }
        if (paths.count("parent_plan")) next.set_parent_plan(given.parent_plan());
        if (paths.count("strategy")) *next.mutable_strategy() = given.strategy();
        if (paths.count("objectives")) {
          // Progress is recorded, not edited: kept for objectives that stay.
          std::map<std::string, v1::Objective> old;
          for (const auto& o : plan->objectives()) old[o.id()] = o;
          *next.mutable_objectives() = given.objectives();
          for (auto& o : *next.mutable_objectives()) {
            o.clear_progress();
            auto it = old.find(o.id());
            if (!o.id().empty() && it != old.end()) {
              *o.mutable_progress() = it->second.progress();
            }
          }
        }
        if (paths.count("actions")) {
          std::map<std::string, v1::Action> old;
          for (const auto& a : plan->actions()) old[a.id()] = a;
          *next.mutable_actions() = given.actions();
          for (auto& a : *next.mutable_actions()) {
            a.clear_complete_time();
            auto it = old.find(a.id());
            if (!a.id().empty() && it != old.end() && a.status() == it->second.status()) {
              *a.mutable_complete_time() = it->second.complete_time();
            } else if (a.status() == v1::DONE || a.status() == v1::CANCELLED) {
              *a.mutable_complete_time() = ToProtoTime(clock_->Now());
            }
          }
        }
        if (paths.count("participants")) {
          *next.mutable_participants() = given.participants();
        }
        if (paths.count("review_interval_days")) {
          next.set_review_interval_days(given.review_interval_days());
        }
        NormalizePlan(&next);
        KAM_RETURN_IF_ERROR(ValidatePlan(next, key.account_id, "plan"));
        KAM_RETURN_IF_ERROR(CheckReferences("plan", key.account_id, &next));
        if (InForce(next.status())) KAM_RETURN_IF_ERROR(CheckActivatable(next));
        if (paths.count("review_interval_days") && InForce(next.status())) {
          // The next review moves with the interval, from the last review
          // (or the activation).
          absl::Time last = FromProtoTime(next.activate_time());
          if (!next.reviews().empty()) {
            last = FromProtoTime(next.reviews().rbegin()->review_time());
          }
          *next.mutable_next_review_time() =
              ToProtoTime(last + absl::Hours(24) * next.review_interval_days());
        }
        *plan = std::move(next);
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::DeletePlan(const v1::DeleteAccountPlanRequest& request) {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", request.name()));
  LockTable::Locks locks = locks_.Lock({AccountName(key.account_id)});
  v1::AccountPlan plan;
  KAM_RETURN_IF_ERROR(ReadPlan(key, &plan));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), plan.etag(), plan.name()));
  if (plan.status() != v1::DRAFT) {
    return absl::FailedPreconditionError(absl::StrCat(
        plan.name(), " is ", StatusLabel(plan.status()),
        "; only a draft can be deleted, close the plan instead"));
  }
  rocksdb::WriteBatch batch;
  batch.Delete(store_->Family(kPlans), key.key());
  const std::string prefix = plan.name() + "/";
  batch.DeleteRange(store_->Family(kRevisions), prefix, plan.name() + "0");
  batch.DeleteRange(store_->Family(kProgress), key.key() + "/",
                    key.key() + "0");
  return store_->Write(&batch);
}

absl::Status PlanBook::ActivatePlan(const v1::ActivateAccountPlanRequest& request,
                                    v1::AccountPlan* out) {
  return Mutate(
      "name", request.name(), request.etag(), v1::PLAN_ACTIVATED,
      "activated the plan",
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch* batch) -> absl::Status {
        if (plan->status() != v1::DRAFT) {
          return absl::FailedPreconditionError(absl::StrCat(
              plan->name(), " is ", StatusLabel(plan->status()),
              "; only a draft can be activated"));
        }
        KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", plan->name()));
        std::string display_name;
        KAM_RETURN_IF_ERROR(CheckAccount("name", key.account_id, &display_name));
        KAM_RETURN_IF_ERROR(CheckActivatable(*plan));
        const std::string in_force = InForcePlan(key.account_id, plan->horizon());
        if (!in_force.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "accounts/", key.account_id, "/plans/", in_force,
              " is already the ", HorizonLabel(plan->horizon()),
              " plan in force for accounts/", key.account_id,
              "; close it before activating ", plan->name()));
        }
        const absl::Time now = clock_->Now();
        plan->set_status(v1::ACTIVE);
        plan->set_account_display_name(display_name);
        *plan->mutable_activate_time() = ToProtoTime(now);
        *plan->mutable_next_review_time() =
            ToProtoTime(now + absl::Hours(24) * plan->review_interval_days());
        batch->Put(store_->Family(kInForce),
                   InForceKey(key.account_id, plan->horizon()), key.plan_id);
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::StartReview(const v1::StartPlanReviewRequest& request,
                                   v1::AccountPlan* out) {
  return Mutate(
      "name", request.name(), request.etag(), v1::REVIEW_STARTED,
      "started a review",
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        if (plan->status() != v1::ACTIVE) {
          return absl::FailedPreconditionError(absl::StrCat(
              plan->name(), " is ", StatusLabel(plan->status()),
              "; only an active plan can be put under review"));
        }
        plan->set_status(v1::UNDER_REVIEW);
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::RecordReview(const v1::RecordPlanReviewRequest& request,
                                    absl::Time deadline, v1::AccountPlan* out) {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", request.name()));
  const v1::PlanReview& given = request.review();
  KAM_RETURN_IF_ERROR(
      ValidateText("review.outcome", given.outcome(), 1, 2000, true));
  KAM_RETURN_IF_ERROR(
      ValidateText("review.changes", given.changes(), 0, 2000, true));
  if (given.reviewers_size() > 20) {
    return InvalidField("review.reviewers", "at most 20 reviewers");
  }
  for (int i = 0; i < given.reviewers_size(); ++i) {
    KAM_RETURN_IF_ERROR(ValidateText(absl::StrCat("review.reviewers[", i, "]"),
                                     given.reviewers(i), 1, 100));
  }
  KAM_ASSIGN_OR_RETURN(absl::Time review_time,
                       PastTime("review.review_time", given.has_review_time(),
                                given.review_time(), clock_->Now()));
  const v1::SituationSnapshot snapshot = TakeSnapshot(key.account_id, deadline);
  return Mutate(
      "name", request.name(), request.etag(), v1::REVIEW_RECORDED,
      absl::StrCat("recorded the review of ", DayText(review_time)),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        if (!InForce(plan->status())) {
          return absl::FailedPreconditionError(absl::StrCat(
              plan->name(), " is ", StatusLabel(plan->status()),
              "; only a plan in force (active or under review) is reviewed"));
        }
        if (review_time < FromProtoTime(plan->activate_time())) {
          return InvalidField("review.review_time",
                              "may not be before the plan's activation");
        }
        KAM_RETURN_IF_ERROR(CheckActivatable(*plan));
        v1::PlanReview* review = plan->add_reviews();
        *review = given;
        *review->mutable_review_time() = ToProtoTime(review_time);
        *review->mutable_situation() = snapshot;
        review->set_revision(plan->revision() + 1);
        *plan->mutable_situation() = snapshot;
        plan->set_status(v1::ACTIVE);
        *plan->mutable_next_review_time() = ToProtoTime(
            review_time + absl::Hours(24) * plan->review_interval_days());
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::ClosePlan(const v1::CloseAccountPlanRequest& request,
                                 v1::AccountPlan* out) {
  KAM_RETURN_IF_ERROR(ValidateText("reason", request.reason(), 1, 500));
  return Mutate(
      "name", request.name(), request.etag(), v1::PLAN_CLOSED,
      absl::StrCat("closed the plan: ", request.reason()),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch* batch) -> absl::Status {
        KAM_RETURN_IF_ERROR(CheckNotClosed(*plan));
        if (InForce(plan->status())) {
          KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", plan->name()));
          batch->Delete(store_->Family(kInForce),
                        InForceKey(key.account_id, plan->horizon()));
        }
        plan->set_status(v1::CLOSED);
        plan->clear_next_review_time();
        *plan->mutable_close_time() = ToProtoTime(clock_->Now());
        plan->set_close_reason(request.reason());
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::RecordProgress(
    const v1::RecordObjectiveProgressRequest& request, v1::AccountPlan* out) {
  KAM_RETURN_IF_ERROR(ValidateId("objective_id", request.objective_id()));
  KAM_RETURN_IF_ERROR(
      ValidateText("progress.note", request.progress().note(), 0, 500, true));
  KAM_ASSIGN_OR_RETURN(
      absl::Time measured,
      PastTime("progress.measure_time", request.progress().has_measure_time(),
               request.progress().measure_time(), clock_->Now()));
  return Mutate(
      "plan", request.plan(), request.etag(), v1::PROGRESS_RECORDED,
      absl::StrCat("recorded progress of objective ", request.objective_id()),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        KAM_RETURN_IF_ERROR(CheckNotClosed(*plan));
        v1::Objective* objective = nullptr;
        for (auto& o : *plan->mutable_objectives()) {
          if (o.id() == request.objective_id()) objective = &o;
        }
        if (objective == nullptr) {
          return absl::NotFoundError(absl::StrCat(
              plan->name(), " has no objective \"", request.objective_id(), "\""));
        }
        if (measured < FromProtoTime(plan->period_start())) {
          return InvalidField("progress.measure_time",
                              "may not be before the plan's period_start");
        }
        const int64_t value = request.progress().value();
        if ((objective->metric() == v1::NPS && (value < -100 || value > 100)) ||
            (objective->metric() == v1::SHARE_OF_WALLET &&
             (value < 0 || value > 100))) {
          return InvalidField("progress.value",
                              absl::StrCat("must be between ",
                                           objective->metric() == v1::NPS ? -100 : 0,
                                           " and 100, got ", value));
        }
        if (objective->progress_size() >= kMaxProgressPerObjective) {
          return absl::FailedPreconditionError(absl::StrCat(
              "objective ", objective->id(), " already has ",
              kMaxProgressPerObjective, " progress updates"));
        }
        v1::ProgressUpdate* update = objective->add_progress();
        update->set_value(value);
        update->set_note(request.progress().note());
        *update->mutable_measure_time() = ToProtoTime(measured);
        *update->mutable_record_time() = ToProtoTime(clock_->Now());
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::UpdateAction(const v1::UpdatePlanActionRequest& request,
                                    v1::AccountPlan* out) {
  const v1::Action& given = request.action();
  KAM_RETURN_IF_ERROR(ValidateId("action.id", given.id()));
  static const auto* const kPaths = new std::vector<std::string>{
      "title", "owner", "due_time", "status", "objective", "note"};
  KAM_RETURN_IF_ERROR(ValidateMask(request.update_mask(), *kPaths));
  const std::set<std::string> paths(request.update_mask().paths().begin(),
                                    request.update_mask().paths().end());
  std::vector<std::string> changed(paths.begin(), paths.end());
  return Mutate(
      "plan", request.plan(), request.etag(), v1::ACTION_UPDATED,
      absl::StrCat("updated ", absl::StrJoin(changed, ", "), " of action ",
                   given.id()),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        KAM_RETURN_IF_ERROR(CheckNotClosed(*plan));
        v1::Action* action = nullptr;
        for (auto& a : *plan->mutable_actions()) {
          if (a.id() == given.id()) action = &a;
        }
        if (action == nullptr) {
          return absl::NotFoundError(
              absl::StrCat(plan->name(), " has no action \"", given.id(), "\""));
        }
        v1::Action next = *action;
        if (paths.count("title")) next.set_title(given.title());
        if (paths.count("owner")) next.set_owner(given.owner());
        if (paths.count("due_time")) *next.mutable_due_time() = given.due_time();
        if (paths.count("objective")) next.set_objective(given.objective());
        if (paths.count("note")) next.set_note(given.note());
        if (paths.count("status") && given.status() != next.status()) {
          next.set_status(given.status());
          if (given.status() == v1::DONE || given.status() == v1::CANCELLED) {
            *next.mutable_complete_time() = ToProtoTime(clock_->Now());
          } else {
            next.clear_complete_time();
          }
        }
        KAM_RETURN_IF_ERROR(ValidateAction(*plan, next, "action"));
        *action = std::move(next);
        return absl::OkStatus();
      },
      out);
}

absl::Status PlanBook::RecordAgreement(
    const v1::RecordCustomerAgreementRequest& request, v1::AccountPlan* out) {
  const v1::CustomerAgreement& given = request.agreement();
  KAM_RETURN_IF_ERROR(
      ValidateText("agreement.note", given.note(), 0, 500, true));
  KAM_ASSIGN_OR_RETURN(
      absl::Time agreed,
      PastTime("agreement.agree_time", given.has_agree_time(), given.agree_time(),
               clock_->Now()));
  if (given.contact().empty()) {
    return InvalidField("agreement.contact",
                        "is required: the participant who agreed");
  }
  return Mutate(
      "plan", request.plan(), request.etag(), v1::CUSTOMER_AGREED,
      absl::StrCat("recorded the customer's agreement by ", given.contact()),
      [&](v1::AccountPlan* plan, rocksdb::WriteBatch*) -> absl::Status {
        KAM_RETURN_IF_ERROR(CheckNotClosed(*plan));
        const v1::Participant* participant = nullptr;
        for (const auto& p : plan->participants()) {
          if (p.contact() == given.contact()) participant = &p;
        }
        if (participant == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "agreement.contact: ", given.contact(),
              " is not a participant of ", plan->name(),
              "; add them to the plan's participants first"));
        }
        v1::CustomerAgreement* agreement = plan->mutable_customer_agreement();
        agreement->set_contact(participant->contact());
        agreement->set_display_name(participant->display_name());
        *agreement->mutable_agree_time() = ToProtoTime(agreed);
        agreement->set_note(given.note());
        agreement->set_revision(plan->revision() + 1);
        return absl::OkStatus();
      },
      out);
}

// -------------------------------------------------------------- revisions

absl::Status PlanBook::ListRevisions(const v1::ListPlanRevisionsRequest& request,
                                     v1::ListPlanRevisionsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("plan", request.plan()));
  v1::AccountPlan plan;
  KAM_RETURN_IF_ERROR(ReadPlan(key, &plan));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  const std::string filters = request.plan();
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));
  const std::string prefix = key.name() + "/";
  auto it = store_->NewIterator(store_->Family(kRevisions));
  for (it->Seek(after.empty() ? prefix : after); it->Valid(); it->Next()) {
    const std::string k = it->key().ToString();
    if (!absl::StartsWith(k, prefix)) break;
    if (k == after) continue;
    if (response->revisions_size() == page_size) {
      response->set_next_page_token(MakePageToken(filters, after));
      break;
    }
    internal::StoredRevision stored;
    if (!ParseProto(it->value(), &stored)) {
      return absl::DataLossError(absl::StrCat("undecodable revision ", k));
    }
    KAM_RETURN_IF_ERROR(ToPlanRevision(std::move(stored), !request.omit_plans(),
                                       response->add_revisions()));
    after = k;
  }
  return it->status().ok() ? absl::OkStatus()
                           : absl::InternalError(it->status().ToString());
}

absl::Status PlanBook::GetRevision(const v1::GetPlanRevisionRequest& request,
                                   v1::PlanRevision* revision) const {
  const size_t slash = request.name().rfind("/revisions/");
  int64_t number = 0;
  if (slash == std::string::npos ||
      !absl::SimpleAtoi(request.name().substr(slash + 11), &number) ||
      number < 1) {
    return InvalidField("name",
                        "must be accounts/{account}/plans/{plan}/revisions/"
                        "{revision}, revision a number from 1");
  }
  const std::string plan_name = request.name().substr(0, slash);
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", plan_name));
  internal::StoredRevision stored;
  KAM_ASSIGN_OR_RETURN(
      bool found,
      store_->GetProto(store_->Family(kRevisions),
                       absl::StrCat(key.name(), "/", RevisionSuffix(number)),
                       &stored));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  }
  return ToPlanRevision(std::move(stored), /*with_plan=*/true, revision);
}

// ---------------------------------------------------------------- reports

absl::Status PlanBook::ForEachInForce(
    const std::string& prefix,
    const std::function<void(const v1::AccountPlan&)>& visit) const {
  auto it = store_->NewIterator(store_->Family(kInForce));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    // "a/<horizon>" -> plan id.
    const std::string k = it->key().ToString();
    v1::AccountPlan plan;
    KAM_RETURN_IF_ERROR(
        ReadPlan(PlanKey{k.substr(0, k.rfind('/')), it->value().ToString()}, &plan));
    visit(plan);
  }
  return it->status().ok() ? absl::OkStatus()
                           : absl::InternalError(it->status().ToString());
}

absl::Status PlanBook::ListOverdueActions(
    const v1::ListOverdueActionsRequest& request,
    v1::ListOverdueActionsResponse* response) const {
  std::string prefix;
  if (!request.parent().empty() && request.parent() != "accounts/-") {
    KAM_ASSIGN_OR_RETURN(std::string account_id,
                         ParseName("parent", request.parent(), "accounts"));
    prefix = account_id + "/";
  }
  KAM_ASSIGN_OR_RETURN(int limit, LimitParam(request.limit()));
  const absl::Time now = clock_->Now();
  std::vector<v1::OverdueAction> all;
  KAM_RETURN_IF_ERROR(ForEachInForce(prefix, [&](const v1::AccountPlan& plan) {
    for (const auto& action : plan.actions()) {
      if (!ActionOverdue(action, now)) continue;
      v1::OverdueAction& item = all.emplace_back();
      item.set_plan(plan.name());
      item.set_plan_title(plan.title());
      item.set_horizon(plan.horizon());
      item.set_account_display_name(plan.account_display_name());
      *item.mutable_action() = action;
      item.set_days_overdue(DaysOverdue(FromProtoTime(action.due_time()), now));
    }
  }));
  std::sort(all.begin(), all.end(),
            [](const v1::OverdueAction& a, const v1::OverdueAction& b) {
              if (a.days_overdue() != b.days_overdue()) {
                return a.days_overdue() > b.days_overdue();
              }
              return std::tie(a.plan(), a.action().id()) <
                     std::tie(b.plan(), b.action().id());
            });
  response->set_total(static_cast<int>(all.size()));
  for (size_t i = 0; i < all.size() && static_cast<int>(i) < limit; ++i) {
    *response->add_actions() = std::move(all[i]);
  }
  return absl::OkStatus();
}

absl::Status PlanBook::ListDueForReview(
    const v1::ListPlansDueForReviewRequest& request,
    v1::ListPlansDueForReviewResponse* response) const {
  if (request.within_days() < 0 || request.within_days() > 3650) {
    return InvalidField("within_days",
                        absl::StrCat("must be between 0 and 3650, got ",
                                     request.within_days()));
  }
  KAM_ASSIGN_OR_RETURN(int limit, LimitParam(request.limit()));
  const absl::Time now = clock_->Now();
  const absl::Time horizon = now + absl::Hours(24) * request.within_days();
  std::vector<v1::PlanDueForReview> all;
  KAM_RETURN_IF_ERROR(ForEachInForce("", [&](const v1::AccountPlan& plan) {
    const absl::Time due = FromProtoTime(plan.next_review_time());
    if (due > horizon) return;
    v1::PlanDueForReview& item = all.emplace_back();
    item.set_plan(plan.name());
    item.set_title(plan.title());
    item.set_horizon(plan.horizon());
    item.set_account_display_name(plan.account_display_name());
    *item.mutable_next_review_time() = plan.next_review_time();
    item.set_days_until_due(static_cast<int>(
        std::floor(absl::FDivDuration(due - now, absl::Hours(24)))));
  }));
  std::sort(all.begin(), all.end(),
            [](const v1::PlanDueForReview& a, const v1::PlanDueForReview& b) {
              const absl::Time ta = FromProtoTime(a.next_review_time());
              const absl::Time tb = FromProtoTime(b.next_review_time());
              return ta != tb ? ta < tb : a.plan() < b.plan();
            });
  response->set_total(static_cast<int>(all.size()));
  for (size_t i = 0; i < all.size() && static_cast<int>(i) < limit; ++i) {
    *response->add_plans() = std::move(all[i]);
  }
  return absl::OkStatus();
}

absl::Status PlanBook::GetCoverage(const v1::GetPlanCoverageRequest& request,
                                   v1::PlanCoverage* coverage) const {
  if (!v1::PlanHorizon_IsValid(request.horizon())) {
    return InvalidField("horizon", "must be a PlanHorizon value");
  }
  std::vector<v1::PlanHorizon> horizons;
  for (v1::PlanHorizon h : kHorizons) {
    if (request.horizon() == v1::PLAN_HORIZON_UNSPECIFIED ||
        request.horizon() == h) {
      horizons.push_back(h);
      coverage->add_horizons()->set_horizon(h);
    }
  }
  auto tiers = store_->NewIterator(store_->Family(kTiers));
  tiers->SeekToFirst();
  coverage->set_tiers_known(tiers->Valid());
  for (; tiers->Valid(); tiers->Next()) {
    kam::scoring::v1::TierChange tier;
    if (!ParseProto(tiers->value(), &tier)) {
      return absl::DataLossError("undecodable tier");
    }
    if (tier.tier() != kam::common::v1::KEY) continue;
    const std::string account_id = tiers->key().ToString();
    // Drafts waiting, by horizon: the account's plans are few.
    std::map<v1::PlanHorizon, std::string> drafts;
    bool drafts_read = false;
    for (size_t i = 0; i < horizons.size(); ++i) {
      v1::HorizonCoverage* h = coverage->mutable_horizons(static_cast<int>(i));
      h->set_key_accounts(h->key_accounts() + 1);
      if (!InForcePlan(account_id, horizons[i]).empty()) {
        h->set_covered(h->covered() + 1);
        continue;
      }
      if (!drafts_read) {
        drafts_read = true;
        auto plans = store_->NewIterator(store_->Family(kPlans));
        const std::string prefix = account_id + "/";
        for (plans->Seek(prefix);
             plans->Valid() && plans->key().starts_with(prefix); plans->Next()) {
          v1::AccountPlan plan;
          if (ParseProto(plans->value(), &plan) && plan.status() == v1::DRAFT &&
              !drafts.count(plan.horizon())) {
            drafts[plan.horizon()] = plan.name();
          }
        }
      }
      v1::UncoveredAccount* u = h->add_uncovered();
      u->set_account("accounts/" + account_id);
      reg::Account account;
      auto found = store_->GetProto(store_->Family(kRegAccounts), account_id, &account);
      if (found.ok() && *found) u->set_display_name(account.display_name());
      if (auto d = drafts.find(horizons[i]); d != drafts.end()) {
        u->set_draft_plan(d->second);
      }
    }
  }
  for (auto& h : *coverage->mutable_horizons()) {
    h.set_covered_percent(h.key_accounts() == 0
                              ? 100
                              : h.covered() * 100 / h.key_accounts());
  }
  return absl::OkStatus();
}

absl::Status PlanBook::Export(const v1::ExportAccountPlanRequest& request,
                              v1::ExportAccountPlanResponse* response) const {
  KAM_ASSIGN_OR_RETURN(PlanKey key, ParsePlanName("name", request.name()));
  if (request.revision() < 0) {
    return InvalidField("revision", "must be 0 (current) or a revision number");
  }
  v1::AccountPlan plan;
  if (request.revision() == 0) {
    KAM_RETURN_IF_ERROR(ReadPlan(key, &plan));
  } else {
    v1::GetPlanRevisionRequest get;
    get.set_name(absl::StrCat(key.name(), "/revisions/", request.revision()));
    v1::PlanRevision revision;
    KAM_RETURN_IF_ERROR(GetRevision(get, &revision));
    plan = revision.plan();
  }
  response->set_markdown(RenderPlanMarkdown(plan, clock_->Now()));
  response->set_file_name(PlanFileName(plan.name(), request.revision()));
  return absl::OkStatus();
}

absl::StatusOr<PlanBook::Gauges> PlanBook::ComputeGauges() const {
  Gauges gauges;
  const absl::Time now = clock_->Now();
  auto it = store_->NewIterator(store_->Family(kPlans));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::AccountPlan plan;
    if (!ParseProto(it->value(), &plan)) {
      return absl::DataLossError("undecodable plan");
    }
    const int h = plan.horizon();
    if (h < 1 || h > 3) continue;
    ++gauges.plans[h][plan.status()];
    if (!InForce(plan.status())) continue;
    for (const auto& action : plan.actions()) {
      if (ActionOverdue(action, now)) ++gauges.overdue_actions[h];
    }
    if (FromProtoTime(plan.next_review_time()) <= now) ++gauges.due_for_review[h];
  }
  v1::PlanCoverage coverage;
  KAM_RETURN_IF_ERROR(GetCoverage({}, &coverage));
  for (const auto& h : coverage.horizons()) {
    gauges.key_accounts_without_plan[h.horizon()] = h.key_accounts() - h.covered();
  }
  return gauges;
}

}  // namespace kam::planning
