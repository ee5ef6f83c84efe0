// The reports a key account manager reads, over the six-account portfolio
// of SeedPortfolio (gross profit 2025, EUR: alpha 50M, beta 25M, gamma 15M,
// delta 6M, epsilon 4M, zeta none; 100M in all): ABC analysis, the
// portfolio summary and the portfolio matrix.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

// One ABC row as the test expects it.
struct Row {
  std::string account;
  int64_t gross_profit_eur;
  int share_bp;
  int cumulative_bp;
  sv1::AbcClass abc_class;
};

class ReportsTest : public ScoringTest {
 protected:
  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
  }

  grpc::Status Abc(int a_percent, int b_percent, sv1::AbcAnalysis* out) {
    sv1::GetAbcAnalysisRequest request;
    request.set_a_percent(a_percent);
    request.set_b_percent(b_percent);
    return scoring().Call(&sv1::Scoring::Stub::GetAbcAnalysis, request, out,
                          absl::Seconds(30));
  }

  void ExpectRows(const sv1::AbcAnalysis& analysis,
                  const std::vector<Row>& rows) {
    ASSERT_EQ(analysis.entries_size(), static_cast<int>(rows.size()))
        << analysis.DebugString();
    for (size_t i = 0; i < rows.size(); ++i) {
      const sv1::AbcEntry& entry = analysis.entries(static_cast<int>(i));
      SCOPED_TRACE(entry.ShortDebugString());
      EXPECT_EQ(entry.rank(), static_cast<int>(i) + 1);
      EXPECT_EQ(entry.account(), AccountName(rows[i].account));
      EXPECT_EQ(entry.gross_profit().ShortDebugString(),
                Eur(rows[i].gross_profit_eur).ShortDebugString());
      EXPECT_EQ(entry.share_bp(), rows[i].share_bp);
      EXPECT_EQ(entry.cumulative_bp(), rows[i].cumulative_bp);
      EXPECT_EQ(sv1::AbcClass_Name(entry.abc_class()),
                sv1::AbcClass_Name(rows[i].abc_class));
    }
  }
};

TEST_F(ReportsTest, AbcAnalysisClassesAccountsByGrossProfit) {
  // Default cut-offs 80 / 15. gamma is A: the accounts above it hold 75%,
  // still below 80 (the account that crosses the line is A). delta is B
  // (90% above it, below 95); epsilon (96% above) and zeta (no gross
  // profit) are C.
  sv1::AbcAnalysis analysis;
  ASSERT_TRUE(IsOk(Abc(0, 0, &analysis)));
  EXPECT_EQ(analysis.a_percent(), 80);
  EXPECT_EQ(analysis.b_percent(), 15);
  EXPECT_EQ(analysis.total_gross_profit().ShortDebugString(),
            Eur(100'000'000).ShortDebugString());
  ExpectRows(analysis, {{"alpha", 50'000'000, 5000, 5000, sv1::A},
                        {"beta", 25'000'000, 2500, 7500, sv1::A},
                        {"gamma", 15'000'000, 1500, 9000, sv1::A},
                        {"delta", 6'000'000, 600, 9600, sv1::B},
                        {"epsilon", 4'000'000, 400, 10000, sv1::C},
                        {"zeta", 0, 0, 10000, sv1::C}});
  EXPECT_EQ(analysis.entries(0).display_name(), "Alpha Logistics");
  EXPECT_EQ(analysis.a_count(), 3);
  EXPECT_EQ(analysis.b_count(), 1);
  EXPECT_EQ(analysis.c_count(), 2);

  // 50 / 30: beta has exactly 50% above it, not below 50, so it is B.
  ASSERT_TRUE(IsOk(Abc(50, 30, &analysis)));
  EXPECT_EQ(analysis.a_count(), 1);
  EXPECT_EQ(analysis.b_count(), 2);
  EXPECT_EQ(analysis.c_count(), 3);
  ASSERT_EQ(analysis.entries_size(), 6);
  EXPECT_EQ(analysis.entries(1).abc_class(), sv1::B);
  EXPECT_EQ(analysis.entries(2).abc_class(), sv1::B);
  EXPECT_EQ(analysis.entries(3).abc_class(), sv1::C);

  EXPECT_TRUE(IsInvalidArgumentFor(Abc(90, 20, &analysis), "b_percent"));
  EXPECT_TRUE(IsInvalidArgumentFor(Abc(101, 0, &analysis), "a_percent"));
  EXPECT_TRUE(IsInvalidArgumentFor(Abc(-1, 10, &analysis), "a_percent"));
}

TEST_F(ReportsTest, PortfolioSummaryAddsUp) {
  sv1::PortfolioSummary summary;
  ASSERT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::GetPortfolioSummary,
                                  sv1::GetPortfolioSummaryRequest(), &summary,
                                  absl::Seconds(30))));
  EXPECT_EQ(summary.model(), kDefaultModel);
  EXPECT_EQ(summary.model_version(), 1);
  EXPECT_EQ(summary.accounts(), 6);

  std::map<cv1::Tier, int> by_tier;
  int tiered = 0;
  for (const sv1::TierCount& count : summary.by_tier()) {
    by_tier[count.tier()] = count.accounts();
    tiered += count.accounts();
  }
  EXPECT_EQ(tiered, summary.accounts());
  EXPECT_EQ(by_tier, (std::map<cv1::Tier, int>{{cv1::KEY, 1},
                                               {cv1::POTENTIAL_KEY, 1},
                                               {cv1::MAINTAIN, 2},
                                               {cv1::TRANSACTIONAL, 2}}));
  EXPECT_EQ(summary.abc_a() + summary.abc_b() + summary.abc_c(), 6);
  EXPECT_EQ(summary.abc_a(), 3);
  EXPECT_EQ(summary.abc_b(), 1);
  EXPECT_EQ(summary.abc_c(), 2);
  EXPECT_EQ(summary.strategic() + summary.star() + summary.status() +
                summary.streamline(),
            6);
  // See the matrix test for the axes: alpha, beta and gamma are stars,
  // the rest streamline.
  EXPECT_EQ(summary.star(), 3);
  EXPECT_EQ(summary.streamline(), 3);

  // Revenue 2025: 100M + 50M + 40M + 24M + 20M = 234M; the one key
  // account, alpha, has 100M of it: 42.73% (rounded down).
  EXPECT_EQ(summary.total_revenue().ShortDebugString(),
            Eur(234'000'000).ShortDebugString());
  EXPECT_EQ(summary.key_revenue_share_bp(), 4273);
  // alpha (73.5) is far from key's demote line (62) and did not fall.
  EXPECT_EQ(summary.demotion_watch_size(), 0) << summary.DebugString();
  // Only beta (60.5, rising to get there) can be near key's promote line.
  for (const sv1::WatchEntry& entry : summary.promotion_candidates()) {
    EXPECT_EQ(entry.account(), "accounts/beta") << entry.ShortDebugString();
    EXPECT_DOUBLE_EQ(entry.line(), 70);
  }

  sv1::GetPortfolioSummaryRequest bad;
  bad.set_max_candidates(1001);
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().Call(&sv1::Scoring::Stub::GetPortfolioSummary, bad, &summary),
      "max_candidates"));
  bad.set_max_candidates(0);
  bad.set_near_points(-1);
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().Call(&sv1::Scoring::Stub::GetPortfolioSummary, bad, &summary),
      "near_points"));
}

TEST_F(ReportsTest, PortfolioMatrixPlacesEveryAccount) {
  sv1::PortfolioMatrix matrix;
  ASSERT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::GetPortfolioMatrix,
                                  sv1::GetPortfolioMatrixRequest(), &matrix,
                                  absl::Seconds(30))));
  EXPECT_DOUBLE_EQ(matrix.midpoint(), 5.5);
  EXPECT_EQ(std::vector<std::string>(matrix.attractiveness_criteria().begin(),
                                     matrix.attractiveness_criteria().end()),
            (std::vector<std::string>{"revenue-size", "growth", "profitability",
                                      "strategic-fit"}));
  EXPECT_EQ(std::vector<std::string>(matrix.strength_criteria().begin(),
                                     matrix.strength_criteria().end()),
            (std::vector<std::string>{"share-of-wallet", "satisfaction",
                                      "engagement", "reference-value"}));

  std::map<std::string, sv1::PortfolioPosition> positions;
  for (const sv1::PortfolioPosition& position : matrix.positions()) {
    EXPECT_TRUE(positions.emplace(position.account(), position).second)
        << "placed twice: " << position.account();
  }
  ASSERT_EQ(positions.size(), 6u);
  for (const std::string& id : PortfolioIds()) {
    ASSERT_EQ(positions.count(AccountName(id)), 1u) << id;
  }
  // alpha: attractiveness (20*10 + 15*10 + 20*10 + 10*1) / 65 = 8.62;
  // strength (10*10 + 10*1 + 10*6 + 5*1) / 35 = 5: attractive but not
  // strong, a star.
  const sv1::PortfolioPosition& alpha = positions["accounts/alpha"];
  EXPECT_DOUBLE_EQ(alpha.attractiveness(), 8.62);
  EXPECT_DOUBLE_EQ(alpha.strength(), 5);
  EXPECT_EQ(alpha.quadrant(), sv1::STAR);
  EXPECT_EQ(alpha.tier(), cv1::KEY);
  EXPECT_EQ(alpha.display_name(), "Alpha Logistics");
  // zeta: every attractiveness criterion 1; strength (10 + 10 + 60 + 5) / 35
  // = 2.43: streamline.
  const sv1::PortfolioPosition& zeta = positions["accounts/zeta"];
  EXPECT_DOUBLE_EQ(zeta.attractiveness(), 1);
  EXPECT_DOUBLE_EQ(zeta.strength(), 2.43);
  EXPECT_EQ(zeta.quadrant(), sv1::STREAMLINE);
  EXPECT_EQ(zeta.tier(), cv1::TRANSACTIONAL);
  // delta: (20*8 + 15*1 + 20*7 + 10*1) / 65 = 5.0, just below the midpoint.
  EXPECT_DOUBLE_EQ(positions["accounts/delta"].attractiveness(), 5);
  EXPECT_EQ(positions["accounts/delta"].quadrant(), sv1::STREAMLINE);
  EXPECT_EQ(positions["accounts/gamma"].quadrant(), sv1::STAR);
}

TEST_F(ReportsTest, ListScoresPagesInAccountOrderAndFiltersByTier) {
  // Every page of ListScores with `request`, as account ids.
  auto list_all = [&](sv1::ListScoresRequest request) {
    std::vector<std::string> ids;
    for (int page = 0; page < 20; ++page) {
      sv1::ListScoresResponse response;
      EXPECT_TRUE(IsOk(
          scoring().Call(&sv1::Scoring::Stub::ListScores, request, &response)));
      EXPECT_LE(response.scores_size(),
                request.page_size() == 0 ? 50 : request.page_size());
      for (const sv1::Score& score : response.scores()) {
        ids.push_back(score.account().substr(sizeof("accounts/") - 1));
      }
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return ids;
  };
  sv1::ListScoresRequest request;
  EXPECT_EQ(list_all(request),
            (std::vector<std::string>{"alpha", "beta", "delta", "epsilon",
                                      "gamma", "zeta"}));
  request.set_page_size(4);
  EXPECT_EQ(list_all(request),
            (std::vector<std::string>{"alpha", "beta", "delta", "epsilon",
                                      "gamma", "zeta"}));
  request.set_page_size(1);
  request.set_tier(cv1::MAINTAIN);
  EXPECT_EQ(list_all(request), (std::vector<std::string>{"delta", "gamma"}));
  request.set_tier(cv1::KEY);
  EXPECT_EQ(list_all(request), (std::vector<std::string>{"alpha"}));

  sv1::ListScoresResponse response;
  request.set_tier(static_cast<cv1::Tier>(9));
  EXPECT_TRUE(IsInvalidArgumentFor(
      scoring().Call(&sv1::Scoring::Stub::ListScores, request, &response),
      "tier"));
  sv1::Score score;
  EXPECT_TRUE(HasCode(scoring().GetScore(AccountName("nobody"), &score),
                      grpc::StatusCode::NOT_FOUND));
  std::vector<sv1::ScorePoint> points;
  EXPECT_TRUE(
      HasCode(scoring().ListScoreHistory(AccountName("nobody"), &points),
              grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace kam::scoring_test
