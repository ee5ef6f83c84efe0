// Score models over a six-account portfolio: a draft can be evaluated
// (what-if) without touching anything, invalid drafts and frozen models are
// refused, and activating a draft rescores every account with it in a run
// that can be followed to its end.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/scoring/scoring_testing.h"

namespace kam::scoring_test {
namespace {

constexpr char kDraft[] = "scoringModels/generous";

// The default model's criteria with lower lines: key 60/55, potential key
// 50/45, maintain 44/42. Under them beta (60.5, potential key) is promoted
// to key and delta (41, maintain) falls below maintain's demote line; the
// others keep their tiers (gamma at 47 stays maintain, below 50).
sv1::ScoreModel Generous(const sv1::ScoreModel& active) {
  sv1::ScoreModel draft;
  draft.set_model_id("generous");
  draft.set_display_name("Default criteria, lower lines");
  *draft.mutable_criteria() = active.criteria();
  *draft.mutable_portfolio() = active.portfolio();
  draft.set_currency(active.currency());
  *draft.mutable_exchange_rates_micros() = active.exchange_rates_micros();
  sv1::TierThresholds* tiers = draft.mutable_tiers();
  tiers->mutable_key()->set_promote_at(60);
  tiers->mutable_key()->set_demote_below(55);
  tiers->mutable_potential_key()->set_promote_at(50);
  tiers->mutable_potential_key()->set_demote_below(45);
  tiers->mutable_maintain()->set_promote_at(44);
  tiers->mutable_maintain()->set_demote_below(42);
  return draft;
}

class ModelsTest : public ScoringTest {
 protected:
  // Runs over the seven accounts then take four chunks: each chunk must
  // resume where the last one stopped.
  ModelsTest() { scoring_args_.push_back("--run_chunk_size=2"); }

  void SetUp() override {
    ScoringTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(IsOk(scoring().GetModel("scoringModels/-", &active_)));
  }

  grpc::Status Create(const sv1::ScoreModel& model, sv1::ScoreModel* out) {
    sv1::CreateScoreModelRequest request;
    *request.mutable_model() = model;
    return scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, request, out);
  }

  sv1::ScoreModel MustCreateDraft() {
    sv1::ScoreModel created;
    EXPECT_TRUE(IsOk(Create(Generous(active_), &created)));
    return created;
  }

  grpc::Status Update(const sv1::ScoreModel& model,
                      const std::vector<std::string>& paths,
                      sv1::ScoreModel* out) {
    sv1::UpdateScoreModelRequest request;
    *request.mutable_model() = model;
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return scoring().Call(&sv1::Scoring::Stub::UpdateScoreModel, request, out);
  }

  grpc::Status Activate(const std::string& name, const std::string& etag,
                        sv1::RescoringRun* run) {
    sv1::ActivateScoreModelRequest request;
    request.set_name(name);
    request.set_etag(etag);
    return scoring().Call(&sv1::Scoring::Stub::ActivateScoreModel, request,
                          run);
  }

  grpc::Status Evaluate(const sv1::EvaluateScoreModelRequest& request,
                        sv1::WhatIfReport* report) {
    return scoring().Call(&sv1::Scoring::Stub::EvaluateScoreModel, request,
                          report, absl::Seconds(60));
  }

  grpc::Status StartRescoring(const std::string& request_id,
                              sv1::RescoringRun* run) {
    sv1::StartRescoringRequest request;
    request.set_request_id(request_id);
    return scoring().Call(&sv1::Scoring::Stub::StartRescoring, request, run);
  }

  // Every portfolio account's tier in force, by id.
  std::map<std::string, cv1::Tier> Tiers() {
    std::vector<std::string> names;
    for (const std::string& id : PortfolioIds()) {
      names.push_back(AccountName(id));
    }
    sv1::BatchGetTiersResponse response;
    EXPECT_TRUE(IsOk(scoring().BatchGetTiers(names, &response)));
    std::map<std::string, cv1::Tier> tiers;
    for (const sv1::AccountTier& tier : response.tiers()) {
      tiers[tier.account().substr(sizeof("accounts/") - 1)] = tier.tier();
    }
    return tiers;
  }

  // The what-if report as the test expects it for Generous().
  void ExpectGenerousReport(const sv1::WhatIfReport& report) {
    EXPECT_EQ(report.accounts_evaluated(), 6);
    EXPECT_EQ(report.tier_changes(), 2);
    EXPECT_EQ(report.promotions(), 1);
    EXPECT_EQ(report.demotions(), 1);
    ASSERT_EQ(report.changes_size(), 2) << report.DebugString();
    // Same criteria, same scores: ties are listed by account.
    EXPECT_EQ(report.changes(0).account(), "accounts/beta");
    EXPECT_EQ(report.changes(0).display_name(), "Beta Foods");
    EXPECT_EQ(report.changes(0).current_tier(), cv1::POTENTIAL_KEY);
    EXPECT_EQ(report.changes(0).new_tier(), cv1::KEY);
    EXPECT_DOUBLE_EQ(report.changes(0).current_score(), 60.5);
    EXPECT_DOUBLE_EQ(report.changes(0).new_score(), 60.5);
    EXPECT_EQ(report.changes(1).account(), "accounts/delta");
    EXPECT_EQ(report.changes(1).current_tier(), cv1::MAINTAIN);
    EXPECT_EQ(report.changes(1).new_tier(), cv1::TRANSACTIONAL);
    std::map<cv1::Tier, int> counts;
    for (const sv1::TierCount& count : report.tier_counts()) {
      counts[count.tier()] = count.accounts();
    }
    EXPECT_EQ(counts, (std::map<cv1::Tier, int>{{cv1::KEY, 2},
                                                {cv1::POTENTIAL_KEY, 0},
                                                {cv1::MAINTAIN, 1},
                                                {cv1::TRANSACTIONAL, 3}}));
  }

  sv1::ScoreModel active_;
};

TEST_F(ModelsTest, AFreshServiceScoresWithTheDefaultModel) {
  EXPECT_EQ(active_.name(), kDefaultModel);
  EXPECT_EQ(active_.state(), sv1::ACTIVE);
  EXPECT_EQ(active_.version(), 1);
  EXPECT_EQ(active_.currency(), "EUR");
  std::vector<std::string> ids;
  int weights = 0;
  for (const sv1::Criterion& criterion : active_.criteria()) {
    ids.push_back(criterion.id());
    weights += criterion.weight();
  }
  EXPECT_EQ(ids, DefaultCriteria());
  EXPECT_EQ(weights, 100);
  EXPECT_DOUBLE_EQ(active_.tiers().key().promote_at(), 70);
  EXPECT_DOUBLE_EQ(active_.tiers().key().demote_below(), 62);
  EXPECT_DOUBLE_EQ(active_.tiers().potential_key().promote_at(), 55);
  EXPECT_DOUBLE_EQ(active_.tiers().maintain().promote_at(), 35);
  EXPECT_EQ(Tiers(),
            (std::map<std::string, cv1::Tier>{{"alpha", cv1::KEY},
                                              {"beta", cv1::POTENTIAL_KEY},
                                              {"gamma", cv1::MAINTAIN},
                                              {"delta", cv1::MAINTAIN},
                                              {"epsilon", cv1::TRANSACTIONAL},
                                              {"zeta", cv1::TRANSACTIONAL}}));
}

TEST_F(ModelsTest, EvaluatingADraftShowsTierChangesAndChangesNothing) {
  const sv1::ScoreModel draft = MustCreateDraft();
  EXPECT_EQ(draft.name(), kDraft);
  EXPECT_EQ(draft.state(), sv1::DRAFT);
  EXPECT_EQ(draft.version(), 1);
  EXPECT_FALSE(draft.etag().empty());
  const std::string before = Snapshot(PortfolioIds());

  sv1::EvaluateScoreModelRequest by_name;
  by_name.set_name(kDraft);
  sv1::WhatIfReport report;
  ASSERT_TRUE(IsOk(Evaluate(by_name, &report)));
  ExpectGenerousReport(report);
  EXPECT_EQ(report.model().name(), kDraft);

  // The same model given inline: evaluated, never saved.
  sv1::EvaluateScoreModelRequest inline_model;
  *inline_model.mutable_model() = Generous(active_);
  inline_model.mutable_model()->set_model_id("not-saved");
  sv1::WhatIfReport inline_report;
  ASSERT_TRUE(IsOk(Evaluate(inline_model, &inline_report)));
  ExpectGenerousReport(inline_report);
  sv1::ScoreModel ignored;
  EXPECT_TRUE(HasCode(scoring().GetModel("scoringModels/not-saved", &ignored),
                      grpc::StatusCode::NOT_FOUND));

  // max_changes limits the list, not the count.
  sv1::EvaluateScoreModelRequest one = by_name;
  one.set_max_changes(1);
  ASSERT_TRUE(IsOk(Evaluate(one, &report)));
  EXPECT_EQ(report.tier_changes(), 2);
  EXPECT_EQ(report.changes_size(), 1);

  sv1::EvaluateScoreModelRequest missing;
  missing.set_name("scoringModels/no-such-model");
  EXPECT_TRUE(HasCode(Evaluate(missing, &report), grpc::StatusCode::NOT_FOUND));
  sv1::EvaluateScoreModelRequest invalid = inline_model;
  invalid.mutable_model()->mutable_criteria(0)->set_weight(15);
  EXPECT_TRUE(
      IsInvalidArgumentFor(Evaluate(invalid, &report), "model.criteria"));

  EXPECT_EQ(Snapshot(PortfolioIds()), before);
}

TEST_F(ModelsTest, InvalidDraftsAndFrozenModelsAreRefused) {
  const std::string before = Snapshot(PortfolioIds());
  sv1::ScoreModel out;
  // Weights 15 + 20 + 15 + 10 + 10 + 10 + 5 + 10 = 95.
  sv1::ScoreModel short_weights = Generous(active_);
  short_weights.mutable_criteria(0)->set_weight(15);
  const grpc::Status weights = Create(short_weights, &out);
  EXPECT_TRUE(IsInvalidArgumentFor(weights, "model.criteria"));
  EXPECT_TRUE(absl::StrContains(weights.error_message(), "95"))
      << weights.error_message();
  // Key's lines must lie above potential key's (50/45).
  sv1::ScoreModel crossed = Generous(active_);
  crossed.mutable_tiers()->mutable_key()->set_promote_at(50);
  crossed.mutable_tiers()->mutable_key()->set_demote_below(46);
  EXPECT_TRUE(IsInvalidArgumentFor(Create(crossed, &out),
                                   "model.tiers.key.promote_at"));
  sv1::ScoreModel no_name = Generous(active_);
  no_name.clear_display_name();
  EXPECT_TRUE(
      IsInvalidArgumentFor(Create(no_name, &out), "model.display_name"));
  sv1::ScoreModel taken = Generous(active_);
  taken.set_model_id("default");
  EXPECT_TRUE(HasCode(Create(taken, &out), grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(Snapshot(PortfolioIds()), before);

  // A draft can be edited, but not into an invalid model, and not with a
  // stale etag.
  const sv1::ScoreModel draft = MustCreateDraft();
  sv1::ScoreModel edit = draft;
  edit.mutable_criteria(0)->set_weight(15);
  EXPECT_TRUE(
      IsInvalidArgumentFor(Update(edit, {"criteria"}, &out), "model.criteria"));
  sv1::ScoreModel renamed = draft;
  renamed.set_display_name("Lower lines, reviewed");
  sv1::ScoreModel updated;
  ASSERT_TRUE(IsOk(Update(renamed, {"display_name"}, &updated)));
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.display_name(), "Lower lines, reviewed");
  EXPECT_NE(updated.etag(), draft.etag());
  EXPECT_TRUE(HasCode(Update(renamed, {"display_name"}, &out),
                      grpc::StatusCode::ABORTED))
      << "the draft's first etag is stale now";
  sv1::ScoreModel stored;
  ASSERT_TRUE(IsOk(scoring().GetModel(kDraft, &stored)));
  EXPECT_EQ(stored.version(), 2);

  // The active model is frozen: it can be neither edited nor deleted.
  sv1::ScoreModel frozen = active_;
  frozen.set_display_name("Edited in place");
  EXPECT_TRUE(HasCode(Update(frozen, {"display_name"}, &out),
                      grpc::StatusCode::FAILED_PRECONDITION));
  sv1::DeleteScoreModelRequest delete_active;
  delete_active.set_name(kDefaultModel);
  sv1::DeleteScoreModelResponse deleted;
  EXPECT_TRUE(HasCode(scoring().Call(&sv1::Scoring::Stub::DeleteScoreModel,
                                     delete_active, &deleted),
                      grpc::StatusCode::FAILED_PRECONDITION));
  // Activating with a stale etag changes nothing either.
  sv1::RescoringRun run;
  EXPECT_TRUE(
      HasCode(Activate(kDraft, draft.etag(), &run), grpc::StatusCode::ABORTED));
  sv1::ScoreModel still_active;
  ASSERT_TRUE(IsOk(scoring().GetModel("scoringModels/-", &still_active)));
  EXPECT_EQ(still_active.ShortDebugString(), active_.ShortDebugString());
}

TEST_F(ModelsTest, ActivatingADraftRescoresEveryAccountWithIt) {
  const sv1::ScoreModel draft = MustCreateDraft();
  sv1::RescoringRun started;
  ASSERT_TRUE(IsOk(Activate(kDraft, draft.etag(), &started)));
  EXPECT_EQ(started.trigger(), "activation");
  EXPECT_EQ(started.model(), kDraft);
  EXPECT_EQ(started.model_version(), 1);
  EXPECT_EQ(started.accounts_total(), 6);
  EXPECT_TRUE(absl::StartsWith(started.name(), "rescoringRuns/"));

  absl::StatusOr<sv1::RescoringRun> ended =
      scoring().WaitForRun(started.name());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), sv1::SUCCEEDED) << ended->DebugString();
  EXPECT_EQ(ended->accounts_done(), 6);
  EXPECT_EQ(ended->accounts_total(), 6);
  EXPECT_EQ(ended->tier_changes(), 2);
  EXPECT_TRUE(ended->has_end_time());

  // The tiers follow the new lines.
  EXPECT_EQ(Tiers(),
            (std::map<std::string, cv1::Tier>{{"alpha", cv1::KEY},
                                              {"beta", cv1::KEY},
                                              {"gamma", cv1::MAINTAIN},
                                              {"delta", cv1::TRANSACTIONAL},
                                              {"epsilon", cv1::TRANSACTIONAL},
                                              {"zeta", cv1::TRANSACTIONAL}}));
  const sv1::Score beta = MustGetScore("beta");
  EXPECT_EQ(beta.model(), kDraft);
  EXPECT_EQ(beta.model_version(), 1);
  EXPECT_DOUBLE_EQ(beta.score(), 60.5);
  EXPECT_EQ(beta.computed_tier(), cv1::KEY);
  const std::vector<sv1::TierChange> history = MustTierHistory("beta");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(
      Moves({history.front()}),
      std::vector<std::string>{"accounts/beta POTENTIAL_KEY->KEY (SCORE)"});
  EXPECT_EQ(MustGetScore("alpha").model(), kDraft);

  // The draft is the active model now; the old one is retired.
  sv1::ScoreModel model;
  ASSERT_TRUE(IsOk(scoring().GetModel("scoringModels/-", &model)));
  EXPECT_EQ(model.name(), kDraft);
  EXPECT_EQ(model.state(), sv1::ACTIVE);
  EXPECT_EQ(FromProto(model.activate_time()), FixedNow());
  ASSERT_TRUE(IsOk(scoring().GetModel(kDefaultModel, &model)));
  EXPECT_EQ(model.state(), sv1::RETIRED);
  sv1::RescoringRun run;
  EXPECT_TRUE(HasCode(Activate(kDefaultModel, "", &run),
                      grpc::StatusCode::FAILED_PRECONDITION))
      << "a retired model is not a draft";
  EXPECT_TRUE(HasCode(Activate(kDraft, "", &run),
                      grpc::StatusCode::FAILED_PRECONDITION))
      << "the active model is not a draft";

  // A new account is scored with the new model.
  rv1::Account eta = NewAccount("eta", "Eta Energy");
  ASSERT_TRUE(IsOk(registry().CreateAccount(eta, nullptr)));
  ASSERT_TRUE(WaitForScore(
      "eta", [](const sv1::Score& score) { return score.model() == kDraft; }));

  // A manual run, retried with the same request ID, is one run.
  sv1::RescoringRun manual;
  ASSERT_TRUE(IsOk(StartRescoring("nightly-2026-06-01", &manual)));
  EXPECT_EQ(manual.trigger(), "manual");
  EXPECT_EQ(manual.model(), kDraft);
  sv1::RescoringRun retried;
  ASSERT_TRUE(IsOk(StartRescoring("nightly-2026-06-01", &retried)));
  EXPECT_EQ(retried.name(), manual.name());
  ended = scoring().WaitForRun(manual.name());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), sv1::SUCCEEDED);
  EXPECT_EQ(ended->accounts_done(), 7);
  EXPECT_EQ(ended->tier_changes(), 0) << "nothing changed since activation";
  ASSERT_TRUE(IsOk(StartRescoring("nightly-2026-06-01", &retried)));
  EXPECT_EQ(retried.name(), manual.name());

  sv1::ListRescoringRunsResponse runs;
  ASSERT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::ListRescoringRuns,
                                  sv1::ListRescoringRunsRequest(), &runs)));
  EXPECT_EQ(runs.runs_size(), 2);
  for (const sv1::RescoringRun& listed : runs.runs()) {
    EXPECT_EQ(listed.state(), sv1::SUCCEEDED) << listed.ShortDebugString();
  }
  // One run a page: both, each once.
  std::set<std::string> paged;
  sv1::ListRescoringRunsRequest page_request;
  page_request.set_page_size(1);
  for (int page = 0; page < 10; ++page) {
    sv1::ListRescoringRunsResponse response;
    ASSERT_TRUE(IsOk(scoring().Call(&sv1::Scoring::Stub::ListRescoringRuns,
                                    page_request, &response)));
    ASSERT_LE(response.runs_size(), 1);
    for (const sv1::RescoringRun& listed : response.runs()) {
      EXPECT_TRUE(paged.insert(listed.name()).second) << listed.name();
    }
    if (response.next_page_token().empty()) break;
    page_request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(paged, (std::set<std::string>{started.name(), manual.name()}));

  // An ended run cannot be cancelled; an unknown one is not found.
  sv1::CancelRescoringRunRequest cancel;
  cancel.set_name(manual.name());
  EXPECT_TRUE(HasCode(
      scoring().Call(&sv1::Scoring::Stub::CancelRescoringRun, cancel, &run),
      grpc::StatusCode::FAILED_PRECONDITION));
  cancel.set_name("rescoringRuns/no-such-run");
  EXPECT_TRUE(HasCode(
      scoring().Call(&sv1::Scoring::Stub::CancelRescoringRun, cancel, &run),
      grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(scoring().GetRun("rescoringRuns/no-such-run", &run),
                      grpc::StatusCode::NOT_FOUND));

  // The retired model can go now; the active one cannot.
  sv1::DeleteScoreModelRequest remove;
  remove.set_name(kDefaultModel);
  sv1::DeleteScoreModelResponse deleted;
  EXPECT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::DeleteScoreModel, remove, &deleted)));
  remove.set_name(kDraft);
  EXPECT_TRUE(HasCode(
      scoring().Call(&sv1::Scoring::Stub::DeleteScoreModel, remove, &deleted),
      grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(ModelsTest, CreatingADraftTwiceWithOneRequestIdCreatesOne) {
  sv1::CreateScoreModelRequest request;
  *request.mutable_model() = Generous(active_);
  request.mutable_model()->clear_model_id();
  request.set_request_id("create-generous-1");
  sv1::ScoreModel first;
  ASSERT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, request, &first)));
  EXPECT_TRUE(absl::StartsWith(first.name(), "scoringModels/"));
  EXPECT_FALSE(first.model_id().empty()) << "an ID is generated";
  sv1::ScoreModel second;
  ASSERT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, request, &second)));
  EXPECT_EQ(second.ShortDebugString(), first.ShortDebugString());

  // The default model and the one draft, one a page.
  std::vector<std::string> names;
  sv1::ListScoreModelsRequest list;
  list.set_page_size(1);
  for (int page = 0; page < 10; ++page) {
    sv1::ListScoreModelsResponse response;
    ASSERT_TRUE(IsOk(
        scoring().Call(&sv1::Scoring::Stub::ListScoreModels, list, &response)));
    ASSERT_LE(response.models_size(), 1);
    for (const sv1::ScoreModel& model : response.models()) {
      names.push_back(model.name());
    }
    if (response.next_page_token().empty()) break;
    list.set_page_token(response.next_page_token());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> expected = {kDefaultModel, first.name()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

}  // namespace
TEST_F(ModelsTest,
       RequestIdOfAnotherModelIsRefusedAndADeletedOneIsNotReplayed) {
  sv1::CreateScoreModelRequest request;
  *request.mutable_model() = Generous(active_);
  request.mutable_model()->clear_model_id();
  request.set_request_id("create-generous-2");
  sv1::ScoreModel first, out;
  ASSERT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, request, &first)));

  sv1::CreateScoreModelRequest other = request;
  other.mutable_model()->set_display_name("Someone else's model");
  const grpc::Status refused =
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, other, &out);
  ASSERT_TRUE(HasCode(refused, grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StartsWith(refused.error_message(),
                               "request_id: was used for a different request"))
      << refused.error_message();

  sv1::DeleteScoreModelRequest remove;
  remove.set_name(first.name());
  sv1::DeleteScoreModelResponse deleted;
  ASSERT_TRUE(IsOk(
      scoring().Call(&sv1::Scoring::Stub::DeleteScoreModel, remove, &deleted)));
  const grpc::Status gone =
      scoring().Call(&sv1::Scoring::Stub::CreateScoreModel, request, &out);
  ASSERT_TRUE(HasCode(gone, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(absl::StartsWith(gone.error_message(),
                               "request_id: this request already created " +
                                   first.name() +
                                   ", which has since been deleted"))
      << gone.error_message();
}

}  // namespace kam::scoring_test
