#ifndef KAM_SERVICES_REGISTRY_REGISTRY_RULES_H_
#define KAM_SERVICES_REGISTRY_REGISTRY_RULES_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/resource.h"
#include "google/protobuf/field_mask.pb.h"
#include "kam/registry/v1/registry.pb.h"

// The registry's rules, pure: no store, no gRPC. Each check returns
// INVALID_ARGUMENT naming the field under `field` (e.g. "account").
namespace kam::registry {

// Field rules of an account's caller-settable fields (not its ID or parent
// existence, which need the store).
absl::Status ValidateAccount(const kam::registry::v1::Account& account,
                             const std::string& field);

// Field rules of a contact (not reports_to existence).
absl::Status ValidateContact(const kam::registry::v1::Contact& contact,
                             const std::string& field);

// Field rules of a financial fact, including its period format.
absl::Status ValidateFinancialFact(const kam::registry::v1::FinancialFact& fact,
                                   const std::string& field);

// ValidatePeriod accepts "YYYY", "YYYY-Qn" (n 1-4) and "YYYY-MM" (01-12),
// years 1900-2999.
absl::Status ValidatePeriod(const std::string& period, const std::string& field);

// PeriodSortKey orders valid periods by when they start, and a longer period
// before a shorter one that starts with it: 2024 < 2025 < 2025-Q1 < 2025-01 <
// 2025-02 < 2025-Q2 < 2025-04. Used as the storage key, so facts list oldest
// first.
std::string PeriodSortKey(const std::string& period);

// The update_mask paths UpdateAccount and UpdateContact accept.
const std::vector<std::string>& AccountMutablePaths();
const std::vector<std::string>& ContactMutablePaths();

// ApplyMask copies the masked fields of `patch` into `target`, replacing
// (not appending to) repeated and message fields.
void ApplyMask(const google::protobuf::Message& patch,
               const google::protobuf::FieldMask& mask,
               google::protobuf::Message* target);

// FindsCycle walks up from `start` through `parent_of` (which returns the
// parent's ID, empty for a root) and says whether it reaches `id`: that is,
// whether making `start` the parent of `id` would close a cycle. Gives up
// (returning true, the safe answer) after `max_steps` steps.
bool WouldCycle(const std::string& id, const std::string& start,
                const std::function<std::string(const std::string&)>& parent_of,
                int max_steps = 10000);

// RollUp sums facts per (period, currency). Input facts may come from many
// accounts; each account that reported a period counts once.
struct FactOfAccount {
  std::string account_id;
  kam::registry::v1::FinancialFact fact;
};
std::vector<kam::registry::v1::FinancialRollup> RollUp(
    const std::vector<FactOfAccount>& facts);

}  // namespace kam::registry

#endif  // KAM_SERVICES_REGISTRY_REGISTRY_RULES_H_
