#include "tools/kamctl/import_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kam::kamctl {
namespace {

// What ordering and duplicate detection need to know of a mapped row.
struct RowKey {
  int line = 0;
  // Identifies the resource within the file, e.g. "acme/jane".
  std::string key;
  // The key of the row that must be applied first (parent account, manager
  // contact), or empty.
  std::string depends_on;
  // How to name the resource in a duplicate message.
  std::string description;
};

// ApplyOrder puts rows that others depend on first; otherwise the file order
// is kept. Rows on a cycle keep some order (the server rejects cycles).
std::vector<size_t> ApplyOrder(const std::vector<RowKey>& rows) {
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < rows.size(); ++i) by_key.emplace(rows[i].key, i);
  std::vector<bool> placed(rows.size(), false);
  std::vector<size_t> order;
  order.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<size_t> chain;  // i, its dependency, that one's, ...
    std::set<size_t> on_chain;
    size_t j = i;
    while (!placed[j] && on_chain.insert(j).second) {
      chain.push_back(j);
      if (rows[j].depends_on.empty()) break;
      auto it = by_key.find(rows[j].depends_on);
      if (it == by_key.end()) break;
      j = it->second;
    }
    for (auto k = chain.rbegin(); k != chain.rend(); ++k) {
      placed[*k] = true;
      order.push_back(*k);
    }
  }
  return order;
}

template <typename T>
std::vector<T> Reordered(std::vector<T> items,
                         const std::vector<size_t>& order) {
  std::vector<T> out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// Maps every record with `map`, which returns the item and its RowKey.
template <typename T, typename MapFn>
void MapRows(const CsvDocument& doc, const CsvColumns& columns, MapFn map,
             std::vector<T>* items, ImportPlan* plan) {
  std::vector<RowKey> keys;
  std::map<std::string, int> first_line;
  for (const CsvRecord& record : doc.records) {
    RowKey key;
    absl::StatusOr<T> item = map(columns, record, &key);
    if (!item.ok()) {
      plan->errors.push_back(
          {record.line, std::string(item.status().message())});
      continue;
    }
    auto [it, inserted] = first_line.emplace(key.key, record.line);
    if (!inserted) {
      plan->errors.push_back(
          {record.line, absl::StrFormat("%s appears again (first on line %d)",
                                        key.description, it->second)});
      continue;
    }
    key.line = record.line;
    keys.push_back(std::move(key));
    items->push_back(*std::move(item));
  }
  const std::vector<size_t> order = ApplyOrder(keys);
  *items = Reordered(std::move(*items), order);
  for (size_t i : order) plan->lines.push_back(keys[i].line);
}

}  // namespace

absl::StatusOr<ImportPlan> PlanImport(ImportKind kind,
                                      absl::string_view csv_text) {
  absl::StatusOr<CsvDocument> doc = ParseCsv(csv_text);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<CsvColumns> columns = CsvColumns::Bind(kind, doc->header);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: %s", doc->header_line, columns.status().message()));
  }
  ImportPlan plan;
  plan.kind = kind;
  plan.total_rows = static_cast<int>(doc->records.size() + doc->errors.size());
  plan.errors = doc->errors;

  switch (kind) {
    case ImportKind::kAccounts:
      MapRows<v1::Account>(
          *doc, *columns,
          [](const CsvColumns& c, const CsvRecord& r,
             RowKey* key) -> absl::StatusOr<v1::Account> {
            auto account = AccountFromCsv(c, r);
            if (account.ok()) {
              key->key = account->account_id();
              key->depends_on = IdOf(account->parent());
              key->description =
                  absl::StrFormat("account \"%s\"", account->account_id());
            }
            return account;
          },
          &plan.accounts, &plan);
      break;
    case ImportKind::kContacts:
      MapRows<v1::ImportContact>(
          *doc, *columns,
          [](const CsvColumns& c, const CsvRecord& r,
             RowKey* key) -> absl::StatusOr<v1::ImportContact> {
            auto item = ContactFromCsv(c, r);
            if (item.ok()) {
              const std::string account_id = IdOf(item->parent());
              key->key =
                  absl::StrCat(account_id, "/", item->contact().contact_id());
              if (!item->contact().reports_to().empty()) {
                key->depends_on = absl::StrCat(
                    account_id, "/", IdOf(item->contact().reports_to()));
              }
              key->description =
                  absl::StrFormat("contact \"%s\" of account \"%s\"",
                                  item->contact().contact_id(), account_id);
            }
            return item;
          },
          &plan.contacts, &plan);
      break;
    case ImportKind::kFinancials:
      MapRows<v1::ImportFinancialFact>(
          *doc, *columns,
          [](const CsvColumns& c, const CsvRecord& r,
             RowKey* key) -> absl::StatusOr<v1::ImportFinancialFact> {
            auto item = FinancialFactFromCsv(c, r);
            if (item.ok()) {
              const std::string account_id = IdOf(item->parent());
              key->key = absl::StrCat(account_id, "/", item->fact().period());
              key->description =
                  absl::StrFormat("period \"%s\" of account \"%s\"",
                                  item->fact().period(), account_id);
            }
            return item;
          },
          &plan.financials, &plan);
      break;
  }
  std::stable_sort(
      plan.errors.begin(), plan.errors.end(),
      [](const CsvError& a, const CsvError& b) { return a.line < b.line; });
  return plan;
}

std::string NewImportRunId() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

std::string BatchRequestId(const std::string& run_id, ImportKind kind,
                           int batch_index, bool validate_only) {
  return absl::StrFormat("kamctl-import-%s-%s-%d%s", ImportKindName(kind),
                         run_id, batch_index, validate_only ? "-validate" : "");
}

v1::ImportRecordsRequest BatchRequest(const ImportPlan& plan, size_t begin,
                                      size_t end, const std::string& run_id,
                                      int batch_index, bool validate_only) {
  v1::ImportRecordsRequest request;
  end = std::min(end, plan.size());
  for (size_t i = begin; i < end; ++i) {
    switch (plan.kind) {
      case ImportKind::kAccounts:
        *request.add_accounts() = plan.accounts[i];
        break;
      case ImportKind::kContacts:
        *request.add_contacts() = plan.contacts[i];
        break;
      case ImportKind::kFinancials:
        *request.add_financials() = plan.financials[i];
        break;
    }
  }
  request.set_validate_only(validate_only);
  request.set_request_id(
      BatchRequestId(run_id, plan.kind, batch_index, validate_only));
  return request;
}

}  // namespace kam::kamctl
