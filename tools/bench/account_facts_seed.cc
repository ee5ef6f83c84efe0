#include "tools/bench/account_facts_seed.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "rocksdb/write_batch.h"
#include "services/scoring/score_book.h"

namespace kam::bench {
namespace {

namespace reg = ::kam::registry::v1;
using ::kam::scoring::internal::AccountFacts;

constexpr int kSeedBatch = 10000;

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

int UniformInt(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Half an account-wide "quality" (so an account is good or poor on many
// criteria at once, and scores spread), half noise; in [0, 1).
double Draw(std::mt19937_64& rng, double quality) {
  return 0.5 * quality + 0.5 * Uniform(rng, 0, 1);
}

kam::common::v1::Money Money(const std::string& currency, double major) {
  kam::common::v1::Money money;
  money.set_currency_code(currency);
  money.set_minor_units(std::llround(major * 100));
  return money;
}

}  // namespace

std::string SeededAccountId(int i) { return absl::StrFormat("a%07d", i); }

AccountFacts MakeAccountFacts(int i, std::mt19937_64& rng, absl::Time now) {
  const std::string id = SeededAccountId(i);
  const std::string name = absl::StrCat("accounts/", id);
  const double quality = Uniform(rng, 0, 1);
  AccountFacts facts;
  facts.set_account_id(id);
  facts.set_display_name(absl::StrCat("Account ", i, " A/S"));
  facts.set_registered(true);

  // Money: one account in ten in USD or DKK (the default model has rates).
  const int pick = UniformInt(rng, 0, 19);
  const std::string currency = pick == 0 ? "USD" : pick == 1 ? "DKK" : "EUR";
  const double per_eur = currency == "USD"   ? 1 / 0.92
                         : currency == "DKK" ? 1 / 0.134
                                             : 1.0;
  // Revenue 50k-150M EUR, log-uniform; the default thresholds span
  // 250k-60M.
  double revenue = std::exp(
      std::log(5e4) + Draw(rng, quality) * (std::log(1.5e8) - std::log(5e4)));
  const double margin_rate = 0.05 + 0.40 * Draw(rng, quality);
  const double cost_rate = 0.02 + 0.18 * Uniform(rng, 0, 1);
  const int latest_year =
      absl::ToCivilYear(now, absl::UTCTimeZone()).year() - 1;
  for (int y = 0; y < 3; ++y) {
    const std::string period = absl::StrCat(latest_year - y);
    reg::FinancialFact& fact = (*facts.mutable_financials())[period];
    fact.set_name(absl::StrCat(name, "/financials/", period));
    fact.set_period(period);
    *fact.mutable_revenue() = Money(currency, revenue * per_eur);
    *fact.mutable_gross_margin() =
        Money(currency, revenue * margin_rate * per_eur);
    *fact.mutable_cost_to_serve() =
        Money(currency, revenue * cost_rate * per_eur);
    *fact.mutable_update_time() =
        ToProtoTime(now - absl::Hours(24 * (30 + 365 * y)));
    // The year before: growth of -30%..+40% into this one.
    revenue /= 1 + (-0.30 + 0.70 * Draw(rng, quality));
  }
  // Share of wallet 4%-90% of this year's revenue.
  const double latest_revenue =
      facts.financials().at(absl::StrCat(latest_year)).revenue().minor_units() /
      100.0;
  *facts.mutable_potential_revenue() =
      Money(currency, latest_revenue / (0.04 + 0.86 * Draw(rng, quality)));

  const int contacts = UniformInt(rng, 3, 7);
  for (int c = 1; c <= contacts; ++c) {
    auto& contact = (*facts.mutable_contacts())[absl::StrCat("c", c)];
    contact.add_roles(static_cast<reg::BuyingRole>(UniformInt(rng, 1, 4)));
    if (Uniform(rng, 0, 1) < 0.1 + 0.3 * quality)
      contact.add_roles(reg::AMBASSADOR);
    contact.set_level(static_cast<reg::OrgLevel>(UniformInt(rng, 1, 3)));
    contact.set_attitude(static_cast<reg::Attitude>(UniformInt(rng, 1, 5)));
  }

  auto& engagement = *facts.mutable_engagement();
  engagement.set_account(name);
  *engagement.mutable_last_contact() =
      ToProtoTime(now - absl::Hours(UniformInt(rng, 1, 24 * 120)));
  engagement.set_interactions_30d(UniformInt(rng, 0, 8));
  engagement.set_interactions_90d(engagement.interactions_30d() +
                                  UniformInt(rng, 0, 16));
  engagement.set_interactions_365d(engagement.interactions_90d() +
                                   UniformInt(rng, 0, 40));
  engagement.set_executive_touches_90d(UniformInt(rng, 0, 3));
  if (Uniform(rng, 0, 1) < 0.9) {  // one in ten has no NPS yet
    engagement.set_nps(static_cast<int>(-60 + 140 * Draw(rng, quality)));
    engagement.set_previous_nps(UniformInt(rng, -60, 80));
  }
  engagement.set_stage(
      static_cast<kam::engagement::v1::Stage>(UniformInt(rng, 1, 5)));
  const int engaged_roles =
      std::min(5, static_cast<int>(6 * Draw(rng, quality)));
  engagement.set_role_coverage_percent(engaged_roles * 20);
  for (int role = reg::BUYER + engaged_roles; role <= reg::AMBASSADOR; ++role) {
    engagement.add_roles_missing_90d(reg::BuyingRole_Name(role));
  }
  engagement.set_overdue(Uniform(rng, 0, 1) > 0.4 + 0.5 * quality);
  *engagement.mutable_computed_at() = ToProtoTime(now - absl::Minutes(5));

  auto& rating = (*facts.mutable_ratings())["strategic-fit"];
  rating.set_name(absl::StrCat(name, "/ratings/strategic-fit"));
  rating.set_value(1 + static_cast<int>(10 * Draw(rng, quality)));
  rating.set_rater(absl::StrCat("kam", i % 40, "@supplier.example"));
  rating.set_note("Agreed in the quarterly account review.");
  *rating.mutable_rate_time() = ToProtoTime(now - absl::Hours(24 * 20));
  return facts;
}

absl::Status SeedAccountFacts(Store* store, int accounts, uint64_t seed,
                              absl::Time now, int64_t* bytes) {
  rocksdb::ColumnFamilyHandle* family =
      store->Family(kam::scoring::ScoreBook::kFactsFamily);
  std::mt19937_64 rng(seed);
  std::string value;
  for (int start = 0; start < accounts; start += kSeedBatch) {
    rocksdb::WriteBatch batch;
    for (int i = start; i < std::min(accounts, start + kSeedBatch); ++i) {
      const AccountFacts facts = MakeAccountFacts(i, rng, now);
      facts.SerializeToString(&value);
      if (bytes != nullptr) *bytes += static_cast<int64_t>(value.size());
      batch.Put(family, facts.account_id(), value);
    }
    if (absl::Status s = store->Write(&batch); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace kam::bench
