// Recording and reading interactions against real kam-registry and
// kam-engagement processes: create (output fields, channel defaults,
// idempotent retries), an account's timeline and a contact's interactions
// (newest first, [start, end) ranges, pages), updates under a FieldMask and
// an etag, deletes, and batch ingest with a result per item.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"

namespace kam::engagement_test {
namespace {

using grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

class InteractionsTest : public EngagementTest {
 protected:
  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }

  std::vector<ev1::Interaction> ContactTimeline(const std::string& account,
                                                const std::string& contact) {
    ev1::ListContactInteractionsRequest request;
    request.set_contact(ContactName(account, contact));
    std::vector<ev1::Interaction> out;
    EXPECT_TRUE(IsOk(engagement().ListAllContact(request, &out)));
    return out;
  }

  // The account's timeline within [start, end); an unset bound is open.
  std::vector<ev1::Interaction> Range(const std::string& account,
                                      std::optional<absl::Time> start,
                                      std::optional<absl::Time> end) {
    ev1::ListInteractionsRequest request;
    request.set_parent(AccountName(account));
    if (start) *request.mutable_start_time() = Proto(*start);
    if (end) *request.mutable_end_time() = Proto(*end);
    std::vector<ev1::Interaction> out;
    EXPECT_TRUE(IsOk(engagement().ListAll(request, &out)));
    return out;
  }
};

TEST_F(InteractionsTest, CreateFillsOutputFieldsAndTheChannelFromTheType) {
  ev1::Interaction visit =
      NewInteraction("acme", ev1::VISIT, At(2026, 5, 10, 9), {"ann", "bob"});
  visit.set_outcome("Pilot agreed");
  visit.set_next_steps("Send the pilot offer");
  visit.set_sentiment(1);
  const ev1::Interaction created = MustCreate(visit);

  EXPECT_FALSE(created.interaction_id().empty());
  EXPECT_EQ(created.name(),
            "accounts/acme/interactions/" + created.interaction_id());
  EXPECT_EQ(created.account(), "accounts/acme");
  EXPECT_EQ(created.type(), ev1::VISIT);
  EXPECT_EQ(FromProto(created.occurred_at()), At(2026, 5, 10, 9));
  EXPECT_THAT(
      created.participants(),
      ElementsAre("accounts/acme/contacts/ann", "accounts/acme/contacts/bob"));
  EXPECT_THAT(created.internal_participants(),
              ElementsAre("kam@supplier.example"));
  EXPECT_EQ(created.channel(), ev1::IN_PERSON);
  EXPECT_EQ(created.summary(), visit.summary());
  EXPECT_EQ(created.outcome(), "Pilot agreed");
  EXPECT_EQ(created.next_steps(), "Send the pilot offer");
  EXPECT_EQ(created.sentiment(), 1);
  EXPECT_FALSE(created.account_deleted());
  EXPECT_EQ(FromProto(created.create_time()), FixedNow());
  EXPECT_EQ(FromProto(created.update_time()), FixedNow());
  EXPECT_FALSE(created.etag().empty());

  ev1::Interaction got;
  ASSERT_TRUE(IsOk(engagement().Get(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), created.ShortDebugString());

  // Channel defaults: in person for visits, business reviews and workshops,
  // remote for the rest; a given channel is kept.
  const std::vector<std::pair<ev1::InteractionType, ev1::Channel>> defaults = {
      {ev1::MEETING, ev1::REMOTE},     {ev1::CALL, ev1::REMOTE},
      {ev1::EMAIL, ev1::REMOTE},       {ev1::BUSINESS_REVIEW, ev1::IN_PERSON},
      {ev1::WORKSHOP, ev1::IN_PERSON}, {ev1::EVENT, ev1::REMOTE}};
  for (const auto& [type, channel] : defaults) {
    const ev1::Interaction made =
        MustCreate(NewInteraction("globex", type, At(2026, 5, 1), {"gus"}));
    EXPECT_EQ(made.channel(), channel) << ev1::InteractionType_Name(type);
  }
  ev1::Interaction remote_workshop =
      NewInteraction("globex", ev1::WORKSHOP, At(2026, 5, 2));
  remote_workshop.set_channel(ev1::REMOTE);
  EXPECT_EQ(MustCreate(remote_workshop).channel(), ev1::REMOTE);

  // A caller-supplied ID names the interaction.
  ev1::Interaction named = NewInteraction("acme", ev1::CALL, At(2026, 5, 11));
  named.set_interaction_id("kickoff-2026");
  EXPECT_EQ(MustCreate(named).name(),
            "accounts/acme/interactions/kickoff-2026");

  // Up to a day ahead of the clock is accepted (a meeting logged in advance).
  const ev1::Interaction ahead = MustCreate(
      NewInteraction("acme", ev1::MEETING, FixedNow() + absl::Hours(23)));
  EXPECT_EQ(FromProto(ahead.occurred_at()), FixedNow() + absl::Hours(23));

  EXPECT_TRUE(HasCode(engagement().Get("accounts/acme/interactions/nope"),
                      StatusCode::NOT_FOUND));
  EXPECT_EQ(MustListAll("acme").size(), 3u);
  EXPECT_EQ(MustListAll("globex").size(), 7u);
}

TEST_F(InteractionsTest, RetryWithTheSameRequestIdReturnsTheFirstResult) {
  const ev1::Interaction call =
      NewInteraction("acme", ev1::CALL, At(2026, 5, 3, 14), {"cid"});
  ev1::Interaction first, second;
  ASSERT_TRUE(IsOk(engagement().Create(call, &first, "calendar-sync-42")));
  ASSERT_TRUE(IsOk(engagement().Create(call, &second, "calendar-sync-42")));
  EXPECT_EQ(second.ShortDebugString(), first.ShortDebugString())
      << "a retry must return the first result, generated ID included";
  EXPECT_THAT(Names(MustListAll("acme")), ElementsAre(first.name()));
  EXPECT_THAT(Names(ContactTimeline("acme", "cid")), ElementsAre(first.name()));

  // Another request_id is another interaction, even with the same content.
  ev1::Interaction third;
  ASSERT_TRUE(IsOk(engagement().Create(call, &third, "calendar-sync-43")));
  EXPECT_NE(third.name(), first.name());
  EXPECT_EQ(MustListAll("acme").size(), 2u);

  // A taken interaction_id under a new request_id: ALREADY_EXISTS, no write.
  ev1::Interaction named = call;
  named.set_interaction_id("qbr-2026-q2");
  MustCreate(named, "r-1");
  named.set_summary("something else");
  EXPECT_TRUE(HasCode(engagement().Create(named, nullptr, "r-2"),
                      StatusCode::ALREADY_EXISTS));
  EXPECT_TRUE(HasCode(engagement().Create(named), StatusCode::ALREADY_EXISTS));
  ev1::Interaction stored;
  ASSERT_TRUE(IsOk(
      engagement().Get("accounts/acme/interactions/qbr-2026-q2", &stored)));
  EXPECT_EQ(stored.summary(), call.summary());
  EXPECT_EQ(MustListAll("acme").size(), 3u);
}

TEST_F(InteractionsTest, TimelineIsNewestFirstWithinTheRangeAPageAtATime) {
  const absl::Time t1 = At(2026, 1, 5, 8), t2 = At(2026, 2, 5, 8),
                   t3 = At(2026, 3, 5, 8), t4 = At(2026, 4, 5, 8),
                   t5 = At(2026, 5, 5, 8);
  // Recorded out of order; the timeline orders by occurred_at.
  auto make = [&](const std::string& id, absl::Time when) {
    ev1::Interaction interaction =
        NewInteraction("acme", ev1::MEETING, when, {"ann"});
    interaction.set_interaction_id(id);
    return MustCreate(interaction);
  };
  make("i3", t3);
  make("i1", t1);
  make("i5", t5);
  make("i2", t2);
  make("i4", t4);
  MustCreate(NewInteraction("globex", ev1::CALL, t3, {"gus"}));  // elsewhere

  EXPECT_THAT(Ids(MustListAll("acme")),
              ElementsAre("i5", "i4", "i3", "i2", "i1"));
  // [start, end): start included, end excluded.
  EXPECT_THAT(Ids(Range("acme", t2, t4)), ElementsAre("i3", "i2"));
  EXPECT_THAT(Ids(Range("acme", t4, std::nullopt)), ElementsAre("i5", "i4"));
  EXPECT_THAT(Ids(Range("acme", std::nullopt, t2)), ElementsAre("i1"));
  EXPECT_THAT(Ids(Range("acme", t5 + absl::Seconds(1), std::nullopt)),
              IsEmpty());

  // Pages of two: 2, 2, 1, then no token.
  ev1::ListInteractionsRequest request;
  request.set_parent("accounts/acme");
  request.set_page_size(2);
  std::vector<std::vector<std::string>> pages;
  for (int i = 0; i < 10; ++i) {
    ev1::ListInteractionsResponse response;
    ASSERT_TRUE(IsOk(engagement().List(request, &response)));
    pages.push_back(
        Ids({response.interactions().begin(), response.interactions().end()}));
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{
                       {"i5", "i4"}, {"i3", "i2"}, {"i1"}}));

  // Paging within a range.
  request.Clear();
  request.set_parent("accounts/acme");
  *request.mutable_start_time() = Proto(t2);
  request.set_page_size(2);
  ev1::ListInteractionsResponse page;
  ASSERT_TRUE(IsOk(engagement().List(request, &page)));
  EXPECT_THAT(Ids({page.interactions().begin(), page.interactions().end()}),
              ElementsAre("i5", "i4"));
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(IsOk(engagement().List(request, &page)));
  EXPECT_THAT(Ids({page.interactions().begin(), page.interactions().end()}),
              ElementsAre("i3", "i2"));

  // Bad requests.
  ev1::ListInteractionsResponse ignored;
  request.Clear();
  request.set_parent("accounts/acme");
  request.set_page_size(-1);
  EXPECT_TRUE(
      IsInvalidArgumentFor(engagement().List(request, &ignored), "page_size"));
  request.set_page_size(0);
  request.set_page_token("not-a-token");
  EXPECT_TRUE(
      IsInvalidArgumentFor(engagement().List(request, &ignored), "page_token"));
  request.Clear();
  request.set_parent("acme");
  EXPECT_TRUE(
      IsInvalidArgumentFor(engagement().List(request, &ignored), "parent"));
}

TEST_F(InteractionsTest, DefaultPageIsFifty) {
  std::vector<ev1::CreateInteractionRequest> items;
  for (int i = 0; i < 55; ++i) {
    items.push_back(NewCreateRequest(
        NewInteraction("umbrella", ev1::EMAIL,
                       At(2026, 5, 1) + absl::Minutes(i), {"una"}),
        absl::StrCat("mail-", i)));
  }
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &batch)));
  ASSERT_EQ(batch.created(), 55) << batch.failed();

  ev1::ListInteractionsRequest request;
  request.set_parent("accounts/umbrella");
  ev1::ListInteractionsResponse first;
  ASSERT_TRUE(IsOk(engagement().List(request, &first)));
  EXPECT_EQ(first.interactions_size(), 50);
  EXPECT_FALSE(first.next_page_token().empty());
  EXPECT_EQ(MustListAll("umbrella").size(), 55u);
}

TEST_F(InteractionsTest, ContactTimelineHoldsOnlyThatContactNewestFirst) {
  auto make = [&](const std::string& id, absl::Time when,
                  const std::vector<std::string>& who) {
    ev1::Interaction interaction =
        NewInteraction("acme", ev1::MEETING, when, who);
    interaction.set_interaction_id(id);
    return MustCreate(interaction);
  };
  make("m1", At(2026, 1, 10), {"ann", "bob"});
  make("m2", At(2026, 3, 10), {"bob"});
  make("m3", At(2026, 2, 10), {"cid"});
  make("m4", At(2026, 4, 10), {"ann"});

  EXPECT_THAT(Ids(ContactTimeline("acme", "bob")), ElementsAre("m2", "m1"));
  EXPECT_THAT(Ids(ContactTimeline("acme", "ann")), ElementsAre("m4", "m1"));
  EXPECT_THAT(Ids(ContactTimeline("acme", "cid")), ElementsAre("m3"));
  EXPECT_THAT(ContactTimeline("acme", "dee"), IsEmpty());

  ev1::ListContactInteractionsRequest request;
  request.set_contact(ContactName("acme", "bob"));
  request.set_page_size(1);
  ev1::ListInteractionsResponse page;
  ASSERT_TRUE(IsOk(engagement().ListContact(request, &page)));
  EXPECT_THAT(Ids({page.interactions().begin(), page.interactions().end()}),
              ElementsAre("m2"));
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(IsOk(engagement().ListContact(request, &page)));
  EXPECT_THAT(Ids({page.interactions().begin(), page.interactions().end()}),
              ElementsAre("m1"));

  request.Clear();
  request.set_contact("accounts/acme");
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().ListContact(request, &page),
                                   "contact"));
}

TEST_F(InteractionsTest, UpdateChangesOnlyTheMaskedFieldsUnderTheEtag) {
  ev1::Interaction original =
      NewInteraction("acme", ev1::MEETING, At(2026, 3, 1, 10), {"ann"});
  original.set_interaction_id("steering");
  original.set_outcome("Agreed on scope");
  const ev1::Interaction created = MustCreate(original);
  ev1::Interaction later = NewInteraction("acme", ev1::CALL, At(2026, 4, 1));
  later.set_interaction_id("later");
  MustCreate(later);

  ev1::Interaction patch;
  patch.set_name(created.name());
  patch.set_summary("Steering committee, Q2");
  patch.set_sentiment(-1);
  patch.set_type(ev1::CALL);            // not in the mask: ignored
  patch.set_outcome("must not apply");  // not in the mask: ignored
  ev1::Interaction updated;
  ASSERT_TRUE(IsOk(engagement().Update(patch, {"summary", "sentiment"},
                                       &updated, created.etag())));
  EXPECT_EQ(updated.summary(), "Steering committee, Q2");
  EXPECT_EQ(updated.sentiment(), -1);
  EXPECT_EQ(updated.type(), ev1::MEETING);
  EXPECT_EQ(updated.outcome(), "Agreed on scope");
  EXPECT_EQ(updated.participants().size(), 1);
  EXPECT_EQ(updated.name(), created.name());
  EXPECT_EQ(updated.create_time().ShortDebugString(),
            created.create_time().ShortDebugString());
  EXPECT_NE(updated.etag(), created.etag());
  ev1::Interaction got;
  ASSERT_TRUE(IsOk(engagement().Get(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), updated.ShortDebugString());

  // The old etag is stale now: ABORTED, nothing changes.
  patch.set_summary("lost update");
  EXPECT_TRUE(
      HasCode(engagement().Update(patch, {"summary"}, nullptr, created.etag()),
              StatusCode::ABORTED));
  ASSERT_TRUE(IsOk(engagement().Get(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), updated.ShortDebugString());

  // Participants move the interaction between contact timelines; occurred_at
  // moves it in the account's timeline.
  ev1::Interaction moved;
  patch.Clear();
  patch.set_name(created.name());
  patch.add_participants(ContactName("acme", "bob"));
  *patch.mutable_occurred_at() = Proto(At(2026, 5, 1));
  ASSERT_TRUE(IsOk(engagement().Update(patch, {"participants", "occurred_at"},
                                       &moved, updated.etag())));
  EXPECT_THAT(moved.participants(), ElementsAre("accounts/acme/contacts/bob"));
  EXPECT_THAT(ContactTimeline("acme", "ann"), IsEmpty());
  EXPECT_THAT(Ids(ContactTimeline("acme", "bob")), ElementsAre("steering"));
  EXPECT_THAT(Ids(MustListAll("acme")), ElementsAre("steering", "later"));

  // Rejected updates change nothing.
  ev1::Interaction before;
  ASSERT_TRUE(IsOk(engagement().Get(created.name(), &before)));
  patch.Clear();
  patch.set_name(created.name());
  patch.add_participants(ContactName("acme", "zed"));
  EXPECT_TRUE(HasCode(engagement().Update(patch, {"participants"}),
                      StatusCode::FAILED_PRECONDITION));
  patch.Clear();
  patch.set_name(created.name());
  patch.set_sentiment(7);
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().Update(patch, {"sentiment"}),
                                   "interaction.sentiment"));
  patch.set_sentiment(0);
  patch.set_account("accounts/globex");
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().Update(patch, {"account"}),
                                   "update_mask"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().Update(patch, {"interaction_id"}), "update_mask"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().Update(patch, {"no_such_field"}), "update_mask"));
  ASSERT_TRUE(IsOk(engagement().Get(created.name(), &got)));
  EXPECT_EQ(got.ShortDebugString(), before.ShortDebugString());

  patch.set_name("accounts/acme/interactions/ghost");
  EXPECT_TRUE(
      HasCode(engagement().Update(patch, {"summary"}), StatusCode::NOT_FOUND));
}

TEST_F(InteractionsTest, DeleteRemovesItEverywhereUnderTheEtag) {
  ev1::Interaction first =
      NewInteraction("acme", ev1::VISIT, At(2026, 2, 1), {"ann"});
  first.set_interaction_id("visit-feb");
  const ev1::Interaction created = MustCreate(first);
  ev1::Interaction second =
      NewInteraction("acme", ev1::CALL, At(2026, 3, 1), {"ann"});
  second.set_interaction_id("call-mar");
  MustCreate(second);

  ev1::Interaction patch;
  patch.set_name(created.name());
  patch.set_summary("revised");
  ev1::Interaction updated;
  ASSERT_TRUE(IsOk(engagement().Update(patch, {"summary"}, &updated)));

  EXPECT_TRUE(HasCode(engagement().Delete(created.name(), created.etag()),
                      StatusCode::ABORTED));
  EXPECT_TRUE(IsOk(engagement().Get(created.name())));

  ASSERT_TRUE(IsOk(engagement().Delete(created.name(), updated.etag())));
  EXPECT_TRUE(HasCode(engagement().Get(created.name()), StatusCode::NOT_FOUND));
  EXPECT_THAT(Ids(MustListAll("acme")), ElementsAre("call-mar"));
  EXPECT_THAT(Ids(ContactTimeline("acme", "ann")), ElementsAre("call-mar"));
  EXPECT_TRUE(
      HasCode(engagement().Delete(created.name()), StatusCode::NOT_FOUND));

  // Without an etag.
  ASSERT_TRUE(IsOk(engagement().Delete("accounts/acme/interactions/call-mar")));
  EXPECT_THAT(MustListAll("acme"), IsEmpty());
  EXPECT_THAT(ContactTimeline("acme", "ann"), IsEmpty());
}

TEST_F(InteractionsTest, BatchReportsEveryItemAndWritesOnlyTheValidOnes) {
  ev1::Interaction existing = NewInteraction("acme", ev1::CALL, At(2026, 1, 2));
  existing.set_interaction_id("existing");
  MustCreate(existing);

  std::vector<ev1::CreateInteractionRequest> items;
  // 0: valid.
  items.push_back(NewCreateRequest(
      NewInteraction("acme", ev1::VISIT, At(2026, 5, 1), {"ann"}), "b-0"));
  // 1: no type.
  items.push_back(NewCreateRequest(
      NewInteraction("acme", ev1::INTERACTION_TYPE_UNSPECIFIED, At(2026, 5, 1)),
      "b-1"));
  // 2: unknown account.
  items.push_back(NewCreateRequest(
      NewInteraction("ghost", ev1::CALL, At(2026, 5, 1)), "b-2"));
  // 3: valid, another account.
  items.push_back(NewCreateRequest(
      NewInteraction("globex", ev1::CALL, At(2026, 5, 2), {"gus"}), "b-3"));
  // 4: unknown contact.
  items.push_back(NewCreateRequest(
      NewInteraction("acme", ev1::CALL, At(2026, 5, 1), {"zed"}), "b-4"));
  // 5: valid, with an ID.
  ev1::Interaction dup = NewInteraction("acme", ev1::EMAIL, At(2026, 5, 3));
  dup.set_interaction_id("dup");
  items.push_back(NewCreateRequest(dup, "b-5"));
  // 6: an ID stored before.
  ev1::Interaction taken = NewInteraction("acme", ev1::EMAIL, At(2026, 5, 3));
  taken.set_interaction_id("existing");
  items.push_back(NewCreateRequest(taken, "b-6"));
  // 7: an ID taken earlier in the same batch.
  items.push_back(NewCreateRequest(dup, "b-7"));
  // 8: sentiment out of range.
  ev1::Interaction sour = NewInteraction("acme", ev1::CALL, At(2026, 5, 1));
  sour.set_sentiment(3);
  items.push_back(NewCreateRequest(sour, "b-8"));

  const std::vector<int> want_codes = {0,
                                       grpc::INVALID_ARGUMENT,
                                       grpc::FAILED_PRECONDITION,
                                       0,
                                       grpc::FAILED_PRECONDITION,
                                       0,
                                       grpc::ALREADY_EXISTS,
                                       grpc::ALREADY_EXISTS,
                                       grpc::INVALID_ARGUMENT};

  ev1::BatchCreateInteractionsResponse first;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &first)));
  ASSERT_EQ(first.results_size(), static_cast<int>(items.size()));
  std::vector<int> codes;
  for (const auto& result : first.results()) codes.push_back(result.code());
  EXPECT_EQ(codes, want_codes);
  EXPECT_EQ(first.created(), 3);
  EXPECT_EQ(first.failed(), 6);
  EXPECT_TRUE(absl::StrContains(first.results(1).message(), "interaction.type"))
      << first.results(1).message();
  EXPECT_TRUE(
      absl::StrContains(first.results(8).message(), "interaction.sentiment"))
      << first.results(8).message();
  for (int i : {0, 3, 5}) {
    const auto& result = first.results(i);
    EXPECT_FALSE(result.replayed()) << i;
    EXPECT_FALSE(result.interaction().name().empty()) << i;
    ev1::Interaction stored;
    ASSERT_TRUE(IsOk(engagement().Get(result.interaction().name(), &stored)));
    EXPECT_EQ(stored.ShortDebugString(),
              result.interaction().ShortDebugString());
  }
  EXPECT_EQ(first.results(5).interaction().name(),
            "accounts/acme/interactions/dup");

  const std::vector<std::string> acme_after = Names(MustListAll("acme"));
  EXPECT_EQ(acme_after.size(), 3u);  // existing, item 0, item 5
  EXPECT_EQ(MustListAll("globex").size(), 1u);
  EXPECT_THAT(Ids(ContactTimeline("acme", "ann")),
              ElementsAre(first.results(0).interaction().interaction_id()));

  // The same batch again: each valid item is replayed with its first result,
  // the invalid ones fail the same way, and nothing is written twice.
  ev1::BatchCreateInteractionsResponse again;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &again)));
  ASSERT_EQ(again.results_size(), static_cast<int>(items.size()));
  codes.clear();
  for (const auto& result : again.results()) codes.push_back(result.code());
  EXPECT_EQ(codes, want_codes);
  for (int i : {0, 3, 5}) {
    EXPECT_TRUE(again.results(i).replayed()) << i;
    EXPECT_EQ(again.results(i).interaction().ShortDebugString(),
              first.results(i).interaction().ShortDebugString())
        << i;
  }
  EXPECT_THAT(Names(MustListAll("acme")), ElementsAreArray(acme_after));
  EXPECT_EQ(MustListAll("globex").size(), 1u);

  // A batch mixing a replay and a new item writes only the new one.
  std::vector<ev1::CreateInteractionRequest> mixed = {
      items[0], NewCreateRequest(
                    NewInteraction("acme", ev1::CALL, At(2026, 5, 9)), "b-9")};
  ev1::BatchCreateInteractionsResponse mixed_response;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(mixed, &mixed_response)));
  ASSERT_EQ(mixed_response.results_size(), 2);
  EXPECT_TRUE(mixed_response.results(0).replayed());
  EXPECT_EQ(mixed_response.results(0).interaction().name(),
            first.results(0).interaction().name());
  EXPECT_EQ(mixed_response.results(1).code(), 0);
  EXPECT_FALSE(mixed_response.results(1).replayed());
  EXPECT_EQ(MustListAll("acme").size(), 4u);
}

TEST_F(InteractionsTest, BatchOfMoreThan5000IsRejectedWhole) {
  std::vector<ev1::CreateInteractionRequest> items;
  for (int i = 0; i < 5001; ++i) {
    items.push_back(
        NewCreateRequest(NewInteraction("initech", ev1::EMAIL, At(2026, 5, 1)),
                         absl::StrCat("big-", i)));
  }
  ev1::BatchCreateInteractionsResponse response;
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().BatchCreate(items, &response),
                                   "requests"));
  EXPECT_THAT(MustListAll("initech"), IsEmpty());

  items.resize(5000);
  ASSERT_TRUE(IsOk(engagement().BatchCreate(items, &response)));
  EXPECT_EQ(response.created(), 5000);
  EXPECT_EQ(MustListAll("initech").size(), 5000u);
}

}  // namespace
TEST_F(InteractionsTest,
       RequestIdOfAnotherInteractionIsRefusedAndDeletedIsNotReplayed) {
  const ev1::Interaction call =
      NewInteraction("acme", ev1::CALL, At(2026, 5, 3, 14), {"cid"});
  ev1::Interaction first;
  ASSERT_TRUE(IsOk(engagement().Create(call, &first, "sync-1")));
  const absl::StatusOr<uint64_t> head = engagement().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();

  ev1::Interaction other = call;
  other.set_summary("Another call");
  const grpc::Status refused = engagement().Create(other, nullptr, "sync-1");
  ASSERT_TRUE(HasCode(refused, StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StartsWith(refused.error_message(),
                               "request_id: was used for a different request"))
      << refused.error_message();
  EXPECT_THAT(Names(MustListAll("acme")), ElementsAre(first.name()));
  EXPECT_EQ(engagement().FeedHead().value(), *head);

  // In a batch the item fails on its own, naming its field; a true retry in
  // the same batch is replayed.
  ev1::CreateInteractionRequest reused, retried;
  *reused.mutable_interaction() = other;
  reused.set_request_id("sync-1");
  *retried.mutable_interaction() = call;
  retried.set_request_id("sync-1");
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate({reused}, &batch)));
  ASSERT_EQ(batch.results_size(), 1);
  EXPECT_EQ(batch.results(0).code(),
            static_cast<int>(StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StartsWith(batch.results(0).message(),
                               "requests[0].request_id: was used"))
      << batch.results(0).message();
  batch.Clear();
  ASSERT_TRUE(IsOk(engagement().BatchCreate({retried}, &batch)));
  ASSERT_EQ(batch.results_size(), 1);
  EXPECT_TRUE(batch.results(0).replayed());
  EXPECT_EQ(batch.results(0).interaction().name(), first.name());
  EXPECT_EQ(engagement().FeedHead().value(), *head);

  // Deleted: the retry says so instead of answering with what is gone.
  ASSERT_TRUE(IsOk(engagement().Delete(first.name())));
  const grpc::Status gone = engagement().Create(call, nullptr, "sync-1");
  ASSERT_TRUE(HasCode(gone, StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(
      gone.error_message(),
      absl::StrCat("request_id: this request already created ", first.name(),
                   ", which has since been deleted; use a new "
                   "request_id to create it again"));
  EXPECT_THAT(MustListAll("acme"), IsEmpty());
}

TEST_F(InteractionsTest, SurveyResponseRetryIsReplayedAndAReusedIdRefused) {
  const ev1::SurveyResponse survey =
      NewSurvey("acme", 9, 0, At(2026, 5, 3, 14));
  ev1::SurveyResponse first, again;
  ASSERT_TRUE(IsOk(engagement().RecordSurvey(survey, &first, "nps-1")));
  const uint64_t head = engagement().FeedHead().value();
  ASSERT_TRUE(IsOk(engagement().RecordSurvey(survey, &again, "nps-1")));
  EXPECT_EQ(again.ShortDebugString(), first.ShortDebugString());
  ev1::SurveyResponse changed = survey;
  changed.set_nps(3);
  EXPECT_TRUE(HasCode(engagement().RecordSurvey(changed, nullptr, "nps-1"),
                      StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(engagement().FeedHead().value(), head);
}

}  // namespace kam::engagement_test
