#include "common/validation.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kam {
namespace {

std::string Quote(absl::string_view value) {
  constexpr size_t kMaxShown = 40;
  if (value.size() > kMaxShown) {
    return absl::StrCat("\"", value.substr(0, kMaxShown), "...\"");
  }
  return absl::StrCat("\"", value, "\"");
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Counts UTF-8 code points; returns false on a control character (line
// breaks and tabs are allowed in multiline text).
bool CountChars(absl::string_view value, bool multiline, size_t* count) {
  size_t n = 0;
  for (unsigned char c : value) {
    const bool layout = c == '\n' || c == '\r' || c == '\t';
    if ((c < 0x20 && !(multiline && layout)) || c == 0x7f) return false;
    if ((c & 0xC0) != 0x80) ++n;
  }
  *count = n;
  return true;
}

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  constexpr absl::string_view kRule =
      "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or "
      "digit and not ending with '-'";
  if (id.empty() || id.size() > 63 || id.front() == '-' || id.back() == '-') {
    return InvalidField(field, absl::StrCat(kRule, ", got ", Quote(id)));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return InvalidField(field, absl::StrCat(kRule, ", got ", Quote(id)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          size_t min_chars, size_t max_chars, bool multiline) {
  size_t chars = 0;
  if (!CountChars(value, multiline, &chars)) {
    return InvalidField(field, multiline
                                   ? "must not contain control characters "
                                     "other than line breaks and tabs"
                                   : "must not contain control characters");
  }
  if (chars < min_chars) {
    return InvalidField(field, min_chars == 1
                                   ? std::string("is required")
                                   : absl::StrCat("must be at least ",
                                                  min_chars, " characters"));
  }
  if (chars > max_chars) {
    return InvalidField(field, absl::StrCat("must be at most ", max_chars,
                                            " characters, got ", chars));
  }
  return absl::OkStatus();
}

absl::Status ValidateEmail(absl::string_view field, absl::string_view value) {
  const std::string rule =
      absl::StrCat("must be an e-mail address like name@example.com, got ",
                   Quote(value));
  if (value.size() > 254) return InvalidField(field, rule);
  std::vector<absl::string_view> parts = absl::StrSplit(value, '@');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return InvalidField(field, rule);
  }
  const absl::string_view domain = parts[1];
  if (!absl::StrContains(domain, '.') || domain.front() == '.' ||
      domain.back() == '.') {
    return InvalidField(field, rule);
  }
  for (char c : value) {
    if (c <= ' ' || c == 0x7f || c == ',' || c == ';' || c == '<' ||
        c == '>') {
      return InvalidField(field, rule);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCurrencyCode(absl::string_view field,
                                  absl::string_view code) {
  bool ok = code.size() == 3;
  for (char c : code) ok = ok && absl::ascii_isupper(c);
  if (!ok) {
    return InvalidField(
        field, absl::StrCat("must be an ISO 4217 code of three upper-case "
                            "letters like \"EUR\", got ",
                            Quote(code)));
  }
  return absl::OkStatus();
}

absl::Status ValidateCountryCode(absl::string_view field,
                                 absl::string_view code) {
  bool ok = code.size() == 2;
  for (char c : code) ok = ok && absl::ascii_isupper(c);
  if (!ok) {
    return InvalidField(
        field, absl::StrCat("must be an ISO 3166-1 alpha-2 code like \"DK\", "
                            "got ",
                            Quote(code)));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view field, absl::string_view id) {
  if (id.size() > 128) {
    return InvalidField(field, "must be at most 128 characters");
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidField(field, "must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseName(absl::string_view field,
                                      absl::string_view name,
                                      absl::string_view collection) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (!absl::StartsWith(name, prefix)) {
    return InvalidField(field, absl::StrCat("must be \"", collection,
                                            "/{id}\", got ", Quote(name)));
  }
  std::string id(name.substr(prefix.size()));
  KAM_RETURN_IF_ERROR(ValidateId(field, id));
  return id;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseChildName(
    absl::string_view field, absl::string_view name,
    absl::string_view parent_collection, absl::string_view child_collection) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != parent_collection ||
      parts[2] != child_collection) {
    return InvalidField(
        field, absl::StrCat("must be \"", parent_collection, "/{id}/",
                            child_collection, "/{id}\", got ", Quote(name)));
  }
  KAM_RETURN_IF_ERROR(ValidateId(field, parts[1]));
  KAM_RETURN_IF_ERROR(ValidateId(field, parts[3]));
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

std::string GenerateId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local absl::BitGen gen;
  std::string id(20, 'a');
  for (char& c : id) {
    c = kAlphabet[absl::Uniform<size_t>(gen, 0, sizeof(kAlphabet) - 1)];
  }
  return id;
}

}  // namespace kam
