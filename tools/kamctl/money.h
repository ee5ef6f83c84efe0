#ifndef KAM_TOOLS_KAMCTL_MONEY_H_
#define KAM_TOOLS_KAMCTL_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kam/common/v1/types.pb.h"

// Money as people type it: a decimal amount in major units ("1234.56"). For
// simplicity every currency is taken to have two minor digits (cents, øre,
// grosze); amounts are converted with integer arithmetic only, never double.
namespace kam::kamctl {

// ParseMinorUnits reads "[-]digits[.d[d]]" as minor units: "1234.56" is
// 123456, "-7.5" is -750, "12" is 1200. Returns INVALID_ARGUMENT (a rule
// without a field name, for the caller to prefix) for more than two decimals,
// exponents, thousands separators, blanks inside, or a value beyond int64.
absl::StatusOr<int64_t> ParseMinorUnits(absl::string_view text);

// ParseMoney combines ParseMinorUnits with a currency code, which must be
// three ASCII letters (upper-cased here: "eur" becomes "EUR").
absl::StatusOr<kam::common::v1::Money> ParseMoney(absl::string_view amount,
                                                  absl::string_view currency);

// FormatMinorUnits is the inverse of ParseMinorUnits: 123456 -> "1234.56",
// -5 -> "-0.05". With `group_thousands`, 123456789 -> "1,234,567.89" (for
// tables; such text is not accepted back by ParseMinorUnits).
std::string FormatMinorUnits(int64_t minor_units, bool group_thousands = false);

// FormatMoney is "1,234.56 EUR" (grouped, for people), or "-" when the money
// is unset (no currency).
std::string FormatMoney(const kam::common::v1::Money& money);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_MONEY_H_
