#ifndef KAM_TESTS_SCORING_SCORING_TESTING_H_
#define KAM_TESTS_SCORING_SCORING_TESTING_H_

// Shared pieces of the scoring integration tests: a client that puts a
// deadline on every call, builders, seeded accounts with hand-computed
// scores, and a fixture that runs a real kam-registry, a real
// kam-engagement following it, and a real kam-scoring following both, each
// in its own temporary directory on 127.0.0.1 port 0, all with the same
// fixed clock.
//
// The registry and engagement sides (RegistryClient, EngagementClient,
// builders, status assertions) are reused from tests/registry and
// tests/engagement.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kam/common/v1/feed.grpc.pb.h"
#include "kam/engagement/v1/engagement.grpc.pb.h"
#include "kam/registry/v1/registry.grpc.pb.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"
#include "tests/engagement/engagement_testing.h"
#include "tests/registry/registry_testing.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/service_process.h"
#include "tests/support/temp_dir.h"

namespace kam::scoring_test {

namespace sv1 = ::kam::scoring::v1;
namespace rv1 = ::kam::registry::v1;
namespace ev1 = ::kam::engagement::v1;
namespace cv1 = ::kam::common::v1;

using engagement_test::At;
using engagement_test::EngagementClient;
using engagement_test::FixedNow;
using engagement_test::FromProto;
using engagement_test::kFixedTime;
using engagement_test::Proto;
using registry_test::AccountName;
using registry_test::CodeName;
using registry_test::ContactName;
using registry_test::HasCode;
using registry_test::IsInvalidArgumentFor;
using registry_test::IsOk;
using registry_test::kCallTimeout;
using registry_test::NewAccount;
using registry_test::RegistryClient;
using registry_test::SetDeadline;

// The kam-scoring binary under test (from the build).
std::string ScoringBinary();

// How long a test waits for the feeds to carry a change into a score. The
// services need well under a second; the margin is for a loaded CI machine.
inline constexpr absl::Duration kWaitTimeout = absl::Seconds(15);

// The model a fresh scoring service starts with, and its criteria in model
// order (weights 20 20 15 10 10 10 5 10; lines key 70/65, potential key
// 55/50, maintain 35/30).
inline constexpr char kDefaultModel[] = "scoringModels/default";
const std::vector<std::string>& DefaultCriteria();

std::string Describe(const grpc::Status& status);

// --- Builders ---------------------------------------------------------------

// Whole euros as Money (minor units: cents).
cv1::Money Eur(int64_t euros);
// A financial fact of `period` in EUR, amounts in whole euros.
rv1::FinancialFact EurFact(const std::string& period, int64_t revenue,
                           int64_t gross_margin, int64_t cost_to_serve);
rv1::Contact NewContact(const std::string& contact_id,
                        std::vector<rv1::BuyingRole> roles, rv1::OrgLevel level,
                        rv1::Attitude attitude = rv1::NEUTRAL);
sv1::SetRatingRequest NewRating(const std::string& account_id,
                                const std::string& criterion_id, int value);
// An override of `tier` until `expire` (default: three months after the
// fixed clock), with a reason and an author.
sv1::SetTierOverrideRequest NewOverride(const std::string& account_id,
                                        cv1::Tier tier,
                                        absl::Time expire = At(2026, 9, 1));

// The breakdown entry of `criterion_id`, or null.
const sv1::CriterionScore* FindCriterion(const sv1::Score& score,
                                         const std::string& criterion_id);
// The TierChange each event carries (an event that is not one fails the
// test).
std::vector<sv1::TierChange> TierChanges(
    const std::vector<cv1::ChangeEvent>& events);
// "POTENTIAL_KEY->KEY (SCORE)" per change, for readable comparisons.
std::vector<std::string> Moves(const std::vector<sv1::TierChange>& changes);

// --- Client -----------------------------------------------------------------

// ScoringClient talks to one kam-scoring over a real channel. Every call
// carries a deadline (kCallTimeout unless the method says otherwise) and,
// if given, "authorization: Bearer <token>".
class ScoringClient {
 public:
  explicit ScoringClient(const std::string& address,
                         const std::string& token = "");

  // Any unary Scoring method, e.g.
  //   client.Call(&sv1::Scoring::Stub::GetScore, request, &score);
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (sv1::Scoring::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    Prepare(&context, timeout);
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status GetScore(const std::string& account, sv1::Score* out);
  grpc::Status GetTier(const std::string& account, sv1::AccountTier* out);
  grpc::Status BatchGetTiers(const std::vector<std::string>& accounts,
                             sv1::BatchGetTiersResponse* out);
  grpc::Status SetRating(const sv1::SetRatingRequest& request,
                         sv1::Rating* out = nullptr);
  grpc::Status ListRatings(const std::string& account,
                           sv1::ListRatingsResponse* out);
  grpc::Status SetOverride(const sv1::SetTierOverrideRequest& request,
                           sv1::AccountTier* out = nullptr);
  grpc::Status ClearOverride(const std::string& account,
                             const std::string& author,
                             sv1::AccountTier* out = nullptr);
  // Every page, newest first (at most 1000 pages).
  grpc::Status ListTierHistory(const std::string& account,
                               std::vector<sv1::TierChange>* out);
  grpc::Status ListScoreHistory(const std::string& account,
                                std::vector<sv1::ScorePoint>* out);
  grpc::Status GetModel(const std::string& name, sv1::ScoreModel* out);
  grpc::Status ListModels(std::vector<sv1::ScoreModel>* out);
  grpc::Status GetRun(const std::string& name, sv1::RescoringRun* out);

  // Polls GetRescoringRun until the run is no longer RUNNING or `timeout`
  // passes (DEADLINE_EXCEEDED with the run as last seen).
  absl::StatusOr<sv1::RescoringRun> WaitForRun(
      const std::string& name, absl::Duration timeout = kWaitTimeout);

  // Opens WatchTiers with a deadline and the client's token.
  registry_test::FeedOpener TierStream();
  // The tier feed's head, from the first response of a WatchTiers.
  absl::StatusOr<uint64_t> FeedHead();
  // WatchTiers: the events with sequence > after, up to the head as of the
  // call.
  absl::StatusOr<std::vector<cv1::ChangeEvent>> ReadTierFeed(
      uint64_t after = 0);

  sv1::Scoring::Stub& stub() { return *stub_; }
  cv1::ChangeFeed::Stub& feed() { return *feed_; }
  // Sets the deadline and the token on a context of the caller's own.
  void Prepare(grpc::ClientContext* context,
               absl::Duration timeout = kCallTimeout) const;

 private:
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sv1::Scoring::Stub> stub_;
  std::unique_ptr<cv1::ChangeFeed::Stub> feed_;
};

// --- Fixture ----------------------------------------------------------------

// ScoringTest starts a fresh kam-registry, a kam-engagement following it and
// a kam-scoring following both (--rescore_interval=20ms) before each test,
// all with --fixed_time=kFixedTime and their own data and run directories,
// and kills all three after. On a failed test the three logs are printed.
class ScoringTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Set in a derived fixture's constructor, before SetUp runs.
  // Further kam-scoring flags (e.g. --auth_tokens_file).
  std::vector<std::string> scoring_args_;
  // The token scoring() sends (empty: none).
  std::string scoring_token_;

  RegistryClient& registry() { return *registry_client_; }
  EngagementClient& engagement() { return *engagement_client_; }
  ScoringClient& scoring() { return *scoring_client_; }
  test_support::ServiceProcess& scoring_process() { return *scoring_; }
  test_support::ServiceProcess& registry_process() { return *registry_; }

  // Starts kam-scoring (again, after KillScoring) on the same data
  // directory, pointed at the registry's and engagement's current addresses,
  // and reconnects the client. The port usually changes.
  void StartScoring();
  // SIGKILL (kill -9) of scoring; the client is dropped.
  void KillScoring();
  // KillScoring, then StartScoring.
  void RestartScoring();
  // SIGKILL of the registry; the client is dropped.
  void KillRegistry();
  // Starts the registry again on its data directory (new port) and
  // reconnects the client. Scoring follows the new address only after
  // RestartScoring().
  void RestartRegistry();

  // Waits (bounded, polling GetScore) until the account has a score for
  // which `condition` holds; the last score seen goes to `out`. On timeout
  // the failure shows the last answer.
  ::testing::AssertionResult WaitForScore(
      const std::string& account_id,
      const std::function<bool(const sv1::Score&)>& condition,
      sv1::Score* out = nullptr, absl::Duration timeout = kWaitTimeout);
  // WaitForScore until the score is exactly `score` (two decimals).
  ::testing::AssertionResult WaitForScoreOf(
      const std::string& account_id, double score, sv1::Score* out = nullptr,
      absl::Duration timeout = kWaitTimeout);
  // The same, polling GetTier.
  ::testing::AssertionResult WaitForTier(
      const std::string& account_id,
      const std::function<bool(const sv1::AccountTier&)>& condition,
      sv1::AccountTier* out = nullptr, absl::Duration timeout = kWaitTimeout);

  // Imports into the registry in one ImportRecords call and fails the test
  // unless every item was created.
  void SeedRegistry(
      const std::vector<rv1::Account>& accounts,
      const std::vector<std::pair<std::string, rv1::Contact>>& contacts,
      const std::vector<std::pair<std::string, rv1::FinancialFact>>& facts);

  // "acme", created call by call in the registry, and waited for until
  // scoring shows its final score, kAcmeScore. See the .cc for the sums.
  //   potential revenue 20M EUR; contacts eve (AMBASSADOR, EXECUTIVE,
  //   supportive), max (AMBASSADOR + USER, MANAGEMENT, advocate), bob
  //   (BUYER, OPERATIONAL); facts 2025: revenue 5M, gross margin 1.6M,
  //   cost to serve 0.5M; 2024: revenue 4.2M.
  static constexpr double kAcmeScore = 57.5;  // POTENTIAL_KEY
  void SeedAcme();

  // Six accounts imported at once, waited for until each shows its final
  // score (hand-computed in the .cc):
  //   alpha   73.5 KEY            gross profit 50M  revenue 100M
  //   beta    60.5 POTENTIAL_KEY  gross profit 25M  revenue  50M
  //   gamma   47   MAINTAIN       gross profit 15M  revenue  40M
  //   delta   41   MAINTAIN       gross profit  6M  revenue  24M
  //   epsilon 33   TRANSACTIONAL  gross profit  4M  revenue  20M
  //   zeta    15   TRANSACTIONAL  no financials
  void SeedPortfolio();
  static const std::vector<std::string>& PortfolioIds();

  sv1::Score MustGetScore(const std::string& account_id);
  sv1::AccountTier MustGetTier(const std::string& account_id);
  std::vector<sv1::TierChange> MustTierHistory(const std::string& account_id);
  uint64_t MustFeedHead();

  // Everything a client can see of these accounts in scoring: tier, score,
  // ratings, tier and score history; plus the tier feed and the models.
  // Equal snapshots mean nothing changed.
  std::string Snapshot(const std::vector<std::string>& account_ids);

  // /metrics of scoring, parsed (empty on error, with a test failure).
  std::vector<test_support::MetricSample> ScrapeScoring();

  test_support::TempDir dir_;
  std::unique_ptr<test_support::ServiceProcess> registry_;
  std::unique_ptr<test_support::ServiceProcess> engagement_;
  std::unique_ptr<test_support::ServiceProcess> scoring_;
  std::unique_ptr<RegistryClient> registry_client_;
  std::unique_ptr<EngagementClient> engagement_client_;
  std::unique_ptr<ScoringClient> scoring_client_;
};

}  // namespace kam::scoring_test

#endif  // KAM_TESTS_SCORING_SCORING_TESTING_H_
