// The demo portfolio in tools/demo/ must import cleanly and tell the story it
// is there for: groups with subsidiaries, every buying-center role, and big
// accounts that earn less than smaller ones once cost to serve is counted.

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/kamctl/import_plan.h"

namespace kam::kamctl {
namespace {

using ::testing::IsEmpty;

std::string ReadDemoFile(const std::string& name) {
  const std::string path = std::string(KAM_SOURCE_DIR) + "/tools/demo/" + name;
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file.good()) << "cannot open " << path;
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

ImportPlan PlanDemo(ImportKind kind, const std::string& name) {
  auto plan = PlanImport(kind, ReadDemoFile(name));
  EXPECT_TRUE(plan.ok()) << name << ": " << plan.status();
  if (!plan.ok()) return ImportPlan();
  for (const CsvError& error : plan->errors) {
    ADD_FAILURE() << name << ":" << error.line << ": " << error.message;
  }
  return *std::move(plan);
}

class DemoDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_ = PlanDemo(ImportKind::kAccounts, "accounts.csv");
    contacts_ = PlanDemo(ImportKind::kContacts, "contacts.csv");
    financials_ = PlanDemo(ImportKind::kFinancials, "financials.csv");
    for (const v1::Account& account : accounts_.accounts) {
      by_id_[account.account_id()] = &account;
    }
  }

  int Depth(const v1::Account& account) const {
    int depth = 0;
    for (const v1::Account* a = &account; !a->parent().empty() && depth < 10;
         a = by_id_.at(IdOf(a->parent()))) {
      ++depth;
    }
    return depth;
  }

  ImportPlan accounts_, contacts_, financials_;
  std::map<std::string, const v1::Account*> by_id_;
};

TEST_F(DemoDataTest, EveryRowMapsAndEveryIdFollowsTheRule) {
  EXPECT_GE(accounts_.size(), 28u);
  EXPECT_GE(contacts_.size(), 85u);
  EXPECT_EQ(accounts_.errors.size() + contacts_.errors.size() +
                financials_.errors.size(),
            0u);
  for (const auto& account : accounts_.accounts) {
    EXPECT_TRUE(IsValidId(account.account_id())) << account.account_id();
    for (const std::string& tag : account.tags()) EXPECT_TRUE(IsValidId(tag));
    EXPECT_NE(account.key_account_manager().find('@'), std::string::npos)
        << account.account_id();
  }
  for (const auto& item : contacts_.contacts) {
    EXPECT_TRUE(IsValidId(item.contact().contact_id()));
  }
}

TEST_F(DemoDataTest, ReferencesResolveWithinTheDemo) {
  for (const auto& account : accounts_.accounts) {
    if (account.parent().empty()) continue;
    EXPECT_TRUE(by_id_.count(IdOf(account.parent())))
        << account.account_id() << " has an unknown parent";
  }
  std::set<std::string> contact_names;
  for (const auto& item : contacts_.contacts) {
    EXPECT_TRUE(by_id_.count(IdOf(item.parent()))) << item.parent();
    contact_names.insert(item.parent() + "/contacts/" +
                         item.contact().contact_id());
  }
  for (const auto& item : contacts_.contacts) {
    if (item.contact().reports_to().empty()) continue;
    EXPECT_TRUE(contact_names.count(item.contact().reports_to()))
        << item.contact().contact_id() << " reports to a missing contact";
  }
  for (const auto& item : financials_.financials) {
    EXPECT_TRUE(by_id_.count(IdOf(item.parent()))) << item.parent();
  }
}

TEST_F(DemoDataTest, CoversGroupsCountriesSegmentsStatusesAndRoles) {
  std::map<std::string, int> children;
  int max_depth = 0;
  std::set<std::string> countries, segments;
  std::set<int> statuses, roles, levels;
  for (const auto& account : accounts_.accounts) {
    if (!account.parent().empty()) ++children[IdOf(account.parent())];
    max_depth = std::max(max_depth, Depth(account));
    countries.insert(account.country());
    segments.insert(account.segment());
    statuses.insert(account.lifecycle_status());
  }
  int groups = 0;
  for (const auto& [id, n] : children) {
    if (by_id_.at(id)->parent().empty()) ++groups;
  }
  EXPECT_GE(groups, 2);
  EXPECT_EQ(max_depth, 2);  // three levels: group, subsidiary, sub-subsidiary
  EXPECT_EQ(countries, (std::set<std::string>{"CN", "DE", "DK", "GB", "NL",
                                              "NO", "PL", "SE", "US"}));
  EXPECT_EQ(segments,
            (std::set<std::string>{"Enterprise", "Mid-market", "SMB"}));
  EXPECT_EQ(statuses, (std::set<int>{v1::PROSPECT, v1::ACTIVE, v1::DORMANT,
                                     v1::CHURNED}));
  for (const auto& item : contacts_.contacts) {
    for (int role : item.contact().roles()) roles.insert(role);
    levels.insert(item.contact().level());
  }
  EXPECT_EQ(roles, (std::set<int>{v1::BUYER, v1::USER, v1::DECIDER,
                                  v1::INFLUENCER, v1::AMBASSADOR}));
  EXPECT_EQ(levels,
            (std::set<int>{v1::OPERATIONAL, v1::MANAGEMENT, v1::EXECUTIVE}));
}

TEST_F(DemoDataTest, ActiveAccountsReportThreeYearsAndBigIsNotBest) {
  std::map<std::string, std::set<std::string>> periods;
  // 2025 in EUR: revenue and contribution (gross margin less cost to serve).
  std::map<std::string, std::pair<int64_t, int64_t>> eur_2025;
  bool some_loss = false;
  for (const auto& item : financials_.financials) {
    const v1::FinancialFact& fact = item.fact();
    periods[IdOf(item.parent())].insert(fact.period());
    some_loss = some_loss || fact.gross_margin().minor_units() < 0;
    if (fact.period() == "2025" && fact.revenue().currency_code() == "EUR") {
      eur_2025[IdOf(item.parent())] = {fact.revenue().minor_units(),
                                       fact.gross_margin().minor_units() -
                                           fact.cost_to_serve().minor_units()};
    }
  }
  for (const auto& account : accounts_.accounts) {
    if (account.lifecycle_status() != v1::ACTIVE) continue;
    EXPECT_EQ(periods[account.account_id()],
              (std::set<std::string>{"2023", "2024", "2025"}))
        << account.account_id();
  }
  EXPECT_TRUE(some_loss) << "a year with a negative gross margin";
  std::string biggest, most_profitable;
  for (const auto& [id, figures] : eur_2025) {
    if (biggest.empty() || figures.first > eur_2025[biggest].first)
      biggest = id;
    if (most_profitable.empty() ||
        figures.second > eur_2025[most_profitable].second) {
      most_profitable = id;
    }
  }
  EXPECT_NE(biggest, most_profitable);
  EXPECT_LT(eur_2025[biggest].second, 0)
      << biggest << " should cost more to serve than it earns";
}

}  // namespace
}  // namespace kam::kamctl
