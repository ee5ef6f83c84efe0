#include "services/scoring/tier_replica.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"
#include "kam/scoring/v1/scoring.pb.h"

namespace kam::scoring {

using kam::common::v1::ChangeEvent;

namespace {

constexpr char kInbox[] = "inbox";    // ChangeFeed::Key(sequence) -> event
constexpr char kTiers[] = "tiers";    // account id -> TierChange (latest)
constexpr char kOutbox[] = "outbox";  // the mirrored feed

// A follower knows the tier in force and the override behind it, not the
// computed tier under an override: it reads the latter as the former.
TierEntry EntryOf(const v1::TierChange& change) {
  TierEntry entry;
  entry.tier = change.tier();
  entry.computed_tier = change.tier();
  entry.since_micros =
      absl::ToUnixMicros(FromProtoTime(change.effective_time()));
  entry.score = change.score();
  if (change.reason() == v1::OVERRIDE_SET && change.has_override()) {
    entry.override =
        std::make_shared<const v1::TierOverride>(change.override());
  }
  return entry;
}

}  // namespace

const std::vector<std::string>& TierReplica::ColumnFamilies() {
  static const auto* families =
      new std::vector<std::string>{kInbox, kTiers, kOutbox, kCursorFamily};
  return *families;
}

TierReplica::TierReplica(Store* store, Clock* clock,
                         prometheus::Registry* metrics)
    : store_(store),
      feed_(std::make_unique<ChangeFeed>(store, store->Family(kOutbox), clock)),
      lookups_(&tiers_, metrics) {}

TierReplica::~TierReplica() = default;

absl::Status TierReplica::Load() {
  auto it = store_->NewIterator(store_->Family(kTiers));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::TierChange change;
    if (!ParseProto(it->value(), &change)) {
      return absl::DataLossError("follower: unreadable stored tier");
    }
    tiers_.Put(it->key().ToString(), EntryOf(change));
  }
  return FromRocksStatus(it->status(), "follower: loading tiers");
}

absl::Status TierReplica::StageEvent(const ChangeEvent& event,
                                     rocksdb::WriteBatch* batch) {
  batch->Put(store_->Family(kInbox), ChangeFeed::Key(event.sequence()),
             event.SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<int> TierReplica::ApplyInbox(int max_events) {
  ChangeFeed::Writer writer(feed_.get());
  rocksdb::WriteBatch batch;
  struct Update {
    std::string id;
    bool erase;
    TierEntry entry;
  };
  std::vector<Update> updates;
  int applied = 0;
  uint64_t expected = feed_->head() + 1;
  auto it = store_->NewIterator(store_->Family(kInbox));
  for (it->SeekToFirst(); it->Valid() && applied < max_events; it->Next()) {
    ++applied;
    batch.Delete(store_->Family(kInbox), it->key());
    ChangeEvent event;
    v1::TierChange change;
    if (!ParseProto(it->value(), &event) ||
        !event.resource().UnpackTo(&change)) {
      return absl::DataLossError("follower: unreadable tier event");
    }
    if (event.sequence() != expected) {
      // Only if the follower's store was not started empty against this
      // primary: its cursors then differ from the primary's.
      std::fprintf(stderr,
                   "kam-scoring follower: primary sequence %llu mirrored as "
                   "%llu\n",
                   static_cast<unsigned long long>(event.sequence()),
                   static_cast<unsigned long long>(expected));
    }
    ++expected;
    writer.Append(&batch, event.kind(), event.resource_name(), change);
    auto id = ParseName("account", change.account(), "accounts");
    if (!id.ok())
      return absl::DataLossError("follower: tier event without account");
    if (change.tier() == kam::common::v1::TIER_UNSPECIFIED) {
      batch.Delete(store_->Family(kTiers), *id);
      updates.push_back({*id, true, {}});
    } else {
      PutProto(&batch, store_->Family(kTiers), *id, change);
      updates.push_back({*id, false, EntryOf(change)});
    }
  }
  KAM_RETURN_IF_ERROR(FromRocksStatus(it->status(), "follower: inbox"));
  if (applied == 0) return 0;
  KAM_RETURN_IF_ERROR(writer.Commit(&batch));
  for (Update& update : updates) {
    if (update.erase) {
      tiers_.Erase(update.id);
    } else {
      tiers_.Put(update.id, std::move(update.entry));
    }
  }
  lookups_.ExportCounts();
  return applied;
}

}  // namespace kam::scoring
