#include "tools/kamctl/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, registry_addr, "127.0.0.1:50061",
          "host:port of the registry service (env KAM_REGISTRY_ADDR)");
ABSL_FLAG(std::string, token, "",
          "bearer token sent as 'authorization: Bearer <token>' "
          "(env KAM_TOKEN)");
ABSL_FLAG(std::string, output, "table",
          "output format: table or json; also -o json (env KAM_OUTPUT)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "deadline of each call, e.g. 10s, 1m (env KAM_TIMEOUT)");

ABSL_FLAG(std::string, service, "",
          "health: the service name to check (empty: the whole server)");

ABSL_FLAG(std::string, kam, "",
          "the key account manager (an e-mail address): filter or value");
ABSL_FLAG(std::string, segment, "",
          "segment, e.g. Enterprise: filter or value");
ABSL_FLAG(std::string, parent, "", "parent account ID: filter or value");
ABSL_FLAG(std::string, tag, "", "accounts list: only accounts with this tag");
ABSL_FLAG(std::string, status, "",
          "lifecycle status: prospect, active, dormant or churned");
ABSL_FLAG(int32_t, page_size, 0, "accounts list: results per page (0: 50)");
ABSL_FLAG(std::string, page_token, "",
          "accounts list: the page to read, from a previous list");
ABSL_FLAG(bool, all, false, "accounts list: read every page");
ABSL_FLAG(std::string, id, "", "the ID of the account or contact to create");
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
ABSL_FLAG(std::string, request_id, "", "idempotency key of a create");
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
ABSL_FLAG(int32_t, batch, 500, "import: rows per ImportRecords call (1-5000)");

ABSL_FLAG(uint64_t, after, 0, "feed watch: start after this sequence");
ABSL_FLAG(int64_t, limit, 0, "feed watch: stop after this many events");
