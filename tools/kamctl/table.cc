#include "tools/kamctl/table.h"

#include <algorithm>
#include <sstream>
#include <utility>

namespace kam::kamctl {

size_t DisplayWidth(absl::string_view text) {
  // Count every byte that is not a UTF-8 continuation byte (10xxxxxx).
  return std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::AddRow(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

void Table::AlignRight(size_t column) {
  if (right_.size() <= column) right_.resize(column + 1, false);
  right_[column] = true;
}

void Table::Print(std::ostream& out) const {
  size_t columns = header_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  auto cell = [](const std::vector<std::string>& row, size_t i) {
    return i < row.size() && !row[i].empty() ? absl::string_view(row[i])
                                             : absl::string_view("-");
  };
  std::vector<size_t> width(columns, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < columns; ++i) {
      width[i] = std::max(width[i], DisplayWidth(cell(row, i)));
    }
  };
  if (!header_.empty()) measure(header_);
  for (const auto& row : rows_) measure(row);

  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < columns; ++i) {
      const absl::string_view text = cell(row, i);
      const std::string pad(width[i] - DisplayWidth(text), ' ');
      if (i > 0) line += "  ";
      if (i < right_.size() && right_[i]) {
        line += pad;
        line.append(text.data(), text.size());
      } else {
        line.append(text.data(), text.size());
        line += pad;
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  if (!header_.empty()) print_row(header_);
  for (const auto& row : rows_) print_row(row);
}

std::string Render(const Table& table) {
  std::ostringstream out;
  table.Print(out);
  return out.str();
}

}  // namespace kam::kamctl
