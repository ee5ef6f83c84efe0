// The change feed's limits and health, in one process: a ChangeFeedService on
// a real gRPC server (127.0.0.1, port 0) over a real store, watched by raw
// streams and by FeedConsumers. Nothing here asserts on timing: the waits
// are bounded polls, and what is asserted is what a user would see (events
// in order, sizes of responses, status codes, exported gauges).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/change_feed.h"
#include "common/change_feed_service.h"
#include "common/feed_consumer.h"
#include "common/limits.h"
#include "common/store.h"
#include "google/protobuf/wrappers.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "prometheus/registry.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace kam {
namespace {

using kam::common::v1::ChangeEvent;
using kam::common::v1::WatchChangesRequest;
using kam::common::v1::WatchChangesResponse;
using ::kam::test_support::TempDir;
using ::kam::test_support::WaitUntil;

constexpr absl::Duration kWait = absl::Seconds(60);

// The value of the metric `name` with `labels` in `registry`, or -1.
double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::map<std::string, std::string>& labels = {}) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (const auto& pair : metric.label) {
          if (pair.name == key && pair.value == value) found = true;
        }
        match = match && found;
      }
      if (!match) continue;
      if (family.type == prometheus::MetricType::Counter) {
        return metric.counter.value;
      }
      return metric.gauge.value;
    }
  }
  return -1;
}

// A producer: a store with an outbox, its ChangeFeedService on a server with
// the feed's message limit.
class Producer {
 public:
  Producer(const std::string& path, ChangeFeedService::Options options,
           const Authorizer* authorizer = nullptr) {
    Store::Options store_options;
    store_options.path = path;
    store_options.sync_writes = false;
    store_options.column_families = {"outbox"};
    store_ = *Store::Open(store_options);
    feed_ = std::make_unique<ChangeFeed>(store_.get(), store_->Family("outbox"),
                                         &clock_);
    options.metrics = &metrics_;
    service_ =
        std::make_unique<ChangeFeedService>(feed_.get(), authorizer, options);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.SetMaxSendMessageSize(kFeedMaxMessageBytes);
    builder.AddChannelArgument(
        GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
  }
  ~Producer() {
    service_->Drain();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    server_->Wait();
  }

  // Commits one event whose resource is a string of `bytes` bytes.
  absl::Status Write(size_t bytes, char fill = 'x') {
    ChangeFeed::Writer writer(feed_.get());
    rocksdb::WriteBatch batch;
    google::protobuf::StringValue value;
    value.set_value(std::string(bytes, fill));
    writer.Append(&batch, ChangeEvent::CREATED,
                  absl::StrCat("things/", feed_->head() + 1), value);
    return writer.Commit(&batch);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  ChangeFeed& feed() { return *feed_; }
  ChangeFeedService& service() { return *service_; }
  prometheus::Registry& metrics() { return metrics_; }

 private:
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  prometheus::Registry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<ChangeFeedService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

ChangeFeedService::Options TestOptions() {
  ChangeFeedService::Options options;
  options.heartbeat_interval = absl::Milliseconds(200);
  return options;
}

// A channel of its own (not shared with other channels to the same address).
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address,
                                          int max_receive = -1) {
  // ChannelArguments keeps the first of two values set for one name: a test
  // limit replaces the feed's arguments rather than adding to them.
  grpc::ChannelArguments args;
  if (max_receive > 0) {
    args.SetMaxReceiveMessageSize(max_receive);
  } else {
    args = FeedConsumer::PeerChannelArguments();
  }
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// A watcher on the callback API: records every response's events and head.
class Watcher : public grpc::ClientReadReactor<WatchChangesResponse> {
 public:
  Watcher(kam::common::v1::ChangeFeed::Stub* stub, uint64_t after,
          const std::string& token = "") {
    if (!token.empty()) {
      context_.AddMetadata("authorization", "Bearer " + token);
    }
    request_.set_after_sequence(after);
    stub->async()->WatchChanges(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock lock(&mu_);
      ++responses_;
      head_ = response_.head_sequence();
      for (const ChangeEvent& event : response_.events()) {
        sequences_.push_back(event.sequence());
      }
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

  void Cancel() { context_.TryCancel(); }
  bool WaitDone() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), kWait);
  }
  std::vector<uint64_t> sequences() const {
    absl::MutexLock lock(&mu_);
    return sequences_;
  }
  uint64_t head() const {
    absl::MutexLock lock(&mu_);
    return head_;
  }
  int responses() const {
    absl::MutexLock lock(&mu_);
    return responses_;
  }
  grpc::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  bool done() const {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  grpc::ClientContext context_;
  WatchChangesRequest request_;
  WatchChangesResponse response_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> sequences_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  int responses_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

// --- 1,000 watchers
// -----------------------------------------------------------

TEST(FeedServiceTest, ThousandWatchersReceiveTheSameEventsInOrder) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  ASSERT_TRUE(producer.Write(100).ok());  // one event before they connect

  // Ten connections of 100 streams each.
  constexpr int kWatchers = 1000;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<kam::common::v1::ChangeFeed::Stub>> stubs;
  for (int i = 0; i < 10; ++i) {
    channels.push_back(NewChannel(producer.address()));
    stubs.push_back(kam::common::v1::ChangeFeed::NewStub(channels.back()));
  }
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<Watcher>(stubs[i % 10].get(), 0));
  }
  ASSERT_TRUE(WaitUntil(
      [&] { return producer.service().stats().streams == kWatchers; }, kWait))
      << producer.service().stats().streams << " streams open";

  // Commits go on while they watch.
  constexpr int kEvents = 50;
  for (int i = 1; i < kEvents; ++i) {
    ASSERT_TRUE(producer.Write(100 + i).ok()) << "commit " << i;
  }
  for (int i = 0; i < kWatchers; ++i) {
    ASSERT_TRUE(WaitUntil(
        [&] { return watchers[i]->sequences().size() >= kEvents; }, kWait))
        << "watcher " << i << " has " << watchers[i]->sequences().size();
    EXPECT_EQ(watchers[i]->sequences(), Range(1, kEvents)) << "watcher " << i;
    EXPECT_EQ(watchers[i]->head(), static_cast<uint64_t>(kEvents));
  }
  // Every event was read from the store once for all of them (into the tail
  // cache), not once per stream.
  const ChangeFeedService::Stats stats = producer.service().stats();
  EXPECT_EQ(stats.responses_from_store, 0u);
  EXPECT_LE(stats.cache_fills, static_cast<uint64_t>(kEvents));
  EXPECT_GE(stats.responses_from_cache, static_cast<uint64_t>(kWatchers));
  EXPECT_EQ(MetricValue(producer.metrics(), "kam_feed_watch_streams"),
            kWatchers);

  for (auto& watcher : watchers) watcher->Cancel();
  for (auto& watcher : watchers) ASSERT_TRUE(watcher->WaitDone());
  ASSERT_TRUE(WaitUntil([&] { return producer.service().stats().streams == 0; },
                        kWait));
  EXPECT_EQ(MetricValue(producer.metrics(), "kam_feed_watch_streams"), 0);
}

// A stream far behind the cache reads the store, and still gets everything.
TEST(FeedServiceTest, StreamBehindTheCacheCatchesUpFromTheStore) {
  TempDir dir;
  ChangeFeedService::Options options = TestOptions();
  options.tail_cache_bytes = 64 << 10;  // a few dozen events
  Producer producer(dir.Sub("producer"), options);
  auto head_stub =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));
  Watcher at_head(head_stub.get(), 0);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(producer.Write(1000).ok());
  auto stub =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));
  Watcher late(stub.get(), 0);
  ASSERT_TRUE(WaitUntil([&] { return late.sequences().size() >= 300; }, kWait));
  EXPECT_EQ(late.sequences(), Range(1, 300));
  EXPECT_GT(producer.service().stats().responses_from_store, 0u);
  EXPECT_LE(producer.service().stats().tail_cache_bytes, 64 << 10);
  at_head.Cancel();
  late.Cancel();
  at_head.WaitDone();
  late.WaitDone();
}

// --- Sizes
// --------------------------------------------------------------------

// Reads responses until `count` events arrived or the stream ended.
struct Received {
  std::vector<WatchChangesResponse> responses;
  grpc::Status status;
};
Received ReadEvents(const std::string& address, uint64_t after, size_t count,
                    int max_batch_size = 4096) {
  auto stub = kam::common::v1::ChangeFeed::NewStub(NewChannel(address));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kWait));
  WatchChangesRequest request;
  request.set_after_sequence(after);
  request.set_max_batch_size(max_batch_size);
  auto reader = stub->WatchChanges(&context, request);
  Received received;
  size_t events = 0;
  WatchChangesResponse response;
  while (events < count && reader->Read(&response)) {
    events += response.events_size();
    received.responses.push_back(response);
  }
  if (events >= count) context.TryCancel();
  received.status = reader->Finish();
  return received;
}

TEST(FeedServiceTest, BatchesRespectTheByteCap) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  // 60 events of 100 KB (6 MB: 4096 of them would have gone in one message),
  // then one of 2 MiB (over the batch cap, under the event limit), then more.
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(producer.Write(100 << 10).ok());
  ASSERT_TRUE(producer.Write(2 << 20).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(producer.Write(100 << 10).ok());

  Received received = ReadEvents(producer.address(), 0, 66);
  ASSERT_FALSE(received.responses.empty());
  // The first response carries the head alone.
  EXPECT_EQ(received.responses[0].events_size(), 0);
  EXPECT_EQ(received.responses[0].head_sequence(), 66u);
  std::vector<uint64_t> sequences;
  for (const WatchChangesResponse& response : received.responses) {
    const int64_t size = static_cast<int64_t>(response.ByteSizeLong());
    EXPECT_LE(size, kFeedMaxMessageBytes);
    if (response.events_size() > 1) {
      EXPECT_LE(size, kFeedBatchBytes + kFeedResponseEnvelopeBytes)
          << "a batch of " << response.events_size() << " events";
    }
    for (const ChangeEvent& event : response.events()) {
      sequences.push_back(event.sequence());
      if (event.sequence() == 61) {
        EXPECT_EQ(response.events_size(), 1) << "the big event goes alone";
      }
    }
  }
  EXPECT_EQ(sequences, Range(1, 66));
  // 6 MB in batches of at most 1 MiB, plus the big one alone.
  EXPECT_GE(received.responses.size(), 1u + 6u + 1u);
}

TEST(FeedServiceTest, EventOverTheLimitEndsTheStreamAfterTheOnesBeforeIt) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  ASSERT_TRUE(producer.Write(10).ok());
  ASSERT_TRUE(producer.Write(static_cast<size_t>(kMaxFeedEventBytes) + 1).ok());
  Received received = ReadEvents(producer.address(), 0, 2);
  std::vector<uint64_t> sequences;
  for (const auto& response : received.responses) {
    for (const auto& event : response.events()) {
      sequences.push_back(event.sequence());
    }
  }
  EXPECT_EQ(sequences, Range(1, 1));
  EXPECT_EQ(received.status.error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(
      absl::StrContains(received.status.error_message(), "kMaxFeedEventBytes"))
      << received.status.error_message();
}

// --- Memory
// -------------------------------------------------------------------

TEST(FeedServiceTest, ReadersThatNeverReadPinAtMostOneResponseEach) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  // 8 MB of events: each stream would want eight 1 MiB responses.
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(producer.Write(100 << 10).ok());

  constexpr int kStreams = 20;
  auto stub =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<WatchChangesResponse>>>
      readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    WatchChangesRequest request;
    request.set_max_batch_size(4096);
    readers.push_back(stub->WatchChanges(contexts.back().get(), request));
  }
  // Never Read. The server sends what the transport takes, then waits.
  const int64_t bound = kStreams * (kFeedBatchBytes + 16);
  int64_t most = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const int64_t buffered = producer.service().stats().buffered_bytes;
        most = std::max(most, buffered);
        return producer.service().stats().streams == kStreams &&
               buffered > kStreams * (int64_t{100} << 10);
      },
      kWait))
      << "buffered " << producer.service().stats().buffered_bytes;
  // Commits keep coming; the bound holds.
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(producer.Write(100 << 10).ok());
    most = std::max(most, producer.service().stats().buffered_bytes);
    EXPECT_LE(MetricValue(producer.metrics(), "kam_feed_watch_buffered_bytes"),
              bound);
  }
  for (int i = 0; i < 50; ++i) {
    most = std::max(most, producer.service().stats().buffered_bytes);
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_LE(most, bound);

  for (auto& context : contexts) context->TryCancel();
  for (auto& reader : readers) reader->Finish();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return producer.service().stats().streams == 0 &&
               producer.service().stats().buffered_bytes == 0;
      },
      kWait));
  EXPECT_EQ(MetricValue(producer.metrics(), "kam_feed_watch_buffered_bytes"),
            0);
}

// --- Stream caps
// --------------------------------------------------------------

TEST(FeedServiceTest, StreamCapsAnswerResourceExhausted) {
  TempDir dir;
  Authorizer authorizer;
  authorizer.AddToken("alice-token", Role::kViewer);
  authorizer.AddToken("bob-token", Role::kViewer);
  ChangeFeedService::Options options = TestOptions();
  options.max_streams = 3;
  options.max_streams_per_principal = 2;
  Producer producer(dir.Sub("producer"), options, &authorizer);
  auto stub =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));

  Watcher alice1(stub.get(), 0, "alice-token");
  Watcher alice2(stub.get(), 0, "alice-token");
  ASSERT_TRUE(WaitUntil([&] { return producer.service().stats().streams == 2; },
                        kWait));
  Watcher alice3(stub.get(), 0, "alice-token");
  ASSERT_TRUE(alice3.WaitDone());
  EXPECT_EQ(alice3.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(alice3.status().error_message(),
                                "--max_watch_streams_per_principal=2"))
      << alice3.status().error_message();
  EXPECT_FALSE(absl::StrContains(alice3.status().error_message(), "alice"));

  Watcher bob1(stub.get(), 0, "bob-token");
  ASSERT_TRUE(WaitUntil([&] { return producer.service().stats().streams == 3; },
                        kWait));
  Watcher bob2(stub.get(), 0, "bob-token");
  ASSERT_TRUE(bob2.WaitDone());
  EXPECT_EQ(bob2.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(
      absl::StrContains(bob2.status().error_message(), "--max_watch_streams=3"))
      << bob2.status().error_message();
  EXPECT_EQ(MetricValue(producer.metrics(), "kam_feed_watch_rejected_total",
                        {{"limit", "max_watch_streams_per_principal"}}),
            1);
  EXPECT_EQ(MetricValue(producer.metrics(), "kam_feed_watch_rejected_total",
                        {{"limit", "max_watch_streams"}}),
            1);

  // A closed stream frees its place.
  alice1.Cancel();
  ASSERT_TRUE(alice1.WaitDone());
  ASSERT_TRUE(WaitUntil([&] { return producer.service().stats().streams == 2; },
                        kWait));
  Watcher alice4(stub.get(), 0, "alice-token");
  ASSERT_TRUE(WaitUntil([&] { return alice4.responses() > 0; }, kWait));
  EXPECT_FALSE(alice4.done());
  for (Watcher* w : {&alice2, &bob1, &alice4}) {
    w->Cancel();
    w->WaitDone();
  }
}

TEST(FeedServiceTest, WithoutAuthTheCallersHostIsThePrincipal) {
  TempDir dir;
  ChangeFeedService::Options options = TestOptions();
  options.max_streams_per_principal = 2;
  Producer producer(dir.Sub("producer"), options);
  // Two connections from the same host count together.
  auto stub1 =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));
  auto stub2 =
      kam::common::v1::ChangeFeed::NewStub(NewChannel(producer.address()));
  Watcher first(stub1.get(), 0);
  Watcher second(stub2.get(), 0);
  ASSERT_TRUE(WaitUntil([&] { return producer.service().stats().streams == 2; },
                        kWait));
  Watcher third(stub2.get(), 0);
  ASSERT_TRUE(third.WaitDone());
  EXPECT_EQ(third.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  for (Watcher* w : {&first, &second}) {
    w->Cancel();
    w->WaitDone();
  }
}

// --- Consumer health
// ----------------------------------------------------------

// A consumer's store with a projection that counts what it applied.
class Projection {
 public:
  explicit Projection(const std::string& path) {
    Store::Options options;
    options.path = path;
    options.sync_writes = false;
    options.column_families = {"cursors"};
    store_ = *Store::Open(options);
  }
  FeedConsumer::Options Options(std::shared_ptr<grpc::Channel> channel) {
    FeedConsumer::Options options;
    options.feed_name = "things";
    options.channel = std::move(channel);
    options.store = store_.get();
    options.cursor_family = store_->Family("cursors");
    options.min_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(50);
    options.metrics = &metrics_;
    return options;
  }
  prometheus::Registry& metrics() { return metrics_; }

 private:
  std::unique_ptr<Store> store_;
  prometheus::Registry metrics_;
};

FeedConsumer::ApplyFn ApplyAll() {
  return
      [](const ChangeEvent&, rocksdb::WriteBatch*) { return absl::OkStatus(); };
}

// A producer that accepts WatchChanges and then says nothing: a hung process,
// or a connection whose other end is gone without a FIN.
class SilentFeed final : public kam::common::v1::ChangeFeed::CallbackService {
 public:
  grpc::ServerWriteReactor<WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext*, const WatchChangesRequest*) override {
    ++streams_;
    class Silent : public grpc::ServerWriteReactor<WatchChangesResponse> {
     public:
      void OnCancel() override { Finish(grpc::Status::CANCELLED); }
      void OnDone() override { delete this; }
    };
    return new Silent;
  }
  int streams() const { return streams_.load(); }

 private:
  std::atomic<int> streams_{0};
};

TEST(FeedConsumerHealthTest, SilentProducerIsDetectedAndReconnected) {
  TempDir dir;
  SilentFeed silent;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&silent);
  auto server = builder.BuildAndStart();

  FakeClock clock(absl::FromUnixSeconds(1700000000));
  Projection projection(dir.Sub("consumer"));
  FeedConsumer::Options options =
      projection.Options(NewChannel(absl::StrCat("127.0.0.1:", port)));
  options.stall_timeout = absl::Seconds(15);
  options.clock = &clock;
  FeedConsumer consumer(options, ApplyAll());
  consumer.Start();
  ASSERT_TRUE(WaitUntil([&] { return silent.streams() == 1; }, kWait));
  EXPECT_EQ(consumer.stalls(), 0);

  // Silence for less than the timeout is fine...
  clock.Advance(absl::Seconds(10));
  absl::SleepFor(absl::Seconds(2));  // two watchdog looks
  EXPECT_EQ(consumer.stalls(), 0);
  EXPECT_EQ(silent.streams(), 1);

  // ...for the timeout is a stall: cancel, count, reconnect.
  clock.Advance(absl::Seconds(6));
  ASSERT_TRUE(WaitUntil([&] { return silent.streams() == 2; }, kWait));
  EXPECT_EQ(consumer.stalls(), 1);
  EXPECT_EQ(MetricValue(projection.metrics(), "kam_feed_consumer_stalls_total",
                        {{"feed", "things"}}),
            1);
  EXPECT_GE(
      MetricValue(projection.metrics(), "kam_feed_consumer_reconnects_total",
                  {{"feed", "things"}}),
      1);
  consumer.Stop();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

TEST(FeedConsumerHealthTest, HeartbeatsKeepAnIdleStreamAlive) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());  // 200 ms heartbeat
  Projection projection(dir.Sub("consumer"));
  FeedConsumer::Options options =
      projection.Options(NewChannel(producer.address()));
  // Ten heartbeats: a loaded machine may delay one, not ten.
  options.stall_timeout = absl::Seconds(2);
  FeedConsumer consumer(options, ApplyAll());
  consumer.Start();
  ASSERT_TRUE(WaitUntil([&] { return consumer.connected(); }, kWait));
  const double first = MetricValue(
      projection.metrics(), "kam_feed_consumer_last_message_timestamp_seconds",
      {{"feed", "things"}});
  absl::SleepFor(absl::Seconds(4));
  EXPECT_EQ(consumer.stalls(), 0);
  EXPECT_TRUE(consumer.connected());
  EXPECT_GT(MetricValue(projection.metrics(),
                        "kam_feed_consumer_last_message_timestamp_seconds",
                        {{"feed", "things"}}),
            first);
  consumer.Stop();
}

// A half-open connection: the TCP connection to the producer stays open but
// carries nothing any more in either direction (the peer's host vanished,
// a NAT dropped its state). No FIN, no RST: only the silence of the
// producer's heartbeats tells. The consumer cancels the stream, reconnects
// on a new connection and applies what was committed meanwhile.
TEST(FeedConsumerHealthTest, AHalfOpenConnectionIsDetectedAndReplaced) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());  // 200 ms heartbeat
  auto proxy = ::kam::test_support::TcpProxy::Start(producer.address());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  Projection projection(dir.Sub("consumer"));
  FeedConsumer::Options options =
      projection.Options(NewChannel((*proxy)->address()));
  // As ForPeer does: after a stall, a new channel and so a new connection.
  options.new_channel = [&] { return NewChannel((*proxy)->address()); };
  options.stall_timeout = absl::Seconds(2);
  FeedConsumer consumer(options, ApplyAll());
  consumer.Start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(producer.Write(100).ok());
  ASSERT_TRUE(consumer.WaitForCursor(3, kWait));
  ASSERT_EQ((*proxy)->accepted(), 1);

  (*proxy)->Freeze();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(producer.Write(100).ok());
  // Within a few stall timeouts, well before keepalive would give up on
  // the dead connection (20 s + 10 s).
  ASSERT_TRUE(consumer.WaitForCursor(6, absl::Seconds(12)))
      << "cursor " << consumer.cursor() << ", stalls " << consumer.stalls();
  EXPECT_GE(consumer.stalls(), 1);
  EXPECT_GE((*proxy)->accepted(), 2);
  consumer.Stop();
}

TEST(FeedConsumerHealthTest, LagIsRightWhileTheConsumerCannotReceive) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer.Write(4096).ok());
  Projection projection(dir.Sub("consumer"));
  // A consumer whose channel takes at most 2 KB per message: every batch is
  // too large for it (RESOURCE_EXHAUSTED), the head-only response is not.
  FeedConsumer consumer(
      projection.Options(NewChannel(producer.address(), 2048)), ApplyAll());
  consumer.Start();
  auto lag = [&] {
    return MetricValue(projection.metrics(), "kam_feed_consumer_lag_events",
                       {{"feed", "things"}});
  };
  ASSERT_TRUE(WaitUntil([&] { return lag() == 10; }, kWait)) << lag();
  EXPECT_EQ(consumer.cursor(), 0u);
  EXPECT_EQ(consumer.producer_head(), 10u);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return MetricValue(projection.metrics(),
                           "kam_feed_consumer_reconnects_total",
                           {{"feed", "things"}}) >= 2;
      },
      kWait));
  // While it keeps failing, the lag stays what it is; more commits add to it.
  ASSERT_TRUE(producer.Write(10).ok());
  ASSERT_TRUE(WaitUntil([&] { return lag() == 11; }, kWait)) << lag();
  consumer.Stop();
  EXPECT_EQ(lag(), 11);  // kept after the consumer disconnected
}

TEST(FeedConsumerHealthTest, LagIsRightWhileTheConsumerCannotApply) {
  TempDir dir;
  Producer producer(dir.Sub("producer"), TestOptions());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer.Write(10).ok());
  Projection projection(dir.Sub("consumer"));
  FeedConsumer consumer(
      projection.Options(NewChannel(producer.address())),
      [](const ChangeEvent& event, rocksdb::WriteBatch*) {
        if (event.sequence() == 7) {
          return absl::FailedPreconditionError("cannot apply event 7");
        }
        return absl::OkStatus();
      });
  consumer.Start();
  auto lag = [&] {
    return MetricValue(projection.metrics(), "kam_feed_consumer_lag_events",
                       {{"feed", "things"}});
  };
  // A batch is applied whole or not at all: the cursor stops before the
  // batch that holds event 7, and the lag counts everything after it.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return MetricValue(projection.metrics(),
                           "kam_feed_consumer_reconnects_total",
                           {{"feed", "things"}}) >= 2;
      },
      kWait));
  EXPECT_LE(consumer.cursor(), 6u);
  EXPECT_EQ(consumer.producer_head(), 10u);
  EXPECT_EQ(lag(), 10.0 - static_cast<double>(consumer.cursor()));
  consumer.Stop();
  EXPECT_EQ(lag(), 10.0 - static_cast<double>(consumer.cursor()));
}

}  // namespace
}  // namespace kam
