// Engagement under many simultaneous writers, through a real kam-engagement
// following a real kam-registry: interactions created one by one and in
// batches, updated and deleted at once on the same account and on a few
// others. Engagement keeps per-account cadence stats (last visit, last
// executive contact, last business review) that every write reads and
// rewrites; afterwards the overdue report and the engagement summary must
// equal a recomputation from the account's own timeline. One interaction id
// created by many callers at once exists once.

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/concurrency/concurrent_callers.h"
#include "tests/engagement/engagement_testing.h"

namespace kam::engagement_test {
namespace {

using concurrency_test::RunConcurrently;
using concurrency_test::StatusTally;

constexpr int kCallers = 16;
const char* const kAccounts[] = {"acme", "globex", "umbrella", "initech"};
// The seeded portfolio's executive-level contacts.
const std::set<std::string>& ExecutiveContacts() {
  static const auto* const kExecutives = new std::set<std::string>{
      ContactName("acme", "bob"), ContactName("globex", "gus")};
  return *kExecutives;
}

// What engagement should report, recomputed from a timeline with the
// service's documented rules (CadencePolicy, EngagementSummary).
struct Expected {
  std::optional<absl::Time> last_visit;
  std::optional<absl::Time> last_executive_contact;
  std::optional<absl::Time> last_business_review;
  std::optional<absl::Time> last_contact;
  int interactions_30d = 0;
  int interactions_90d = 0;
  int interactions_365d = 0;
  int executive_touches_90d = 0;
};

// Whole days from `from` to `to`, rounded down, as the service counts ages.
int DaysBetween(absl::Time from, absl::Time to) {
  return static_cast<int>(std::floor(absl::ToDoubleHours(to - from) / 24.0));
}

void TakeLater(std::optional<absl::Time>* slot, absl::Time t) {
  if (!slot->has_value() || t > **slot) *slot = t;
}

Expected Recompute(const std::vector<ev1::Interaction>& timeline) {
  Expected expected;
  const absl::Time now = FixedNow();
  for (const ev1::Interaction& interaction : timeline) {
    const absl::Time when = FromProto(interaction.occurred_at());
    const bool in_person = interaction.channel() == ev1::IN_PERSON;
    const bool visit =
        interaction.type() == ev1::VISIT ||
        (in_person && (interaction.type() == ev1::MEETING ||
                       interaction.type() == ev1::WORKSHOP ||
                       interaction.type() == ev1::BUSINESS_REVIEW));
    bool executive = false;
    for (const std::string& participant : interaction.participants()) {
      executive = executive || ExecutiveContacts().count(participant) > 0;
    }
    if (visit) TakeLater(&expected.last_visit, when);
    if (executive) TakeLater(&expected.last_executive_contact, when);
    if (interaction.type() == ev1::BUSINESS_REVIEW) {
      TakeLater(&expected.last_business_review, when);
    }
    TakeLater(&expected.last_contact, when);
    const int age = DaysBetween(when, now);
    if (age < 365) ++expected.interactions_365d;
    if (age < 90) ++expected.interactions_90d;
    if (age < 90 && executive) ++expected.executive_touches_90d;
    if (age < 30) ++expected.interactions_30d;
  }
  return expected;
}

std::string Show(const std::optional<absl::Time>& t) {
  return t.has_value() ? absl::FormatTime(*t, absl::UTCTimeZone()) : "never";
}

class EngagementConcurrencyTest : public EngagementTest {
 protected:
  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
    if (HasFatalFailure()) return;
    // Every account has the default tier (maintain). A one-day interval
    // makes each kind that ever happened (all more than two days ago here)
    // overdue, so the overdue report shows every "last" engagement keeps.
    ev1::CadencePolicy policy;
    policy.set_tier(cv1::MAINTAIN);
    policy.set_visit_interval_days(1);
    policy.set_executive_contact_interval_days(1);
    policy.set_business_review_interval_days(1);
    ASSERT_TRUE(IsOk(engagement().SetPolicy(policy)));
  }
};

// A deterministic spread of interactions: caller and index pick the
// account (acme most often), the type, the channel, the participants and a
// time between 2025-06-01 and 2026-05-27.
ev1::Interaction Generated(int caller, int index) {
  const int mix = caller * 131 + index * 37;
  const std::string account_id = kAccounts[mix % 7 < 4 ? 0 : (mix % 7) - 3];
  static constexpr ev1::InteractionType kTypes[] = {
      ev1::VISIT,    ev1::MEETING, ev1::CALL,   ev1::BUSINESS_REVIEW,
      ev1::WORKSHOP, ev1::EMAIL,   ev1::MEETING};
  const ev1::InteractionType type = kTypes[(mix / 7) % 7];
  const absl::Time when =
      At(2025, 6, 1) + absl::Hours((mix * 7919) % (360 * 24));
  std::vector<std::string> contacts;
  if (account_id == "acme") {
    contacts.push_back(mix % 3 == 0 ? "bob" : (mix % 3 == 1 ? "ann" : "cid"));
  } else if (account_id == "globex" && mix % 2 == 0) {
    contacts.push_back("gus");
  } else if (account_id == "umbrella") {
    contacts.push_back("una");
  }
  ev1::Interaction interaction =
      NewInteraction(account_id, type, when, contacts);
  if (type == ev1::MEETING) {
    interaction.set_channel(mix % 2 == 0 ? ev1::IN_PERSON : ev1::REMOTE);
  }
  return interaction;
}

TEST_F(EngagementConcurrencyTest,
       CadenceStatsEqualTheTimelineAfterRacingWrites) {
  constexpr int kSingles = 10;
  constexpr int kBatch = 5;
  absl::Mutex mu;
  int written = 0;  // acknowledged creates less acknowledged deletes
  StatusTally tally;
  RunConcurrently(kCallers, [&](int caller) {
    std::vector<ev1::Interaction> mine;
    for (int k = 0; k < kSingles; ++k) {
      ev1::Interaction created;
      grpc::Status status =
          engagement().Create(Generated(caller, k), &created,
                              absl::StrCat("single-", caller, "-", k));
      tally.Add(status);
      EXPECT_TRUE(IsOk(status));
      if (status.ok()) mine.push_back(created);
      if (k == kSingles / 2) {
        // A calendar sync lands in the middle of the caller's stream.
        std::vector<ev1::CreateInteractionRequest> items;
        for (int b = 0; b < kBatch; ++b) {
          items.push_back(
              NewCreateRequest(Generated(caller, 100 + b),
                               absl::StrCat("batch-", caller, "-", b)));
        }
        ev1::BatchCreateInteractionsResponse response;
        status = engagement().BatchCreate(items, &response);
        tally.Add(status);
        EXPECT_TRUE(IsOk(status));
        EXPECT_EQ(response.created(), kBatch) << response.ShortDebugString();
        for (const auto& result : response.results()) {
          if (result.code() == 0) mine.push_back(result.interaction());
        }
      }
    }
    // Move two of its interactions (new time and type) and delete one, while
    // the other callers still create.
    int deleted = 0;
    for (size_t k = 0; k < mine.size() && k < 3; ++k) {
      ev1::Interaction change;
      change.set_name(mine[k].name());
      grpc::Status status;
      if (k < 2) {
        const ev1::Interaction moved =
            Generated(caller, 200 + static_cast<int>(k));
        *change.mutable_occurred_at() = moved.occurred_at();
        change.set_type(k == 0 ? ev1::BUSINESS_REVIEW : ev1::VISIT);
        change.set_channel(ev1::IN_PERSON);
        status =
            engagement().Update(change, {"occurred_at", "type", "channel"});
      } else {
        status = engagement().Delete(change.name());
        if (status.ok()) ++deleted;
      }
      tally.Add(status);
      EXPECT_TRUE(IsOk(status)) << change.name();
    }
    absl::MutexLock lock(&mu);
    written += static_cast<int>(mine.size()) - deleted;
  });
  EXPECT_EQ(tally.count(grpc::StatusCode::OK), tally.total())
      << tally.ToString();

  ev1::ListOverdueAccountsResponse overdue;
  ASSERT_TRUE(
      IsOk(engagement().ListOverdue(cv1::TIER_UNSPECIFIED, 0, &overdue)));
  std::map<std::string, const ev1::OverdueAccount*> overdue_by_account;
  for (const ev1::OverdueAccount& account : overdue.accounts()) {
    overdue_by_account[account.account()] = &account;
  }

  int in_timelines = 0;
  for (const char* account_id : kAccounts) {
    SCOPED_TRACE(account_id);
    const std::vector<ev1::Interaction> timeline = MustListAll(account_id);
    in_timelines += static_cast<int>(timeline.size());
    const Expected expected = Recompute(timeline);

    // The overdue report reads the stored stats.
    std::map<ev1::OverdueItem::Kind, std::optional<absl::Time>> reported = {
        {ev1::OverdueItem::VISIT, std::nullopt},
        {ev1::OverdueItem::EXECUTIVE_CONTACT, std::nullopt},
        {ev1::OverdueItem::BUSINESS_REVIEW, std::nullopt}};
    auto it = overdue_by_account.find(AccountName(account_id));
    if (it != overdue_by_account.end()) {
      for (const ev1::OverdueItem& item : it->second->missing()) {
        if (item.has_last()) reported[item.kind()] = FromProto(item.last());
      }
    }
    EXPECT_EQ(Show(reported[ev1::OverdueItem::VISIT]),
              Show(expected.last_visit))
        << "last visit";
    EXPECT_EQ(Show(reported[ev1::OverdueItem::EXECUTIVE_CONTACT]),
              Show(expected.last_executive_contact))
        << "last executive contact";
    EXPECT_EQ(Show(reported[ev1::OverdueItem::BUSINESS_REVIEW]),
              Show(expected.last_business_review))
        << "last business review";

    ev1::EngagementSummary summary;
    ASSERT_TRUE(
        IsOk(engagement().GetSummary(AccountName(account_id), &summary)));
    EXPECT_EQ(
        Show(summary.has_last_contact()
                 ? std::optional<absl::Time>(FromProto(summary.last_contact()))
                 : std::nullopt),
        Show(expected.last_contact));
    EXPECT_EQ(summary.interactions_30d(), expected.interactions_30d);
    EXPECT_EQ(summary.interactions_90d(), expected.interactions_90d);
    EXPECT_EQ(summary.interactions_365d(), expected.interactions_365d);
    EXPECT_EQ(summary.executive_touches_90d(), expected.executive_touches_90d);
    const bool any_overdue = expected.last_visit.has_value() ||
                             expected.last_executive_contact.has_value() ||
                             expected.last_business_review.has_value();
    EXPECT_EQ(summary.overdue(), any_overdue);
  }
  // Nothing lost, nothing written twice.
  EXPECT_EQ(in_timelines, written);
}

// One interaction id sent by many callers at once, half through
// CreateInteraction and half as an item of BatchCreateInteractions: one
// wins, the others get ALREADY_EXISTS, and the timeline holds it once.
TEST_F(EngagementConcurrencyTest, OneInteractionIdIsCreatedOnce) {
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string id = absl::StrCat("dup-", round);
    StatusTally tally;
    RunConcurrently(kCallers, [&](int caller) {
      ev1::Interaction interaction = Generated(caller, round);
      interaction.set_account(AccountName("acme"));
      interaction.clear_participants();
      interaction.add_participants(ContactName("acme", "bob"));
      interaction.set_interaction_id(id);
      if (caller % 2 == 0) {
        tally.Add(engagement().Create(interaction));
        return;
      }
      ev1::BatchCreateInteractionsResponse response;
      grpc::Status status =
          engagement().BatchCreate({NewCreateRequest(interaction)}, &response);
      if (!status.ok() || response.results_size() != 1) {
        tally.Add(status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                             "not one result")
                              : status);
        return;
      }
      tally.Add(grpc::Status(
          static_cast<grpc::StatusCode>(response.results(0).code()),
          response.results(0).message()));
    });
    EXPECT_EQ(tally.count(grpc::StatusCode::OK), 1) << tally.ToString();
    EXPECT_EQ(tally.count(grpc::StatusCode::ALREADY_EXISTS), kCallers - 1)
        << tally.ToString();
  }
  const std::vector<ev1::Interaction> timeline = MustListAll("acme");
  EXPECT_EQ(timeline.size(), static_cast<size_t>(kRounds));
  const Expected expected = Recompute(timeline);
  ev1::EngagementSummary summary;
  ASSERT_TRUE(IsOk(engagement().GetSummary(AccountName("acme"), &summary)));
  EXPECT_EQ(summary.interactions_365d(), expected.interactions_365d);
}

}  // namespace
}  // namespace kam::engagement_test
