#include "tools/kamctl/csv.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace kam::kamctl {
namespace {

struct RawRecord {
  int line = 0;
  std::vector<std::string> fields;
  std::string error;  // empty when the record is well-formed
};

// CsvReader splits text into records; it knows nothing of headers.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view text) : text_(text) {}

  // Next reads the next non-empty record into *record; false at the end of
  // the input. After a malformed record it resumes at the next line.
  bool Next(RawRecord* record);

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }

  // The length of the line break at pos_ (LF or CRLF), or 0.
  size_t LineBreakLength() const {
    if (text_[pos_] == '\n') return 1;
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
        text_[pos_ + 1] == '\n') {
      return 2;
    }
    return 0;
  }

  bool AtFieldEnd() const {
    return AtEnd() || text_[pos_] == ',' || LineBreakLength() > 0;
  }

  void SkipRestOfLine() {
    while (!AtEnd() && text_[pos_] != '\n') ++pos_;
    if (!AtEnd()) {
      ++pos_;
      ++line_;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

bool CsvReader::Next(RawRecord* record) {
  while (!AtEnd()) {
    const size_t n = LineBreakLength();
    if (n == 0) break;
    pos_ += n;
    ++line_;
  }
  if (AtEnd()) return false;

  record->line = line_;
  record->fields.clear();
  record->error.clear();
  while (true) {
    std::string field;
    const int field_number = static_cast<int>(record->fields.size()) + 1;
    if (text_[pos_] == '"') {
      const int quote_line = line_;
      ++pos_;
      bool closed = false;
      while (!AtEnd()) {
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
            continue;
          }
          ++pos_;
          closed = true;
          break;
        }
        if (c == '\n') ++line_;
        field += c;
        ++pos_;
      }
      if (!closed) {
        record->error = absl::StrFormat(
            "field %d: the quote opened on line %d is never closed",
            field_number, quote_line);
        return true;
      }
      if (!AtFieldEnd()) {
        record->error = absl::StrFormat(
            "field %d: text after the closing quote (a quote inside a quoted "
            "field must be doubled: \"\")",
            field_number);
        SkipRestOfLine();
        return true;
      }
    } else {
      while (!AtFieldEnd()) {
        if (text_[pos_] == '"') {
          record->error = absl::StrFormat(
              "field %d: quote inside an unquoted field (enclose the field in "
              "quotes and double the quote: \"\")",
              field_number);
          SkipRestOfLine();
          return true;
        }
        field += text_[pos_++];
      }
    }
    record->fields.push_back(std::move(field));
    if (AtEnd()) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    pos_ += LineBreakLength();
    ++line_;
    return true;
  }
}

}  // namespace

absl::StatusOr<CsvDocument> ParseCsv(absl::string_view text) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvReader reader(text);
  RawRecord raw;
  if (!reader.Next(&raw)) {
    return absl::InvalidArgumentError(
        "the file is empty; a header row is required");
  }
  if (!raw.error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("line %d: header: %s", raw.line, raw.error));
  }
  CsvDocument doc;
  doc.header = std::move(raw.fields);
  doc.header_line = raw.line;
  while (reader.Next(&raw)) {
    if (!raw.error.empty()) {
      doc.errors.push_back({raw.line, std::move(raw.error)});
    } else if (raw.fields.size() != doc.header.size()) {
      doc.errors.push_back(
          {raw.line, absl::StrFormat("has %d fields, the header has %d",
                                     raw.fields.size(), doc.header.size())});
    } else {
      doc.records.push_back({raw.line, std::move(raw.fields)});
    }
  }
  return doc;
}

}  // namespace kam::kamctl
