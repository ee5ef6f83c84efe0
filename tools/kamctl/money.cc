#include "tools/kamctl/money.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kam::kamctl {
namespace {

constexpr int64_t kMinorPerMajor = 100;

absl::Status BadAmount(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "must be a decimal amount in major units with at most 2 decimals, like "
      "\"1234.56\" (%s), got \"%s\"",
      why, text));
}

}  // namespace

absl::StatusOr<int64_t> ParseMinorUnits(absl::string_view text) {
  absl::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  const size_t dot = rest.find('.');
  absl::string_view whole = rest.substr(0, dot);
  absl::string_view fraction = dot == absl::string_view::npos
                                   ? absl::string_view()
                                   : rest.substr(dot + 1);
  if (whole.empty()) return BadAmount(text, "digits required before the point");
  if (dot != absl::string_view::npos && fraction.empty()) {
    return BadAmount(text, "digits required after the point");
  }
  if (fraction.size() > 2) return BadAmount(text, "too many decimals");
  for (absl::string_view part : {whole, fraction}) {
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return BadAmount(text, "only digits, one point and a leading sign");
      }
    }
  }

  // Accumulate as a negative number: int64's range is one larger below zero.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t value = 0;
  auto push_digit = [&](char c) {
    const int digit = c - '0';
    if (value < (kMin + digit) / 10) return false;
    value = value * 10 - digit;
    return true;
  };
  bool fits = true;
  for (char c : whole) fits = fits && push_digit(c);
  for (size_t i = 0; i < 2; ++i) {
    fits = fits && push_digit(i < fraction.size() ? fraction[i] : '0');
  }
  if (!fits || (!negative && value == kMin)) {
    return BadAmount(text, "out of range");
  }
  return negative ? value : -value;
}

absl::StatusOr<kam::common::v1::Money> ParseMoney(absl::string_view amount,
                                                  absl::string_view currency) {
  auto minor = ParseMinorUnits(amount);
  if (!minor.ok()) return minor.status();
  bool letters = currency.size() == 3;
  for (char c : currency) {
    letters = letters && absl::ascii_isalpha(static_cast<unsigned char>(c));
  }
  if (!letters) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "currency must be an ISO 4217 code like \"EUR\", got \"%s\"",
        currency));
  }
  kam::common::v1::Money money;
  money.set_currency_code(absl::AsciiStrToUpper(currency));
  money.set_minor_units(*minor);
  return money;
}

std::string FormatMinorUnits(int64_t minor_units, bool group_thousands) {
  // Work on the magnitude as unsigned so that INT64_MIN is representable.
  const bool negative = minor_units < 0;
  const uint64_t magnitude = negative ? ~static_cast<uint64_t>(minor_units) + 1
                                      : static_cast<uint64_t>(minor_units);
  std::string whole = absl::StrCat(magnitude / kMinorPerMajor);
  if (group_thousands) {
    std::string grouped;
    for (size_t i = 0; i < whole.size(); ++i) {
      if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
      grouped += whole[i];
    }
    whole = std::move(grouped);
  }
  return absl::StrFormat("%s%s.%02d", negative ? "-" : "", whole,
                         static_cast<int>(magnitude % kMinorPerMajor));
}

std::string FormatMoney(const kam::common::v1::Money& money) {
  if (money.currency_code().empty()) return "-";
  return absl::StrCat(FormatMinorUnits(money.minor_units(), true), " ",
                      money.currency_code());
}

}  // namespace kam::kamctl
