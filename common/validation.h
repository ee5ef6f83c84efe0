#ifndef KAM_COMMON_VALIDATION_H_
#define KAM_COMMON_VALIDATION_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Validation helpers. Every failure is INVALID_ARGUMENT with a message that
// starts with the field path and states the rule, so a caller can fix the
// request without reading our code:
//   account.country: must be an ISO 3166-1 alpha-2 code like "DK", got "Denmark"

#define KAM_RETURN_IF_ERROR(expr)             \
  do {                                        \
    ::absl::Status kam_status_ = (expr);      \
    if (!kam_status_.ok()) return kam_status_; \
  } while (0)

#define KAM_ASSIGN_OR_RETURN(lhs, expr) \
  KAM_ASSIGN_OR_RETURN_IMPL(KAM_CONCAT(kam_statusor_, __LINE__), lhs, expr)
#define KAM_CONCAT_INNER(a, b) a##b
#define KAM_CONCAT(a, b) KAM_CONCAT_INNER(a, b)
#define KAM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

namespace kam {

// InvalidField builds the INVALID_ARGUMENT status for `field` breaking `rule`.
absl::Status InvalidField(absl::string_view field, absl::string_view rule);

// ValidateId checks a resource ID: 1-63 characters of [a-z0-9-], starting
// with a letter or digit and not ending with '-'.
absl::Status ValidateId(absl::string_view field, absl::string_view id);

// ValidateText checks a free-text field's length in characters (UTF-8 code
// points) and that it holds no control characters; `multiline` text (notes,
// summaries) may also hold line breaks and tabs.
absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          size_t min_chars, size_t max_chars,
                          bool multiline = false);

// ValidateEmail checks the rough shape local@domain.tld (the mail system has
// the final word; this catches typos and swapped columns).
absl::Status ValidateEmail(absl::string_view field, absl::string_view value);

// ValidateCurrencyCode checks three upper-case ASCII letters (ISO 4217).
absl::Status ValidateCurrencyCode(absl::string_view field,
                                  absl::string_view code);

// ValidateCountryCode checks two upper-case ASCII letters (ISO 3166-1).
absl::Status ValidateCountryCode(absl::string_view field,
                                 absl::string_view code);

// ValidateRequestId checks an idempotency key: at most 128 printable ASCII
// characters (empty means "no idempotency").
absl::Status ValidateRequestId(absl::string_view field, absl::string_view id);

// ParseName extracts the ID from "<collection>/<id>", e.g. ParseName(
// "name", "accounts/acme", "accounts") is "acme".
absl::StatusOr<std::string> ParseName(absl::string_view field,
                                      absl::string_view name,
                                      absl::string_view collection);

// ParseChildName extracts both IDs from "<parent>/<pid>/<child>/<cid>".
absl::StatusOr<std::pair<std::string, std::string>> ParseChildName(
    absl::string_view field, absl::string_view name,
    absl::string_view parent_collection, absl::string_view child_collection);

// GenerateId returns a fresh random ID that passes ValidateId (20 characters
// of [a-z0-9], about 100 bits).
std::string GenerateId();

}  // namespace kam

#endif  // KAM_COMMON_VALIDATION_H_
