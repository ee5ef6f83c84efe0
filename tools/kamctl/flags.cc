#include "tools/kamctl/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of the registry service (env KAM_REGISTRY_ADDR)");
ABSL_FLAG(std::string, engagement_addr, "127.0.0.1:50062",
          "host:port of the engagement service (env KAM_ENGAGEMENT_ADDR)");
ABSL_FLAG(std::string, scoring_addr, "127.0.0.1:50063",
          "host:port of the scoring service (env KAM_SCORING_ADDR)");
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
          "health, admin: which server, registry, engagement or scoring");

ABSL_FLAG(std::string, kam, "",
          "the key account manager (an e-mail address): filter or value");
ABSL_FLAG(std::string, segment, "",
          "segment, e.g. Enterprise: filter or value");
ABSL_FLAG(std::string, parent, "", "parent account ID: filter or value");
ABSL_FLAG(std::string, tag, "", "accounts list: only accounts with this tag");
ABSL_FLAG(std::string, status, "",
          "lifecycle status: prospect, active, dormant or churned");
ABSL_FLAG(int32_t, page_size, 0,
          "list commands (accounts, interactions, models, scores, score "
          "history, tier history, runs): results per page (0: the server's "
          "default, mostly 50)");
ABSL_FLAG(std::string, page_token, "",
          "list commands: the page to read, from a previous list");
ABSL_FLAG(bool, all, false, "list commands: read every page");
ABSL_FLAG(std::string, id, "",
          "the ID of the account, contact, interaction or score model to "
          "create");
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
ABSL_FLAG(std::string, title, "", "job title");
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
          "many accounts per list (0: 20)");

ABSL_FLAG(std::string, since, "",
          "interactions list: from this time on (RFC 3339 or YYYY-MM-DD)");
ABSL_FLAG(std::string, until, "",
          "interactions list: before this time (RFC 3339), or up to and "
          "including this day (YYYY-MM-DD)");
ABSL_FLAG(std::string, type, "",
          "interaction type: visit, meeting, call, email, business_review, "
          "workshop or event");
ABSL_FLAG(std::string, at, "",
          "when it happened: RFC 3339 or YYYY-MM-DD (default: now)");
ABSL_FLAG(std::string, with, "",
          "comma-separated contact IDs of the account who took part");
ABSL_FLAG(std::string, internal, "",
          "comma-separated people on our side, e.g. e-mail addresses");
ABSL_FLAG(std::string, channel, "",
          "in_person or remote (default: from the type)");
ABSL_FLAG(std::string, summary, "", "what it was about (at most 2000 chars)");
ABSL_FLAG(std::string, outcome, "", "the result (at most 2000 chars)");
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
ABSL_FLAG(std::string, note, "", "ratings set: why (at most 2000 chars)");
ABSL_FLAG(std::string, reason, "",
          "tier override: why the tier is pinned (required, 1-2000 chars)");
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
