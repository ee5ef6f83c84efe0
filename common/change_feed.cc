#include "common/change_feed.h"

#include "absl/strings/str_cat.h"

namespace kam {

using kam::common::v1::ChangeEvent;

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

}  // namespace

ChangeFeed::ChangeFeed(Store* store, rocksdb::ColumnFamilyHandle* outbox,
                       Clock* clock)
    : store_(store), outbox_(outbox), clock_(clock) {
  auto it = store_->NewIterator(outbox_);
  it->SeekToLast();
  const uint64_t last = it->Valid() ? DecodeKey(it->key()) : 0;
  absl::MutexLock lock(&write_mu_);
  last_assigned_ = last;
  head_.store(last, std::memory_order_release);
}

ChangeFeed::Writer::Writer(ChangeFeed* feed) : feed_(feed) {
  feed_->write_mu_.Lock();
  next_ = feed_->last_assigned_;
  now_ = feed_->clock_->Now();
}

ChangeFeed::Writer::~Writer() { feed_->write_mu_.Unlock(); }

void ChangeFeed::Writer::Append(rocksdb::WriteBatch* batch,
                                ChangeEvent::Kind kind,
                                const std::string& resource_name,
                                const google::protobuf::Message& resource) {
  ChangeEvent event;
  event.set_sequence(++next_);
  event.set_kind(kind);
  event.set_resource_name(resource_name);
  event.mutable_resource()->PackFrom(resource);
  *event.mutable_commit_time() = ToProtoTime(now_);
  PutProto(batch, feed_->outbox_, Key(event.sequence()), event);
}

absl::Status ChangeFeed::Writer::Commit(rocksdb::WriteBatch* batch) {
  absl::Status status = feed_->store_->Write(batch);
  if (!status.ok()) {
    next_ = feed_->last_assigned_;
    return status;
  }
  const bool advanced = next_ != feed_->last_assigned_;
  feed_->last_assigned_ = next_;
  if (advanced) {
    feed_->head_.store(next_, std::memory_order_release);
    // Listeners only schedule work; calling them under the write lock keeps
    // them from running concurrently with each other for one feed.
    feed_->NotifyListeners();
  }
  return status;
}

absl::Status ChangeFeed::Read(uint64_t after, int max_events,
                              std::vector<ChangeEvent>* events) const {
  const uint64_t head = this->head();
  if (after >= head) return absl::OkStatus();
  auto it = store_->NewIterator(outbox_);
  for (it->Seek(Key(after + 1)); it->Valid() && max_events > 0;
       it->Next(), --max_events) {
    if (DecodeKey(it->key()) > head) break;  // not yet published
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
