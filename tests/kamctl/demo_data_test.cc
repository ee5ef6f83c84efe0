// The demo portfolio in tools/demo/ must import cleanly and tell the story it
// is there for: groups with subsidiaries, every buying-center role, and big
// accounts that earn less than smaller ones once cost to serve is counted;
// and its engagement history: strategic accounts worked closely, some
// key-looking ones neglected, satisfaction falling at some; the strategic
// fit of every account, rated high for the strategic ones; and the account
// plans of the key accounts, which kam-planning must accept as they are.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/kamctl/engagement_import.h"
#include "tools/kamctl/import_plan.h"
#include "tools/kamctl/planning_records.h"
#include "tools/kamctl/scoring_records.h"

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

// PlanRowDemo reads a file sent row by row with `plan` (one of
// PlanInteractionImport, PlanSurveyImport, PlanRatingImport) and fails the
// test for each row that would not be sent.
template <typename Plan, typename PlanFn>
Plan PlanRowDemo(const std::string& name, PlanFn plan_fn) {
  auto plan = plan_fn(ReadDemoFile(name));
  EXPECT_TRUE(plan.ok()) << name << ": " << plan.status();
  if (!plan.ok()) return Plan();
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
    for (const v1::ImportContact& item : contacts_.contacts) {
      contact_levels_[item.parent() + "/contacts/" +
                      item.contact().contact_id()] = item.contact().level();
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
  // "accounts/a/contacts/c" -> level.
  std::map<std::string, int> contact_levels_;
};

class EngagementDemoDataTest : public DemoDataTest {
 protected:
  void SetUp() override {
    DemoDataTest::SetUp();
    interactions_ = PlanRowDemo<InteractionImportPlan>("interactions.csv",
                                                       PlanInteractionImport);
    surveys_ = PlanRowDemo<SurveyImportPlan>("surveys.csv", PlanSurveyImport);
  }

  bool HasExecutive(const ev1::Interaction& interaction) const {
    for (const std::string& contact : interaction.participants()) {
      auto it = contact_levels_.find(contact);
      if (it != contact_levels_.end() && it->second == v1::EXECUTIVE) {
        return true;
      }
    }
    return false;
  }

  // What counts as a visit for the cadence (see CadencePolicy).
  static bool IsVisit(const ev1::Interaction& i) {
    return i.type() == ev1::VISIT ||
           (i.type() == ev1::MEETING && i.channel() == ev1::IN_PERSON) ||
           (i.type() == ev1::WORKSHOP && i.channel() != ev1::REMOTE);
  }

  InteractionImportPlan interactions_;
  SurveyImportPlan surveys_;
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

TEST_F(EngagementDemoDataTest, EveryRowMapsAndReferencesTheDemoPortfolio) {
  EXPECT_GE(interactions_.size(), 600u);
  EXPECT_LE(interactions_.size(), 1000u);
  EXPECT_GE(surveys_.size(), 120u);
  EXPECT_LE(surveys_.size(), 200u);
  for (const auto& item : interactions_.items) {
    const ev1::Interaction& i = item.interaction();
    EXPECT_TRUE(by_id_.count(IdOf(i.account())))
        << i.account() << " is not in accounts.csv";
    for (const std::string& contact : i.participants()) {
      EXPECT_TRUE(contact_levels_.count(contact))
          << i.interaction_id() << ": " << contact
          << " is not a contact of that account in contacts.csv";
    }
    EXPECT_FALSE(i.participants().empty()) << i.interaction_id();
    EXPECT_EQ(
        std::set<std::string>(i.participants().begin(), i.participants().end())
            .size(),
        static_cast<size_t>(i.participants_size()))
        << i.interaction_id() << " names a participant twice";
    EXPECT_FALSE(i.internal_participants().empty()) << i.interaction_id();
  }
  for (const auto& item : surveys_.items) {
    const ev1::SurveyResponse& r = item.response();
    EXPECT_TRUE(by_id_.count(IdOf(r.account()))) << r.account();
    if (!r.contact().empty()) {
      EXPECT_TRUE(contact_levels_.count(r.contact()))
          << r.contact() << " is not in contacts.csv";
    }
  }
}

TEST_F(EngagementDemoDataTest, CoversEighteenMonthsEndingMidNovember2026) {
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  std::set<int> types;
  int negative = 0, non_negative = 0;
  for (const auto& item : interactions_.items) {
    const ev1::Interaction& i = item.interaction();
    first = std::min(first, FromTimestamp(i.occurred_at()));
    last = std::max(last, FromTimestamp(i.occurred_at()));
    types.insert(i.type());
    (i.sentiment() < 0 ? negative : non_negative)++;
  }
  EXPECT_GE(first, *ParseTime("2025-05-01"));
  EXPECT_LE(first, *ParseTime("2025-06-01"));
  EXPECT_GE(last, *ParseTime("2026-11-01"));
  EXPECT_LE(last, *ParseTime("2026-11-15", DateMeans::kEndOfDay));
  EXPECT_EQ(types,
            (std::set<int>{ev1::VISIT, ev1::MEETING, ev1::CALL, ev1::EMAIL,
                           ev1::BUSINESS_REVIEW, ev1::WORKSHOP, ev1::EVENT}));
  EXPECT_GT(negative, 0) << "some interactions went badly";
  EXPECT_GT(non_negative, 4 * negative) << "most went well enough";
}

TEST_F(EngagementDemoDataTest, StrategicAccountsAreWorkedAndSomeAreNeglected) {
  const absl::Time end = *ParseTime("2026-11-15", DateMeans::kEndOfDay);
  std::map<std::string, int> visits, reviews;
  std::map<std::string, absl::Time> last_visit, last_executive;
  for (const auto& item : interactions_.items) {
    const ev1::Interaction& i = item.interaction();
    const std::string account = IdOf(i.account());
    const absl::Time at = FromTimestamp(i.occurred_at());
    if (IsVisit(i)) {
      ++visits[account];
      last_visit.emplace(account, absl::InfinitePast());
      last_visit[account] = std::max(last_visit[account], at);
    }
    if (i.type() == ev1::BUSINESS_REVIEW) ++reviews[account];
    if (HasExecutive(i)) {
      last_executive.emplace(account, absl::InfinitePast());
      last_executive[account] = std::max(last_executive[account], at);
    }
  }
  // A visit a month and a review a quarter, for 18 months.
  for (const char* strategic :
       {"vestwind", "goteborg-trucks", "nordic-foods", "hanse-maschinenbau"}) {
    EXPECT_GE(visits[strategic], 16) << strategic;
    EXPECT_GE(reviews[strategic], 5) << strategic;
    EXPECT_GE(last_executive[strategic], end - absl::Hours(24 * 90))
        << strategic;
  }
  // Enterprise accounts with no visit for four months and no executive
  // contact for longer: what `kamctl overdue` is for.
  int neglected = 0;
  for (const auto& [id, account] : by_id_) {
    if (account->segment() != "Enterprise" ||
        account->lifecycle_status() != v1::ACTIVE || !last_visit.count(id)) {
      continue;
    }
    const bool no_visit = last_visit[id] < end - absl::Hours(24 * 120);
    const bool no_executive = !last_executive.count(id) ||
                              last_executive[id] < end - absl::Hours(24 * 180);
    if (no_visit && no_executive) ++neglected;
  }
  EXPECT_GE(neglected, 2);
}

TEST_F(EngagementDemoDataTest, SatisfactionFallsAtSomeAccounts) {
  // Mean NPS answer per account in the first and in the last year.
  const absl::Time middle = *ParseTime("2025-11-15");
  std::map<std::string, std::pair<int, int>> before, after;  // sum, count
  for (const auto& item : surveys_.items) {
    const ev1::SurveyResponse& r = item.response();
    EXPECT_TRUE(r.nps() >= 0 || r.csat() > 0);
    if (r.nps() < 0) continue;
    auto& bucket =
        (FromTimestamp(r.responded_at()) < middle ? before
                                                  : after)[IdOf(r.account())];
    bucket.first += r.nps();
    ++bucket.second;
  }
  int falling = 0, promoters = 0;
  for (const auto& [account, then] : before) {
    if (!after.count(account) || then.second == 0) continue;
    const auto& now = after[account];
    const double mean_then = static_cast<double>(then.first) / then.second;
    const double mean_now = static_cast<double>(now.first) / now.second;
    if (mean_now <= mean_then - 2) ++falling;
    if (mean_now >= 9) ++promoters;
  }
  EXPECT_GE(falling, 2);
  EXPECT_GE(promoters, 2);
}

TEST_F(DemoDataTest, RatingsRateTheStrategicFitOfEveryAccountOnce) {
  const RatingImportPlan ratings =
      PlanRowDemo<RatingImportPlan>("ratings.csv", PlanRatingImport);
  std::map<std::string, int> fit;  // account ID -> value
  for (const sv1::SetRatingRequest& rating : ratings.items) {
    EXPECT_EQ(rating.criterion_id(), "strategic-fit");
    EXPECT_THAT(rating.rater(), ::testing::HasSubstr("@fjordmotion.example"));
    EXPECT_FALSE(rating.note().empty()) << rating.account();
    EXPECT_TRUE(by_id_.count(IdOf(rating.account())))
        << rating.account() << " is not in accounts.csv";
    fit[IdOf(rating.account())] = rating.value();
  }
  // The import planner already refuses a second rating of the same account.
  EXPECT_EQ(fit.size(), by_id_.size()) << "every demo account is rated";
  for (const auto& [id, account] : by_id_) {
    if (!fit.count(id)) {
      ADD_FAILURE() << id << " has no strategic-fit rating";
      continue;
    }
    const auto& tags = account->tags();
    if (std::find(tags.begin(), tags.end(), "strategic") != tags.end()) {
      EXPECT_GE(fit[id], 8) << id << " is tagged strategic";
    }
    if (account->lifecycle_status() == v1::CHURNED ||
        account->lifecycle_status() == v1::DORMANT) {
      EXPECT_LE(fit[id], 3) << id << " is churned or dormant";
    }
  }
  EXPECT_EQ(fit["vestwind"], 10) << "the anchor customer";
}

// The demo's plans, by file name (tools/demo/plans/*.json).
std::map<std::string, pv1::AccountPlan> ReadDemoPlans() {
  std::map<std::string, pv1::AccountPlan> plans;
  const std::filesystem::path dir =
      std::filesystem::path(KAM_SOURCE_DIR) / "tools/demo/plans";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    auto plan = PlanFromJson(ReadDemoFile("plans/" + name));
    EXPECT_TRUE(plan.ok()) << name << ": " << plan.status();
    if (plan.ok()) plans[name] = *std::move(plan);
  }
  return plans;
}

// Inside the plan's period as the service checks it: after the start, at
// most the end.
bool InsidePeriod(const pv1::AccountPlan& plan,
                  const google::protobuf::Timestamp& t) {
  const absl::Time at = FromTimestamp(t);
  return at > FromTimestamp(plan.period_start()) &&
         at <= FromTimestamp(plan.period_end());
}

TEST_F(DemoDataTest, PlansParseAndReferToDemoAccountsAndContacts) {
  const std::map<std::string, pv1::AccountPlan> plans = ReadDemoPlans();
  ASSERT_GE(plans.size(), 5u);
  std::set<std::string> names;
  for (const auto& [file, plan] : plans) {
    auto name = PlanNameFromArg(plan.name());
    ASSERT_TRUE(name.ok()) << file << ": " << name.status();
    const std::string account = PlanAccountId(*name);
    EXPECT_TRUE(by_id_.count(account))
        << file << ": " << account << " is not in accounts.csv";
    // tools/run-suite.sh imports the files by horizon: ACCOUNT-HORIZON.json.
    EXPECT_EQ(file, account + "-" + PlanHorizonName(plan.horizon()) + ".json");
    names.insert(*name);
    EXPECT_FALSE(plan.title().empty()) << file;
    EXPECT_FALSE(plan.summary().empty()) << file;
    // Only what a user writes: the file creates the plan as it is.
    pv1::AccountPlan cleared = plan;
    ClearOutputOnly(&cleared);
    EXPECT_EQ(cleared.SerializeAsString(), plan.SerializeAsString())
        << file << " sets output-only fields";
    EXPECT_TRUE(plan.etag().empty()) << file;
    EXPECT_FALSE(plan.participants().empty()) << file;
    for (const pv1::Participant& p : plan.participants()) {
      EXPECT_TRUE(contact_levels_.count(p.contact()))
          << file << ": " << p.contact() << " is not in contacts.csv";
      EXPECT_EQ(p.contact().rfind(AccountName(account) + "/contacts/", 0), 0u)
          << file << ": " << p.contact() << " is not a contact of " << account;
    }
  }
  // Every parent plan is a demo plan of the same account, one horizon up,
  // and every objective it serves is one of the parent's.
  std::map<std::string, const pv1::AccountPlan*> by_name;
  for (const auto& [file, plan] : plans) by_name[plan.name()] = &plan;
  for (const auto& [file, plan] : plans) {
    if (plan.parent_plan().empty()) continue;
    ASSERT_TRUE(by_name.count(plan.parent_plan()))
        << file << ": parent " << plan.parent_plan() << " is no demo plan";
    const pv1::AccountPlan& parent = *by_name[plan.parent_plan()];
    EXPECT_EQ(PlanAccountId(parent.name()), PlanAccountId(plan.name()));
    EXPECT_EQ(parent.horizon(), plan.horizon() == pv1::OPERATIONAL
                                    ? pv1::TACTICAL
                                    : pv1::STRATEGIC)
        << file;
    EXPECT_GE(FromTimestamp(plan.period_start()),
              FromTimestamp(parent.period_start()))
        << file << " starts before its parent";
    EXPECT_LE(FromTimestamp(plan.period_end()),
              FromTimestamp(parent.period_end()))
        << file << " ends after its parent";
    for (const pv1::Objective& o : plan.objectives()) {
      if (o.serves_objective().empty()) continue;
      EXPECT_NE(FindObjective(parent, o.serves_objective()), nullptr)
          << file << ": " << o.id() << " serves a missing objective";
    }
  }
}

TEST_F(DemoDataTest, PlansFollowThePlanRulesAndCanBeActivated) {
  // The service's rules (planning.proto): period length per horizon in days,
  // end exclusive; objectives and actions due inside the period; activation
  // needs an objective and an action.
  const std::map<pv1::PlanHorizon, std::pair<int, int>> days = {
      {pv1::STRATEGIC, {1095, 1827}},
      {pv1::TACTICAL, {365, 731}},
      {pv1::OPERATIONAL, {335, 396}}};
  // The demo's engagement history ends mid-November 2026: its plans are in
  // force then.
  const absl::Time demo_now = *ParseTime("2026-11-15");
  for (const auto& [file, plan] : ReadDemoPlans()) {
    ASSERT_TRUE(days.count(plan.horizon())) << file;
    const absl::Time start = FromTimestamp(plan.period_start());
    const absl::Time end = FromTimestamp(plan.period_end());
    const int64_t length = (end - start) / absl::Hours(24);
    EXPECT_GE(length, days.at(plan.horizon()).first) << file;
    EXPECT_LE(length, days.at(plan.horizon()).second) << file;
    EXPECT_LE(start, demo_now) << file;
    EXPECT_GT(end, demo_now) << file;
    ASSERT_FALSE(plan.objectives().empty()) << file;
    ASSERT_FALSE(plan.actions().empty()) << file;
    std::set<std::string> objectives;
    for (const pv1::Objective& o : plan.objectives()) {
      EXPECT_TRUE(IsValidId(o.id())) << file << ": " << o.id();
      EXPECT_TRUE(objectives.insert(o.id()).second) << file << ": " << o.id();
      EXPECT_TRUE(InsidePeriod(plan, o.due_time())) << file << ": " << o.id();
      EXPECT_NE(o.baseline(), o.target()) << file << ": " << o.id();
      if (o.metric() == pv1::REVENUE || o.metric() == pv1::GROSS_MARGIN) {
        EXPECT_THAT(o.unit(), ::testing::AnyOf("EUR", "DKK", "USD"))
            << file << ": " << o.id();
      }
      if (o.metric() == pv1::CUSTOM) {
        EXPECT_FALSE(o.custom_metric().empty()) << file << ": " << o.id();
        EXPECT_FALSE(o.unit().empty()) << file << ": " << o.id();
      }
    }
    std::set<std::string> actions;
    int open = 0;
    for (const pv1::Action& a : plan.actions()) {
      EXPECT_TRUE(IsValidId(a.id())) << file << ": " << a.id();
      EXPECT_TRUE(actions.insert(a.id()).second) << file << ": " << a.id();
      EXPECT_TRUE(InsidePeriod(plan, a.due_time())) << file << ": " << a.id();
      EXPECT_TRUE(objectives.count(a.objective()))
          << file << ": " << a.id() << " serves no objective of the plan";
      EXPECT_THAT(a.owner(), ::testing::HasSubstr("@fjordmotion.example"))
          << file << ": " << a.id();
      if (a.status() == pv1::OPEN || a.status() == pv1::IN_PROGRESS) ++open;
    }
    EXPECT_GT(open, 0) << file << " has nothing left to do";
    // All six dimensions of the strategy are worked out.
    const pv1::Strategy& s = plan.strategy();
    for (const pv1::StrategyDimension* d :
         {&s.product(), &s.price(), &s.distribution(), &s.communication(),
          &s.service(), &s.relationship()}) {
      EXPECT_FALSE(d->text().empty()) << file;
    }
  }
}

TEST_F(DemoDataTest, EveryKeyAccountHasAnOperationalPlanAndOneACascade) {
  // The accounts scoring's default model makes key (tools/demo/README.md).
  const std::set<std::string> key = {"vestwind", "aarhus-pumps", "bergen-aqua",
                                     "krone-robotics", "odense-automation"};
  std::map<std::string, std::set<int>> horizons;  // account -> horizons
  int overdue_open = 0;
  for (const auto& [file, plan] : ReadDemoPlans()) {
    horizons[PlanAccountId(plan.name())].insert(plan.horizon());
    for (const pv1::Action& a : plan.actions()) {
      if (a.status() == pv1::OPEN &&
          FromTimestamp(a.due_time()) < *ParseTime("2026-11-15")) {
        ++overdue_open;
      }
    }
  }
  for (const std::string& account : key) {
    EXPECT_TRUE(horizons[account].count(pv1::OPERATIONAL))
        << account << " has no operational plan";
  }
  int cascades = 0;
  for (const auto& [account, set] : horizons) {
    if (set.size() == 3) ++cascades;
  }
  EXPECT_GE(cascades, 1) << "one account plans in all three horizons";
  EXPECT_GE(overdue_open, 1) << "`kamctl plans overdue-actions` has a story";
}

}  // namespace
}  // namespace kam::kamctl
