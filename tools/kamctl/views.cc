#include "tools/kamctl/views.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "tools/kamctl/money.h"

namespace kam::kamctl {
namespace {

std::string JoinTeam(const v1::Account& account) {
  std::vector<std::string> members;
  for (const v1::TeamMember& member : account.team()) {
    members.push_back(
        absl::StrCat(member.person(), " (", TeamRoleName(member.role()), ")"));
  }
  return absl::StrJoin(members, ", ");
}

std::string JoinRoles(const v1::Contact& contact) {
  std::vector<std::string> roles;
  for (int role : contact.roles()) {
    roles.push_back(BuyingRoleName(static_cast<v1::BuyingRole>(role)));
  }
  return absl::StrJoin(roles, ",");
}

std::string InfluenceText(const v1::Contact& contact) {
  return contact.influence() == 0 ? "" : absl::StrCat(contact.influence());
}

// The money columns of one period's roll-up rows (one row per currency).
struct RollupCells {
  std::string revenue, gross_margin, margin_percent, cost_to_serve;
};

RollupCells CellsFor(const v1::AccountHierarchy& node,
                     const std::string& period) {
  std::vector<std::string> revenue, gross_margin, cost_to_serve;
  const v1::FinancialRollup* only = nullptr;
  int matches = 0;
  for (const v1::FinancialRollup& rollup : node.rolled_up()) {
    if (rollup.period() != period) continue;
    ++matches;
    only = &rollup;
    revenue.push_back(FormatMoney(rollup.revenue()));
    gross_margin.push_back(FormatMoney(rollup.gross_margin()));
    if (!rollup.cost_to_serve().currency_code().empty()) {
      cost_to_serve.push_back(FormatMoney(rollup.cost_to_serve()));
    }
  }
  RollupCells cells;
  cells.revenue = absl::StrJoin(revenue, " + ");
  cells.gross_margin = absl::StrJoin(gross_margin, " + ");
  cells.cost_to_serve = absl::StrJoin(cost_to_serve, " + ");
  if (matches == 1) {
    cells.margin_percent = Percent(only->gross_margin().minor_units(),
                                   only->revenue().minor_units());
  }
  return cells;
}

void AddHierarchyRows(const v1::AccountHierarchy& node,
                      const std::string& period, bool root,
                      const std::string& indent, bool last, Table* table) {
  const v1::Account& account = node.account();
  const std::string label =
      root ? account.account_id()
           : absl::StrCat(indent, last ? "└─ " : "├─ ", account.account_id());
  const RollupCells cells = CellsFor(node, period);
  table->AddRow({label, account.display_name(),
                 LifecycleStatusName(account.lifecycle_status()), cells.revenue,
                 cells.gross_margin, cells.margin_percent,
                 cells.cost_to_serve});
  const std::string child_indent =
      root ? "" : absl::StrCat(indent, last ? "   " : "│  ");
  for (int i = 0; i < node.children_size(); ++i) {
    AddHierarchyRows(node.children(i), period, false, child_indent,
                     i + 1 == node.children_size(), table);
  }
}

}  // namespace

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(time);
}

std::string Percent(int64_t part, int64_t whole) {
  if (whole == 0) return "";
  // A ratio for display, not money: double is fine here.
  return absl::StrFormat(
      "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

Table AccountsTable(const Repeated<v1::Account>& accounts) {
  Table table({"ID", "NAME", "SEGMENT", "COUNTRY", "STATUS", "KAM", "PARENT"});
  for (const v1::Account& a : accounts) {
    table.AddRow({a.account_id(), a.display_name(), a.segment(), a.country(),
                  LifecycleStatusName(a.lifecycle_status()),
                  a.key_account_manager(), IdOf(a.parent())});
  }
  return table;
}

Table AccountDetails(const v1::Account& a) {
  Table table({});
  table.AddRow({"name:", a.name()});
  table.AddRow({"display_name:", a.display_name()});
  table.AddRow({"industry:", a.industry()});
  table.AddRow({"segment:", a.segment()});
  table.AddRow({"country:", a.country()});
  table.AddRow({"status:", LifecycleStatusName(a.lifecycle_status())});
  table.AddRow({"tags:", absl::StrJoin(a.tags(), ", ")});
  table.AddRow({"parent:", IdOf(a.parent())});
  table.AddRow({"key_account_manager:", a.key_account_manager()});
  table.AddRow({"team:", JoinTeam(a)});
  table.AddRow({"potential_revenue:", a.has_potential_revenue()
                                          ? FormatMoney(a.potential_revenue())
                                          : ""});
  table.AddRow({"created:", FormatTime(a.create_time())});
  table.AddRow({"updated:", FormatTime(a.update_time())});
  table.AddRow({"etag:", a.etag()});
  return table;
}

Table ContactsTable(const Repeated<v1::Contact>& contacts) {
  Table table({"ID", "NAME", "TITLE", "ROLES", "LEVEL", "ATTITUDE", "INFLUENCE",
               "REPORTS_TO"});
  for (const v1::Contact& c : contacts) {
    table.AddRow({c.contact_id(), c.display_name(), c.title(), JoinRoles(c),
                  OrgLevelName(c.level()), AttitudeName(c.attitude()),
                  InfluenceText(c), IdOf(c.reports_to())});
  }
  return table;
}

Table ContactDetails(const v1::Contact& c) {
  Table table({});
  table.AddRow({"name:", c.name()});
  table.AddRow({"display_name:", c.display_name()});
  table.AddRow({"title:", c.title()});
  table.AddRow({"email:", c.email()});
  table.AddRow({"roles:", JoinRoles(c)});
  table.AddRow({"level:", OrgLevelName(c.level())});
  table.AddRow({"attitude:", AttitudeName(c.attitude())});
  table.AddRow({"influence:", InfluenceText(c)});
  table.AddRow({"reports_to:", IdOf(c.reports_to())});
  table.AddRow({"created:", FormatTime(c.create_time())});
  table.AddRow({"updated:", FormatTime(c.update_time())});
  table.AddRow({"etag:", c.etag()});
  return table;
}

Table FinancialsTable(const Repeated<v1::FinancialFact>& facts) {
  Table table({"PERIOD", "REVENUE", "GROSS MARGIN", "GM %", "COST TO SERVE",
               "CONTRIBUTION"});
  for (size_t column = 1; column <= 5; ++column) table.AlignRight(column);
  for (const v1::FinancialFact& f : facts) {
    std::string contribution;
    if (f.cost_to_serve().currency_code() == f.gross_margin().currency_code()) {
      kam::common::v1::Money net = f.gross_margin();
      net.set_minor_units(f.gross_margin().minor_units() -
                          f.cost_to_serve().minor_units());
      contribution = FormatMoney(net);
    }
    table.AddRow(
        {f.period(), FormatMoney(f.revenue()), FormatMoney(f.gross_margin()),
         Percent(f.gross_margin().minor_units(), f.revenue().minor_units()),
         f.has_cost_to_serve() ? FormatMoney(f.cost_to_serve()) : "",
         contribution});
  }
  return table;
}

std::string LatestPeriod(const v1::AccountHierarchy& root) {
  std::string latest;
  for (const v1::FinancialRollup& rollup : root.rolled_up()) {
    if (rollup.period() > latest) latest = rollup.period();
  }
  return latest;
}

Table HierarchyTable(const v1::AccountHierarchy& root,
                     const std::string& period) {
  const std::string suffix = period.empty() ? "" : absl::StrCat(" ", period);
  Table table({"ACCOUNT", "NAME", "STATUS", absl::StrCat("REVENUE", suffix),
               absl::StrCat("GROSS MARGIN", suffix), "GM %",
               absl::StrCat("COST TO SERVE", suffix)});
  for (size_t column = 3; column <= 6; ++column) table.AlignRight(column);
  AddHierarchyRows(root, period, true, "", true, &table);
  return table;
}

Table OrgChartTable(const Repeated<v1::Contact>& contacts) {
  std::map<std::string, const v1::Contact*> by_id;
  for (const v1::Contact& c : contacts) by_id[c.contact_id()] = &c;
  std::map<std::string, std::vector<const v1::Contact*>> reports;
  std::vector<const v1::Contact*> roots;
  for (const auto& [id, c] : by_id) {
    const std::string manager = IdOf(c->reports_to());
    if (c->reports_to().empty() || by_id.count(manager) == 0) {
      roots.push_back(c);
    } else {
      reports[manager].push_back(c);
    }
  }

  Table table(
      {"CONTACT", "NAME", "TITLE", "ROLES", "LEVEL", "ATTITUDE", "INFLUENCE"});
  std::set<std::string> shown;
  // Iterative depth-first walk; `shown` stops a cycle the server should
  // never have let in.
  struct Frame {
    const v1::Contact* contact;
    std::string indent;
    bool root, last;
  };
  auto walk = [&](const v1::Contact* start) {
    std::vector<Frame> stack = {{start, "", true, true}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      if (!shown.insert(f.contact->contact_id()).second) continue;
      const v1::Contact& c = *f.contact;
      table.AddRow(
          {f.root
               ? c.contact_id()
               : absl::StrCat(f.indent, f.last ? "└─ " : "├─ ", c.contact_id()),
           c.display_name(), c.title(), JoinRoles(c), OrgLevelName(c.level()),
           AttitudeName(c.attitude()), InfluenceText(c)});
      const std::string child_indent =
          f.root ? "" : absl::StrCat(f.indent, f.last ? "   " : "│  ");
      const auto& children = reports[c.contact_id()];
      for (size_t i = children.size(); i-- > 0;) {
        stack.push_back(
            {children[i], child_indent, false, i + 1 == children.size()});
      }
    }
  };
  for (const v1::Contact* root : roots) walk(root);
  // Contacts on a reporting cycle have no root; show them anyway.
  for (const auto& [id, c] : by_id) {
    if (shown.count(id) == 0) walk(c);
  }
  return table;
}

}  // namespace kam::kamctl
