#include "services/planning/score_client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/time/clock.h"
#include "grpcpp/client_context.h"

namespace kam::planning {

namespace sv1 = ::kam::scoring::v1;

ScoringScoreSource::ScoringScoreSource(std::shared_ptr<grpc::Channel> channel,
                                       std::string bearer_token,
                                       absl::Duration deadline,
                                       absl::Duration abc_ttl)
    : stub_(sv1::Scoring::NewStub(std::move(channel))),
      bearer_token_(std::move(bearer_token)),
      deadline_(deadline),
      abc_ttl_(abc_ttl) {}

bool ScoringScoreSource::Prepare(absl::Time caller_deadline,
                                 grpc::ClientContext* context) const {
  const absl::Time now = absl::Now();
  const absl::Time deadline = std::min(now + deadline_, caller_deadline);
  if (deadline <= now) return false;
  context->set_deadline(absl::ToChronoTime(deadline));
  if (!bearer_token_.empty()) {
    context->AddMetadata("authorization", "Bearer " + bearer_token_);
  }
  return true;
}

bool ScoringScoreSource::FindAbc(const sv1::AbcAnalysis& analysis,
                                 const std::string& account_name,
                                 v1::SituationSnapshot* snapshot) {
  for (const auto& entry : analysis.entries()) {
    if (entry.account() == account_name) {
      snapshot->set_abc_class(entry.abc_class());
      return true;
    }
  }
  return false;
}

void ScoringScoreSource::Fill(const std::string& account_name,
                              absl::Time deadline,
                              v1::SituationSnapshot* snapshot) {
  if (grpc::ClientContext context; Prepare(deadline, &context)) {
    sv1::GetScoreRequest request;
    request.set_account(account_name);
    sv1::Score score;
    if (stub_->GetScore(&context, request, &score).ok()) {
      snapshot->set_score(score.score());
    }
  }
  {
    absl::MutexLock lock(&mu_);
    // The cached analysis serves while young, unless it does not know the
    // account yet (a new account's first plan). Wall time, not the service
    // clock: this is a cache's age.
    if (FindAbc(abc_, account_name, snapshot) &&
        absl::Now() - abc_fetched_ <= abc_ttl_) {
      return;
    }
  }
  // Fetched without the lock: concurrent misses may each ask scoring, which
  // is cheaper than making every plan creation wait for one call.
  grpc::ClientContext context;
  if (!Prepare(deadline, &context)) return;  // no time left: the cached class
  sv1::AbcAnalysis analysis;
  if (!stub_->GetAbcAnalysis(&context, sv1::GetAbcAnalysisRequest(), &analysis)
           .ok()) {
    return;
  }
  snapshot->clear_abc_class();
  FindAbc(analysis, account_name, snapshot);
  absl::MutexLock lock(&mu_);
  abc_ = std::move(analysis);
  abc_fetched_ = absl::Now();
}

}  // namespace kam::planning
