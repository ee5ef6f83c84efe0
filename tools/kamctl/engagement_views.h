#ifndef KAM_TOOLS_KAMCTL_ENGAGEMENT_VIEWS_H_
#define KAM_TOOLS_KAMCTL_ENGAGEMENT_VIEWS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "kam/engagement/v1/engagement.pb.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/table.h"
#include "tools/kamctl/views.h"

// How engagement resources look in kamctl's table output. Pure functions of
// the messages, so tests can check what a user sees.
namespace kam::kamctl {

// Abbreviate keeps the first `max_chars` code points of `text` (line breaks
// become blanks), ending in "…" when it cut something.
std::string Abbreviate(absl::string_view text, size_t max_chars);

// SignedNumber is "+2", "0" or "-1" (for sentiment and NPS).
std::string SignedNumber(int value);

// WHEN, ID, TYPE, CHANNEL, WITH (contact IDs), SENTIMENT, SUMMARY (cut to
// fit a terminal; `interactions get` shows it whole). Newest first, as the
// server sends them.
Table InteractionsTable(const Repeated<ev1::Interaction>& interactions);
// One "field: value" line per field.
Table InteractionDetails(const ev1::Interaction& interaction);

// NPS now and in the window before, with the trend, and CSAT:
//   nps:           +25 (8 responses: 4 promoters, 2 passives, 2 detractors)
//   previous_nps:  +50 (6 responses)
//   trend:         -25
//   csat:          4.20 (5 responses)
Table SatisfactionDetails(const ev1::Satisfaction& satisfaction);

// TIER, VISIT, EXECUTIVE CONTACT, BUSINESS REVIEW ("every 30 days", or "-"
// for no target), SOURCE ("default" or "set").
Table CadenceTable(const Repeated<ev1::CadencePolicy>& policies);

// MissingText lists what an overdue account lacks, each with its days
// overdue or "never": "visit 12d, business review never".
std::string MissingText(const ev1::OverdueAccount& account);

// ACCOUNT, NAME, TIER, DAYS_OVERDUE, MISSING.
Table OverdueTable(const Repeated<ev1::OverdueAccount>& accounts);

// The roles, levels and contacts engaged and missing (lower-case names, as
// kamctl writes buying roles and levels everywhere).
Table CoverageDetails(const ev1::Coverage& coverage);

// EFFECTIVE (the day), STAGE, SET_BY, RATIONALE, RECORDED; newest first,
// the current stage marked "(current)".
Table StageHistoryTable(const ev1::RelationshipStageHistory& history);

// The summary, one "field: value" line each; the last contact also as days
// before computed_at ("2026-11-02T09:00:00Z (21 days ago)").
Table SummaryDetails(const ev1::EngagementSummary& summary);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_ENGAGEMENT_VIEWS_H_
