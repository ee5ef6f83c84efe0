#ifndef KAM_TOOLS_KAMCTL_TABLE_H_
#define KAM_TOOLS_KAMCTL_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace kam::kamctl {

// Table prints rows as aligned columns for a terminal:
//
//   ID          NAME              COUNTRY
//   acme        Acme Industries   DK
//   nordwind    Nordwind GmbH     DE
//
// Widths count UTF-8 code points, so "Ørsted" lines up with "Orsted". Empty
// cells print as "-" so that every column has a word for `awk`.
class Table {
 public:
  // A table with a header row; an empty header prints no header row.
  explicit Table(std::vector<std::string> header);

  // AddRow appends a row; missing trailing cells are empty.
  void AddRow(std::vector<std::string> cells);

  // AlignRight right-aligns a column (for amounts).
  void AlignRight(size_t column);

  bool empty() const { return rows_.empty(); }

  // Print writes the header and rows, columns two spaces apart, without
  // trailing blanks.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

// Render is what `table.Print` writes, as a string: for views that put a
// table inside a longer text, and for tests.
std::string Render(const Table& table);

// DisplayWidth is the number of UTF-8 code points in `text`.
size_t DisplayWidth(absl::string_view text);

}  // namespace kam::kamctl

#endif  // KAM_TOOLS_KAMCTL_TABLE_H_
