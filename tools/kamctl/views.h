#ifndef KAM_TOOLS_KAMCTL_VIEWS_H_
#define KAM_TOOLS_KAMCTL_VIEWS_H_

#include <cstdint>
#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "tools/kamctl/records.h"
#include "tools/kamctl/table.h"

// How registry resources look in kamctl's table output. Pure functions of the
// messages, so tests can check what a user sees.
namespace kam::kamctl {

template <typename T>
using Repeated = google::protobuf::RepeatedPtrField<T>;

// FormatTime is RFC 3339 in UTC, or "" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& time);

// Percent is part/whole as "12.3%", or "" when whole is 0.
std::string Percent(int64_t part, int64_t whole);

// ID, NAME, SEGMENT, COUNTRY, STATUS, KAM, PARENT.
Table AccountsTable(const Repeated<v1::Account>& accounts);
// One "field: value" line per field.
Table AccountDetails(const v1::Account& account);

// ID, NAME, TITLE, ROLES, LEVEL, ATTITUDE, INFLUENCE, REPORTS_TO.
Table ContactsTable(const Repeated<v1::Contact>& contacts);
Table ContactDetails(const v1::Contact& contact);

// PERIOD, REVENUE, GROSS MARGIN, GM %, COST TO SERVE, CONTRIBUTION (gross
// margin less cost to serve).
Table FinancialsTable(const Repeated<v1::FinancialFact>& facts);

// LatestPeriod is the greatest period (in text order, so "2025-Q1" comes
// after "2025") in the root's roll-up, or "" when nothing was reported.
std::string LatestPeriod(const v1::AccountHierarchy& root);

// HierarchyTable draws the tree in its first column, each account with its
// subtree's roll-up for `period`:
//
//   ACCOUNT            NAME          STATUS  REVENUE 2025  GROSS MARGIN 2025
//   ... nordwind           Nordwind AG   active  1,000.00 EUR    300.00 EUR ├─
//   nordwind-de     Nordwind DE   active    600.00 EUR    200.00 EUR │  └─
//   nordwind-hh  Nordwind HH   active    100.00 EUR     20.00 EUR └─
//   nordwind-pl     Nordwind PL   active    400.00 EUR    100.00 EUR
//
// Several currencies in one period are shown side by side ("... + ...").
Table HierarchyTable(const v1::AccountHierarchy& root,
                     const std::string& period);

// OrgChartTable draws the contacts as a forest by reports_to (contacts whose
// manager is not in the list are roots), each with roles, level and
// attitude; siblings in ID order.
Table OrgChartTable(const Repeated<v1::Contact>& contacts);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_VIEWS_H_
