#include "tools/kamctl/commands.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kam::kamctl {

const std::vector<std::string>& GlobalFlags() {
  static const auto* const kFlags = new std::vector<std::string>{
      "registry_addr", "engagement_addr", "token", "output", "timeout"};
  return *kFlags;
}

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {"health",
       "",
       "[--target=registry|engagement] [--service=NAME]",
       "check a server's health (default the registry); exit 0 only when "
       "SERVING",
       0,
       0,
       {"service", "target"},
       RunHealth},
      {"accounts",
       "list",
       "[--kam=EMAIL] [--segment=S] [--parent=ID] [--tag=T] "
       "[--status=STATUS] [--page_size=N] [--page_token=T] [--all]",
       "list accounts (one page, or every page with --all)",
       0,
       0,
       {"kam", "segment", "parent", "tag", "status", "page_size", "page_token",
        "all"},
       RunAccountsList},
      {"accounts",
       "get",
       "ACCOUNT_ID",
       "show one account",
       1,
       1,
       {},
       RunAccountsGet},
      {"accounts",
       "create",
       "--id=ID --display_name=NAME [--industry=I] [--segment=S] "
       "[--country=CC] [--status=STATUS] [--tags=a,b] [--parent=ID] "
       "[--kam=EMAIL] [--team=person:role,...] [--potential=AMOUNT "
       "--currency=CUR] [--request_id=KEY]",
       "create an account",
       0,
       0,
       {"id", "display_name", "industry", "segment", "country", "status",
        "tags", "parent", "kam", "team", "potential", "currency", "request_id"},
       RunAccountsCreate},
      {"accounts",
       "update",
       "ACCOUNT_ID [the create flags, except --id] [--etag=ETAG]",
       "change the fields whose flags are given (--tags= clears tags)",
       1,
       1,
       {"display_name", "industry", "segment", "country", "status", "tags",
        "parent", "kam", "team", "potential", "currency", "etag"},
       RunAccountsUpdate},
      {"accounts",
       "delete",
       "ACCOUNT_ID [--etag=ETAG]",
       "delete an account with its contacts and financials",
       1,
       1,
       {"etag"},
       RunAccountsDelete},
      {"accounts",
       "hierarchy",
       "ACCOUNT_ID [--depth=N] [--period=P]",
       "the account tree with rolled-up revenue and gross margin",
       1,
       1,
       {"depth", "period"},
       RunAccountsHierarchy},
      {"contacts",
       "list",
       "ACCOUNT_ID [--role=ROLE] [--level=LEVEL]",
       "list an account's buying center",
       1,
       1,
       {"role", "level"},
       RunContactsList},
      {"contacts",
       "get",
       "ACCOUNT_ID CONTACT_ID",
       "show one contact",
       2,
       2,
       {},
       RunContactsGet},
      {"contacts",
       "create",
       "ACCOUNT_ID --id=ID --display_name=NAME --roles=buyer,decider "
       "--level=LEVEL [--title=T] [--email=E] [--attitude=A] "
       "[--influence=1..5] [--reports_to=CONTACT_ID] [--request_id=KEY]",
       "create a contact",
       1,
       1,
       {"id", "display_name", "roles", "level", "title", "email", "attitude",
        "influence", "reports_to", "request_id"},
       RunContactsCreate},
      {"contacts",
       "update",
       "ACCOUNT_ID CONTACT_ID [the create flags, except --id] [--etag=ETAG]",
       "change the fields whose flags are given",
       2,
       2,
       {"display_name", "roles", "level", "title", "email", "attitude",
        "influence", "reports_to", "etag"},
       RunContactsUpdate},
      {"contacts",
       "delete",
       "ACCOUNT_ID CONTACT_ID [--etag=ETAG]",
       "delete a contact",
       2,
       2,
       {"etag"},
       RunContactsDelete},
      {"contacts",
       "orgchart",
       "ACCOUNT_ID",
       "the buying center as a reporting tree, with roles and levels",
       1,
       1,
       {},
       RunContactsOrgChart},
      {"financials",
       "list",
       "ACCOUNT_ID",
       "an account's financial facts, oldest period first",
       1,
       1,
       {},
       RunFinancialsList},
      {"financials",
       "record",
       "ACCOUNT_ID --period=P --revenue=AMOUNT --gross_margin=AMOUNT "
       "[--cost_to_serve=AMOUNT] --currency=CUR",
       "record (or replace) the facts of one period",
       1,
       1,
       {"period", "revenue", "gross_margin", "cost_to_serve", "currency"},
       RunFinancialsRecord},
      {"import",
       "",
       "accounts|contacts|financials FILE.csv [--validate_only] [--batch=N]",
       "upsert the rows of a CSV file (see USAGE.md for the columns)",
       2,
       2,
       {"validate_only", "batch"},
       RunImport},
      {"feed",
       "watch",
       "[--after=SEQ] [--limit=N]",
       "print change events as they happen (Ctrl-C stops)",
       0,
       0,
       {"after", "limit"},
       RunFeedWatch},
      // Engagement (--engagement_addr).
      {"interactions",
       "list",
       "ACCOUNT_ID [--since=TIME] [--until=TIME] [--page_size=N] "
       "[--page_token=T] [--all]",
       "an account's timeline, newest first",
       1,
       1,
       {"since", "until", "page_size", "page_token", "all"},
       RunInteractionsList},
      {"interactions",
       "contact",
       "ACCOUNT_ID CONTACT_ID [--page_size=N] [--page_token=T] [--all]",
       "the interactions a contact took part in, newest first",
       2,
       2,
       {"page_size", "page_token", "all"},
       RunInteractionsContact},
      {"interactions",
       "get",
       "ACCOUNT_ID INTERACTION_ID",
       "show one interaction",
       2,
       2,
       {},
       RunInteractionsGet},
      {"interactions",
       "log",
       "ACCOUNT_ID --type=TYPE [--at=TIME] [--with=CONTACT_ID,...] "
       "[--internal=EMAIL,...] [--channel=CHANNEL] [--summary=TEXT] "
       "[--outcome=TEXT] [--next_steps=TEXT] [--sentiment=-2..2] [--id=ID] "
       "[--request_id=KEY]",
       "record an interaction (at defaults to now)",
       1,
       1,
       {"type", "at", "with", "internal", "channel", "summary", "outcome",
        "next_steps", "sentiment", "id", "request_id"},
       RunInteractionsLog},
      {"interactions",
       "update",
       "ACCOUNT_ID INTERACTION_ID [the log flags, except --id and "
       "--request_id] [--etag=ETAG]",
       "change the fields whose flags are given",
       2,
       2,
       {"type", "at", "with", "internal", "channel", "summary", "outcome",
        "next_steps", "sentiment", "etag"},
       RunInteractionsUpdate},
      {"interactions",
       "delete",
       "ACCOUNT_ID INTERACTION_ID [--etag=ETAG]",
       "delete an interaction",
       2,
       2,
       {"etag"},
       RunInteractionsDelete},
      {"interactions",
       "import",
       "FILE.csv [--batch=N]",
       "record the rows of a CSV file; running it again writes nothing twice",
       1,
       1,
       {"batch"},
       RunInteractionsImport},
      {"surveys",
       "record",
       "ACCOUNT_ID [--contact=CONTACT_ID] [--nps=0..10] [--csat=1..5] "
       "[--at=TIME] [--comment=TEXT] [--request_id=KEY]",
       "record a survey answer (NPS, CSAT or both; at defaults to now)",
       1,
       1,
       {"contact", "nps", "csat", "at", "comment", "request_id"},
       RunSurveysRecord},
      {"surveys",
       "import",
       "FILE.csv",
       "record the answers in a CSV file; running it again writes nothing "
       "twice",
       1,
       1,
       {},
       RunSurveysImport},
      {"satisfaction",
       "",
       "ACCOUNT_ID [--window_days=N]",
       "NPS over the last N days (default 365) and the N before, and CSAT",
       1,
       1,
       {"window_days"},
       RunSatisfaction},
      {"cadence",
       "list",
       "",
       "the cadence targets of every tier",
       0,
       0,
       {},
       RunCadenceList},
      {"cadence",
       "set",
       "TIER [--visit_days=N] [--executive_days=N] [--review_days=N]",
       "replace a tier's targets (0: no target; a flag not given keeps its "
       "value)",
       1,
       1,
       {"visit_days", "executive_days", "review_days"},
       RunCadenceSet},
      {"overdue",
       "",
       "[--tier=TIER] [--limit=N]",
       "accounts behind their tier's cadence, most overdue first",
       0,
       0,
       {"tier", "limit"},
       RunOverdue},
      {"coverage",
       "",
       "ACCOUNT_ID [--days=N]",
       "buying-center roles, levels and contacts engaged in the last N days "
       "(default 90)",
       1,
       1,
       {"days"},
       RunCoverage},
      {"stage",
       "get",
       "ACCOUNT_ID",
       "the relationship stage and its history",
       1,
       1,
       {},
       RunStageGet},
      {"stage",
       "set",
       "ACCOUNT_ID STAGE --rationale=TEXT [--effective=DATE] [--by=EMAIL]",
       "move the account to a relationship stage (effective defaults to "
       "today)",
       2,
       2,
       {"rationale", "effective", "by"},
       RunStageSet},
      {"summary",
       "",
       "ACCOUNT_ID",
       "the account's engagement at a glance",
       1,
       1,
       {},
       RunSummary},
  };
  return *kCommands;
}

std::string UsageText() {
  std::string text =
      "kamctl: the command-line client of the kam services: registry "
      "(accounts,\n"
      "contacts, financials, import, feed) and engagement (interactions, "
      "surveys,\n"
      "satisfaction, cadence, overdue, coverage, stage, summary).\n"
      "\n"
      "Usage: kamctl COMMAND [ARGS] [FLAGS]   (flags may come anywhere)\n"
      "\n"
      "Commands:\n";
  for (const Command& command : Commands()) {
    absl::StrAppend(&text, "  ", command.group,
                    *command.verb != '\0' ? " " : "", command.verb,
                    *command.synopsis != '\0' ? " " : "", command.synopsis,
                    "\n      ", command.summary, "\n");
  }
  absl::StrAppend(
      &text,
      "  help\n      this text\n"
      "\n"
      "Values: STATUS prospect|active|dormant|churned; ROLE buyer|user|"
      "decider|influencer|ambassador;\n"
      "  LEVEL operational|management|executive; attitude advocate|supportive|"
      "neutral|skeptical|hostile;\n"
      "  team roles executive_sponsor|sales|service|technical|finance|product|"
      "other;\n"
      "  AMOUNT a decimal in major units with at most 2 decimals, "
      "e.g. 1234.56;\n"
      "  TYPE visit|meeting|call|email|business_review|workshop|event; "
      "CHANNEL in_person|remote;\n"
      "  TIER key|potential_key|maintain|transactional;\n"
      "  STAGE exploratory|basic|cooperative|interdependent|integrated|"
      "disintegrating;\n"
      "  TIME RFC 3339 (2026-03-12T10:30:00Z, 2026-03-12T11:30:00+01:00) or a "
      "day in UTC\n"
      "  (2026-03-12; as --until it includes that day).\n"
      "\n"
      "Global flags (each also from an environment variable):\n"
      "  --registry_addr=HOST:PORT  registry address (KAM_REGISTRY_ADDR; "
      "default 127.0.0.1:50061)\n"
      "  --engagement_addr=HOST:PORT\n"
      "                             engagement address (KAM_ENGAGEMENT_ADDR; "
      "default\n"
      "                             127.0.0.1:50062)\n"
      "  --token=TOKEN              bearer token (KAM_TOKEN)\n"
      "  --output=table|json, -o json\n"
      "                             output format (KAM_OUTPUT; default "
      "table)\n"
      "  --timeout=DURATION         deadline of each call (KAM_TIMEOUT; "
      "default 10s)\n"
      "\n"
      "Exit status: 0 ok, 1 the server refused or the data is bad, 2 bad "
      "usage.\n"
      "Details and CSV formats: tools/kamctl/USAGE.md\n");
  return text;
}

}  // namespace kam::kamctl
