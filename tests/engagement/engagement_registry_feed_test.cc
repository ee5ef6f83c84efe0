// Engagement follows the registry's change feed into its own projection:
// it keeps recording interactions for the accounts it knows while the
// registry is down (even across its own restart), keeps the history of an
// account the registry deleted (flagged, closed for new records), and catches
// up from its stored cursor after it or the registry restarted.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/support/wait.h"

namespace kam::engagement_test {
namespace {

using grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class RegistryFeedTest : public EngagementTest {
 protected:
  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }
};

TEST_F(RegistryFeedTest, KeepsRecordingForKnownAccountsWhileTheRegistryIsDown) {
  const ev1::Interaction before =
      MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 5, 1), {"ann"}));
  KillRegistry();

  const ev1::Interaction during =
      MustCreate(NewInteraction("acme", ev1::CALL, At(2026, 5, 2), {"bob"}));
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(
      {NewCreateRequest(
           NewInteraction("globex", ev1::MEETING, At(2026, 5, 3), {"gus"}),
           "down-1"),
       NewCreateRequest(NewInteraction("ghost", ev1::CALL, At(2026, 5, 3)),
                        "down-2")},
      &batch)));
  ASSERT_EQ(batch.results_size(), 2);
  EXPECT_EQ(batch.results(0).code(), 0);
  EXPECT_EQ(batch.results(1).code(), grpc::FAILED_PRECONDITION);
  ASSERT_TRUE(
      IsOk(engagement().RecordSurvey(NewSurvey("acme", 9, 0, At(2026, 5, 2)))));
  ev1::Coverage coverage;
  ASSERT_TRUE(IsOk(engagement().GetCoverage("accounts/acme", 90, &coverage)));
  EXPECT_EQ(coverage.contacts_engaged_size(), 2);

  // Engagement restarts while the registry is still down: it starts, and
  // serves from its own projection.
  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  const ev1::Interaction after_restart =
      MustCreate(NewInteraction("acme", ev1::EMAIL, At(2026, 5, 4), {"cid"}));
  EXPECT_THAT(Names(MustListAll("acme")),
              ElementsAre(after_restart.name(), during.name(), before.name()));
  EXPECT_EQ(MustListAll("globex").size(), 1u);
  ev1::EngagementSummary summary;
  ASSERT_TRUE(IsOk(engagement().GetSummary("accounts/acme", &summary)));
  EXPECT_EQ(summary.interactions_90d(), 3);
  EXPECT_EQ(summary.nps(), 100);
  EXPECT_TRUE(HasCode(engagement().Create(NewInteraction(
                          "acme", ev1::CALL, At(2026, 5, 4), {"zed"})),
                      StatusCode::FAILED_PRECONDITION));
}

TEST_F(RegistryFeedTest, DeletedAccountKeepsItsHistoryFlaggedAndTakesNoMore) {
  const ev1::Interaction first =
      MustCreate(NewInteraction("globex", ev1::VISIT, At(2026, 4, 1), {"gus"}));
  const ev1::Interaction second =
      MustCreate(NewInteraction("globex", ev1::CALL, At(2026, 5, 1)));
  const ev1::Interaction elsewhere =
      MustCreate(NewInteraction("acme", ev1::CALL, At(2026, 5, 1), {"ann"}));
  ASSERT_TRUE(IsOk(
      engagement().RecordSurvey(NewSurvey("globex", 4, 0, At(2026, 5, 1)))));

  // The registry restarts (on a new port, so engagement restarts to follow
  // it), then deletes the account.
  RestartRegistry();
  ASSERT_FALSE(HasFatalFailure());
  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  rv1::DeleteAccountResponse deleted;
  ASSERT_TRUE(IsOk(registry().DeleteAccount("accounts/globex", &deleted)));
  EXPECT_EQ(deleted.contacts_deleted(), 1);

  ev1::Interaction got;
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        return engagement().Get(first.name(), &got).ok() &&
               got.account_deleted();
      },
      absl::Seconds(15)))
      << "the deletion never reached engagement: " << got.ShortDebugString();

  // The history is kept, every interaction flagged; nothing else changed.
  std::vector<ev1::Interaction> timeline = MustListAll("globex");
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_THAT(Names(timeline), ElementsAre(second.name(), first.name()));
  for (const ev1::Interaction& interaction : timeline) {
    EXPECT_TRUE(interaction.account_deleted()) << interaction.name();
    EXPECT_EQ(interaction.etag().empty(), false);
  }
  EXPECT_EQ(timeline[1].summary(), first.summary());
  EXPECT_THAT(timeline[1].participants(),
              ElementsAre("accounts/globex/contacts/gus"));
  ASSERT_TRUE(IsOk(engagement().Get(elsewhere.name(), &got)));
  EXPECT_FALSE(got.account_deleted());

  ev1::EngagementSummary summary;
  ASSERT_TRUE(IsOk(engagement().GetSummary("accounts/globex", &summary)));
  EXPECT_TRUE(summary.account_deleted());
  EXPECT_EQ(summary.interactions_90d(), 2);

  // Nothing new for a deleted account.
  EXPECT_TRUE(HasCode(
      engagement().Create(NewInteraction("globex", ev1::CALL, At(2026, 5, 20))),
      StatusCode::FAILED_PRECONDITION));
  ev1::BatchCreateInteractionsResponse batch;
  ASSERT_TRUE(IsOk(engagement().BatchCreate(
      {NewCreateRequest(NewInteraction("globex", ev1::CALL, At(2026, 5, 20)),
                        "after-delete")},
      &batch)));
  ASSERT_EQ(batch.results_size(), 1);
  EXPECT_EQ(batch.results(0).code(), grpc::FAILED_PRECONDITION);
  EXPECT_TRUE(HasCode(
      engagement().RecordSurvey(NewSurvey("globex", 9, 0, At(2026, 5, 20))),
      StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(HasCode(
      engagement().SetStage(NewStage("globex", ev1::DISINTEGRATING,
                                     At(2026, 5, 20), "Account closed")),
      StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(MustListAll("globex").size(), 2u);

  // Still so after engagement restarts.
  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(IsOk(engagement().Get(second.name(), &got)));
  EXPECT_TRUE(got.account_deleted());
  EXPECT_TRUE(HasCode(
      engagement().Create(NewInteraction("globex", ev1::CALL, At(2026, 5, 21))),
      StatusCode::FAILED_PRECONDITION));
  // The rest of the portfolio is as it was.
  MustCreate(NewInteraction("acme", ev1::CALL, At(2026, 5, 21), {"bob"}));
}

TEST_F(RegistryFeedTest, CatchesUpFromItsCursorAfterItsOwnRestart) {
  const ev1::Interaction visit =
      MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 5, 10), {"ann"}));
  KillEngagement();

  // While engagement is down: a new account with a contact, a changed
  // contact, a deleted contact.
  ASSERT_TRUE(IsOk(registry().CreateAccount(NewAccount("late"), nullptr)));
  ASSERT_TRUE(IsOk(registry().CreateContact(
      "accounts/late", NewContact("lou", {rv1::DECIDER}, rv1::EXECUTIVE),
      nullptr)));
  rv1::Contact ann;
  ann.set_name(ContactName("acme", "ann"));
  ann.add_roles(rv1::BUYER);
  ann.add_roles(rv1::AMBASSADOR);
  ASSERT_TRUE(IsOk(registry().UpdateContact(ann, {"roles"}, nullptr)));
  ASSERT_TRUE(IsOk(registry().DeleteContact(ContactName("acme", "dee"))));

  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForAccount("late", 1));
  ASSERT_TRUE(WaitForAccount("acme", 3));
  MustCreate(NewInteraction("late", ev1::MEETING, At(2026, 5, 20), {"lou"}));

  // Each change applied once, in order: ann's new role counts, dee is gone,
  // no contact appears twice, the interaction is still one.
  ev1::Coverage coverage;
  ASSERT_TRUE(IsOk(engagement().GetCoverage("accounts/acme", 90, &coverage)));
  EXPECT_THAT(coverage.roles_engaged(),
              UnorderedElementsAre("BUYER", "AMBASSADOR"));
  EXPECT_THAT(coverage.contacts_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/ann"));
  EXPECT_THAT(coverage.contacts_not_engaged(),
              UnorderedElementsAre("accounts/acme/contacts/bob",
                                   "accounts/acme/contacts/cid"));
  EXPECT_THAT(Names(MustListAll("acme")), ElementsAre(visit.name()));
  EXPECT_TRUE(HasCode(engagement().Create(NewInteraction(
                          "acme", ev1::CALL, At(2026, 5, 21), {"dee"})),
                      StatusCode::FAILED_PRECONDITION));

  // And it keeps tailing: a change made now arrives too.
  ASSERT_TRUE(IsOk(registry().CreateContact(
      "accounts/late", NewContact("liv", {rv1::USER}, rv1::OPERATIONAL),
      nullptr)));
  ASSERT_TRUE(WaitForAccount("late", 2));
}

TEST_F(RegistryFeedTest, CatchesUpAfterTheRegistryRestarted) {
  const ev1::Interaction visit =
      MustCreate(NewInteraction("acme", ev1::VISIT, At(2026, 5, 10), {"ann"}));

  // The registry restarts on a new port and changes things; engagement,
  // restarted with the new address, resumes from its cursor.
  RestartRegistry();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(IsOk(registry().CreateAccount(NewAccount("later"), nullptr)));
  ASSERT_TRUE(IsOk(registry().CreateContact(
      "accounts/later", NewContact("leo", {rv1::BUYER}, rv1::MANAGEMENT),
      nullptr)));
  KillEngagement();
  StartEngagement();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitForAccount("later", 1));
  MustCreate(NewInteraction("later", ev1::CALL, At(2026, 5, 20), {"leo"}));

  // What was there before is unchanged and not doubled.
  ASSERT_TRUE(WaitForAccount("acme", 4));
  ASSERT_TRUE(WaitForAccount("globex", 1));
  EXPECT_THAT(Names(MustListAll("acme")), ElementsAre(visit.name()));
  MustCreate(NewInteraction("umbrella", ev1::CALL, At(2026, 5, 20), {"una"}));

  // Tailing the restarted registry.
  ASSERT_TRUE(IsOk(registry().CreateAccount(NewAccount("latest"), nullptr)));
  ASSERT_TRUE(WaitForAccount("latest", 0));
}

}  // namespace
}  // namespace kam::engagement_test
