#ifndef KAM_TOOLS_KAMCTL_CSV_H_
#define KAM_TOOLS_KAMCTL_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kam::kamctl {

// One data record of a CSV file. `line` is the 1-based line it starts on,
// counting the header and every newline, also those inside quoted fields, so
// it is the number an editor shows.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// A record that could not be read; it is left out of CsvDocument::records.
struct CsvError {
  int line = 0;
  std::string message;
};

struct CsvDocument {
  // The header's column names, as written (not trimmed or case-folded).
  std::vector<std::string> header;
  // The line the header is on (1 unless empty lines precede it).
  int header_line = 1;
  // The well-formed data records, each with exactly header.size() fields.
  std::vector<CsvRecord> records;
  // The malformed data records, in file order.
  std::vector<CsvError> errors;
};

// ParseCsv reads RFC 4180 text: fields separated by commas, records by LF or
// CRLF; a field may be enclosed in double quotes and then hold commas, line
// breaks and doubled quotes (""). A UTF-8 byte-order mark and empty lines are
// skipped. A malformed data record (a stray quote, text after a closing
// quote, an unterminated quote, a field count that differs from the header)
// becomes a CsvError and parsing goes on with the next line.
//
// Returns INVALID_ARGUMENT, with the line number, when there is no header or
// the header itself is malformed: then no record can be trusted.
//
// Example:
//   ParseCsv("id,name\nacme,\"Acme, Inc.\"\n")
//   // header {"id", "name"}, records {{2, {"acme", "Acme, Inc."}}}
absl::StatusOr<CsvDocument> ParseCsv(absl::string_view text);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_CSV_H_
