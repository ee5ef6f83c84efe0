#ifndef KAM_TOOLS_KAMCTL_FLAGS_H_
#define KAM_TOOLS_KAMCTL_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// kamctl's flags. The global ones (registry_addr, engagement_addr,
// scoring_addr, planning_addr, token, output, timeout) can also come from
// KAM_<NAME> environment variables; the rest belong to subcommands, which say
// which ones they take (see commands.cc). Several subcommands share a flag
// where it means the same thing (--id, --request_id, --etag, --page_size,
// --all, --limit, --batch, --status, --title, --note, --at).

// Global.
ABSL_DECLARE_FLAG(std::string, registry_addr);
ABSL_DECLARE_FLAG(std::string, engagement_addr);
ABSL_DECLARE_FLAG(std::string, scoring_addr);
ABSL_DECLARE_FLAG(std::string, planning_addr);
ABSL_DECLARE_FLAG(std::string, token);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(absl::Duration, timeout);

// health
ABSL_DECLARE_FLAG(std::string, service);
ABSL_DECLARE_FLAG(std::string, target);

// accounts
ABSL_DECLARE_FLAG(std::string, kam);
ABSL_DECLARE_FLAG(std::string, segment);
ABSL_DECLARE_FLAG(std::string, parent);
ABSL_DECLARE_FLAG(std::string, tag);
ABSL_DECLARE_FLAG(std::string, status);
ABSL_DECLARE_FLAG(int32_t, page_size);
ABSL_DECLARE_FLAG(std::string, page_token);
ABSL_DECLARE_FLAG(bool, all);
ABSL_DECLARE_FLAG(std::string, id);
ABSL_DECLARE_FLAG(std::string, display_name);
ABSL_DECLARE_FLAG(std::string, industry);
ABSL_DECLARE_FLAG(std::string, country);
ABSL_DECLARE_FLAG(std::string, tags);
ABSL_DECLARE_FLAG(std::string, team);
ABSL_DECLARE_FLAG(std::string, potential);
ABSL_DECLARE_FLAG(std::string, currency);
ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(std::string, etag);
ABSL_DECLARE_FLAG(int32_t, depth);

// contacts
ABSL_DECLARE_FLAG(std::string, role);
ABSL_DECLARE_FLAG(std::string, level);
ABSL_DECLARE_FLAG(std::string, roles);
ABSL_DECLARE_FLAG(std::string, title);
ABSL_DECLARE_FLAG(std::string, email);
ABSL_DECLARE_FLAG(std::string, attitude);
ABSL_DECLARE_FLAG(std::string, influence);
ABSL_DECLARE_FLAG(std::string, reports_to);

// financials
ABSL_DECLARE_FLAG(std::string, period);
ABSL_DECLARE_FLAG(std::string, revenue);
ABSL_DECLARE_FLAG(std::string, gross_margin);
ABSL_DECLARE_FLAG(std::string, cost_to_serve);

// import
ABSL_DECLARE_FLAG(bool, validate_only);
ABSL_DECLARE_FLAG(int32_t, batch);

// feed
ABSL_DECLARE_FLAG(uint64_t, after);
ABSL_DECLARE_FLAG(int64_t, limit);

// interactions
ABSL_DECLARE_FLAG(std::string, since);
ABSL_DECLARE_FLAG(std::string, until);
ABSL_DECLARE_FLAG(std::string, type);
ABSL_DECLARE_FLAG(std::string, at);
ABSL_DECLARE_FLAG(std::string, with);
ABSL_DECLARE_FLAG(std::string, internal);
ABSL_DECLARE_FLAG(std::string, channel);
ABSL_DECLARE_FLAG(std::string, summary);
ABSL_DECLARE_FLAG(std::string, outcome);
ABSL_DECLARE_FLAG(std::string, next_steps);
ABSL_DECLARE_FLAG(std::string, sentiment);

// surveys, satisfaction
ABSL_DECLARE_FLAG(std::string, contact);
ABSL_DECLARE_FLAG(std::string, nps);
ABSL_DECLARE_FLAG(std::string, csat);
ABSL_DECLARE_FLAG(std::string, comment);
ABSL_DECLARE_FLAG(int32_t, window_days);

// cadence, overdue, coverage
ABSL_DECLARE_FLAG(int32_t, visit_days);
ABSL_DECLARE_FLAG(int32_t, executive_days);
ABSL_DECLARE_FLAG(int32_t, review_days);
ABSL_DECLARE_FLAG(std::string, tier);
ABSL_DECLARE_FLAG(int32_t, days);

// stage
ABSL_DECLARE_FLAG(std::string, rationale);
ABSL_DECLARE_FLAG(std::string, effective);
ABSL_DECLARE_FLAG(std::string, by);

// scoring: ratings, tier overrides, ABC, portfolio, rescoring
ABSL_DECLARE_FLAG(std::string, rater);
ABSL_DECLARE_FLAG(std::string, note);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_DECLARE_FLAG(std::string, author);
ABSL_DECLARE_FLAG(std::string, expires);
ABSL_DECLARE_FLAG(int32_t, a);
ABSL_DECLARE_FLAG(int32_t, b);
ABSL_DECLARE_FLAG(double, near);
ABSL_DECLARE_FLAG(bool, wait);

// planning: plans, objectives, actions, reviews, export
ABSL_DECLARE_FLAG(std::string, horizon);
ABSL_DECLARE_FLAG(std::string, start);
ABSL_DECLARE_FLAG(std::string, end);
ABSL_DECLARE_FLAG(std::string, parent_plan);
ABSL_DECLARE_FLAG(std::string, participants);
ABSL_DECLARE_FLAG(int32_t, review_interval_days);
ABSL_DECLARE_FLAG(std::string, update_mask);
ABSL_DECLARE_FLAG(std::string, reviewers);
ABSL_DECLARE_FLAG(std::string, changes);
ABSL_DECLARE_FLAG(std::string, owner);
ABSL_DECLARE_FLAG(std::string, due);
ABSL_DECLARE_FLAG(std::string, objective);
ABSL_DECLARE_FLAG(int32_t, within_days);
ABSL_DECLARE_FLAG(int64_t, revision);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(bool, force);

#endif  // KAM_TOOLS_KAMCTL_FLAGS_H_
