#ifndef KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_RULES_H_
#define KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kam/common/v1/tier.pb.h"
#include "kam/engagement/v1/engagement.pb.h"

// The engagement rules, pure: no store, no gRPC.
namespace kam::engagement {

// Field rules of an interaction (not whether its account and participants
// exist). `now` bounds occurred_at (at most a day ahead).
absl::Status ValidateInteraction(const v1::Interaction& interaction,
                                 const std::string& field, absl::Time now);

// Fills defaults: channel from the type.
void ApplyInteractionDefaults(v1::Interaction* interaction);

absl::Status ValidateSurveyResponse(const v1::SurveyResponse& response,
                                    const std::string& field, absl::Time now);

absl::Status ValidateCadencePolicy(const v1::CadencePolicy& policy,
                                   const std::string& field);

absl::Status ValidateRelationshipStage(const v1::RelationshipStage& stage,
                                       const std::string& field,
                                       absl::Time now);

// The built-in cadence of a tier (see CadencePolicy in the proto).
v1::CadencePolicy DefaultCadence(kam::common::v1::Tier tier);

// The tiers in report order: KEY first.
const std::vector<kam::common::v1::Tier>& AllTiers();

// What an interaction counts as, for cadence.
bool IsVisit(const v1::Interaction& interaction);
bool IsBusinessReview(const v1::Interaction& interaction);

// When the account last had each kind of contact (absent: never).
struct CadenceStats {
  std::optional<absl::Time> last_visit;
  std::optional<absl::Time> last_executive_contact;
  std::optional<absl::Time> last_business_review;
};

// The overdue items of an account under `policy` at `now`; `known_since` is
// the baseline for kinds that never happened. Items not overdue are left out.
std::vector<v1::OverdueItem> OverdueItems(const CadenceStats& stats,
                                          const v1::CadencePolicy& policy,
                                          absl::Time known_since,
                                          absl::Time now);

// NPS tallies of a set of answers (0-10).
struct NpsTally {
  int promoters = 0;
  int passives = 0;
  int detractors = 0;
  int total() const { return promoters + passives + detractors; }
  void Add(int score);
  // Percent promoters minus percent detractors, rounded half away from
  // zero; absent with no answers.
  std::optional<int> Score() const;
};

// Whole days from `from` to `to`, rounded down (negative if to < from).
int DaysBetween(absl::Time from, absl::Time to);

}  // namespace kam::engagement

#endif  // KAM_SERVICES_ENGAGEMENT_ENGAGEMENT_RULES_H_
