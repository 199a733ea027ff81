// Header block splitting for DKIM (RFC 5322 2.2).
#include "dkim/dkim_header_fields.hpp"

namespace postino::dkim {

bool header_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::size_t find_body_offset(std::string_view message) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t nl = message.find('\n', pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    std::string_view line = message.substr(pos, nl - pos);
    if (line.empty() || line == "\r") return nl + 1;
    pos = nl + 1;
  }
  return std::string_view::npos;
}

Result<std::vector<HeaderField>> split_header_fields(std::string_view block) {
  std::vector<HeaderField> fields;
  std::size_t pos = 0;
  std::size_t field_start = std::string_view::npos;
  std::string_view field_name;
  auto close_field = [&](std::size_t end) {
    if (field_start != std::string_view::npos) fields.push_back({field_name, block.substr(field_start, end - field_start)});
    field_start = std::string_view::npos;
  };
  while (pos < block.size()) {
    std::size_t nl = block.find('\n', pos);
    std::size_t next = nl == std::string_view::npos ? block.size() : nl + 1;
    std::string_view line = block.substr(pos, (nl == std::string_view::npos ? block.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line ending the header block
    if (line[0] == ' ' || line[0] == '\t') {
      if (field_start == std::string_view::npos) {
        return make_error(Errc::invalid_argument, "header block starts with a continuation line");
      }
    } else {
      close_field(pos);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return make_error(Errc::invalid_argument, "header line without colon");
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      if (name.empty()) return make_error(Errc::invalid_argument, "empty header field name");
      for (char c : name) {
        if (c < 33 || c > 126) return make_error(Errc::invalid_argument, "invalid header field name");
      }
      field_start = pos;
      field_name = name;
    }
    pos = next;
  }
  close_field(pos);
  return fields;
}

}  // namespace postino::dkim
