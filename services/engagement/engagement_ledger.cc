#include "services/engagement/engagement_ledger.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/registry_projection.h"
#include "common/resource.h"
#include "common/validation.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "kam/registry/v1/registry.pb.h"
#include "kam/scoring/v1/scoring.pb.h"

namespace kam::engagement {

using kam::common::v1::ChangeEvent;
using kam::common::v1::Tier;
namespace reg = kam::registry::v1;

namespace {

// Column families.
constexpr char kInteractions[] = "interactions";   // a/<inv time>/<id>
constexpr char kInteractionIds[] = "interaction_ids";  // a/<id> -> timeline key
constexpr char kContactIndex[] = "contact_index";  // a/c/<inv time>/<id>
constexpr char kSurveys[] = "surveys";             // a/<inv time>/<id>
constexpr char kStages[] = "stages";               // a/<inv eff>/<inv rec>
constexpr char kCadence[] = "cadence";             // tier number
constexpr char kTiers[] = "tiers";                 // a -> tier number
constexpr char kStats[] = "stats";                 // a -> CadenceStats
constexpr char kDirty[] = "dirty";                 // a -> token
constexpr const char* kRegAccounts = registry_projection::kAccounts;
constexpr const char* kRegDeleted = registry_projection::kDeleted;
constexpr const char* kRegContacts = registry_projection::kContacts;
constexpr char kRequests[] = "requests";
constexpr char kOutbox[] = "outbox";

constexpr int kMaxReportLimit = 1000;


// Newest first: the key of a time is the complement of its microseconds,
// as 16 hex digits.
std::string TimeKey(absl::Time t) {
  const uint64_t micros = static_cast<uint64_t>(absl::ToUnixMicros(t));
  return absl::StrCat(absl::Hex(~micros, absl::kZeroPad16));
}

std::string Key(const std::string& a, const std::string& b) {
  return absl::StrCat(a, "/", b);
}


// Stats are stored as three int64 microsecond times, 0 for "never" (the
// form Store's LatestTimesOperand merges).
std::vector<int64_t> StatsMicros(const CadenceStats& stats) {
  std::vector<int64_t> micros;
  for (const auto& t : {stats.last_visit, stats.last_executive_contact,
                        stats.last_business_review}) {
    micros.push_back(t ? absl::ToUnixMicros(*t) : 0);
  }
  return micros;
}

std::string EncodeStats(const CadenceStats& stats) {
  std::string out;
  for (int64_t micros : StatsMicros(stats)) {
    out.append(reinterpret_cast<const char*>(&micros), sizeof(micros));
  }
  return out;
}

CadenceStats DecodeStats(const std::string& value) {
  CadenceStats stats;
  std::optional<absl::Time>* fields[] = {&stats.last_visit,
                                         &stats.last_executive_contact,
                                         &stats.last_business_review};
  for (int i = 0; i < 3 && value.size() >= 24; ++i) {
    int64_t micros = 0;
    std::memcpy(&micros, value.data() + 8 * i, sizeof(micros));
    if (micros != 0) *fields[i] = absl::FromUnixMicros(micros);
  }
  return stats;
}

void TakeLater(std::optional<absl::Time>* slot, absl::Time t) {
  if (!slot->has_value() || **slot < t) *slot = t;
}

absl::StatusOr<int> DaysParam(const char* field, int value, int default_days) {
  if (value == 0) return default_days;
  if (value < 1 || value > 3650) {
    return InvalidField(field, absl::StrCat("must be between 1 and 3650 days "
                                            "(0 for the default), got ",
                                            value));
  }
  return value;
}

std::string ContactIdOf(const std::string& contact_name) {
  std::vector<std::string> parts = absl::StrSplit(contact_name, '/');
  return parts.size() == 4 ? parts[3] : "";
}


// A process-unique token for dirty marks, so the publisher can tell whether
// an account was marked again while it computed the summary.
uint64_t NextDirtyToken() {
  static std::atomic<uint64_t> next{
      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()))};
  return next.fetch_add(1);
}

}  // namespace

struct EngagementLedger::AccountView {
  std::string id;
  reg::Account account;
  bool deleted = false;
  absl::Time known_since;
};

// IngestTxn stages one change of interactions, surveys or stages: one batch,
// with the per-account cadence stats and dirty marks folded in at Commit.
//
// Locks (LockTable keys are resource names): appends hold their account
// SHARED, so appends to one account run side by side, and the new
// interaction's name and the request id exclusive (uniqueness). Their stats
// only move forward ("the latest visit is at least this"), which they stage
// as a merge, so they need not read them. A change that recomputes an
// account's stats from its timeline (update, delete) holds the account
// exclusive, so no append is in flight while it reads.
class EngagementLedger::IngestTxn {
 public:
  IngestTxn(EngagementLedger* ledger, const std::vector<std::string>& keys,
            const std::vector<std::string>& shared = {})
      : ledger_(ledger), writer_(ledger->feed_.get(), keys, shared) {}

  rocksdb::WriteBatch* batch() { return &batch_; }
  absl::Time now() const { return writer_.now(); }
  ChangeFeed::Writer& writer() { return writer_; }

  // What this change moves forward in the account's stats (merged at
  // Commit with what is stored).
  CadenceStats* Later(const std::string& account_id) {
    return &later_[account_id];
  }
  // Replaces the account's stats (the account must be held exclusive).
  void ReplaceStats(const std::string& account_id, CadenceStats stats) {
    replaced_[account_id] = stats;
  }
  // Accounts read in this batch: a sync batch names the same few many times.
  const AccountView* CachedAccount(const std::string& name) const {
    auto it = accounts_.find(name);
    return it == accounts_.end() ? nullptr : &it->second;
  }
  const AccountView& CacheAccount(const std::string& name, AccountView view) {
    return accounts_[name] = std::move(view);
  }
  // IDs staged in this batch, to catch a duplicate inside one request.
  bool Claim(const std::string& id_key) { return claimed_.insert(id_key).second; }
  void MarkDirty(const std::string& account_id) { dirty_.insert(account_id); }

  absl::Status Commit() {
    for (const auto& [account_id, stats] : replaced_) {
      batch_.Put(ledger_->store_->Family(kStats), account_id, EncodeStats(stats));
    }
    for (const auto& [account_id, stats] : later_) {
      batch_.Merge(ledger_->store_->Family(kStats), account_id,
                   LatestTimesOperand(StatsMicros(stats)));
    }
    for (const auto& account_id : dirty_) {
      batch_.Put(ledger_->store_->Family(kDirty), account_id,
                 absl::StrCat(NextDirtyToken()));
    }
    return writer_.Commit(&batch_);
  }

 private:
  EngagementLedger* const ledger_;
  ChangeFeed::Writer writer_;
  rocksdb::WriteBatch batch_;
  std::map<std::string, CadenceStats> later_;
  std::map<std::string, CadenceStats> replaced_;
  std::map<std::string, AccountView> accounts_;
  std::set<std::string> claimed_;
  std::set<std::string> dirty_;
};

const std::vector<std::string>& EngagementLedger::ColumnFamilies() {
  static const auto* const families = new std::vector<std::string>{
      kInteractions, kInteractionIds, kContactIndex, kSurveys,   kStages,
      kCadence,      kTiers,          kStats,        kDirty,     kRegAccounts,
      kRegDeleted,   kRegContacts,    kRequests,     kOutbox,    kCursorFamily};
  return *families;
}

EngagementLedger::EngagementLedger(Store* store, Clock* clock, Options options)
    : store_(store),
      clock_(clock),
      options_(options),
      feed_(std::make_unique<ChangeFeed>(store, store->Family(kOutbox), clock)),
      requests_(store, store->Family(kRequests), clock) {}

EngagementLedger::~EngagementLedger() = default;

// --------------------------------------------------------- registry feed

absl::Status EngagementLedger::ClearRegistryProjection(
    rocksdb::WriteBatch* batch) {
  return registry_projection::StageClear(
      *store_, batch, [this, batch](const std::string& account_id) {
        batch->Put(store_->Family(kDirty), account_id,
                   absl::StrCat(NextDirtyToken()));
      });
}

absl::Status EngagementLedger::ApplyRegistryEvent(const ChangeEvent& event,
                                                  rocksdb::WriteBatch* batch) {
  std::string account_id;
  KAM_RETURN_IF_ERROR(
      registry_projection::StageEvent(*store_, event, batch, &account_id));
  // An account's change (e.g. its deletion) shows in its summary.
  if (!account_id.empty()) {
    batch->Put(store_->Family(kDirty), account_id, absl::StrCat(NextDirtyToken()));
  }
  return absl::OkStatus();
}

absl::Status EngagementLedger::ApplyScoringEvent(const ChangeEvent& event,
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
  if (change.tier() == Tier::TIER_UNSPECIFIED) {
    batch->Delete(store_->Family(kTiers), *id);
  } else {
    batch->Put(store_->Family(kTiers), *id,
               absl::StrCat(static_cast<int>(change.tier())));
  }
  // The summary carries the tier and the overdue flag, which depends on it.
  batch->Put(store_->Family(kDirty), *id, absl::StrCat(NextDirtyToken()));
  return absl::OkStatus();
}

absl::StatusOr<EngagementLedger::AccountView> EngagementLedger::ReadAccount(
    const std::string& field, const std::string& account_name,
    bool allow_deleted) const {
  KAM_ASSIGN_OR_RETURN(std::string id, ParseName(field, account_name, "accounts"));
  AccountView view;
  view.id = id;
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kRegAccounts),
                                                    id, &view.account));
  if (!found) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", account_name,
        " is not known to engagement (not in the registry, or the registry's "
        "change feed has not delivered it yet)"));
  }
  std::string unused;
  view.deleted = store_->Get(store_->Family(kRegDeleted), id, &unused).ok();
  if (view.deleted && !allow_deleted) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", account_name,
                     " was deleted in the registry; its history is kept "
                     "read-only"));
  }
  view.known_since = FromProtoTime(view.account.create_time());
  return view;
}

absl::Status EngagementLedger::CheckParticipants(
    const std::string& field, const std::string& account_id,
    const v1::Interaction& interaction, bool* has_executive) const {
  if (has_executive != nullptr) *has_executive = false;
  for (int i = 0; i < interaction.participants_size(); ++i) {
    const std::string f = absl::StrCat(field, ".participants[", i, "]");
    KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName(f, interaction.participants(i),
                                                  "accounts", "contacts"));
    if (ids.first != account_id) {
      return InvalidField(f, absl::StrCat("must be a contact of ",
                                          AccountName(account_id)));
    }
    reg::Contact contact;
    KAM_ASSIGN_OR_RETURN(bool found,
                         store_->GetProto(store_->Family(kRegContacts),
                                          Key(ids.first, ids.second), &contact));
    if (!found) {
      return absl::FailedPreconditionError(
          absl::StrCat(f, ": ", interaction.participants(i),
                       " is not known to engagement"));
    }
    if (has_executive != nullptr && contact.level() == reg::EXECUTIVE) {
      *has_executive = true;
    }
  }
  return absl::OkStatus();
}

bool EngagementLedger::HasExecutive(const std::string& account_id,
                                    const v1::Interaction& interaction) const {
  for (const auto& participant : interaction.participants()) {
    reg::Contact contact;
    auto found = store_->GetProto(store_->Family(kRegContacts),
                                  Key(account_id, ContactIdOf(participant)),
                                  &contact);
    if (found.ok() && *found && contact.level() == reg::EXECUTIVE) return true;
  }
  return false;
}

// ------------------------------------------------------------ interactions

absl::Status EngagementLedger::StageCreate(
    IngestTxn& txn, const v1::CreateInteractionRequest& request,
    const std::string& field, v1::Interaction* out, bool* replayed) {
  *replayed = false;
  // A batch item's field is "requests[i].interaction"; its id is beside it.
  const std::string id_field =
      field == "interaction"
          ? "request_id"
          : field.substr(0, field.rfind('.') + 1) + "request_id";
  KAM_RETURN_IF_ERROR(ValidateRequestId(id_field, request.request_id()));
  KAM_ASSIGN_OR_RETURN(
      bool seen,
      requests_.LookupCreate(
          "CreateInteraction", request,
          [&](const std::string& name, google::protobuf::Message* found) {
            v1::GetInteractionRequest get;
            get.set_name(name);
            return RequestLog::Exists(
                GetInteraction(get, static_cast<v1::Interaction*>(found)));
          },
          out, id_field));
  if (seen) {
    *replayed = true;
    return absl::OkStatus();
  }
  v1::Interaction interaction = request.interaction();
  interaction.clear_name();
  interaction.clear_create_time();
  interaction.clear_update_time();
  interaction.clear_etag();
  interaction.clear_account_deleted();
  if (interaction.interaction_id().empty()) {
    interaction.set_interaction_id(GenerateId());
  }
  KAM_RETURN_IF_ERROR(
      ValidateId(field + ".interaction_id", interaction.interaction_id()));
  if (interaction.account().empty()) {
    return InvalidField(field + ".account", "is required");
  }
  ApplyInteractionDefaults(&interaction);
  KAM_RETURN_IF_ERROR(ValidateInteraction(interaction, field, txn.now()));
  const AccountView* cached = txn.CachedAccount(interaction.account());
  if (cached == nullptr) {
    KAM_ASSIGN_OR_RETURN(AccountView view,
                         ReadAccount(field + ".account", interaction.account(),
                                     /*allow_deleted=*/false));
    cached = &txn.CacheAccount(interaction.account(), std::move(view));
  }
  const AccountView& account = *cached;
  bool has_executive = false;
  KAM_RETURN_IF_ERROR(
      CheckParticipants(field, account.id, interaction, &has_executive));

  const std::string id_key = Key(account.id, interaction.interaction_id());
  std::string existing;
  if (store_->Get(store_->Family(kInteractionIds), id_key, &existing).ok() ||
      !txn.Claim(id_key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(AccountName(account.id), "/interactions/",
                     interaction.interaction_id(), " already exists"));
  }
  interaction.set_name(absl::StrCat(AccountName(account.id), "/interactions/",
                                    interaction.interaction_id()));
  *interaction.mutable_create_time() = ToProtoTime(txn.now());
  *interaction.mutable_update_time() = ToProtoTime(txn.now());
  interaction.set_etag(Etag(interaction));

  const absl::Time when = FromProtoTime(interaction.occurred_at());
  const std::string time_key = Key(account.id, Key(TimeKey(when),
                                                   interaction.interaction_id()));
  rocksdb::WriteBatch* batch = txn.batch();
  PutProto(batch, store_->Family(kInteractions), time_key, interaction);
  batch->Put(store_->Family(kInteractionIds), id_key, time_key);
  for (const auto& participant : interaction.participants()) {
    batch->Put(store_->Family(kContactIndex),
               Key(Key(account.id, ContactIdOf(participant)),
                   Key(TimeKey(when), interaction.interaction_id())),
               "");
  }
  CadenceStats* stats = txn.Later(account.id);
  if (IsVisit(interaction)) TakeLater(&stats->last_visit, when);
  if (IsBusinessReview(interaction)) TakeLater(&stats->last_business_review, when);
  if (has_executive) TakeLater(&stats->last_executive_contact, when);
  txn.MarkDirty(account.id);
  requests_.RecordCreate(batch, "CreateInteraction", request, interaction);
  *out = std::move(interaction);
  return absl::OkStatus();
}

namespace {

// The locks of one append (see IngestTxn): the new interaction's name and the
// request id exclusive, its account shared.
void AppendKeys(const v1::CreateInteractionRequest& request,
                std::vector<std::string>* keys,
                std::vector<std::string>* shared) {
  const v1::Interaction& interaction = request.interaction();
  if (!interaction.interaction_id().empty()) {
    keys->push_back(absl::StrCat(interaction.account(), "/interactions/",
                                 interaction.interaction_id()));
  }
  keys->push_back(
      RequestLog::LockKey("CreateInteraction", request.request_id()));
  shared->push_back(interaction.account());
}

}  // namespace

absl::Status EngagementLedger::CreateInteraction(
    const v1::CreateInteractionRequest& request, v1::Interaction* interaction,
    bool* replayed) {
  std::vector<std::string> keys, shared;
  AppendKeys(request, &keys, &shared);
  IngestTxn txn(this, keys, shared);
  bool replay = false;
  KAM_RETURN_IF_ERROR(
      StageCreate(txn, request, "interaction", interaction, &replay));
  if (replayed != nullptr) *replayed = replay;
  if (replay) return absl::OkStatus();
  return txn.Commit();
}

absl::Status EngagementLedger::BatchCreateInteractions(
    const v1::BatchCreateInteractionsRequest& request,
    v1::BatchCreateInteractionsResponse* response) {
  if (request.requests_size() > kMaxBatchItems) {
    return InvalidField("requests",
                        absl::StrCat("must have at most ", kMaxBatchItems,
                                     " items, got ", request.requests_size(),
                                     "; split the batch"));
  }
  std::vector<std::string> keys, shared;
  keys.reserve(2 * request.requests_size());
  shared.reserve(request.requests_size());
  for (const auto& item : request.requests()) AppendKeys(item, &keys, &shared);
  IngestTxn txn(this, keys, shared);
  std::set<std::string> request_ids;
  for (int i = 0; i < request.requests_size(); ++i) {
    auto* result = response->add_results();
    const auto& item = request.requests(i);
    bool replayed = false;
    absl::Status status;
    if (!item.request_id().empty() && !request_ids.insert(item.request_id()).second) {
      status = InvalidField(absl::StrCat("requests[", i, "].request_id"),
                            "is used by an earlier item of this batch");
    } else {
      status = StageCreate(txn, item, absl::StrCat("requests[", i, "].interaction"),
                           result->mutable_interaction(), &replayed);
    }
    if (!status.ok()) {
      result->clear_interaction();
      result->set_code(static_cast<int>(status.code()));
      result->set_message(std::string(status.message()));
      response->set_failed(response->failed() + 1);
      continue;
    }
    result->set_replayed(replayed);
    if (!replayed) response->set_created(response->created() + 1);
  }
  if (response->created() == 0) return absl::OkStatus();
  return txn.Commit();
}

absl::Status EngagementLedger::GetInteraction(
    const v1::GetInteractionRequest& request, v1::Interaction* interaction) const {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("name", request.name(),
                                                "accounts", "interactions"));
  std::string time_key;
  absl::Status s = store_->Get(store_->Family(kInteractionIds),
                               Key(ids.first, ids.second), &time_key);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
  }
  KAM_RETURN_IF_ERROR(s);
  KAM_ASSIGN_OR_RETURN(bool found, store_->GetProto(store_->Family(kInteractions),
                                                    time_key, interaction));
  if (!found) return absl::InternalError("interaction index points nowhere");
  std::string unused;
  interaction->set_account_deleted(
      store_->Get(store_->Family(kRegDeleted), ids.first, &unused).ok());
  return absl::OkStatus();
}

absl::Status EngagementLedger::ListInteractions(
    const v1::ListInteractionsRequest& request,
    v1::ListInteractionsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(std::string account_id,
                       ParseName("parent", request.parent(), "accounts"));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  const bool has_start = request.has_start_time();
  const bool has_end = request.has_end_time();
  const absl::Time start = FromProtoTime(request.start_time());
  const absl::Time end = FromProtoTime(request.end_time());
  if (has_start && has_end && end <= start) {
    return InvalidField("end_time", "must be after start_time");
  }
  const std::string filters =
      absl::StrCat(account_id, "|", has_start ? absl::FormatTime(start) : "",
                   "|", has_end ? absl::FormatTime(end) : "");
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), filters));
  std::string unused;
  const bool deleted = store_->Get(store_->Family(kRegDeleted), account_id, &unused).ok();

  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kInteractions));
  if (!after.empty()) {
    it->Seek(after);
    if (it->Valid() && it->key() == after) it->Next();
  } else {
    it->Seek(has_end ? prefix + TimeKey(end) : prefix);
  }
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::Interaction interaction;
    if (!ParseProto(it->value(), &interaction)) {
      return absl::InternalError("corrupt interaction " + it->key().ToString());
    }
    const absl::Time when = FromProtoTime(interaction.occurred_at());
    if (has_end && when >= end) continue;
    if (has_start && when < start) break;
    if (response->interactions_size() == page_size) {
      it->Prev();
      response->set_next_page_token(MakePageToken(filters, it->key().ToString()));
      break;
    }
    interaction.set_account_deleted(deleted);
    *response->add_interactions() = std::move(interaction);
  }
  return absl::OkStatus();
}

absl::Status EngagementLedger::ListContactInteractions(
    const v1::ListContactInteractionsRequest& request,
    v1::ListInteractionsResponse* response) const {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("contact", request.contact(),
                                                "accounts", "contacts"));
  KAM_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  KAM_ASSIGN_OR_RETURN(std::string after,
                       ParsePageToken(request.page_token(), request.contact()));
  const std::string prefix = Key(ids.first, ids.second) + "/";
  auto it = store_->NewIterator(store_->Family(kContactIndex));
  it->Seek(after.empty() ? prefix : after);
  if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (response->interactions_size() == page_size) {
      it->Prev();
      response->set_next_page_token(
          MakePageToken(request.contact(), it->key().ToString()));
      break;
    }
    // prefix + "<time>/<id>" -> the timeline key "a/<time>/<id>".
    const std::string rest = it->key().ToString().substr(prefix.size());
    v1::Interaction interaction;
    KAM_ASSIGN_OR_RETURN(bool found,
                         store_->GetProto(store_->Family(kInteractions),
                                          Key(ids.first, rest), &interaction));
    if (found) *response->add_interactions() = std::move(interaction);
  }
  return absl::OkStatus();
}

absl::StatusOr<CadenceStats> EngagementLedger::ReadStats(
    const std::string& account_id) const {
  std::string value;
  absl::Status s = store_->Get(store_->Family(kStats), account_id, &value);
  if (absl::IsNotFound(s)) return CadenceStats{};
  KAM_RETURN_IF_ERROR(s);
  return DecodeStats(value);
}

absl::Status EngagementLedger::ScanTimeline(
    const std::string& account_id, absl::Time newest,
    const std::function<bool(const v1::Interaction&)>& visit) const {
  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kInteractions));
  for (it->Seek(prefix + TimeKey(newest));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::Interaction interaction;
    if (!ParseProto(it->value(), &interaction)) {
      return absl::InternalError("corrupt interaction " + it->key().ToString());
    }
    if (!visit(interaction)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<CadenceStats> EngagementLedger::ComputeStats(
    const std::string& account_id, const std::string& skip_name,
    const v1::Interaction* extra) const {
  CadenceStats stats;
  auto fold = [&](const v1::Interaction& interaction) {
    const absl::Time when = FromProtoTime(interaction.occurred_at());
    if (IsVisit(interaction)) TakeLater(&stats.last_visit, when);
    if (IsBusinessReview(interaction)) TakeLater(&stats.last_business_review, when);
    if (HasExecutive(account_id, interaction)) {
      TakeLater(&stats.last_executive_contact, when);
    }
  };
  KAM_RETURN_IF_ERROR(ScanTimeline(account_id, absl::InfiniteFuture(),
                                   [&](const v1::Interaction& interaction) {
                                     if (interaction.name() != skip_name) {
                                       fold(interaction);
                                     }
                                     return true;
                                   }));
  if (extra != nullptr) fold(*extra);
  return stats;
}

absl::Status EngagementLedger::UpdateInteraction(
    const v1::UpdateInteractionRequest& request, v1::Interaction* out) {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("interaction.name",
                                                request.interaction().name(),
                                                "accounts", "interactions"));
  static const auto* const kPaths = new std::vector<std::string>{
      "type",    "occurred_at", "participants", "internal_participants",
      "channel", "summary",     "outcome",      "next_steps",
      "sentiment"};
  const auto& mask = request.update_mask();
  KAM_RETURN_IF_ERROR(ValidateMask(mask, *kPaths));
  IngestTxn txn(this, {AccountName(ids.first)});
  v1::GetInteractionRequest get;
  get.set_name(request.interaction().name());
  v1::Interaction current;
  KAM_RETURN_IF_ERROR(GetInteraction(get, &current));
  if (current.account_deleted()) {
    return absl::FailedPreconditionError(absl::StrCat(
        current.account(), " was deleted in the registry; its history is "
                           "read-only"));
  }
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), current.name()));
  v1::Interaction next = current;
  for (const auto& path : mask.paths()) {
    const auto* field = next.GetDescriptor()->FindFieldByName(path);
    next.GetReflection()->ClearField(&next, field);
    if (field->is_repeated() ||
        request.interaction().GetReflection()->HasField(request.interaction(),
                                                        field)) {
      google::protobuf::FieldMask one;
      one.add_paths(path);
      google::protobuf::util::FieldMaskUtil::MergeMessageTo(
          request.interaction(), one,
          google::protobuf::util::FieldMaskUtil::MergeOptions(), &next);
    }
  }
  if (std::find(mask.paths().begin(), mask.paths().end(), "channel") ==
          mask.paths().end() &&
      std::find(mask.paths().begin(), mask.paths().end(), "type") !=
          mask.paths().end()) {
    next.clear_channel();  // follow the new type's default
  }
  ApplyInteractionDefaults(&next);
  KAM_RETURN_IF_ERROR(ValidateInteraction(next, "interaction", txn.now()));
  KAM_RETURN_IF_ERROR(CheckParticipants("interaction", ids.first, next));
  if (SameContent(next, current)) {
    *out = std::move(current);
    return absl::OkStatus();
  }
  *next.mutable_update_time() = ToProtoTime(txn.now());
  next.clear_etag();
  next.set_account_deleted(false);
  next.set_etag(Etag(next));

  // Re-key: the time may have moved, and so may the participants.
  std::string old_key;
  KAM_RETURN_IF_ERROR(store_->Get(store_->Family(kInteractionIds),
                                  Key(ids.first, ids.second), &old_key));
  const absl::Time old_when = FromProtoTime(current.occurred_at());
  const absl::Time when = FromProtoTime(next.occurred_at());
  const std::string new_key = Key(ids.first, Key(TimeKey(when), ids.second));
  rocksdb::WriteBatch* batch = txn.batch();
  batch->Delete(store_->Family(kInteractions), old_key);
  PutProto(batch, store_->Family(kInteractions), new_key, next);
  batch->Put(store_->Family(kInteractionIds), Key(ids.first, ids.second), new_key);
  for (const auto& p : current.participants()) {
    batch->Delete(store_->Family(kContactIndex),
                  Key(Key(ids.first, ContactIdOf(p)), Key(TimeKey(old_when), ids.second)));
  }
  for (const auto& p : next.participants()) {
    batch->Put(store_->Family(kContactIndex),
               Key(Key(ids.first, ContactIdOf(p)), Key(TimeKey(when), ids.second)), "");
  }
  KAM_ASSIGN_OR_RETURN(CadenceStats stats,
                       ComputeStats(ids.first, current.name(), &next));
  txn.ReplaceStats(ids.first, stats);
  txn.MarkDirty(ids.first);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(next);
  return absl::OkStatus();
}

absl::Status EngagementLedger::DeleteInteraction(
    const v1::DeleteInteractionRequest& request) {
  KAM_ASSIGN_OR_RETURN(auto ids, ParseChildName("name", request.name(),
                                                "accounts", "interactions"));
  IngestTxn txn(this, {AccountName(ids.first)});
  v1::GetInteractionRequest get;
  get.set_name(request.name());
  v1::Interaction current;
  KAM_RETURN_IF_ERROR(GetInteraction(get, &current));
  KAM_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), current.name()));
  std::string key;
  KAM_RETURN_IF_ERROR(store_->Get(store_->Family(kInteractionIds),
                                  Key(ids.first, ids.second), &key));
  const absl::Time when = FromProtoTime(current.occurred_at());
  rocksdb::WriteBatch* batch = txn.batch();
  batch->Delete(store_->Family(kInteractions), key);
  batch->Delete(store_->Family(kInteractionIds), Key(ids.first, ids.second));
  for (const auto& p : current.participants()) {
    batch->Delete(store_->Family(kContactIndex),
                  Key(Key(ids.first, ContactIdOf(p)), Key(TimeKey(when), ids.second)));
  }
  KAM_ASSIGN_OR_RETURN(CadenceStats stats,
                       ComputeStats(ids.first, current.name(), nullptr));
  txn.ReplaceStats(ids.first, stats);
  txn.MarkDirty(ids.first);
  return txn.Commit();
}

// ----------------------------------------------------------- satisfaction

absl::Status EngagementLedger::RecordSurveyResponse(
    const v1::RecordSurveyResponseRequest& request, v1::SurveyResponse* out) {
  KAM_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  v1::SurveyResponse response = request.response();
  response.clear_name();
  IngestTxn txn(this,
                {RequestLog::LockKey("RecordSurveyResponse",
                                     request.request_id())},
                /*shared=*/{response.account()});
  // A survey response's key holds its time, which the request gives.
  auto read_survey =
      [&](const std::string& name,
          google::protobuf::Message* found) -> absl::StatusOr<bool> {
    KAM_ASSIGN_OR_RETURN(
        auto ids, ParseChildName("name", name, "accounts", "surveyResponses"));
    return store_->GetProto(
        store_->Family(kSurveys),
        Key(ids.first,
            Key(TimeKey(FromProtoTime(request.response().responded_at())),
                ids.second)),
        found);
  };
  KAM_ASSIGN_OR_RETURN(bool seen,
                       requests_.LookupCreate("RecordSurveyResponse", request,
                                              read_survey, out));
  if (seen) return absl::OkStatus();
  if (response.account().empty()) {
    return InvalidField("response.account", "is required");
  }
  KAM_RETURN_IF_ERROR(ValidateSurveyResponse(response, "response", txn.now()));
  KAM_ASSIGN_OR_RETURN(AccountView account,
                       ReadAccount("response.account", response.account(), false));
  if (!response.contact().empty()) {
    v1::Interaction probe;
    probe.add_participants(response.contact());
    absl::Status s = CheckParticipants("response", account.id, probe);
    if (!s.ok()) {
      // Name the field as the caller knows it.
      std::string message(s.message());
      absl::StrReplaceAll({{"response.participants[0]", "response.contact"}},
                          &message);
      return absl::Status(s.code(), message);
    }
  }
  const std::string id = GenerateId();
  response.set_name(absl::StrCat(AccountName(account.id), "/surveyResponses/", id));
  PutProto(txn.batch(), store_->Family(kSurveys),
           Key(account.id, Key(TimeKey(FromProtoTime(response.responded_at())), id)),
           response);
  requests_.RecordCreate(txn.batch(), "RecordSurveyResponse", request,
                         response);
  txn.MarkDirty(account.id);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(response);
  return absl::OkStatus();
}

absl::Status EngagementLedger::SatisfactionOf(const std::string& account_id,
                                              int window_days,
                                              v1::Satisfaction* satisfaction) const {
  const absl::Time now = clock_->Now();
  const absl::Time start = now - absl::Hours(24) * window_days;
  const absl::Time previous_start = start - absl::Hours(24) * window_days;
  NpsTally current, previous;
  int csat_sum = 0;
  const std::string prefix = account_id + "/";
  auto it = store_->NewIterator(store_->Family(kSurveys));
  for (it->Seek(prefix + TimeKey(now)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    v1::SurveyResponse response;
    if (!ParseProto(it->value(), &response)) {
      return absl::InternalError("corrupt survey response " + it->key().ToString());
    }
    const absl::Time when = FromProtoTime(response.responded_at());
    if (when > now) continue;
    if (when < previous_start) break;
    const bool in_window = when >= start;
    if (response.nps() >= 0) (in_window ? current : previous).Add(response.nps());
    if (in_window && response.csat() > 0) {
      csat_sum += response.csat();
      satisfaction->set_csat_responses(satisfaction->csat_responses() + 1);
    }
  }
  satisfaction->set_account(AccountName(account_id));
  satisfaction->set_window_days(window_days);
  if (auto score = current.Score()) satisfaction->set_nps(*score);
  satisfaction->set_nps_responses(current.total());
  satisfaction->set_promoters(current.promoters);
  satisfaction->set_passives(current.passives);
  satisfaction->set_detractors(current.detractors);
  if (auto score = previous.Score()) satisfaction->set_previous_nps(*score);
  satisfaction->set_previous_nps_responses(previous.total());
  if (satisfaction->csat_responses() > 0) {
    satisfaction->set_csat_x100(static_cast<int>(
        std::lround(100.0 * csat_sum / satisfaction->csat_responses())));
  }
  return absl::OkStatus();
}

absl::Status EngagementLedger::GetSatisfaction(
    const v1::GetSatisfactionRequest& request, v1::Satisfaction* satisfaction) const {
  KAM_ASSIGN_OR_RETURN(int window, DaysParam("window_days", request.window_days(), 365));
  KAM_ASSIGN_OR_RETURN(AccountView account,
                       ReadAccount("account", request.account(), true));
  return SatisfactionOf(account.id, window, satisfaction);
}

// ----------------------------------------------------------------- cadence

v1::CadencePolicy EngagementLedger::Policy(Tier tier) const {
  v1::CadencePolicy policy;
  auto found = store_->GetProto(store_->Family(kCadence),
                                absl::StrCat(static_cast<int>(tier)), &policy);
  if (found.ok() && *found) return policy;
  return DefaultCadence(tier);
}

Tier EngagementLedger::TierOf(const std::string& account_id) const {
  std::string value;
  int tier = 0;
  if (store_->Get(store_->Family(kTiers), account_id, &value).ok() &&
      absl::SimpleAtoi(value, &tier) && kam::common::v1::Tier_IsValid(tier) &&
      tier != kam::common::v1::TIER_UNSPECIFIED) {
    return static_cast<Tier>(tier);
  }
  return options_.default_tier;
}

absl::Status EngagementLedger::ListCadencePolicies(
    v1::ListCadencePoliciesResponse* response) const {
  for (Tier tier : AllTiers()) *response->add_policies() = Policy(tier);
  return absl::OkStatus();
}

absl::Status EngagementLedger::SetCadencePolicy(
    const v1::SetCadencePolicyRequest& request, v1::CadencePolicy* policy) {
  KAM_RETURN_IF_ERROR(ValidateCadencePolicy(request.policy(), "policy"));
  *policy = request.policy();
  policy->set_is_default(false);
  IngestTxn txn(this, {absl::StrCat("cadencePolicies/",
                                    static_cast<int>(policy->tier()))});
  PutProto(txn.batch(), store_->Family(kCadence),
           absl::StrCat(static_cast<int>(policy->tier())), *policy);
  return txn.Commit();
}

absl::StatusOr<bool> EngagementLedger::IsOverdue(
    const std::string& account_id, const AccountView& account,
    std::vector<v1::OverdueItem>* items) const {
  KAM_ASSIGN_OR_RETURN(CadenceStats stats, ReadStats(account_id));
  *items = OverdueItems(stats, Policy(TierOf(account_id)), account.known_since,
                        clock_->Now());
  return !items->empty();
}

absl::Status EngagementLedger::ListOverdueAccounts(
    const v1::ListOverdueAccountsRequest& request,
    v1::ListOverdueAccountsResponse* response) const {
  if (!kam::common::v1::Tier_IsValid(request.tier())) {
    return InvalidField("tier", "is not a known tier");
  }
  if (request.limit() < 0) return InvalidField("limit", "must not be negative");
  const int limit = request.limit() == 0
                        ? 100
                        : std::min(request.limit(), kMaxReportLimit);
  std::vector<v1::OverdueAccount> overdue;
  auto it = store_->NewIterator(store_->Family(kRegAccounts));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    AccountView view;
    view.id = it->key().ToString();
    if (!ParseProto(it->value(), &view.account)) {
      return absl::InternalError("corrupt projected account " + view.id);
    }
    std::string unused;
    if (store_->Get(store_->Family(kRegDeleted), view.id, &unused).ok()) continue;
    // Cadence is for customers: not for prospects or churned accounts.
    if (view.account.lifecycle_status() != reg::ACTIVE &&
        view.account.lifecycle_status() != reg::DORMANT) {
      continue;
    }
    const Tier tier = TierOf(view.id);
    if (request.tier() != kam::common::v1::TIER_UNSPECIFIED && tier != request.tier()) {
      continue;
    }
    view.known_since = FromProtoTime(view.account.create_time());
    std::vector<v1::OverdueItem> items;
    KAM_ASSIGN_OR_RETURN(bool late, IsOverdue(view.id, view, &items));
    if (!late) continue;
    v1::OverdueAccount& account = overdue.emplace_back();
    account.set_account(AccountName(view.id));
    account.set_display_name(view.account.display_name());
    account.set_tier(tier);
    for (auto& item : items) {
      account.set_days_overdue(std::max(account.days_overdue(), item.days_overdue()));
      *account.add_missing() = std::move(item);
    }
  }
  std::stable_sort(overdue.begin(), overdue.end(),
                   [](const v1::OverdueAccount& a, const v1::OverdueAccount& b) {
                     return a.days_overdue() > b.days_overdue();
                   });
  for (int i = 0; i < static_cast<int>(overdue.size()) && i < limit; ++i) {
    *response->add_accounts() = std::move(overdue[i]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> EngagementLedger::CountOverdueByTier() const {
  v1::ListOverdueAccountsRequest request;
  request.set_limit(kMaxReportLimit);
  v1::ListOverdueAccountsResponse response;
  KAM_RETURN_IF_ERROR(ListOverdueAccounts(request, &response));
  std::vector<int> counts(5, 0);
  for (const auto& account : response.accounts()) ++counts[account.tier()];
  return counts;
}

// ---------------------------------------------------------------- coverage

absl::Status EngagementLedger::CoverageOf(const std::string& account_id, int days,
                                          v1::Coverage* coverage) const {
  const absl::Time now = clock_->Now();
  const absl::Time since = now - absl::Hours(24) * days;
  std::set<std::string> engaged;
  KAM_RETURN_IF_ERROR(
      ScanTimeline(account_id, now, [&](const v1::Interaction& interaction) {
        if (FromProtoTime(interaction.occurred_at()) < since) return false;
        for (const auto& p : interaction.participants()) {
          engaged.insert(ContactIdOf(p));
        }
        return true;
      }));
  const std::string prefix = account_id + "/";
  std::set<int> roles, levels;
  auto contacts = store_->NewIterator(store_->Family(kRegContacts));
  for (contacts->Seek(prefix);
       contacts->Valid() && contacts->key().starts_with(prefix); contacts->Next()) {
    reg::Contact contact;
    if (!ParseProto(contacts->value(), &contact)) {
      return absl::InternalError("corrupt projected contact");
    }
    const std::string id = contacts->key().ToString().substr(prefix.size());
    const std::string name = absl::StrCat(AccountName(account_id), "/contacts/", id);
    if (engaged.count(id) == 0) {
      coverage->add_contacts_not_engaged(name);
      continue;
    }
    coverage->add_contacts_engaged(name);
    for (int role : contact.roles()) roles.insert(role);
    levels.insert(contact.level());
  }
  for (int role = reg::BUYER; role <= reg::AMBASSADOR; ++role) {
    const std::string& name = reg::BuyingRole_Name(role);
    if (roles.count(role)) {
      coverage->add_roles_engaged(name);
    } else {
      coverage->add_roles_missing(name);
    }
  }
  for (int level = reg::OPERATIONAL; level <= reg::EXECUTIVE; ++level) {
    const std::string& name = reg::OrgLevel_Name(level);
    if (levels.count(level)) {
      coverage->add_levels_engaged(name);
    } else {
      coverage->add_levels_missing(name);
    }
  }
  coverage->set_account(AccountName(account_id));
  coverage->set_days(days);
  return absl::OkStatus();
}

absl::Status EngagementLedger::GetCoverage(const v1::GetCoverageRequest& request,
                                           v1::Coverage* coverage) const {
  KAM_ASSIGN_OR_RETURN(int days, DaysParam("days", request.days(), 90));
  KAM_ASSIGN_OR_RETURN(AccountView account,
                       ReadAccount("account", request.account(), true));
  return CoverageOf(account.id, days, coverage);
}

// ------------------------------------------------------------------ stages

absl::Status EngagementLedger::SetRelationshipStage(
    const v1::SetRelationshipStageRequest& request, v1::RelationshipStage* out) {
  v1::RelationshipStage stage = request.stage();
  IngestTxn txn(this, {stage.account()});
  KAM_RETURN_IF_ERROR(ValidateRelationshipStage(stage, "stage", txn.now()));
  KAM_ASSIGN_OR_RETURN(AccountView account,
                       ReadAccount("stage.account", stage.account(), false));
  stage.set_account(AccountName(account.id));
  *stage.mutable_record_time() = ToProtoTime(txn.now());
  PutProto(txn.batch(), store_->Family(kStages),
           Key(account.id, Key(TimeKey(FromProtoTime(stage.effective_time())),
                               TimeKey(txn.now()))),
           stage);
  txn.MarkDirty(account.id);
  KAM_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(stage);
  return absl::OkStatus();
}

absl::Status EngagementLedger::GetRelationshipStage(
    const v1::GetRelationshipStageRequest& request,
    v1::RelationshipStageHistory* history) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", request.account(), "accounts"));
  const std::string prefix = id + "/";
  auto it = store_->NewIterator(store_->Family(kStages));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!ParseProto(it->value(), history->add_history())) {
      return absl::InternalError("corrupt stage " + it->key().ToString());
    }
  }
  if (history->history_size() > 0) *history->mutable_current() = history->history(0);
  return absl::OkStatus();
}

// ----------------------------------------------------------------- summary

absl::Status EngagementLedger::Summarize(const std::string& account_id,
                                         v1::EngagementSummary* summary) const {
  const absl::Time now = clock_->Now();
  summary->set_account(AccountName(account_id));
  summary->set_tier(TierOf(account_id));
  *summary->mutable_computed_at() = ToProtoTime(now);

  // The newest interaction is the last contact, however old; the counts
  // cover the last year.
  KAM_RETURN_IF_ERROR(
      ScanTimeline(account_id, now, [&](const v1::Interaction& interaction) {
        if (!summary->has_last_contact()) {
          *summary->mutable_last_contact() = interaction.occurred_at();
        }
        const int age = DaysBetween(FromProtoTime(interaction.occurred_at()), now);
        if (age >= 365) return false;
        summary->set_interactions_365d(summary->interactions_365d() + 1);
        if (age < 90) {
          summary->set_interactions_90d(summary->interactions_90d() + 1);
          if (HasExecutive(account_id, interaction)) {
            summary->set_executive_touches_90d(summary->executive_touches_90d() +
                                               1);
          }
        }
        if (age < 30) summary->set_interactions_30d(summary->interactions_30d() + 1);
        return true;
      }));
  v1::Satisfaction satisfaction;
  KAM_RETURN_IF_ERROR(SatisfactionOf(account_id, 365, &satisfaction));
  if (satisfaction.has_nps()) summary->set_nps(satisfaction.nps());
  if (satisfaction.has_previous_nps()) summary->set_previous_nps(satisfaction.previous_nps());

  v1::RelationshipStageHistory stages;
  v1::GetRelationshipStageRequest stage_request;
  stage_request.set_account(AccountName(account_id));
  KAM_RETURN_IF_ERROR(GetRelationshipStage(stage_request, &stages));
  if (stages.has_current()) summary->set_stage(stages.current().stage());

  v1::Coverage coverage;
  KAM_RETURN_IF_ERROR(CoverageOf(account_id, 90, &coverage));
  summary->set_role_coverage_percent(coverage.roles_engaged_size() * 100 / 5);
  *summary->mutable_roles_missing_90d() = coverage.roles_missing();

  auto view = ReadAccount("account", AccountName(account_id), true);
  if (view.ok()) {
    summary->set_account_deleted(view->deleted);
    std::vector<v1::OverdueItem> items;
    KAM_ASSIGN_OR_RETURN(bool late, IsOverdue(account_id, *view, &items));
    const auto status = view->account.lifecycle_status();
    summary->set_overdue(late && !view->deleted &&
                         (status == reg::ACTIVE || status == reg::DORMANT));
  }
  return absl::OkStatus();
}

absl::Status EngagementLedger::GetEngagementSummary(
    const v1::GetEngagementSummaryRequest& request,
    v1::EngagementSummary* summary) const {
  KAM_ASSIGN_OR_RETURN(AccountView account,
                       ReadAccount("account", request.account(), true));
  return Summarize(account.id, summary);
}

absl::StatusOr<int> EngagementLedger::PublishDirtySummaries(int max_accounts) {
  std::vector<std::pair<std::string, std::string>> dirty;
  {
    auto it = store_->NewIterator(store_->Family(kDirty));
    for (it->SeekToFirst(); it->Valid() && static_cast<int>(dirty.size()) < max_accounts;
         it->Next()) {
      dirty.emplace_back(it->key().ToString(), it->value().ToString());
    }
  }
  int published = 0;
  for (const auto& [account_id, token] : dirty) {
    v1::EngagementSummary summary;
    KAM_RETURN_IF_ERROR(Summarize(account_id, &summary));
    ChangeFeed::Writer writer(feed_.get(), {AccountName(account_id)});
    rocksdb::WriteBatch batch;
    // Marked again while we computed? Publish now, and again next round.
    std::string current;
    if (store_->Get(store_->Family(kDirty), account_id, &current).ok() &&
        current == token) {
      batch.Delete(store_->Family(kDirty), account_id);
    }
    writer.Append(&batch, ChangeEvent::UPDATED,
                  absl::StrCat(AccountName(account_id), "/engagementSummary"),
                  summary);
    KAM_RETURN_IF_ERROR(writer.Commit(&batch));
    ++published;
  }
  return published;
}

}  // namespace kam::engagement
