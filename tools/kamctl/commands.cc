#include "tools/kamctl/commands.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kam::kamctl {

const std::vector<std::string>& GlobalFlags() {
  static const auto* const kFlags = new std::vector<std::string>{
      "registry_addr", "token", "output", "timeout"};
  return *kFlags;
}

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {"health",
       "",
       "[--service=NAME]",
       "check the server's health; exit 0 only when SERVING",
       0,
       0,
       {"service"},
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
  };
  return *kCommands;
}

std::string UsageText() {
  std::string text =
      "kamctl: the command-line client of the kam registry service.\n"
      "\n"
      "Usage: kamctl COMMAND [ARGS] [FLAGS]   (flags may come anywhere)\n"
      "\n"
      "Commands:\n";
  for (const Command& command : Commands()) {
    absl::StrAppend(&text, "  ", command.group,
                    *command.verb != '\0' ? " " : "", command.verb, " ",
                    command.synopsis, "\n      ", command.summary, "\n");
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
      "e.g. 1234.56.\n"
      "\n"
      "Global flags (each also from an environment variable):\n"
      "  --registry_addr=HOST:PORT  server address (KAM_REGISTRY_ADDR; "
      "default 127.0.0.1:50061)\n"
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
