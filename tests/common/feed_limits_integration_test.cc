// The change feed's size limits between real binaries: kam-registry holding
// the largest accounts its validation allows (every text field at its limit,
// in 4-byte UTF-8), followed by a real kam-engagement. Before the byte cap,
// 300 such accounts made one 14 MB response that no consumer could receive,
// while its lag gauge said 0.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/limits.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/wait.h"

namespace kam::engagement_test {
namespace {

using ::kam::test_support::FindMetric;
using ::kam::test_support::HttpGet;
using ::kam::test_support::ParsePrometheusText;
using ::kam::test_support::WaitUntil;

// U+1D11E MUSICAL SYMBOL G CLEF: one character, four bytes in UTF-8.
std::string Wide(size_t characters) {
  std::string out;
  for (size_t i = 0; i < characters; ++i) out += "\xF0\x9D\x84\x9E";
  return out;
}

// The largest account registry validation accepts (services/registry/
// registry_rules.cc): display name 200, industry and segment 100, key
// account manager 254 characters; 32 tags of 63; 50 team members of 254.
rv1::Account LargestAccount(int i) {
  rv1::Account account;
  account.set_account_id(absl::StrCat("big-", i));
  account.set_display_name(Wide(200));
  account.set_industry(Wide(100));
  account.set_segment(Wide(100));
  account.set_country("DK");
  account.set_lifecycle_status(rv1::ACTIVE);
  account.set_key_account_manager(Wide(254));
  for (int t = 0; t < 32; ++t) {
    std::string tag = absl::StrCat("t", t, "-");
    tag.resize(63, 'x');
    account.add_tags(tag);
  }
  for (int m = 0; m < 50; ++m) {
    auto* member = account.add_team();
    member->set_person(Wide(254));
    member->set_role(rv1::SALES);
  }
  return account;
}

std::optional<double> Metric(const std::string& address,
                             const std::string& name,
                             const std::map<std::string, std::string>& labels) {
  absl::StatusOr<std::string> text = HttpGet(address, "/metrics");
  if (!text.ok()) return std::nullopt;
  return FindMetric(ParsePrometheusText(*text), name, labels);
}

class FeedLimitsTest : public EngagementTest {};

TEST_F(FeedLimitsTest, LargestAccountsReachAFollowingService) {
  // Engagement is down while the accounts are created, so it replays them in
  // batches (as after an outage), not one per commit.
  KillEngagement();
  constexpr int kAccounts = 300;
  size_t largest = 0;
  for (int i = 0; i < kAccounts; ++i) {
    rv1::Account created;
    ASSERT_TRUE(registry_test::IsOk(
        registry().CreateAccount(LargestAccount(i), &created)))
        << "account " << i;
    largest = std::max(largest, created.ByteSizeLong());
  }
  // Near the largest event the feed carries would be far bigger than
  // validation allows today; each is still well over 40 KB, so 300 of them
  // are far more than one response may hold.
  EXPECT_GT(largest, 40u << 10);
  EXPECT_LT(static_cast<int64_t>(largest), kMaxFeedEventBytes);
  absl::StatusOr<uint64_t> head = registry().FeedHead();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_GE(*head, static_cast<uint64_t>(kAccounts));

  StartEngagement();
  const std::string metrics = engagement_process().metrics_address();
  const std::map<std::string, std::string> registry_feed = {
      {"feed", "registry"}};
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto cursor =
            Metric(metrics, "kam_feed_consumer_cursor", registry_feed);
        return cursor.has_value() && *cursor >= static_cast<double>(*head);
      },
      absl::Seconds(90)))
      << "engagement's cursor: "
      << Metric(metrics, "kam_feed_consumer_cursor", registry_feed).value_or(-1)
      << " of " << *head;
  EXPECT_EQ(Metric(metrics, "kam_feed_consumer_lag_events", registry_feed),
            0.0);
  EXPECT_EQ(Metric(metrics, "kam_feed_consumer_stalls_total", registry_feed),
            0.0);
  EXPECT_TRUE(WaitForAccount(absl::StrCat("big-", kAccounts - 1), 0));
  // The registry served the replay from its store, and says so.
  EXPECT_GT(Metric(registry_process().metrics_address(),
                   "kam_feed_watch_responses_total", {{"source", "store"}})
                .value_or(0),
            0.0);

  // A raw reader sees the same events in responses within the byte cap.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> events = registry().ReadFeed(0);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), *head);
}

}  // namespace
}  // namespace kam::engagement_test
