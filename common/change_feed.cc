#include "common/change_feed.h"

#include <cstdio>
#include <cstring>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

ABSL_FLAG(absl::Duration, feed_retention, absl::Hours(168),
          "How long a change feed keeps its events: older ones are trimmed "
          "(every minute; the newest event is always kept). A consumer down "
          "longer than this re-lists its producer's state instead of "
          "replaying. Env: KAM_FEED_RETENTION");
ABSL_FLAG(int64_t, feed_max_events, 10'000'000,
          "Most events a change feed keeps; the oldest beyond are trimmed. "
          "0: no count bound. Env: KAM_FEED_MAX_EVENTS");

ABSL_FLAG(absl::Duration, feed_trim_interval, absl::Minutes(1),
          "How often a change feed is trimmed to --feed_retention and "
          "--feed_max_events (tests shorten it). Env: KAM_FEED_TRIM_INTERVAL");

namespace kam {

using kam::common::v1::ChangeEvent;

ChangeFeed::Retention ChangeFeed::Retention::FromFlags() {
  Retention retention;
  retention.max_age = absl::GetFlag(FLAGS_feed_retention);
  retention.max_events = absl::GetFlag(FLAGS_feed_max_events);
  return retention;
}

std::string ChangeFeed::Key(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return key;
}

namespace {

uint64_t DecodeKey(const rocksdb::Slice& key) {
  uint64_t sequence = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) {
    sequence = (sequence << 8) | static_cast<unsigned char>(key[i]);
  }
  return sequence;
}

// A WriteBatch's serialised form ("rep", rocksdb/write_batch.h) is a 12-byte
// header (8-byte sequence, 4-byte little-endian record count) followed by
// the records. Records of several batches concatenate into one batch, which
// is how LevelDB and RocksDB build a write group (WriteBatchInternal::Append;
// not public API, so done here on the documented format).
constexpr size_t kBatchHeader = 12;

void AppendRecords(const rocksdb::WriteBatch& batch, std::string* rep,
                   uint32_t* count) {
  const std::string& data = batch.Data();
  if (data.size() <= kBatchHeader) return;
  rep->append(data, kBatchHeader, std::string::npos);
  *count += batch.Count();
}

void SetCount(uint32_t count, std::string* rep) {
  for (int i = 0; i < 4; ++i) {
    (*rep)[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
  }
}

// Field 1 (sequence, varint) of ChangeEvent on the wire.
void AppendSequenceField(uint64_t sequence, std::string* out) {
  out->push_back(static_cast<char>(0x08));
  while (sequence >= 0x80) {
    out->push_back(static_cast<char>((sequence & 0x7f) | 0x80));
    sequence >>= 7;
  }
  out->push_back(static_cast<char>(sequence));
}

}  // namespace

struct ChangeFeed::Pending {
  Pending(rocksdb::WriteBatch* batch, std::vector<std::string>* events)
      : batch(batch), events(events) {}
  rocksdb::WriteBatch* const batch;
  std::vector<std::string>* const events;
  absl::Status status;
  bool done = false;
  absl::CondVar cv;
};

ChangeFeed::ChangeFeed(Store* store, rocksdb::ColumnFamilyHandle* outbox,
                       Clock* clock)
    : store_(store), outbox_(outbox), clock_(clock) {
  absl::MutexLock incarnation_lock(&incarnation_mu_);
  absl::Status found = store_->Get(outbox_, IncarnationKey(), &incarnation_);
  if (!found.ok()) {
    // A new outbox, or one from before incarnations: this is where its
    // sequences start to count.
    absl::BitGen gen;
    incarnation_ = absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                                   absl::Uniform<uint64_t>(gen));
    rocksdb::WriteBatch batch;
    batch.Put(outbox_, IncarnationKey(), incarnation_);
    absl::Status written = store_->Write(&batch);
    if (!written.ok()) {
      std::fprintf(stderr, "kam: change feed: storing incarnation: %s\n",
                   written.ToString().c_str());
    }
  }
  auto it = store_->NewIterator(outbox_);
  it->SeekToLast();
  // The incarnation key decodes as 0: an outbox without events.
  const uint64_t last = it->Valid() ? DecodeKey(it->key()) : 0;
  it->Seek(Key(1));
  const uint64_t oldest = it->Valid() ? DecodeKey(it->key()) : last + 1;
  oldest_.store(oldest, std::memory_order_release);
  absl::MutexLock lock(&queue_mu_);
  last_assigned_ = last;
  head_.store(last, std::memory_order_release);
}

ChangeFeed::~ChangeFeed() { StopTrimming(); }

std::string ChangeFeed::incarnation() const {
  absl::MutexLock lock(&incarnation_mu_);
  return incarnation_;
}

void ChangeFeed::AdoptIncarnation(const std::string& incarnation) {
  absl::MutexLock lock(&incarnation_mu_);
  if (incarnation.empty() || incarnation == incarnation_) return;
  rocksdb::WriteBatch batch;
  batch.Put(outbox_, IncarnationKey(), incarnation);
  absl::Status written = store_->Write(&batch);
  if (!written.ok()) {
    std::fprintf(stderr, "kam: change feed: storing incarnation: %s\n",
                 written.ToString().c_str());
    return;
  }
  incarnation_ = incarnation;
}

ChangeFeed::Snapshot ChangeFeed::TakeSnapshot() {
  LockTable::Locks all = locks_.LockAll();
  Snapshot snapshot;
  snapshot.snapshot = store_->db()->GetSnapshot();
  snapshot.sequence = head();
  return snapshot;
}

void ChangeFeed::ReleaseSnapshot(const Snapshot& snapshot) {
  if (snapshot.snapshot != nullptr) {
    store_->db()->ReleaseSnapshot(snapshot.snapshot);
  }
}

absl::StatusOr<uint64_t> ChangeFeed::Trim(const Retention& retention) {
  absl::MutexLock trimming(&trim_mu_);
  const uint64_t head = this->head();
  const uint64_t old = oldest();
  if (head == 0 || old >= head) return 0;
  // The new oldest: never past the head (the newest event stays).
  uint64_t cut = old;
  if (retention.max_events > 0 &&
      head - old + 1 > static_cast<uint64_t>(retention.max_events)) {
    cut = head - static_cast<uint64_t>(retention.max_events) + 1;
  }
  // The first event in [cut, head] young enough to keep.
  const absl::Time limit = clock_->Now() - retention.max_age;
  uint64_t lo = cut;
  uint64_t hi = head;
  std::string value;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    absl::Status got = store_->Get(outbox_, Key(mid), &value);
    if (!got.ok()) {
      return absl::InternalError(
          absl::StrCat("trimming: reading event ", mid, ": ", got.ToString()));
    }
    ChangeEvent event;
    if (!event.ParseFromString(value)) {
      return absl::InternalError(
          absl::StrCat("trimming: corrupt change event ", mid));
    }
    if (FromProtoTime(event.commit_time()) < limit) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  cut = lo;
  if (cut <= old) return 0;
  // Readers refuse below the new oldest before the events go.
  oldest_.store(cut, std::memory_order_release);
  if (oldest_gauge_ != nullptr) oldest_gauge_->Set(static_cast<double>(cut));
  rocksdb::WriteBatch batch;
  batch.DeleteRange(outbox_, Key(old), Key(cut));
  absl::Status written = store_->Write(&batch);
  if (!written.ok()) return written;
  return cut - old;
}

void ChangeFeed::StartTrimming(Retention retention, absl::Duration interval) {
  absl::MutexLock lock(&trim_thread_mu_);
  if (trim_thread_.joinable()) return;
  trim_stop_ = false;
  trim_thread_ = std::thread([this, retention, interval] {
    absl::MutexLock lock(&trim_thread_mu_);
    while (!trim_thread_mu_.AwaitWithTimeout(absl::Condition(&trim_stop_),
                                             interval)) {
      trim_thread_mu_.Unlock();
      absl::StatusOr<uint64_t> trimmed = Trim(retention);
      if (!trimmed.ok()) {
        std::fprintf(stderr, "kam: change feed: %s\n",
                     trimmed.status().ToString().c_str());
      }
      trim_thread_mu_.Lock();
    }
  });
}

void ChangeFeed::StopTrimming() {
  std::thread thread;
  {
    absl::MutexLock lock(&trim_thread_mu_);
    trim_stop_ = true;
    thread = std::move(trim_thread_);
  }
  if (thread.joinable()) thread.join();
}

ChangeFeed::Writer::Writer(ChangeFeed* feed,
                           const std::vector<std::string>& keys,
                           const std::vector<std::string>& shared)
    : feed_(feed),
      locks_(feed->locks_.Lock(keys, shared)),
      now_(feed->clock_->Now()) {}

ChangeFeed::Writer::Writer(ChangeFeed* feed)
    : feed_(feed), locks_(feed->locks_.LockAll()), now_(feed->clock_->Now()) {}

ChangeFeed::Writer::~Writer() = default;

void ChangeFeed::Writer::Append(rocksdb::WriteBatch* /*batch*/,
                                ChangeEvent::Kind kind,
                                const std::string& resource_name,
                                const google::protobuf::Message& resource) {
  ChangeEvent event;
  event.set_kind(kind);
  event.set_resource_name(resource_name);
  event.mutable_resource()->PackFrom(resource);
  *event.mutable_commit_time() = ToProtoTime(now_);
  events_.push_back(event.SerializeAsString());
}

absl::Status ChangeFeed::Writer::Commit(rocksdb::WriteBatch* batch) {
  absl::Status status = feed_->CommitQueued(batch, &events_);
  events_.clear();
  return status;
}

absl::Status ChangeFeed::CommitQueued(rocksdb::WriteBatch* batch,
                                      std::vector<std::string>* events) {
  Pending self(batch, events);
  std::vector<Pending*> group;
  uint64_t first = 0;
  {
    absl::MutexLock lock(&queue_mu_);
    queue_.push_back(&self);
    while (!self.done && queue_.front() != &self) self.cv.Wait(&queue_mu_);
    if (self.done) return self.status;
    // The leader: take what is queued behind, up to the byte cap. Those
    // stay in the queue (so newcomers wait behind them) until written.
    size_t bytes = 0;
    for (Pending* pending : queue_) {
      const size_t size = pending->batch->GetDataSize();
      if (!group.empty() && bytes + size > kMaxGroupBytes) break;
      bytes += size;
      group.push_back(pending);
    }
    first = last_assigned_ + 1;
  }
  // Nobody else touches the group or the sequences until we are done: the
  // others wait for `done`, newcomers wait behind the group.
  absl::Status status = WriteGroup(group, first);
  uint64_t appended = 0;
  for (Pending* pending : group) appended += pending->events->size();
  if (status.ok() && appended > 0) {
    head_.store(first + appended - 1, std::memory_order_release);
    NotifyListeners();
  }
  if (group_size_ != nullptr) {
    group_size_->Observe(static_cast<double>(group.size()));
  }
  absl::MutexLock lock(&queue_mu_);
  if (status.ok()) last_assigned_ = first + appended - 1;
  ++stats_.groups;
  stats_.commits += group.size();
  for (Pending* pending : group) {
    queue_.pop_front();
    pending->status = status;
    pending->done = true;
    if (pending != &self) pending->cv.Signal();
  }
  if (!queue_.empty()) queue_.front()->cv.Signal();
  return status;
}

absl::Status ChangeFeed::WriteGroup(const std::vector<Pending*>& group,
                                    uint64_t first) {
  if (group.size() == 1 && group[0]->events->empty()) {
    return store_->Write(group[0]->batch);
  }
  std::string rep(kBatchHeader, '\0');
  uint32_t count = 0;
  uint64_t sequence = first;
  std::string value;
  for (Pending* pending : group) {
    AppendRecords(*pending->batch, &rep, &count);
    if (pending->events->empty()) continue;
    rocksdb::WriteBatch outbox;
    for (const std::string& event : *pending->events) {
      value.clear();
      AppendSequenceField(sequence, &value);
      value.append(event);
      outbox.Put(outbox_, Key(sequence), value);
      ++sequence;
    }
    AppendRecords(outbox, &rep, &count);
  }
  if (count == 0) return absl::OkStatus();
  SetCount(count, &rep);
  rocksdb::WriteBatch merged(std::move(rep));
  return store_->Write(&merged);
}

void ChangeFeed::ExportMetrics(prometheus::Registry* metrics) {
  group_size_ = &prometheus::BuildHistogram()
                     .Name("kam_feed_commit_group_size")
                     .Help("Changes written together by one WAL write and "
                           "fsync (group commit)")
                     .Register(*metrics)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  1, 2, 4, 8, 16, 32, 64, 128, 256});
  oldest_gauge_ = &prometheus::BuildGauge()
                       .Name("kam_feed_oldest_sequence")
                       .Help(
                           "The oldest event the change feed keeps "
                           "(--feed_retention, --feed_max_events); a cursor "
                           "below it must re-list")
                       .Register(*metrics)
                       .Add({});
  oldest_gauge_->Set(static_cast<double>(oldest()));
}

ChangeFeed::GroupStats ChangeFeed::group_stats() const {
  absl::MutexLock lock(&queue_mu_);
  return stats_;
}

absl::Status ChangeFeed::Read(uint64_t after, int max_events,
                              std::vector<ChangeEvent>* events) const {
  const uint64_t head = this->head();
  if (after >= head) return absl::OkStatus();
  auto trimmed = [this, after] {
    return absl::OutOfRangeError(absl::StrCat(
        "after_sequence: ", after, " is older than the oldest event kept (",
        oldest(), "); re-list"));
  };
  if (after + 1 < oldest()) return trimmed();
  auto it = store_->NewIterator(outbox_);
  bool first = true;
  for (it->Seek(Key(after + 1)); it->Valid() && max_events > 0;
       it->Next(), --max_events) {
    const uint64_t sequence = DecodeKey(it->key());
    if (sequence > head) break;  // not yet published
    // Trimmed while we looked.
    if (first && sequence != after + 1) return trimmed();
    first = false;
    ChangeEvent& event = events->emplace_back();
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      events->pop_back();
      return absl::InternalError(
          absl::StrCat("corrupt change event ", DecodeKey(it->key())));
    }
  }
  if (!it->status().ok()) {
    return absl::InternalError(
        absl::StrCat("reading change feed: ", it->status().ToString()));
  }
  return absl::OkStatus();
}

int ChangeFeed::Subscribe(std::function<void()> listener) {
  absl::MutexLock lock(&listeners_mu_);
  const int id = next_listener_id_++;
  listeners_[id] = std::move(listener);
  return id;
}

void ChangeFeed::Unsubscribe(int id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

void ChangeFeed::NotifyListeners() {
  absl::MutexLock lock(&listeners_mu_);
  for (auto& [id, listener] : listeners_) listener();
}

}  // namespace kam
