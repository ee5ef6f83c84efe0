// The registry's change feed and its durability: events for every change in
// commit order without gaps; a FeedConsumer that stops, restarts, and outlives
// a producer crash applies every event exactly once; and every acknowledged
// write survives kill -9.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/feed_consumer.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;
using test_support::TempDir;
using test_support::WaitUntil;

std::string KindName(cv1::ChangeEvent::Kind kind) {
  return cv1::ChangeEvent::Kind_Name(kind);
}

// "KIND resource_name" for each event.
std::vector<std::string> Describe(const std::vector<cv1::ChangeEvent>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) {
    out.push_back(
        absl::StrCat(KindName(event.kind()), " ", event.resource_name()));
  }
  return out;
}

template <typename Message>
Message Unpack(const cv1::ChangeEvent& event) {
  Message message;
  EXPECT_TRUE(event.resource().UnpackTo(&message))
      << "event " << event.sequence() << " carries "
      << event.resource().type_url() << ", not "
      << Message::descriptor()->full_name();
  return message;
}

// --- The feed, read directly ------------------------------------------------

class RegistryFeedTest : public RegistryTest {};

TEST_F(RegistryFeedTest, EveryChangeIsAnEventInOrderWithoutGaps) {
  ASSERT_EQ(MustFeedHead(), 0u);
  const rv1::Account created = MustCreateAccount(NewAccount("acme"));
  rv1::Account patch;
  patch.set_name("accounts/acme");
  patch.set_display_name("Acme Group");
  rv1::Account updated;
  ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"display_name"}, &updated)));
  const rv1::Contact jane = MustCreateContact("acme", NewContact("jane"));
  rv1::Contact jane_patch;
  jane_patch.set_name(jane.name());
  jane_patch.set_title("CFO");
  rv1::Contact jane_updated;
  ASSERT_TRUE(
      IsOk(client().UpdateContact(jane_patch, {"title"}, &jane_updated)));
  const rv1::FinancialFact fact =
      MustRecordFact("acme", NewFact("2025", "EUR", 100, 10, 1));
  const rv1::FinancialFact fact_replaced =
      MustRecordFact("acme", NewFact("2025", "EUR", 200, 20, 2));
  MustRecordFact("acme",
                 NewFact("2025", "EUR", 200, 20, 2));  // identical: no event
  EXPECT_TRUE(HasCode(client().CreateAccount(NewAccount("Bad ID"), nullptr),
                      StatusCode::INVALID_ARGUMENT));  // rejected: no event
  ASSERT_TRUE(IsOk(client().DeleteContact(jane.name())));
  const rv1::Contact bob = MustCreateContact("acme", NewContact("bob"));
  const uint64_t head_before_delete = MustFeedHead();
  ASSERT_TRUE(IsOk(client().DeleteAccount("accounts/acme")));

  absl::StatusOr<std::vector<cv1::ChangeEvent>> events = client().ReadFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_GE(events->size(), 9u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence(), i + 1) << "sequences must be 1..N";
    EXPECT_GT((*events)[i].commit_time().seconds(), 0);
  }
  const std::vector<cv1::ChangeEvent> before_delete(
      events->begin(), events->begin() + static_cast<long>(head_before_delete));
  EXPECT_EQ(Describe(before_delete),
            (std::vector<std::string>{"CREATED accounts/acme",
                                      "UPDATED accounts/acme",
                                      "CREATED accounts/acme/contacts/jane",
                                      "UPDATED accounts/acme/contacts/jane",
                                      "CREATED accounts/acme/financials/2025",
                                      "UPDATED accounts/acme/financials/2025",
                                      "DELETED accounts/acme/contacts/jane",
                                      "CREATED accounts/acme/contacts/bob"}));

  // The payloads are the resources as the API returned them.
  ASSERT_EQ(before_delete.size(), 8u);
  EXPECT_EQ(Unpack<rv1::Account>(before_delete[0]).ShortDebugString(),
            created.ShortDebugString());
  EXPECT_EQ(Unpack<rv1::Account>(before_delete[1]).ShortDebugString(),
            updated.ShortDebugString());
  EXPECT_EQ(Unpack<rv1::Contact>(before_delete[2]).ShortDebugString(),
            jane.ShortDebugString());
  EXPECT_EQ(Unpack<rv1::Contact>(before_delete[3]).ShortDebugString(),
            jane_updated.ShortDebugString());
  EXPECT_EQ(Unpack<rv1::FinancialFact>(before_delete[4]).ShortDebugString(),
            fact.ShortDebugString());
  EXPECT_EQ(Unpack<rv1::FinancialFact>(before_delete[5]).ShortDebugString(),
            fact_replaced.ShortDebugString());
  // A deletion carries the last state.
  EXPECT_EQ(Unpack<rv1::Contact>(before_delete[6]).title(), "CFO");
  EXPECT_EQ(Unpack<rv1::Contact>(before_delete[7]).ShortDebugString(),
            bob.ShortDebugString());

  // The cascading delete: only deletions, among them the account's, and each
  // payload of the type its name says.
  bool account_deleted = false;
  for (size_t i = head_before_delete; i < events->size(); ++i) {
    const cv1::ChangeEvent& event = (*events)[i];
    EXPECT_EQ(event.kind(), cv1::ChangeEvent::DELETED) << event.resource_name();
    if (event.resource_name() == "accounts/acme") {
      account_deleted = true;
      EXPECT_EQ(Unpack<rv1::Account>(event).display_name(), "Acme Group");
    } else if (event.resource_name() == bob.name()) {
      Unpack<rv1::Contact>(event);
    } else if (event.resource_name() == "accounts/acme/financials/2025") {
      EXPECT_EQ(Unpack<rv1::FinancialFact>(event).revenue().minor_units(), 200);
    } else {
      ADD_FAILURE() << "unexpected event " << event.ShortDebugString();
    }
  }
  EXPECT_TRUE(account_deleted);
  EXPECT_EQ(MustFeedHead(), events->size());
}

TEST_F(RegistryFeedTest, ReplaysFromACursorAndThenTails) {
  for (int i = 0; i < 5; ++i)
    MustCreateAccount(NewAccount(absl::StrCat("a", i)));
  absl::StatusOr<std::vector<cv1::ChangeEvent>> all = client().ReadFeed(0);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  absl::StatusOr<std::vector<cv1::ChangeEvent>> tail = client().ReadFeed(3);
  ASSERT_TRUE(tail.ok()) << tail.status();
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].ShortDebugString(), (*all)[3].ShortDebugString());
  EXPECT_EQ((*tail)[1].ShortDebugString(), (*all)[4].ShortDebugString());

  // An open stream at the head receives the next commit.
  grpc::ClientContext context;
  SetDeadline(&context);
  cv1::WatchChangesRequest request;
  request.set_after_sequence(5);
  auto reader = client().feed().WatchChanges(&context, request);
  cv1::WatchChangesResponse response;
  ASSERT_TRUE(reader->Read(&response));  // the immediate first response
  EXPECT_EQ(response.head_sequence(), 5u);
  EXPECT_EQ(response.events_size(), 0);
  MustCreateAccount(NewAccount("late"));
  std::vector<cv1::ChangeEvent> tailed;
  for (int reads = 0; reads < 10 && tailed.empty(); ++reads) {
    ASSERT_TRUE(reader->Read(&response));
    tailed.assign(response.events().begin(), response.events().end());
  }
  ASSERT_EQ(tailed.size(), 1u);
  EXPECT_EQ(tailed[0].sequence(), 6u);
  EXPECT_EQ(tailed[0].resource_name(), "accounts/late");
  context.TryCancel();
  reader->Finish().IgnoreError();
}

TEST_F(RegistryFeedTest, SmallBatchesStillDeliverEveryEvent) {
  for (int i = 0; i < 7; ++i)
    MustCreateAccount(NewAccount(absl::StrCat("a", i)));
  grpc::ClientContext context;
  SetDeadline(&context);
  cv1::WatchChangesRequest request;
  request.set_max_batch_size(2);
  auto reader = client().feed().WatchChanges(&context, request);
  cv1::WatchChangesResponse response;
  std::vector<uint64_t> sequences;
  while (sequences.size() < 7 && reader->Read(&response)) {
    EXPECT_LE(response.events_size(), 2);
    for (const auto& event : response.events())
      sequences.push_back(event.sequence());
  }
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  context.TryCancel();
  reader->Finish().IgnoreError();
}

// --- A FeedConsumer following the registry ----------------------------------

// Projection is a consumer-side database: its own Store in its own directory,
// where every applied event leaves a key (the zero-padded sequence) in the
// same batch as the consumer's cursor. An event applied twice would find its
// key already committed and is counted as a duplicate.
class Projection {
 public:
  explicit Projection(std::string path) : path_(std::move(path)) {}

  void Open() {
    Store::Options options;
    options.path = path_;
    options.column_families = {"cursors", "applied"};
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  void Close() {
    consumer_.reset();
    store_.reset();
  }

  // Starts a consumer of the registry at `address` from the stored cursor.
  void Follow(const std::string& address) {
    FeedConsumer::Options options;
    options.feed_name = "registry";
    options.channel =
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    options.store = store_.get();
    options.cursor_family = store_->Family("cursors");
    options.min_backoff = absl::Milliseconds(20);
    options.max_backoff = absl::Milliseconds(200);
    consumer_ = std::make_unique<FeedConsumer>(
        options,
        [this](const cv1::ChangeEvent& event, rocksdb::WriteBatch* batch) {
          const std::string key = absl::StrFormat("%020d", event.sequence());
          std::string ignored;
          if (store_->Get(store_->Family("applied"), key, &ignored).ok()) {
            absl::MutexLock lock(&mu_);
            ++duplicates_;
          }
          batch->Put(
              store_->Family("applied"), key,
              absl::StrCat(KindName(event.kind()), " ", event.resource_name()));
          return absl::OkStatus();
        });
    consumer_->Start();
  }
  void StopFollowing() { consumer_.reset(); }

  FeedConsumer& consumer() { return *consumer_; }

  uint64_t StoredCursor() const {
    auto cursor = FeedConsumer::ReadCursor(*store_, store_->Family("cursors"),
                                           "registry");
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return cursor.ok() ? *cursor : 0;
  }

  // sequence -> "KIND name", as committed.
  std::map<uint64_t, std::string> Applied() const {
    std::map<uint64_t, std::string> applied;
    auto it = store_->NewIterator(store_->Family("applied"));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      applied[std::stoull(it->key().ToString())] = it->value().ToString();
    }
    return applied;
  }

  int duplicates() {
    absl::MutexLock lock(&mu_);
    return duplicates_;
  }

 private:
  const std::string path_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FeedConsumer> consumer_;
  absl::Mutex mu_;
  int duplicates_ ABSL_GUARDED_BY(mu_) = 0;
};

class RegistryFeedConsumerTest : public RegistryTest {
 protected:
  // Every producer event is in the projection exactly once, with the same
  // kind and resource, and the cursor is at the producer's head.
  void ExpectExactlyOnce(Projection& projection) {
    absl::StatusOr<std::vector<cv1::ChangeEvent>> events = client().ReadFeed(0);
    ASSERT_TRUE(events.ok()) << events.status();
    std::map<uint64_t, std::string> want;
    for (const auto& event : *events) {
      want[event.sequence()] =
          absl::StrCat(KindName(event.kind()), " ", event.resource_name());
    }
    EXPECT_EQ(projection.Applied(), want);
    EXPECT_EQ(projection.duplicates(), 0);
    EXPECT_EQ(projection.StoredCursor(), events->size());
  }

  void WriteAccounts(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      MustCreateAccount(NewAccount(absl::StrCat(prefix, "-", i)));
    }
  }

  TempDir consumer_dir_;
};

TEST_F(RegistryFeedConsumerTest,
       ResumesFromItsCursorAfterAStopWithoutGapsOrRepeats) {
  WriteAccounts("first", 5);
  MustCreateContact("first-0", NewContact("jane"));
  MustRecordFact("first-0", NewFact("2025", "EUR", 1, 1, 1));

  Projection projection(consumer_dir_.Sub("projection"));
  ASSERT_NO_FATAL_FAILURE(projection.Open());
  projection.Follow(process().grpc_address());
  ASSERT_TRUE(projection.consumer().WaitForCursor(7, absl::Seconds(10)))
      << "cursor " << projection.consumer().cursor();
  // Tailing, not only replaying.
  WriteAccounts("tail", 2);
  ASSERT_TRUE(projection.consumer().WaitForCursor(9, absl::Seconds(10)));

  // Down: the consumer and its database close; the producer goes on.
  projection.Close();
  WriteAccounts("while-down", 4);
  ASSERT_TRUE(IsOk(client().DeleteAccount("accounts/first-1")));
  const uint64_t head = MustFeedHead();
  ASSERT_EQ(head, 14u);

  ASSERT_NO_FATAL_FAILURE(projection.Open());
  EXPECT_EQ(projection.StoredCursor(), 9u);
  projection.Follow(process().grpc_address());
  ASSERT_TRUE(projection.consumer().WaitForCursor(head, absl::Seconds(10)))
      << "cursor " << projection.consumer().cursor();
  projection.StopFollowing();
  ExpectExactlyOnce(projection);
}

// The producer dies (kill -9, or a graceful SIGTERM) while the consumer
// follows it, with writes the consumer may not have seen yet; it comes back
// on a new port; a consumer on the same projection resumes from its cursor.
class FeedConsumerAcrossProducerRestartTest
    : public RegistryFeedConsumerTest,
      public ::testing::WithParamInterface<bool /*kill*/> {};

TEST_P(FeedConsumerAcrossProducerRestartTest, NoEventLostNoneAppliedTwice) {
  Projection projection(consumer_dir_.Sub("projection"));
  ASSERT_NO_FATAL_FAILURE(projection.Open());
  projection.Follow(process().grpc_address());
  WriteAccounts("before", 5);
  ASSERT_TRUE(projection.consumer().WaitForCursor(5, absl::Seconds(10)));

  // Acknowledged writes, then the crash, right away.
  WriteAccounts("last-words", 5);
  if (GetParam()) {
    process().Kill();
  } else {
    absl::StatusOr<int> code = TerminateRegistry();
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0);
  }
  // The old consumer points at a dead address; it retries there until
  // stopped, never skipping.
  const uint64_t cursor_at_crash = projection.consumer().cursor();
  EXPECT_GE(cursor_at_crash, 5u);
  EXPECT_LE(cursor_at_crash, 10u);
  projection.StopFollowing();

  ASSERT_NO_FATAL_FAILURE(RestartRegistry());
  ASSERT_EQ(MustFeedHead(), 10u) << "acknowledged writes lost in the crash";
  WriteAccounts("after", 3);

  projection.Follow(process().grpc_address());
  ASSERT_TRUE(projection.consumer().WaitForCursor(13, absl::Seconds(10)))
      << "cursor " << projection.consumer().cursor();
  projection.StopFollowing();
  ExpectExactlyOnce(projection);
}

INSTANTIATE_TEST_SUITE_P(Registry, FeedConsumerAcrossProducerRestartTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Kill9")
                                             : std::string("Sigterm");
                         });

// --- Durability -------------------------------------------------------------

class RegistryDurabilityTest : public RegistryTest {};

TEST_F(RegistryDurabilityTest, AcknowledgedWritesSurviveKill9) {
  MustCreateAccount(NewAccount("group"));
  rv1::Account child = NewAccount("child");
  child.set_parent("accounts/group");
  child.add_tags("gold");
  MustCreateAccount(child);
  rv1::Account patch;
  patch.set_name("accounts/group");
  patch.set_country("DK");
  ASSERT_TRUE(IsOk(client().UpdateAccount(patch, {"country"}, nullptr)));
  MustCreateContact("child", NewContact("ann"));
  MustCreateContact("child", NewContact("ben"));
  ASSERT_TRUE(IsOk(client().DeleteContact(ContactName("child", "ben"))));
  MustRecordFact("group", NewFact("2025-Q2", "EUR", 10, 1, 1));
  MustRecordFact("group", NewFact("2025-Q2", "EUR", 11, 1, 1));
  rv1::ImportRecordsRequest import;
  *import.add_accounts() = NewAccount("imported");
  import.set_request_id("import-1");
  rv1::ImportRecordsResponse imported;
  ASSERT_TRUE(IsOk(client().Import(import, &imported)));
  const rv1::Account idempotent = MustCreateAccount(NewAccount(""), "req-gen");
  for (int i = 0; i < 20; ++i)
    MustCreateAccount(NewAccount(absl::StrCat("burst-", i)));

  const std::string before = Snapshot();
  absl::StatusOr<std::vector<cv1::ChangeEvent>> feed_before =
      client().ReadFeed(0);
  ASSERT_TRUE(feed_before.ok()) << feed_before.status();
  process().Kill();

  ASSERT_NO_FATAL_FAILURE(RestartRegistry());
  EXPECT_EQ(Snapshot(), before);
  absl::StatusOr<std::vector<cv1::ChangeEvent>> feed_after =
      client().ReadFeed(0);
  ASSERT_TRUE(feed_after.ok()) << feed_after.status();
  ASSERT_EQ(feed_after->size(), feed_before->size());
  for (size_t i = 0; i < feed_after->size(); ++i) {
    EXPECT_EQ((*feed_after)[i].ShortDebugString(),
              (*feed_before)[i].ShortDebugString());
  }

  // Idempotency keys survive too: retries after the crash write nothing.
  rv1::Account retried;
  ASSERT_TRUE(
      IsOk(client().CreateAccount(NewAccount(""), &retried, "req-gen")));
  EXPECT_EQ(retried.ShortDebugString(), idempotent.ShortDebugString());
  rv1::ImportRecordsResponse reimported;
  ASSERT_TRUE(IsOk(client().Import(import, &reimported)));
  EXPECT_EQ(reimported.ShortDebugString(), imported.ShortDebugString());
  EXPECT_EQ(Snapshot(), before);

  // And the restarted server takes new writes after the old ones.
  MustCreateAccount(NewAccount("after-restart"));
  absl::StatusOr<std::vector<cv1::ChangeEvent>> feed_now = client().ReadFeed(0);
  ASSERT_TRUE(feed_now.ok()) << feed_now.status();
  ASSERT_EQ(feed_now->size(), feed_before->size() + 1);
  EXPECT_EQ(feed_now->back().sequence(), feed_before->size() + 1);
}

TEST_F(RegistryDurabilityTest, SurvivesRepeatedCrashes) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    for (int i = 0; i < 5; ++i) {
      MustCreateAccount(NewAccount(absl::StrCat("r", round, "-", i)));
    }
    process().Kill();
    ASSERT_NO_FATAL_FAILURE(RestartRegistry());
    std::vector<rv1::Account> all;
    ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &all)));
    EXPECT_EQ(all.size(), static_cast<size_t>(5 * (round + 1)));
    EXPECT_EQ(MustFeedHead(), static_cast<uint64_t>(5 * (round + 1)));
  }
}

}  // namespace
}  // namespace kam::registry_test
