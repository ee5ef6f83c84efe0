#include "tests/scoring/scoring_testing.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/support/http_get.h"
#include "tests/support/wait.h"

#ifndef KAM_SCORING_BINARY
#define KAM_SCORING_BINARY ""
#endif

namespace kam::scoring_test {

std::string ScoringBinary() { return KAM_SCORING_BINARY; }

const std::vector<std::string>& DefaultCriteria() {
  static const auto* const kCriteria = new std::vector<std::string>{
      "revenue-size", "profitability", "growth",          "share-of-wallet",
      "satisfaction", "engagement",    "reference-value", "strategic-fit"};
  return *kCriteria;
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(CodeName(status.error_code()), ": \"",
                      status.error_message(), "\"");
}

// --- Builders ---------------------------------------------------------------

cv1::Money Eur(int64_t euros) {
  return registry_test::Money("EUR", euros * 100);
}

rv1::FinancialFact EurFact(const std::string& period, int64_t revenue,
                           int64_t gross_margin, int64_t cost_to_serve) {
  return registry_test::NewFact(period, "EUR", revenue * 100,
                                gross_margin * 100, cost_to_serve * 100);
}

rv1::Contact NewContact(const std::string& contact_id,
                        std::vector<rv1::BuyingRole> roles, rv1::OrgLevel level,
                        rv1::Attitude attitude) {
  rv1::Contact contact =
      registry_test::NewContact(contact_id, std::move(roles), level);
  contact.set_attitude(attitude);
  return contact;
}

sv1::SetRatingRequest NewRating(const std::string& account_id,
                                const std::string& criterion_id, int value) {
  sv1::SetRatingRequest request;
  request.set_account(AccountName(account_id));
  request.set_criterion_id(criterion_id);
  request.set_value(value);
  request.set_rater("kam@supplier.example");
  request.set_note("Quarterly account review");
  return request;
}

sv1::SetTierOverrideRequest NewOverride(const std::string& account_id,
                                        cv1::Tier tier, absl::Time expire) {
  sv1::SetTierOverrideRequest request;
  request.set_account(AccountName(account_id));
  request.set_tier(tier);
  request.set_reason("Board decision: strategic partner for 2027");
  request.set_author("head-of-sales@supplier.example");
  *request.mutable_expire_time() = Proto(expire);
  return request;
}

const sv1::CriterionScore* FindCriterion(const sv1::Score& score,
                                         const std::string& criterion_id) {
  for (const sv1::CriterionScore& entry : score.breakdown()) {
    if (entry.criterion_id() == criterion_id) return &entry;
  }
  return nullptr;
}

std::vector<sv1::TierChange> TierChanges(
    const std::vector<cv1::ChangeEvent>& events) {
  std::vector<sv1::TierChange> changes;
  for (const cv1::ChangeEvent& event : events) {
    sv1::TierChange change;
    EXPECT_TRUE(event.resource().UnpackTo(&change))
        << "event " << event.sequence()
        << " is not a TierChange: " << event.resource().type_url();
    changes.push_back(std::move(change));
  }
  return changes;
}

std::vector<std::string> Moves(const std::vector<sv1::TierChange>& changes) {
  std::vector<std::string> moves;
  for (const sv1::TierChange& change : changes) {
    moves.push_back(absl::StrCat(
        change.account(), " ", cv1::Tier_Name(change.previous_tier()), "->",
        cv1::Tier_Name(change.tier()), " (",
        sv1::TierChangeReason_Name(change.reason()), ")"));
  }
  return moves;
}

// --- ScoringClient ----------------------------------------------------------

ScoringClient::ScoringClient(const std::string& address,
                             const std::string& token)
    : token_(token),
      channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(sv1::Scoring::NewStub(channel_)),
      feed_(cv1::ChangeFeed::NewStub(channel_)) {}

void ScoringClient::Prepare(grpc::ClientContext* context,
                            absl::Duration timeout) const {
  SetDeadline(context, timeout);
  if (!token_.empty())
    context->AddMetadata("authorization", "Bearer " + token_);
}

grpc::Status ScoringClient::GetScore(const std::string& account,
                                     sv1::Score* out) {
  sv1::GetScoreRequest request;
  request.set_account(account);
  return Call(&sv1::Scoring::Stub::GetScore, request, out);
}

grpc::Status ScoringClient::GetTier(const std::string& account,
                                    sv1::AccountTier* out) {
  sv1::GetTierRequest request;
  request.set_account(account);
  return Call(&sv1::Scoring::Stub::GetTier, request, out);
}

grpc::Status ScoringClient::BatchGetTiers(
    const std::vector<std::string>& accounts, sv1::BatchGetTiersResponse* out) {
  sv1::BatchGetTiersRequest request;
  for (const std::string& account : accounts) request.add_accounts(account);
  return Call(&sv1::Scoring::Stub::BatchGetTiers, request, out);
}

grpc::Status ScoringClient::SetRating(const sv1::SetRatingRequest& request,
                                      sv1::Rating* out) {
  sv1::Rating ignored;
  return Call(&sv1::Scoring::Stub::SetRating, request,
              out != nullptr ? out : &ignored);
}

grpc::Status ScoringClient::ListRatings(const std::string& account,
                                        sv1::ListRatingsResponse* out) {
  sv1::ListRatingsRequest request;
  request.set_account(account);
  return Call(&sv1::Scoring::Stub::ListRatings, request, out);
}

grpc::Status ScoringClient::SetOverride(
    const sv1::SetTierOverrideRequest& request, sv1::AccountTier* out) {
  sv1::AccountTier ignored;
  return Call(&sv1::Scoring::Stub::SetTierOverride, request,
              out != nullptr ? out : &ignored);
}

grpc::Status ScoringClient::ClearOverride(const std::string& account,
                                          const std::string& author,
                                          sv1::AccountTier* out) {
  sv1::ClearTierOverrideRequest request;
  request.set_account(account);
  request.set_author(author);
  sv1::AccountTier ignored;
  return Call(&sv1::Scoring::Stub::ClearTierOverride, request,
              out != nullptr ? out : &ignored);
}

grpc::Status ScoringClient::ListTierHistory(const std::string& account,
                                            std::vector<sv1::TierChange>* out) {
  out->clear();
  sv1::ListTierHistoryRequest request;
  request.set_account(account);
  for (int page = 0; page < 1000; ++page) {
    sv1::ListTierHistoryResponse response;
    grpc::Status status =
        Call(&sv1::Scoring::Stub::ListTierHistory, request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.changes().begin(),
                response.changes().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListTierHistory: more than 1000 pages");
}

grpc::Status ScoringClient::ListScoreHistory(
    const std::string& account, std::vector<sv1::ScorePoint>* out) {
  out->clear();
  sv1::ListScoreHistoryRequest request;
  request.set_account(account);
  for (int page = 0; page < 1000; ++page) {
    sv1::ListScoreHistoryResponse response;
    grpc::Status status =
        Call(&sv1::Scoring::Stub::ListScoreHistory, request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.points().begin(), response.points().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListScoreHistory: more than 1000 pages");
}

grpc::Status ScoringClient::GetModel(const std::string& name,
                                     sv1::ScoreModel* out) {
  sv1::GetScoreModelRequest request;
  request.set_name(name);
  return Call(&sv1::Scoring::Stub::GetScoreModel, request, out);
}

grpc::Status ScoringClient::ListModels(std::vector<sv1::ScoreModel>* out) {
  out->clear();
  sv1::ListScoreModelsRequest request;
  for (int page = 0; page < 1000; ++page) {
    sv1::ListScoreModelsResponse response;
    grpc::Status status =
        Call(&sv1::Scoring::Stub::ListScoreModels, request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.models().begin(), response.models().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListScoreModels: more than 1000 pages");
}

grpc::Status ScoringClient::GetRun(const std::string& name,
                                   sv1::RescoringRun* out) {
  sv1::GetRescoringRunRequest request;
  request.set_name(name);
  return Call(&sv1::Scoring::Stub::GetRescoringRun, request, out);
}

absl::StatusOr<sv1::RescoringRun> ScoringClient::WaitForRun(
    const std::string& name, absl::Duration timeout) {
  sv1::RescoringRun run;
  grpc::Status last;
  const bool ended = test_support::WaitUntil(
      [&] {
        run.Clear();
        last = GetRun(name, &run);
        return last.ok() && run.state() != sv1::RUNNING;
      },
      timeout, absl::Milliseconds(20));
  if (ended) return run;
  return absl::DeadlineExceededError(absl::StrCat(
      name, " did not end within ", absl::FormatDuration(timeout),
      "; last GetRescoringRun: ", Describe(last), " ", run.ShortDebugString()));
}

registry_test::FeedOpener ScoringClient::TierStream() {
  return [this](grpc::ClientContext* context,
                const cv1::WatchChangesRequest& request) {
    Prepare(context);
    return stub_->WatchTiers(context, request);
  };
}

absl::StatusOr<uint64_t> ScoringClient::FeedHead() {
  return registry_test::StreamHead(TierStream());
}

absl::StatusOr<std::vector<cv1::ChangeEvent>> ScoringClient::ReadTierFeed(
    uint64_t after) {
  return registry_test::ReadStreamToHead(TierStream(), after);
}

// --- ScoringTest ------------------------------------------------------------

void ScoringTest::SetUp() {
  ASSERT_FALSE(registry_test::RegistryBinary().empty())
      << "KAM_REGISTRY_BINARY is not set";
  ASSERT_FALSE(engagement_test::EngagementBinary().empty())
      << "KAM_ENGAGEMENT_BINARY is not set";
  ASSERT_FALSE(ScoringBinary().empty())
      << "KAM_SCORING_BINARY is not set: the kam-scoring target did not "
         "exist when CMake configured the tests";
  for (const char* sub : {"registry", "engagement", "scoring"}) {
    std::filesystem::create_directories(dir_.Sub(sub));
  }
  const std::string fixed_time = std::string("--fixed_time=") + kFixedTime;

  test_support::ServiceProcess::Options registry;
  registry.binary = registry_test::RegistryBinary();
  registry.data_dir = dir_.Sub("registry/data");
  registry.run_dir = dir_.Sub("registry");
  registry.extra_args = {fixed_time};
  auto started = test_support::ServiceProcess::Start(registry);
  ASSERT_TRUE(started.ok()) << started.status();
  registry_ = std::move(started).value();
  registry_client_ =
      std::make_unique<RegistryClient>(registry_->grpc_address());

  test_support::ServiceProcess::Options engagement;
  engagement.binary = engagement_test::EngagementBinary();
  engagement.data_dir = dir_.Sub("engagement/data");
  engagement.run_dir = dir_.Sub("engagement");
  engagement.extra_args = {"--registry_addr=" + registry_->grpc_address(),
                           fixed_time};
  started = test_support::ServiceProcess::Start(engagement);
  ASSERT_TRUE(started.ok()) << started.status();
  engagement_ = std::move(started).value();
  engagement_client_ =
      std::make_unique<EngagementClient>(engagement_->grpc_address());

  StartScoring();
}

void ScoringTest::TearDown() {
  if (HasFailure()) {
    for (auto* process : {registry_.get(), engagement_.get(), scoring_.get()}) {
      if (process == nullptr) continue;
      std::fprintf(stderr, "---- log %s ----\n%s\n----\n",
                   process->log_path().c_str(), process->LogTail().c_str());
    }
  }
  scoring_client_.reset();
  engagement_client_.reset();
  registry_client_.reset();
  for (auto* process : {scoring_.get(), engagement_.get(), registry_.get()}) {
    if (process != nullptr) process->Kill();
  }
}

void ScoringTest::StartScoring() {
  scoring_client_.reset();
  if (scoring_ != nullptr) scoring_->Kill();
  test_support::ServiceProcess::Options options;
  options.binary = ScoringBinary();
  options.data_dir = dir_.Sub("scoring/data");
  options.run_dir = dir_.Sub("scoring");
  options.extra_args = {"--registry_addr=" + registry_->grpc_address(),
                        "--engagement_addr=" + engagement_->grpc_address(),
                        std::string("--fixed_time=") + kFixedTime,
                        "--rescore_interval=20ms"};
  options.extra_args.insert(options.extra_args.end(), scoring_args_.begin(),
                            scoring_args_.end());
  // A new ServiceProcess (not Restart) so the peers' addresses can change;
  // it appends to the same log in the same run directory.
  auto started = test_support::ServiceProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  scoring_ = std::move(started).value();
  scoring_client_ =
      std::make_unique<ScoringClient>(scoring_->grpc_address(), scoring_token_);
}

void ScoringTest::KillScoring() {
  scoring_client_.reset();
  scoring_->Kill();
}

void ScoringTest::RestartScoring() {
  KillScoring();
  StartScoring();
}

void ScoringTest::KillRegistry() {
  registry_client_.reset();
  registry_->Kill();
}

void ScoringTest::RestartRegistry() {
  registry_client_.reset();
  registry_->Kill();
  absl::Status restarted = registry_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  registry_client_ =
      std::make_unique<RegistryClient>(registry_->grpc_address());
}

::testing::AssertionResult ScoringTest::WaitForScore(
    const std::string& account_id,
    const std::function<bool(const sv1::Score&)>& condition, sv1::Score* out,
    absl::Duration timeout) {
  sv1::Score score;
  grpc::Status last;
  const bool held = test_support::WaitUntil(
      [&] {
        score.Clear();
        last = scoring().GetScore(AccountName(account_id), &score);
        return last.ok() && condition(score);
      },
      timeout, absl::Milliseconds(20));
  if (out != nullptr) *out = score;
  if (held) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the score of accounts/" << account_id
         << " did not reach the expected state within "
         << absl::FormatDuration(timeout)
         << "; last GetScore: " << Describe(last) << "\n"
         << score.DebugString();
}

::testing::AssertionResult ScoringTest::WaitForScoreOf(
    const std::string& account_id, double expected, sv1::Score* out,
    absl::Duration timeout) {
  ::testing::AssertionResult result = WaitForScore(
      account_id,
      [expected](const sv1::Score& score) {
        return std::abs(score.score() - expected) < 1e-9;
      },
      out, timeout);
  if (!result) result << "(expected score " << expected << ")";
  return result;
}

::testing::AssertionResult ScoringTest::WaitForTier(
    const std::string& account_id,
    const std::function<bool(const sv1::AccountTier&)>& condition,
    sv1::AccountTier* out, absl::Duration timeout) {
  sv1::AccountTier tier;
  grpc::Status last;
  const bool held = test_support::WaitUntil(
      [&] {
        tier.Clear();
        last = scoring().GetTier(AccountName(account_id), &tier);
        return last.ok() && condition(tier);
      },
      timeout, absl::Milliseconds(20));
  if (out != nullptr) *out = tier;
  if (held) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the tier of accounts/" << account_id
         << " did not reach the expected state within "
         << absl::FormatDuration(timeout)
         << "; last GetTier: " << Describe(last) << " "
         << tier.ShortDebugString();
}

void ScoringTest::SeedRegistry(
    const std::vector<rv1::Account>& accounts,
    const std::vector<std::pair<std::string, rv1::Contact>>& contacts,
    const std::vector<std::pair<std::string, rv1::FinancialFact>>& facts) {
  rv1::ImportRecordsRequest request;
  for (const rv1::Account& account : accounts) {
    *request.add_accounts() = account;
  }
  for (const auto& [account_id, contact] : contacts) {
    rv1::ImportContact* item = request.add_contacts();
    item->set_parent(AccountName(account_id));
    *item->mutable_contact() = contact;
  }
  for (const auto& [account_id, fact] : facts) {
    rv1::ImportFinancialFact* item = request.add_financials();
    item->set_parent(AccountName(account_id));
    *item->mutable_fact() = fact;
  }
  rv1::ImportRecordsResponse response;
  ASSERT_TRUE(IsOk(registry().Import(request, &response)));
  ASSERT_EQ(response.failed(), 0) << response.ShortDebugString();
  ASSERT_EQ(response.created(),
            static_cast<int>(accounts.size() + contacts.size() + facts.size()))
      << response.ShortDebugString();
}

// acme under the default model, criterion by criterion (weight x rating/10):
//   revenue-size     5M EUR: 5 thresholds (250k..4M) at or below -> 6  12
//   profitability    (1.6M - 0.5M) / 5M = 22%: 0..20 -> 7               14
//   growth           (5M - 4.2M) / 4.2M = 19.0%: -20..15 -> 9           13.5
//   share-of-wallet  5M / 20M = 25%: 5..20 -> 5                          5
//   satisfaction     no NPS: missing -> 1                                1
//   engagement       engagement's summary: no interactions, a prospect
//                    is never overdue: 0/2 + 50 = 50 -> 6                6
//   reference-value  best ambassador eve, executive: 3*3 = 9 -> 10      5
//   strategic-fit    not rated: missing -> 1                             1
//                                                                total 57.5
// The 2025 fact goes in before 2024's so the score only ever rises on the
// way there (hysteresis then cannot hold a higher tier).
void ScoringTest::SeedAcme() {
  rv1::Account account = NewAccount("acme", "Acme Industries");
  *account.mutable_potential_revenue() = Eur(20'000'000);
  rv1::Account created;
  ASSERT_TRUE(IsOk(registry().CreateAccount(account, &created)));
  for (const rv1::Contact& contact :
       {NewContact("eve", {rv1::AMBASSADOR}, rv1::EXECUTIVE, rv1::SUPPORTIVE),
        NewContact("max", {rv1::AMBASSADOR, rv1::USER}, rv1::MANAGEMENT,
                   rv1::ADVOCATE),
        NewContact("bob", {rv1::BUYER}, rv1::OPERATIONAL)}) {
    ASSERT_TRUE(
        IsOk(registry().CreateContact(AccountName("acme"), contact, nullptr)))
        << contact.ShortDebugString();
  }
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"), EurFact("2025", 5'000'000, 1'600'000, 500'000))));
  ASSERT_TRUE(IsOk(registry().RecordFact(
      AccountName("acme"), EurFact("2024", 4'200'000, 1'200'000, 400'000))));
  ASSERT_TRUE(WaitForScoreOf("acme", kAcmeScore));
}

const std::vector<std::string>& ScoringTest::PortfolioIds() {
  static const auto* const kIds = new std::vector<std::string>{
      "alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
  return *kIds;
}

// The portfolio under the default model (weight x rating/10 per criterion:
// revenue-size, profitability, growth, share-of-wallet, satisfaction,
// engagement, reference-value, strategic-fit). No account has an NPS
// (satisfaction 1) or a strategic-fit rating (1); each gets engagement's
// summary of a prospect without interactions (50 -> 6).
//   alpha   100M: 10 -> 20; 50% -> 10 -> 20; +100% -> 10 -> 15;
//           100M / 110M potential = 91% -> 10 -> 10; 1; 6;
//           no ambassador (0) -> 1 -> 0.5; 1                     = 73.5 KEY
//   beta    50M: 9 -> 18; (25M - 6M) / 50M = 38% -> 9 -> 18;
//           +11.1% -> 8 -> 12; no potential -> 1; 1; 6;
//           ambassador bea, management: 6 -> 7 -> 3.5; 1         = 60.5 PK
//   gamma   40M: 9 -> 18; 13M / 40M = 32.5% -> 9 -> 18; no 2024 -> 1.5;
//           1; 1; 6; 0.5; 1                                      = 47 MAINTAIN
//   delta   24M: 8 -> 16; 5M / 24M = 20.8% -> 7 -> 14; -25% -> 1 -> 1.5;
//           1; 1; 6; 0.5; 1                                      = 41 MAINTAIN
//   epsilon 20M: 8 -> 16; 1M / 20M = 5% -> 3 -> 6; 1.5; 1; 1; 6; 0.5; 1
//                                                                = 33 TRANS.
//   zeta    nothing but engagement: 2 + 2 + 1.5 + 1 + 1 + 6 + 0.5 + 1
//                                                                = 15 TRANS.
// Every 2025 fact is imported before any 2024 fact, so no score falls on
// the way to its final value.
void ScoringTest::SeedPortfolio() {
  rv1::Account alpha = NewAccount("alpha", "Alpha Logistics");
  *alpha.mutable_potential_revenue() = Eur(110'000'000);
  SeedRegistry(
      {alpha, NewAccount("beta", "Beta Foods"),
       NewAccount("gamma", "Gamma Retail"), NewAccount("delta", "Delta Tools"),
       NewAccount("epsilon", "Epsilon Labs"), NewAccount("zeta", "Zeta Print")},
      {{"beta", NewContact("bea", {rv1::AMBASSADOR}, rv1::MANAGEMENT)}},
      {{"alpha", EurFact("2025", 100'000'000, 50'000'000, 0)},
       {"beta", EurFact("2025", 50'000'000, 25'000'000, 6'000'000)},
       {"gamma", EurFact("2025", 40'000'000, 15'000'000, 2'000'000)},
       {"delta", EurFact("2025", 24'000'000, 6'000'000, 1'000'000)},
       {"epsilon", EurFact("2025", 20'000'000, 4'000'000, 3'000'000)},
       {"alpha", EurFact("2024", 50'000'000, 20'000'000, 0)},
       {"beta", EurFact("2024", 45'000'000, 20'000'000, 5'000'000)},
       {"delta", EurFact("2024", 32'000'000, 8'000'000, 1'000'000)}});
  if (HasFatalFailure()) return;
  const std::vector<std::pair<std::string, double>> expected = {
      {"alpha", 73.5}, {"beta", 60.5},  {"gamma", 47},
      {"delta", 41},   {"epsilon", 33}, {"zeta", 15}};
  for (const auto& [id, score] : expected) {
    ASSERT_TRUE(WaitForScoreOf(id, score));
  }
}

sv1::Score ScoringTest::MustGetScore(const std::string& account_id) {
  sv1::Score score;
  EXPECT_TRUE(IsOk(scoring().GetScore(AccountName(account_id), &score)))
      << "GetScore " << account_id;
  return score;
}

sv1::AccountTier ScoringTest::MustGetTier(const std::string& account_id) {
  sv1::AccountTier tier;
  EXPECT_TRUE(IsOk(scoring().GetTier(AccountName(account_id), &tier)))
      << "GetTier " << account_id;
  return tier;
}

std::vector<sv1::TierChange> ScoringTest::MustTierHistory(
    const std::string& account_id) {
  std::vector<sv1::TierChange> changes;
  EXPECT_TRUE(
      IsOk(scoring().ListTierHistory(AccountName(account_id), &changes)))
      << "ListTierHistory " << account_id;
  return changes;
}

uint64_t ScoringTest::MustFeedHead() {
  absl::StatusOr<uint64_t> head = scoring().FeedHead();
  EXPECT_TRUE(head.ok()) << head.status();
  return head.ok() ? *head : 0;
}

std::string ScoringTest::Snapshot(const std::vector<std::string>& account_ids) {
  std::string snapshot;
  auto add = [&](const std::string& what, const grpc::Status& status,
                 const google::protobuf::Message& message) {
    absl::StrAppend(&snapshot, what, ": ",
                    status.ok() ? message.ShortDebugString() : Describe(status),
                    "\n");
  };
  for (const std::string& id : account_ids) {
    const std::string name = AccountName(id);
    sv1::AccountTier tier;
    add("tier " + id, scoring().GetTier(name, &tier), tier);
    sv1::Score score;
    add("score " + id, scoring().GetScore(name, &score), score);
    sv1::ListRatingsResponse ratings;
    add("ratings " + id, scoring().ListRatings(name, &ratings), ratings);
    std::vector<sv1::TierChange> changes;
    grpc::Status status = scoring().ListTierHistory(name, &changes);
    absl::StrAppend(&snapshot, "tier history ", id, ": ", Describe(status),
                    "\n");
    for (const sv1::TierChange& change : changes) {
      absl::StrAppend(&snapshot, "  ", change.ShortDebugString(), "\n");
    }
    std::vector<sv1::ScorePoint> points;
    status = scoring().ListScoreHistory(name, &points);
    absl::StrAppend(&snapshot, "score history ", id, ": ", Describe(status),
                    "\n");
    for (const sv1::ScorePoint& point : points) {
      absl::StrAppend(&snapshot, "  ", point.ShortDebugString(), "\n");
    }
  }
  absl::StatusOr<std::vector<cv1::ChangeEvent>> feed = scoring().ReadTierFeed();
  if (!feed.ok()) {
    absl::StrAppend(&snapshot, "tier feed: ", feed.status().ToString(), "\n");
  } else {
    for (const cv1::ChangeEvent& event : *feed) {
      absl::StrAppend(&snapshot, "feed ", event.ShortDebugString(), "\n");
    }
  }
  std::vector<sv1::ScoreModel> models;
  grpc::Status status = scoring().ListModels(&models);
  absl::StrAppend(&snapshot, "models: ", Describe(status), "\n");
  for (const sv1::ScoreModel& model : models) {
    absl::StrAppend(&snapshot, "  ", model.ShortDebugString(), "\n");
  }
  return snapshot;
}

std::vector<test_support::MetricSample> ScoringTest::ScrapeScoring() {
  absl::StatusOr<std::string> body =
      test_support::HttpGet(scoring_->metrics_address(), "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? test_support::ParsePrometheusText(*body)
                   : std::vector<test_support::MetricSample>{};
}

}  // namespace kam::scoring_test
