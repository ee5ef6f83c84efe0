#include "services/engagement/engagement_rules.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/validation.h"

namespace kam::engagement {

using kam::common::v1::Tier;

namespace {

// Interactions and answers before this are surely typos.
const absl::Time kEarliest = absl::FromCivil(absl::CivilDay(2000, 1, 1),
                                             absl::UTCTimeZone());

absl::Status ValidateWhen(const google::protobuf::Timestamp& when,
                          bool has_when, const std::string& field,
                          absl::Time latest) {
  if (!has_when) return InvalidField(field, "is required");
  const absl::Time t = FromProtoTime(when);
  if (t < kEarliest) return InvalidField(field, "must be in 2000 or later");
  if (t > latest) {
    return InvalidField(field, absl::StrCat("must not be after ",
                                            absl::FormatTime(latest)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateInteraction(const v1::Interaction& interaction,
                                 const std::string& field, absl::Time now) {
  if (interaction.type() == v1::INTERACTION_TYPE_UNSPECIFIED ||
      !v1::InteractionType_IsValid(interaction.type())) {
    return InvalidField(field + ".type",
                        "is required (visit, meeting, call, email, "
                        "business review, workshop or event)");
  }
  KAM_RETURN_IF_ERROR(ValidateWhen(interaction.occurred_at(),
                                   interaction.has_occurred_at(),
                                   field + ".occurred_at", now + absl::Hours(24)));
  if (interaction.participants_size() > 50) {
    return InvalidField(field + ".participants", "must have at most 50");
  }
  if (interaction.internal_participants_size() > 50) {
    return InvalidField(field + ".internal_participants",
                        "must have at most 50");
  }
  std::set<std::string> seen;
  for (int i = 0; i < interaction.participants_size(); ++i) {
    const std::string f = absl::StrCat(field, ".participants[", i, "]");
    KAM_RETURN_IF_ERROR(ParseChildName(f, interaction.participants(i),
                                       "accounts", "contacts")
                            .status());
    if (!seen.insert(interaction.participants(i)).second) {
      return InvalidField(f, "names a participant twice");
    }
  }
  for (int i = 0; i < interaction.internal_participants_size(); ++i) {
    KAM_RETURN_IF_ERROR(ValidateText(
        absl::StrCat(field, ".internal_participants[", i, "]"),
        interaction.internal_participants(i), 1, 254));
  }
  if (!v1::Channel_IsValid(interaction.channel())) {
    return InvalidField(field + ".channel", "is not a known channel");
  }
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".summary", interaction.summary(), 0, 2000, true));
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".outcome", interaction.outcome(), 0, 2000, true));
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".next_steps", interaction.next_steps(), 0, 2000, true));
  if (interaction.sentiment() < -2 || interaction.sentiment() > 2) {
    return InvalidField(field + ".sentiment",
                        absl::StrCat("must be between -2 and +2, got ",
                                     interaction.sentiment()));
  }
  return absl::OkStatus();
}

void ApplyInteractionDefaults(v1::Interaction* interaction) {
  if (interaction->channel() != v1::CHANNEL_UNSPECIFIED) return;
  switch (interaction->type()) {
    case v1::VISIT:
    case v1::BUSINESS_REVIEW:
    case v1::WORKSHOP:
      interaction->set_channel(v1::IN_PERSON);
      break;
    default:
      interaction->set_channel(v1::REMOTE);
  }
}

absl::Status ValidateSurveyResponse(const v1::SurveyResponse& response,
                                    const std::string& field, absl::Time now) {
  const bool has_nps = response.nps() != -1;
  const bool has_csat = response.csat() != 0;
  if (!has_nps && !has_csat) {
    return InvalidField(field + ".nps",
                        "at least one of nps (0-10) and csat (1-5) is "
                        "required; nps -1 means not asked");
  }
  if (has_nps && (response.nps() < 0 || response.nps() > 10)) {
    return InvalidField(field + ".nps",
                        absl::StrCat("must be between 0 and 10 (or -1 for not "
                                     "asked), got ",
                                     response.nps()));
  }
  if (has_csat && (response.csat() < 1 || response.csat() > 5)) {
    return InvalidField(field + ".csat",
                        absl::StrCat("must be between 1 and 5 (or 0 for not "
                                     "asked), got ",
                                     response.csat()));
  }
  KAM_RETURN_IF_ERROR(ValidateWhen(response.responded_at(),
                                   response.has_responded_at(),
                                   field + ".responded_at", now));
  return ValidateText(field + ".comment", response.comment(), 0, 2000, true);
}

absl::Status ValidateCadencePolicy(const v1::CadencePolicy& policy,
                                   const std::string& field) {
  if (policy.tier() == kam::common::v1::TIER_UNSPECIFIED ||
      !kam::common::v1::Tier_IsValid(policy.tier())) {
    return InvalidField(field + ".tier", "is required");
  }
  const std::pair<const char*, int> intervals[] = {
      {".visit_interval_days", policy.visit_interval_days()},
      {".executive_contact_interval_days",
       policy.executive_contact_interval_days()},
      {".business_review_interval_days",
       policy.business_review_interval_days()}};
  for (const auto& [name, days] : intervals) {
    if (days < 0 || days > 3650) {
      return InvalidField(field + name,
                          absl::StrCat("must be between 0 (no target) and "
                                       "3650 days, got ",
                                       days));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRelationshipStage(const v1::RelationshipStage& stage,
                                       const std::string& field,
                                       absl::Time now) {
  if (stage.stage() == v1::STAGE_UNSPECIFIED || !v1::Stage_IsValid(stage.stage())) {
    return InvalidField(field + ".stage",
                        "is required (exploratory, basic, cooperative, "
                        "interdependent, integrated or disintegrating)");
  }
  KAM_RETURN_IF_ERROR(ValidateWhen(stage.effective_time(),
                                   stage.has_effective_time(),
                                   field + ".effective_time", now));
  KAM_RETURN_IF_ERROR(
      ValidateText(field + ".rationale", stage.rationale(), 1, 2000, true));
  return ValidateText(field + ".set_by", stage.set_by(), 0, 254);
}

v1::CadencePolicy DefaultCadence(Tier tier) {
  v1::CadencePolicy policy;
  policy.set_tier(tier);
  policy.set_is_default(true);
  switch (tier) {
    case kam::common::v1::KEY:
      policy.set_visit_interval_days(30);
      policy.set_executive_contact_interval_days(90);
      policy.set_business_review_interval_days(90);
      break;
    case kam::common::v1::POTENTIAL_KEY:
      policy.set_visit_interval_days(60);
      policy.set_executive_contact_interval_days(180);
      policy.set_business_review_interval_days(180);
      break;
    case kam::common::v1::MAINTAIN:
      policy.set_visit_interval_days(90);
      policy.set_executive_contact_interval_days(365);
      policy.set_business_review_interval_days(365);
      break;
    default:
      policy.set_visit_interval_days(180);
      break;
  }
  return policy;
}

const std::vector<Tier>& AllTiers() {
  static const auto* const tiers = new std::vector<Tier>{
      kam::common::v1::KEY, kam::common::v1::POTENTIAL_KEY,
      kam::common::v1::MAINTAIN, kam::common::v1::TRANSACTIONAL};
  return *tiers;
}

bool IsVisit(const v1::Interaction& interaction) {
  switch (interaction.type()) {
    case v1::VISIT:
      return true;
    case v1::MEETING:
    case v1::WORKSHOP:
    case v1::BUSINESS_REVIEW:
      return interaction.channel() == v1::IN_PERSON;
    default:
      return false;
  }
}

bool IsBusinessReview(const v1::Interaction& interaction) {
  return interaction.type() == v1::BUSINESS_REVIEW;
}

int DaysBetween(absl::Time from, absl::Time to) {
  return static_cast<int>(std::floor(absl::ToDoubleHours(to - from) / 24.0));
}

std::vector<v1::OverdueItem> OverdueItems(const CadenceStats& stats,
                                          const v1::CadencePolicy& policy,
                                          absl::Time known_since,
                                          absl::Time now) {
  std::vector<v1::OverdueItem> items;
  auto check = [&](v1::OverdueItem::Kind kind,
                   const std::optional<absl::Time>& last, int interval) {
    if (interval <= 0) return;
    const absl::Time since = last.value_or(known_since);
    const int overdue = DaysBetween(since + absl::Hours(24) * interval, now);
    if (overdue <= 0) return;
    v1::OverdueItem& item = items.emplace_back();
    item.set_kind(kind);
    if (last.has_value()) *item.mutable_last() = ToProtoTime(*last);
    item.set_interval_days(interval);
    item.set_days_overdue(overdue);
  };
  check(v1::OverdueItem::VISIT, stats.last_visit, policy.visit_interval_days());
  check(v1::OverdueItem::EXECUTIVE_CONTACT, stats.last_executive_contact,
        policy.executive_contact_interval_days());
  check(v1::OverdueItem::BUSINESS_REVIEW, stats.last_business_review,
        policy.business_review_interval_days());
  return items;
}

void NpsTally::Add(int score) {
  if (score >= 9) {
    ++promoters;
  } else if (score >= 7) {
    ++passives;
  } else {
    ++detractors;
  }
}

std::optional<int> NpsTally::Score() const {
  if (total() == 0) return std::nullopt;
  const double score = 100.0 * (promoters - detractors) / total();
  return static_cast<int>(std::lround(score));
}

}  // namespace kam::engagement
