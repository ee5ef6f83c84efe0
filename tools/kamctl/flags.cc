#include "tools/kamctl/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of the registry service (env KAM_REGISTRY_ADDR)");
ABSL_FLAG(std::string, engagement_addr, "127.0.0.1:50062",
          "host:port of the engagement service (env KAM_ENGAGEMENT_ADDR)");
ABSL_FLAG(std::string, scoring_addr, "127.0.0.1:50063",
          "host:port of the scoring service (env KAM_SCORING_ADDR)");
ABSL_FLAG(std::string, planning_addr, "127.0.0.1:50064",
          "host:port of the planning service (env KAM_PLANNING_ADDR)");
ABSL_FLAG(std::string, token, "",
          "bearer token sent as 'authorization: Bearer <token>' "
          "(env KAM_TOKEN)");
ABSL_FLAG(std::string, output, "table",
          "output format: table or json; also -o json (env KAM_OUTPUT)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "deadline of each call, e.g. 10s, 1m (env KAM_TIMEOUT)");

ABSL_FLAG(std::string, service, "",
          "health: the service name to check (empty: the whole server)");
ABSL_FLAG(std::string, target, "registry",
          "health, admin: which server, registry, engagement, scoring or "
          "planning");

ABSL_FLAG(std::string, kam, "",
          "the key account manager (an e-mail address): filter or value");
ABSL_FLAG(std::string, segment, "",
          "segment, e.g. Enterprise: filter or value");
ABSL_FLAG(std::string, parent, "", "parent account ID: filter or value");
ABSL_FLAG(std::string, tag, "", "accounts list: only accounts with this tag");
ABSL_FLAG(std::string, status, "",
          "accounts: lifecycle status, prospect, active, dormant or churned; "
          "plans list: plan status, draft, active, under_review or closed; "
          "plans action: action status, open, in_progress, done or "
          "cancelled");
ABSL_FLAG(int32_t, page_size, 0,
          "list commands (accounts, interactions, models, scores, score "
          "history, tier history, runs, plans list, plans revisions): results "
          "per page (0: the server's default, mostly 50)");
ABSL_FLAG(std::string, page_token, "",
          "list commands: the page to read, from a previous list");
ABSL_FLAG(bool, all, false, "list commands: read every page");
ABSL_FLAG(std::string, id, "",
          "the ID of the account, contact, interaction, score model or plan "
          "to create");
ABSL_FLAG(std::string, display_name, "", "display name");
ABSL_FLAG(std::string, industry, "", "industry, free text");
ABSL_FLAG(std::string, country, "", "ISO 3166-1 alpha-2 country code, e.g. DK");
ABSL_FLAG(std::string, tags, "", "comma-separated tags");
ABSL_FLAG(std::string, team, "",
          "comma-separated person:role, roles executive_sponsor, sales, "
          "service, technical, finance, product, other");
ABSL_FLAG(std::string, potential, "",
          "potential revenue (the account's wallet), e.g. 2500000.00; needs "
          "--currency");
ABSL_FLAG(std::string, currency, "", "ISO 4217 currency code, e.g. EUR");
ABSL_FLAG(std::string, request_id, "",
          "idempotency key of a create (or of a survey answer, or of a "
          "rescoring run)");
ABSL_FLAG(std::string, etag, "",
          "only change the resource if its etag is still this");
ABSL_FLAG(int32_t, depth, 0,
          "accounts hierarchy: levels below the root (0: all)");

ABSL_FLAG(std::string, role, "",
          "contacts list: only contacts with this buying role");
ABSL_FLAG(std::string, level, "",
          "organisation level: operational, management or executive");
ABSL_FLAG(std::string, roles, "",
          "comma-separated buying roles: buyer, user, decider, influencer, "
          "ambassador");
ABSL_FLAG(std::string, title, "",
          "contacts: job title; plans: the plan's title (1-200 chars); plans "
          "action: the action's title");
ABSL_FLAG(std::string, email, "", "e-mail address");
ABSL_FLAG(std::string, attitude, "",
          "advocate, supportive, neutral, skeptical or hostile");
ABSL_FLAG(std::string, influence, "", "influence from 1 (little) to 5");
ABSL_FLAG(std::string, reports_to, "",
          "the contact ID (same account) this contact reports to");

ABSL_FLAG(std::string, period, "",
          "financial period: YYYY, YYYY-Qn or YYYY-MM");
ABSL_FLAG(std::string, revenue, "", "revenue, e.g. 123456.78");
ABSL_FLAG(std::string, gross_margin, "",
          "gross margin (revenue less cost of goods sold), may be negative");
ABSL_FLAG(std::string, cost_to_serve, "", "cost to serve, e.g. 4200.00");

ABSL_FLAG(bool, validate_only, false,
          "import: have the server check every row, but write nothing");
ABSL_FLAG(int32_t, batch, 500,
          "import: rows per ImportRecords call (1-5000); interactions import: "
          "rows per BatchCreateInteractions call (1-5000, 1000 unless given)");

ABSL_FLAG(uint64_t, after, 0,
          "feed watch, tiers watch: start after this sequence");
ABSL_FLAG(int64_t, limit, 0,
          "feed watch, tiers watch: stop after this many events; overdue: at "
          "most this many accounts (0: 100); models evaluate: list at most "
          "this many tier changes (0: 100); portfolio summary: at most this "
          "many accounts per list (0: 20); plans overdue-actions, "
          "due-for-review: at most this many (1-1000, 0: 100)");

ABSL_FLAG(std::string, since, "",
          "interactions list: from this time on (RFC 3339 or YYYY-MM-DD)");
ABSL_FLAG(std::string, until, "",
          "interactions list: before this time (RFC 3339), or up to and "
          "including this day (YYYY-MM-DD)");
ABSL_FLAG(std::string, type, "",
          "interaction type: visit, meeting, call, email, business_review, "
          "workshop or event");
ABSL_FLAG(std::string, at, "",
          "when it happened: RFC 3339 or YYYY-MM-DD (default: now); plans "
          "progress: when it was measured; plans review, plans agree: when");
ABSL_FLAG(std::string, with, "",
          "comma-separated contact IDs of the account who took part");
ABSL_FLAG(std::string, internal, "",
          "comma-separated people on our side, e.g. e-mail addresses");
ABSL_FLAG(std::string, channel, "",
          "in_person or remote (default: from the type)");
ABSL_FLAG(std::string, summary, "",
          "interactions: what it was about; plans: the plan in a paragraph "
          "(at most 2000 chars)");
ABSL_FLAG(std::string, outcome, "",
          "interactions: the result; plans review: the review's conclusion "
          "(at most 2000 chars)");
ABSL_FLAG(std::string, next_steps, "",
          "what happens next (at most 2000 chars)");
ABSL_FLAG(std::string, sentiment, "",
          "how it went, a whole number from -2 to 2");

ABSL_FLAG(std::string, contact, "",
          "surveys record: the contact ID (same account) who answered");
ABSL_FLAG(std::string, nps, "", "Net Promoter Score answer, 0-10");
ABSL_FLAG(std::string, csat, "", "customer satisfaction answer, 1-5");
ABSL_FLAG(std::string, comment, "", "surveys record: the answer's comment");
ABSL_FLAG(int32_t, window_days, 0,
          "satisfaction: window length in days (0: 365)");

ABSL_FLAG(int32_t, visit_days, 0,
          "cadence set: days between visits (0: no target)");
ABSL_FLAG(int32_t, executive_days, 0,
          "cadence set: days between executive contacts (0: no target)");
ABSL_FLAG(int32_t, review_days, 0,
          "cadence set: days between business reviews (0: no target)");
ABSL_FLAG(std::string, tier, "",
          "overdue, scores list: only this tier: key, potential_key, maintain "
          "or transactional");
ABSL_FLAG(int32_t, days, 0, "coverage: the window in days (0: 90)");

ABSL_FLAG(std::string, rationale, "", "stage set: why (1-2000 chars)");
ABSL_FLAG(std::string, effective, "",
          "stage set: the day the stage took effect (default: today, UTC)");
ABSL_FLAG(std::string, by, "",
          "stage set: who sets it, e.g. an e-mail address");

ABSL_FLAG(std::string, rater, "",
          "ratings set: who rates, e.g. an e-mail address (required)");
ABSL_FLAG(std::string, note, "",
          "ratings set: why (at most 2000 chars); plans progress, plans "
          "agree: a note; plans action: the action's note (at most 1000 "
          "chars)");
ABSL_FLAG(std::string, reason, "",
          "tier override: why the tier is pinned (required, 1-2000 chars); "
          "plans close: why the plan ends (required, 1-500 chars)");
ABSL_FLAG(std::string, author, "",
          "tier override, tier clear: who, e.g. an e-mail address (required)");
ABSL_FLAG(std::string, expires, "",
          "tier override: when it ends: a duration from now (30d, 720h, "
          "90m), an RFC 3339 time, or a day (the end of that day, UTC); at "
          "most 366 days ahead");
ABSL_FLAG(int32_t, a, 0,
          "abc: class A is the first this many percent of gross profit (0: "
          "80)");
ABSL_FLAG(int32_t, b, 0, "abc: class B is the next this many percent (0: 15)");
ABSL_FLAG(double, near, 0,
          "portfolio summary: how close to key's lines counts as near, in "
          "score points (0: 5)");
ABSL_FLAG(bool, wait, false,
          "rescore, models activate: follow the run until it ends, printing "
          "its progress");

ABSL_FLAG(std::string, horizon, "",
          "plans: strategic, tactical or operational (create: the plan's; "
          "list, coverage: only this horizon)");
ABSL_FLAG(std::string, start, "",
          "plans create, update: the first day of the plan's period (RFC 3339 "
          "or YYYY-MM-DD)");
ABSL_FLAG(std::string, end, "",
          "plans create, update: the end of the plan's period, exclusive "
          "(2027-07-01 ends the period as 2027-07-01 begins)");
ABSL_FLAG(std::string, parent_plan, "",
          "plans create, update: the plan one horizon up this one serves, a "
          "PLAN_ID of the same account or ACCOUNT_ID/PLAN_ID (empty: none)");
ABSL_FLAG(std::string, participants, "",
          "plans create, update: the customer's people in the planning, "
          "CONTACT_ID[:ROLE] separated by commas, e.g. "
          "karen-holm:executive sponsor,lars-munk:buyer");
ABSL_FLAG(int32_t, review_interval_days, 0,
          "plans create, update: days between reviews, 7-730 (0: the "
          "horizon's default, 365/180/90)");
ABSL_FLAG(std::string, update_mask, "",
          "plans update: exactly the fields to replace, comma-separated: "
          "title, summary, period, parent_plan, strategy, objectives, "
          "actions, participants, review_interval_days");
ABSL_FLAG(std::string, reviewers, "",
          "plans review: who took part, comma-separated");
ABSL_FLAG(std::string, changes, "",
          "plans review: what changed in the plan (at most 2000 chars)");
ABSL_FLAG(std::string, owner, "",
          "plans action: who on the account team does it");
ABSL_FLAG(std::string, due, "",
          "plans action: the due date (RFC 3339 or YYYY-MM-DD)");
ABSL_FLAG(std::string, objective, "",
          "plans action: the ID of the plan's objective the action serves");
ABSL_FLAG(int32_t, within_days, 0,
          "plans due-for-review: also reviews due within this many days "
          "(0-3650; 0: only those already due)");
ABSL_FLAG(int64_t, revision, 0,
          "plans export: export this revision (0: the current plan)");
ABSL_FLAG(std::string, out, "",
          "plans export: the file to write (default: the server's suggested "
          "name in the current directory; - writes to stdout)");
ABSL_FLAG(bool, force, false, "plans export: overwrite the file if it exists");
