// The change feed end to end inside one process: the outbox producer, the
// WatchChanges service on a real gRPC server (127.0.0.1, port 0), and a
// FeedConsumer with its own store.
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "common/change_feed.h"
#include "common/change_feed_service.h"
#include "common/feed_consumer.h"
#include "common/store.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/common/v1/types.pb.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

using kam::common::v1::ChangeEvent;

class Producer {
 public:
  // By default listens on 127.0.0.1 with a free port. A fixed `address` lets
  // a "restarted" producer come back where its consumers look for it.
  explicit Producer(const std::string& path,
                    const std::string& address = "127.0.0.1:0") {
    Store::Options options;
    options.path = path;
    options.column_families = {"outbox", "data", "kv"};
    store_ = *Store::Open(options);
    feed_ = std::make_unique<ChangeFeed>(store_.get(), store_->Family("outbox"),
                                         &clock_);
    written_ = static_cast<int64_t>(feed_->head());
    service_ = std::make_unique<ChangeFeedService>(feed_.get(), nullptr,
                                                   absl::Milliseconds(50));
    // The state its consumers re-list: the "kv" family, as things/<key>.
    service_->SetSnapshotSource(
        [](const Store& store, const rocksdb::Snapshot* snapshot,
           const std::string& after, int limit,
           std::vector<ChangeEvent>* items, std::string* next) {
          auto it = store.NewIterator(store.Family("kv"), snapshot);
          it->Seek(after);
          if (it->Valid() && !after.empty() && it->key() == after) it->Next();
          for (; it->Valid() && limit > 0; it->Next(), --limit) {
            ChangeEvent& item = items->emplace_back();
            item.set_kind(ChangeEvent::CREATED);
            item.set_resource_name(absl::StrCat("things/", it->key().ToString()));
            kam::common::v1::Money money;
            money.set_currency_code("EUR");
            int64_t units = 0;
            EXPECT_TRUE(absl::SimpleAtoi(it->value().ToString(), &units));
            money.set_minor_units(units);
            item.mutable_resource()->PackFrom(money);
          }
          next->clear();
          if (it->Valid()) {
            it->Prev();
            *next = it->key().ToString();
          }
          return absl::OkStatus();
        });
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    address_ = absl::StartsWith(address, "unix:")
                   ? address
                   : absl::StrCat("127.0.0.1:", port_);
  }
  ~Producer() {
    service_->Drain();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }

  // Writes `count` changes, each with its event, one batch per change.
  void Write(int count) {
    for (int i = 0; i < count; ++i) {
      ChangeFeed::Writer writer(feed_.get());
      rocksdb::WriteBatch batch;
      kam::common::v1::Money money;
      money.set_currency_code("EUR");
      money.set_minor_units(++written_);
      batch.Put(store_->Family("data"), absl::StrCat(written_), "x");
      writer.Append(&batch, ChangeEvent::CREATED,
                    absl::StrCat("things/", written_), money);
      ASSERT_TRUE(writer.Commit(&batch).ok());
    }
  }

  // Sets (or with `erase`, deletes) things/<key> in the "kv" family.
  void Set(const std::string& key, int64_t units, bool erase = false) {
    ChangeFeed::Writer writer(feed_.get(), {key});
    rocksdb::WriteBatch batch;
    if (erase) {
      batch.Delete(store_->Family("kv"), key);
    } else {
      batch.Put(store_->Family("kv"), key, absl::StrCat(units));
    }
    kam::common::v1::Money money;
    money.set_currency_code("EUR");
    money.set_minor_units(units);
    writer.Append(&batch, erase ? ChangeEvent::DELETED : ChangeEvent::UPDATED,
                  absl::StrCat("things/", key), money);
    ASSERT_TRUE(writer.Commit(&batch).ok());
  }
  std::map<std::string, std::string> Kv() const {
    std::map<std::string, std::string> out;
    auto it = store_->NewIterator(store_->Family("kv"));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[it->key().ToString()] = it->value().ToString();
    }
    return out;
  }

  const std::string& address() const { return address_; }
  ChangeFeed& feed() { return *feed_; }
  Store& store() { return *store_; }
  FakeClock& clock() { return clock_; }

 private:
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<ChangeFeedService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  int64_t written_ = 0;
};

// A consumer's projection: one row per applied event, keyed by sequence, so
// a duplicate or a gap is visible.
class Projection {
 public:
  explicit Projection(const std::string& path) {
    Store::Options options;
    options.path = path;
    options.column_families = {"cursors", "applied"};
    store_ = *Store::Open(options);
  }

  std::unique_ptr<FeedConsumer> Follow(const std::string& address) {
    FeedConsumer::Options options;
    options.feed_name = "things";
    options.channel =
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    options.store = store_.get();
    options.cursor_family = store_->Family("cursors");
    options.min_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(100);
    return std::make_unique<FeedConsumer>(
        options, [this](const ChangeEvent& event, rocksdb::WriteBatch* batch) {
          std::string existing;
          // Applying twice would be a bug: count it.
          if (store_->Get(store_->Family("applied"), Key(event.sequence()),
                          &existing)
                  .ok()) {
            ++duplicates_;
          }
          kam::common::v1::Money money;
          EXPECT_TRUE(event.resource().UnpackTo(&money));
          EXPECT_EQ(money.minor_units(), static_cast<int64_t>(event.sequence()));
          batch->Put(store_->Family("applied"), Key(event.sequence()),
                     event.resource_name());
          return absl::OkStatus();
        });
  }

  // The applied sequences, in order.
  std::vector<uint64_t> Applied() const {
    std::vector<uint64_t> out;
    auto it = store_->NewIterator(store_->Family("applied"));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint64_t sequence = 0;
      EXPECT_TRUE(absl::SimpleAtoi(it->key().ToString(), &sequence));
      out.push_back(sequence);
    }
    return out;
  }
  int duplicates() const { return duplicates_; }

 private:
  static std::string Key(uint64_t sequence) {
    std::string digits = absl::StrCat(sequence);
    return std::string(12 - digits.size(), '0') + digits;
  }
  std::unique_ptr<Store> store_;
  int duplicates_ = 0;
};

// A consumer that projects the producer's "kv" family and re-lists.
class KvProjection {
 public:
  explicit KvProjection(const std::string& path) {
    Store::Options options;
    options.path = path;
    options.column_families = {"cursors", "kv"};
    store_ = *Store::Open(options);
  }

  // Pages of 3 by default: several pages even for a few records.
  std::unique_ptr<FeedConsumer> Follow(const std::string& address,
                                       int page_size = 3) {
    FeedConsumer::Options options;
    options.feed_name = "things";
    options.channel =
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    options.store = store_.get();
    options.cursor_family = store_->Family("cursors");
    options.min_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(100);
    options.relist_page_size = page_size;
    options.clear = [this](rocksdb::WriteBatch* batch) {
      batch->DeleteRange(store_->Family("kv"), "", "\xff");
      return absl::OkStatus();
    };
    return std::make_unique<FeedConsumer>(
        options, [this](const ChangeEvent& event, rocksdb::WriteBatch* batch) {
          const std::string key = event.resource_name().substr(7);
          kam::common::v1::Money money;
          EXPECT_TRUE(event.resource().UnpackTo(&money));
          if (event.kind() == ChangeEvent::DELETED) {
            batch->Delete(store_->Family("kv"), key);
          } else {
            batch->Put(store_->Family("kv"), key,
                       absl::StrCat(money.minor_units()));
          }
          return absl::OkStatus();
        });
  }

  std::map<std::string, std::string> Kv() const {
    std::map<std::string, std::string> out;
    auto it = store_->NewIterator(store_->Family("kv"));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[it->key().ToString()] = it->value().ToString();
    }
    return out;
  }

 private:
  std::unique_ptr<Store> store_;
};

std::vector<uint64_t> OneTo(uint64_t n) {
  std::vector<uint64_t> out;
  for (uint64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

TEST(ChangeFeedTest, SequencesAreGaplessAndSurviveReopen) {
  ::kam::test_support::TempDir dir;
  {
    Producer producer(dir.Sub("producer"));
    producer.Write(3);
    EXPECT_EQ(producer.feed().head(), 3u);
    std::vector<ChangeEvent> events;
    ASSERT_TRUE(producer.feed().Read(1, 10, &events).ok());
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].sequence(), 2u);
    EXPECT_EQ(events[1].sequence(), 3u);
    EXPECT_EQ(events[1].resource_name(), "things/3");
  }
  Producer reopened(dir.Sub("producer"));
  EXPECT_EQ(reopened.feed().head(), 3u);
  reopened.Write(1);
  EXPECT_EQ(reopened.feed().head(), 4u);
}

TEST(ChangeFeedTest, ConsumerReplaysThenTails) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(600);  // more than one default batch of 256
  Projection projection(dir.Sub("consumer"));
  auto consumer = projection.Follow(producer.address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(600, absl::Seconds(20)));
  producer.Write(5);  // tailed, not replayed
  ASSERT_TRUE(consumer->WaitForCursor(605, absl::Seconds(20)));
  consumer->Stop();
  EXPECT_EQ(projection.Applied(), OneTo(605));
  EXPECT_EQ(projection.duplicates(), 0);
}

TEST(ChangeFeedTest, ConsumerResumesFromItsCursorAfterRestart) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  Projection projection(dir.Sub("consumer"));
  producer.Write(10);
  {
    auto consumer = projection.Follow(producer.address());
    consumer->Start();
    ASSERT_TRUE(consumer->WaitForCursor(10, absl::Seconds(20)));
  }  // stopped
  producer.Write(7);
  auto consumer = projection.Follow(producer.address());
  EXPECT_EQ(consumer->cursor(), 10u);  // from the store, not from zero
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(17, absl::Seconds(20)));
  consumer->Stop();
  EXPECT_EQ(projection.Applied(), OneTo(17));
  EXPECT_EQ(projection.duplicates(), 0);
}

TEST(ChangeFeedTest, ConsumerReconnectsWhenTheProducerComesBack) {
  ::kam::test_support::TempDir dir;
  Projection projection(dir.Sub("consumer"));
  // A Unix socket in the test's own directory: a TCP port given up by the
  // first producer could be taken by another test before the second binds.
  const std::string address = "unix:" + dir.Sub("feed.sock");
  auto producer = std::make_unique<Producer>(dir.Sub("producer"), address);
  producer->Write(4);
  auto consumer = projection.Follow(producer->address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(4, absl::Seconds(20)));
  producer.reset();  // the producer goes away; the consumer retries
  Producer again(dir.Sub("producer"), address);
  again.Write(3);
  ASSERT_TRUE(consumer->WaitForCursor(7, absl::Seconds(20)));
  consumer->Stop();
  EXPECT_EQ(projection.Applied(), OneTo(7));
  EXPECT_EQ(projection.duplicates(), 0);
}

TEST(ChangeFeedTest, ReportsLagFromHeartbeats) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(2);
  Projection projection(dir.Sub("consumer"));
  auto consumer = projection.Follow(producer.address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(2, absl::Seconds(20)));
  EXPECT_EQ(consumer->producer_head(), 2u);
  EXPECT_TRUE(consumer->connected());
}

TEST(ChangeFeedTest, CursorBeyondHeadIsOutOfRange) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(1);
  auto channel = grpc::CreateChannel(producer.address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = kam::common::v1::ChangeFeed::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  kam::common::v1::WatchChangesRequest request;
  request.set_after_sequence(99);
  auto reader = stub->WatchChanges(&context, request);
  kam::common::v1::WatchChangesResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST(ChangeFeedTest, IncarnationIsStableAndOnEveryResponse) {
  ::kam::test_support::TempDir dir;
  std::string incarnation;
  {
    Producer producer(dir.Sub("producer"));
    incarnation = producer.feed().incarnation();
    EXPECT_EQ(incarnation.size(), 32u);
    producer.Write(2);
    std::vector<ChangeEvent> events;
    ASSERT_TRUE(producer.feed().Read(0, 10, &events).ok());
    ASSERT_EQ(events.size(), 2u);  // the incarnation key is no event
    EXPECT_EQ(events[0].sequence(), 1u);
  }
  Producer reopened(dir.Sub("producer"));
  EXPECT_EQ(reopened.feed().incarnation(), incarnation);
  EXPECT_EQ(reopened.feed().head(), 2u);
  Producer other(dir.Sub("other"));
  EXPECT_NE(other.feed().incarnation(), incarnation);

  auto channel = grpc::CreateChannel(reopened.address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = kam::common::v1::ChangeFeed::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  kam::common::v1::WatchChangesRequest request;
  auto reader = stub->WatchChanges(&context, request);
  kam::common::v1::WatchChangesResponse response;
  ASSERT_TRUE(reader->Read(&response));  // the head alone
  EXPECT_EQ(response.incarnation(), incarnation);
  ASSERT_TRUE(reader->Read(&response));  // the events
  EXPECT_EQ(response.events_size(), 2);
  EXPECT_EQ(response.incarnation(), incarnation);
  ASSERT_TRUE(reader->Read(&response));  // a heartbeat (50 ms)
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_EQ(response.incarnation(), incarnation);
  context.TryCancel();
}

TEST(ChangeFeedTest, ConsumerStopsOnAnotherIncarnation) {
  ::kam::test_support::TempDir dir;
  Projection projection(dir.Sub("consumer"));
  const std::string address = "unix:" + dir.Sub("feed.sock");
  auto producer = std::make_unique<Producer>(dir.Sub("producer"), address);
  producer->Write(4);
  auto consumer = projection.Follow(producer->address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(4, absl::Seconds(20)));
  EXPECT_EQ(consumer->incarnation(), producer->feed().incarnation());
  producer.reset();
  // Another database behind the same address, already past the cursor: its
  // sequences 5, 6 are not the events the consumer missed.
  Producer replaced(dir.Sub("replaced"), address);
  replaced.Write(6);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (consumer->needs_relist().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(consumer->needs_relist(), "incarnation");
  consumer->Stop();
  EXPECT_EQ(consumer->cursor(), 4u);
  EXPECT_EQ(projection.Applied(), OneTo(4));
}

TEST(ChangeFeedTest, ConsumerStopsOnProducerRestoredFromAnOlderCopy) {
  ::kam::test_support::TempDir dir;
  Projection projection(dir.Sub("consumer"));
  const std::string address = "unix:" + dir.Sub("feed.sock");
  auto producer = std::make_unique<Producer>(dir.Sub("producer"), address);
  producer->Write(3);
  ASSERT_TRUE(producer->store().Checkpoint(dir.Sub("backup")).ok());
  producer->Write(5);
  const std::string incarnation = producer->feed().incarnation();
  auto consumer = projection.Follow(producer->address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(8, absl::Seconds(20)));
  producer.reset();
  // The restored copy keeps the incarnation but is back at sequence 3.
  auto restored = std::make_unique<Producer>(dir.Sub("backup"), address);
  EXPECT_EQ(restored->feed().incarnation(), incarnation);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (consumer->needs_relist().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(consumer->needs_relist(), "producer_behind");
  // New events take the restored copy past the cursor again: they are not
  // the ones the consumer applied, and the mark is durable.
  restored->Write(10);
  consumer->Stop();
  consumer = projection.Follow(address);
  EXPECT_EQ(consumer->needs_relist(), "producer_behind");
  consumer->Start();
  absl::SleepFor(absl::Milliseconds(300));
  consumer->Stop();
  EXPECT_EQ(consumer->cursor(), 8u);
  EXPECT_EQ(projection.Applied(), OneTo(8));
}

// Trimming, with the producer's fake clock.
TEST(ChangeFeedTrimTest, KeepsTheNewestEventsByCount) {
  ::kam::test_support::TempDir dir;
  {
    Producer producer(dir.Sub("producer"));
    EXPECT_EQ(producer.feed().oldest(), 1u);
    producer.Write(10);
    ChangeFeed::Retention retention;
    retention.max_age = absl::InfiniteDuration();
    retention.max_events = 4;
    auto trimmed = producer.feed().Trim(retention);
    ASSERT_TRUE(trimmed.ok()) << trimmed.status();
    EXPECT_EQ(*trimmed, 6u);
    EXPECT_EQ(producer.feed().oldest(), 7u);
    EXPECT_EQ(*producer.feed().Trim(retention), 0u);  // nothing more
    std::vector<ChangeEvent> events;
    absl::Status old = producer.feed().Read(5, 10, &events);
    EXPECT_EQ(old.code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(old.message(),
              "after_sequence: 5 is older than the oldest event kept (7); "
              "re-list");
    ASSERT_TRUE(producer.feed().Read(6, 10, &events).ok());
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].sequence(), 7u);
    EXPECT_EQ(events[3].sequence(), 10u);
  }
  Producer reopened(dir.Sub("producer"));
  EXPECT_EQ(reopened.feed().oldest(), 7u);
  EXPECT_EQ(reopened.feed().head(), 10u);
  reopened.Write(1);
  EXPECT_EQ(reopened.feed().head(), 11u);
}

TEST(ChangeFeedTrimTest, KeepsEventsYoungerThanTheRetentionAndTheNewest) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(5);                        // at T
  producer.clock().Advance(absl::Hours(2));
  producer.Write(3);                        // at T + 2h: 6, 7, 8
  ChangeFeed::Retention retention;
  retention.max_age = absl::Hours(1);
  retention.max_events = 0;                 // no count bound
  EXPECT_EQ(*producer.feed().Trim(retention), 5u);
  EXPECT_EQ(producer.feed().oldest(), 6u);
  // Both bounds: the count cuts deeper than the age.
  retention.max_events = 2;
  EXPECT_EQ(*producer.feed().Trim(retention), 1u);
  EXPECT_EQ(producer.feed().oldest(), 7u);
  // Everything is old now, but the newest event stays.
  producer.clock().Advance(absl::Hours(10));
  retention.max_events = 0;
  EXPECT_EQ(*producer.feed().Trim(retention), 1u);
  EXPECT_EQ(producer.feed().oldest(), 8u);
  EXPECT_EQ(producer.feed().head(), 8u);
  std::vector<ChangeEvent> events;
  ASSERT_TRUE(producer.feed().Read(7, 10, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence(), 8u);
}

TEST(ChangeFeedTrimTest, TrimsInTheBackground) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(6);
  ChangeFeed::Retention retention;
  retention.max_events = 3;
  // The producer's ChangeFeedService started trimming with the defaults.
  producer.feed().StopTrimming();
  producer.feed().StartTrimming(retention, absl::Milliseconds(10));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (producer.feed().oldest() != 4u && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  producer.feed().StopTrimming();
  EXPECT_EQ(producer.feed().oldest(), 4u);
}

TEST(ChangeFeedTrimTest, WatchBelowTheOldestIsOutOfRangeAndTheConsumerStops) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  producer.Write(20);
  ChangeFeed::Retention retention;
  retention.max_events = 5;
  ASSERT_EQ(*producer.feed().Trim(retention), 15u);
  auto channel = grpc::CreateChannel(producer.address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = kam::common::v1::ChangeFeed::NewStub(channel);
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    kam::common::v1::WatchChangesRequest request;
    request.set_after_sequence(12);
    auto reader = stub->WatchChanges(&context, request);
    kam::common::v1::WatchChangesResponse response;
    EXPECT_FALSE(reader->Read(&response));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(status.error_message(),
              "after_sequence: 12 is older than the oldest event kept (16); "
              "re-list");
  }
  // A new consumer starts at 0: it must re-list, not apply 16..20.
  Projection projection(dir.Sub("consumer"));
  auto consumer = projection.Follow(producer.address());
  consumer->Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (consumer->needs_relist().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  consumer->Stop();
  EXPECT_EQ(consumer->needs_relist(), "trimmed");
  EXPECT_EQ(consumer->cursor(), 0u);
  EXPECT_TRUE(projection.Applied().empty());
}

TEST(ChangeFeedRelistTest, ConsumerDownPastRetentionEndsEqualToOneThatStayed) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  for (int i = 0; i < 7; ++i) producer.Set(absl::StrCat("k", i), i);
  KvProjection stayed(dir.Sub("stayed"));
  KvProjection away(dir.Sub("away"));
  auto stayed_consumer = stayed.Follow(producer.address());
  auto away_consumer = away.Follow(producer.address());
  stayed_consumer->Start();
  away_consumer->Start();
  ASSERT_TRUE(away_consumer->WaitForCursor(7, absl::Seconds(20)));
  away_consumer->Stop();
  // While it is away: updates, deletions, a key created and deleted again.
  producer.Set("k1", 100);
  producer.Set("k2", 0, /*erase=*/true);
  producer.Set("k9", 9);
  producer.Set("k9", 0, /*erase=*/true);
  producer.Set("k5", 0, /*erase=*/true);
  producer.Set("k8", 8);
  ChangeFeed::Retention retention;
  retention.max_events = 2;
  ASSERT_EQ(*producer.feed().Trim(retention), 11u);  // 12, 13 kept
  away_consumer = away.Follow(producer.address());
  away_consumer->Start();
  ASSERT_TRUE(away_consumer->WaitForCursor(13, absl::Seconds(20)));
  EXPECT_EQ(away_consumer->relists(), 1);
  EXPECT_EQ(away_consumer->needs_relist(), "");
  // And it watches on from the snapshot.
  producer.Set("k3", 33);
  ASSERT_TRUE(away_consumer->WaitForCursor(14, absl::Seconds(20)));
  ASSERT_TRUE(stayed_consumer->WaitForCursor(14, absl::Seconds(20)));
  away_consumer->Stop();
  stayed_consumer->Stop();
  EXPECT_EQ(stayed_consumer->relists(), 0);
  EXPECT_EQ(away.Kv(), stayed.Kv());
  EXPECT_EQ(away.Kv(), producer.Kv());
  EXPECT_EQ(away.Kv().count("k2"), 0u);
  EXPECT_EQ(away.Kv().at("k1"), "100");
}

TEST(ChangeFeedRelistTest, ConsumerRelistsFromAProducerRestoredFromACheckpoint) {
  ::kam::test_support::TempDir dir;
  KvProjection projection(dir.Sub("consumer"));
  const std::string address = "unix:" + dir.Sub("feed.sock");
  auto producer = std::make_unique<Producer>(dir.Sub("producer"), address);
  for (int i = 0; i < 3; ++i) producer->Set(absl::StrCat("k", i), i);
  ASSERT_TRUE(producer->store().Checkpoint(dir.Sub("backup")).ok());
  producer->Set("k0", 0, /*erase=*/true);
  producer->Set("k7", 7);
  auto consumer = projection.Follow(producer->address());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(5, absl::Seconds(20)));
  producer.reset();
  Producer restored(dir.Sub("backup"), address);  // back at sequence 3
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (consumer->relists() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(consumer->relists(), 1);
  EXPECT_EQ(consumer->cursor(), 3u);
  restored.Set("k4", 4);
  ASSERT_TRUE(consumer->WaitForCursor(4, absl::Seconds(20)));
  consumer->Stop();
  EXPECT_EQ(projection.Kv(), restored.Kv());
  EXPECT_EQ(projection.Kv().count("k0"), 1u);  // as in the backup
  EXPECT_EQ(projection.Kv().count("k7"), 0u);
}

// Not asserted: how long a re-list of 100,000 records takes (run with
// --gtest_also_run_disabled_tests; the time is printed).
TEST(ChangeFeedRelistTest, DISABLED_Relists100000Records) {
  ::kam::test_support::TempDir dir;
  Producer producer(dir.Sub("producer"));
  constexpr int kRecords = 100000;
  for (int i = 0; i < kRecords; i += 1000) {
    rocksdb::WriteBatch batch;
    for (int j = i; j < i + 1000; ++j) {
      batch.Put(producer.store().Family("kv"), absl::StrCat("k", j),
                absl::StrCat(j));
    }
    ASSERT_TRUE(producer.store().Write(&batch).ok());
  }
  producer.Set("k0", 0);
  producer.Set("k1", 1);
  ChangeFeed::Retention retention;
  retention.max_events = 1;
  ASSERT_EQ(*producer.feed().Trim(retention), 1u);
  KvProjection projection(dir.Sub("consumer"));
  auto consumer = projection.Follow(producer.address(), 1000);
  const absl::Time start = absl::Now();
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForCursor(2, absl::Seconds(300)));
  const absl::Duration took = absl::Now() - start;
  consumer->Stop();
  EXPECT_EQ(projection.Kv().size(), static_cast<size_t>(kRecords));
  std::printf("re-list of %d records (pages of 1000): %s\n",
              kRecords, absl::FormatDuration(took).c_str());
}

}  // namespace
}  // namespace kam
