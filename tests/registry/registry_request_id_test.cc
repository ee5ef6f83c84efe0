// Request ids of the registry's creates and imports (AIP-155): a retry gets
// the first result, a reused id for another request is refused, a replay of
// a deleted resource says so, and ids expire after --request_id_retention.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/store.h"
#include "gtest/gtest.h"
#include "tests/registry/registry_testing.h"

namespace kam::registry_test {
namespace {

using grpc::StatusCode;

class RegistryRequestIdTest : public RegistryTest {};

TEST_F(RegistryRequestIdTest,
       SameIdForAnotherAccountIsRefusedAndWritesNothing) {
  const rv1::Account first = MustCreateAccount(NewAccount("acme"), "req-1");
  const uint64_t head = MustFeedHead();
  const std::string before = Snapshot();

  rv1::Account out;
  const grpc::Status refused =
      client().CreateAccount(NewAccount("globex"), &out, "req-1");
  ASSERT_TRUE(HasCode(refused, StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StartsWith(refused.error_message(),
                               "request_id: was used for a different request"))
      << refused.error_message();
  EXPECT_EQ(MustFeedHead(), head);
  EXPECT_EQ(Snapshot(), before);

  // The same request again is still a replay: one account, one event.
  ASSERT_TRUE(IsOk(client().CreateAccount(NewAccount("acme"), &out, "req-1")));
  EXPECT_EQ(out.name(), first.name());
  EXPECT_EQ(MustFeedHead(), head);
}

TEST_F(RegistryRequestIdTest, ContactIdForAnotherContactIsRefused) {
  MustCreateAccount(NewAccount("acme"));
  rv1::Contact first, out;
  ASSERT_TRUE(IsOk(client().CreateContact("accounts/acme", NewContact("jane"),
                                          &first, "req-c")));
  const uint64_t head = MustFeedHead();
  EXPECT_TRUE(HasCode(client().CreateContact("accounts/acme",
                                             NewContact("john"), &out, "req-c"),
                      StatusCode::INVALID_ARGUMENT));
  ASSERT_TRUE(IsOk(client().CreateContact("accounts/acme", NewContact("jane"),
                                          &out, "req-c")));
  EXPECT_EQ(out.ShortDebugString(), first.ShortDebugString());
  EXPECT_EQ(MustFeedHead(), head);
}

TEST_F(RegistryRequestIdTest, ReplayAnswersWithTheAccountAsItIsNow) {
  const rv1::Account first = MustCreateAccount(NewAccount(""), "req-gen");
  rv1::Account renamed = first;
  renamed.set_display_name("Renamed Ltd");
  rv1::Account updated;
  ASSERT_TRUE(IsOk(client().UpdateAccount(renamed, {"display_name"}, &updated,
                                          first.etag())));
  const uint64_t head = MustFeedHead();

  rv1::Account replay;
  ASSERT_TRUE(IsOk(client().CreateAccount(NewAccount(""), &replay, "req-gen")));
  EXPECT_EQ(replay.ShortDebugString(), updated.ShortDebugString());
  EXPECT_EQ(MustFeedHead(), head);
}

TEST_F(RegistryRequestIdTest, ReplayAfterDeleteIsFailedPrecondition) {
  const rv1::Account first = MustCreateAccount(NewAccount("acme"), "req-del");
  ASSERT_TRUE(IsOk(client().DeleteAccount(first.name())));
  const uint64_t head = MustFeedHead();
  rv1::Account out;
  const grpc::Status replay =
      client().CreateAccount(NewAccount("acme"), &out, "req-del");
  ASSERT_TRUE(HasCode(replay, StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(replay.error_message(),
            "request_id: this request already created accounts/acme, which has "
            "since been deleted; use a new request_id to create it again");
  EXPECT_EQ(MustFeedHead(), head);
  // A new id creates it again.
  ASSERT_TRUE(
      IsOk(client().CreateAccount(NewAccount("acme"), &out, "req-new")));
}

TEST_F(RegistryRequestIdTest, ImportReplayReturnsTheSameReport) {
  MustCreateAccount(NewAccount("acme"));
  rv1::ImportRecordsRequest request;
  request.set_request_id("import-7");
  *request.add_accounts() = NewAccount("acme");
  *request.add_accounts() = NewAccount("globex");
  *request.add_accounts() = NewAccount("Not An Id");
  rv1::ImportContact* contact = request.add_contacts();
  contact->set_parent("accounts/globex");
  *contact->mutable_contact() = NewContact("jane");
  rv1::ImportContact* orphan = request.add_contacts();
  orphan->set_parent("accounts/nowhere");
  *orphan->mutable_contact() = NewContact("john");
  rv1::ImportFinancialFact* fact = request.add_financials();
  fact->set_parent("accounts/acme");
  *fact->mutable_fact() = NewFact("2025", "EUR", 1000000, 400000, 100000);
  rv1::ImportRecordsResponse first, replay;
  ASSERT_TRUE(IsOk(client().Import(request, &first)));
  ASSERT_EQ(first.results_size(), 6);
  EXPECT_GE(first.failed(), 2) << first.ShortDebugString();
  EXPECT_EQ(first.results(5).kind(), "financials");
  const uint64_t head = MustFeedHead();
  ASSERT_TRUE(IsOk(client().Import(request, &replay)));
  EXPECT_EQ(replay.ShortDebugString(), first.ShortDebugString());
  EXPECT_EQ(MustFeedHead(), head);

  request.mutable_accounts(1)->set_display_name("Globex Two");
  const grpc::Status refused = client().Import(request, &replay);
  EXPECT_TRUE(HasCode(refused, StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StartsWith(refused.error_message(), "request_id: "))
      << refused.error_message();
  EXPECT_EQ(MustFeedHead(), head);
}

// --request_id_retention: an id older than it is a new request, and the
// background trim removes its record from the store.
class RegistryRequestIdRetentionTest : public RegistryTest {
 protected:
  RegistryRequestIdRetentionTest() {
    extra_args_ = {"--request_id_retention=1s"};
  }
};

TEST_F(RegistryRequestIdRetentionTest, ExpiredIdCreatesAgainAndIsTrimmed) {
  const rv1::Account first = MustCreateAccount(NewAccount(""), "req-exp");
  absl::SleepFor(absl::Milliseconds(1500));
  rv1::Account second;
  ASSERT_TRUE(IsOk(client().CreateAccount(NewAccount(""), &second, "req-exp")));
  EXPECT_NE(second.name(), first.name()) << "an expired id is a new request";
  std::vector<rv1::Account> all;
  ASSERT_TRUE(IsOk(client().ListAllAccounts({}, &all)));
  EXPECT_EQ(all.size(), 2u);

  // The trim runs every second; give it a few.
  absl::SleepFor(absl::Seconds(4));
  auto stopped = TerminateRegistry();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  Store::Options options;
  options.path = dir_.Sub("data");
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto it = (*store)->NewIterator((*store)->Family("requests"));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid())
      << "a record outlived the retention: " << it->key().ToString();
}

}  // namespace
}  // namespace kam::registry_test
