#include "services/scoring/tier_lookup.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/validation.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace kam::scoring {

TierLookups::TierLookups(const TierTable* table, prometheus::Registry* metrics)
    : table_(table) {
  if (metrics == nullptr) return;
  auto& lookups = prometheus::BuildCounter()
                      .Name("kam_scoring_tier_lookups_total")
                      .Help("Tiers looked up (each account of a batch counts)")
                      .Register(*metrics);
  found_ = &lookups.Add({{"result", "found"}});
  missing_ = &lookups.Add({{"result", "not_found"}});
  auto& accounts = prometheus::BuildGauge()
                       .Name("kam_scoring_accounts")
                       .Help("Scored accounts by tier in force")
                       .Register(*metrics);
  for (int t = 1; t < 5; ++t) {
    accounts_by_tier_[t] = &accounts.Add(
        {{"tier", absl::AsciiStrToLower(kam::common::v1::Tier_Name(t))}});
  }
}

void TierLookups::ExportCounts() const {
  if (accounts_by_tier_[1] == nullptr) return;
  const auto counts = table_->CountByTier();
  for (int t = 1; t < 5; ++t) accounts_by_tier_[t]->Set(counts[t]);
}

void TierLookups::Fill(const std::string& account_id, const TierEntry& entry,
                       v1::AccountTier* tier) {
  tier->set_account(absl::StrCat("accounts/", account_id));
  tier->set_tier(entry.tier);
  tier->set_source(entry.override ? v1::OVERRIDE : v1::COMPUTED);
  *tier->mutable_effective_time() =
      ToProtoTime(absl::FromUnixMicros(entry.since_micros));
  tier->set_score(entry.score);
  if (entry.override) *tier->mutable_override() = *entry.override;
  tier->set_found(true);
}

absl::Status TierLookups::Get(const std::string& account_name,
                              v1::AccountTier* tier) const {
  KAM_ASSIGN_OR_RETURN(std::string id,
                       ParseName("account", account_name, "accounts"));
  TierEntry entry;
  if (!table_->Lookup(id, &entry)) {
    if (missing_ != nullptr) missing_->Increment();
    return absl::NotFoundError(
        absl::StrCat(account_name, " has no tier (not scored, or unknown)"));
  }
  if (found_ != nullptr) found_->Increment();
  Fill(id, entry, tier);
  tier->clear_found();
  return absl::OkStatus();
}

absl::Status TierLookups::BatchGet(const v1::BatchGetTiersRequest& request,
                                   v1::BatchGetTiersResponse* response) const {
  if (request.accounts_size() < 1 || request.accounts_size() > kMaxBatch) {
    return InvalidField(
        "accounts", absl::StrCat("must name 1-", kMaxBatch, " accounts, got ",
                                 request.accounts_size()));
  }
  std::vector<std::string> ids;
  ids.reserve(request.accounts_size());
  for (int i = 0; i < request.accounts_size(); ++i) {
    auto id = ParseName("accounts", request.accounts(i), "accounts");
    if (!id.ok()) {
      // Named by index only on error: the label costs an allocation.
      return ParseName(absl::StrCat("accounts[", i, "]"), request.accounts(i),
                       "accounts")
          .status();
    }
    ids.push_back(*std::move(id));
  }
  int found = 0;
  TierEntry entry;
  response->mutable_tiers()->Reserve(static_cast<int>(ids.size()));
  for (int i = 0; i < static_cast<int>(ids.size()); ++i) {
    v1::AccountTier* tier = response->add_tiers();
    if (table_->Lookup(ids[i], &entry)) {
      Fill(ids[i], entry, tier);
      ++found;
    } else {
      tier->set_account(request.accounts(i));
    }
  }
  if (found_ != nullptr) found_->Increment(found);
  if (missing_ != nullptr) {
    missing_->Increment(static_cast<double>(ids.size() - found));
  }
  return absl::OkStatus();
}

}  // namespace kam::scoring
