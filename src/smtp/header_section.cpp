// HeaderSection: find the blank line, hold what precedes it, pass the rest.
#include "smtp/header_section.hpp"

namespace postino {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

void HeaderSection::feed(std::string_view bytes, std::string& body_out) {
  if (complete_) {
    if (!over_limit_) body_out.append(bytes);
    return;
  }
  std::size_t scan = headers_.size() >= 2 ? headers_.size() - 2 : 0;
  headers_.append(bytes);
  // The header section ends at an empty line: at the very start, or after
  // the line break that ends a field (CRLF, or a bare LF that a later check refuses).
  auto ends_at = [&](std::size_t i, std::size_t& body_start) {
    if (headers_.compare(i, 2, "\r\n") == 0) {
      body_start = i + 2;
      return true;
    }
    if (headers_[i] == '\n') {
      body_start = i + 1;
      return true;
    }
    return false;
  };
  std::size_t body_start = 0;
  std::size_t header_end = std::string::npos;
  if (scan == 0 && ends_at(0, body_start)) {
    header_end = 0;
  } else {
    for (std::size_t i = scan; i < headers_.size(); ++i) {
      if (headers_[i] != '\n' || i + 1 >= headers_.size()) continue;
      if (headers_[i + 1] == '\r' && i + 2 >= headers_.size()) break;  // wait for the LF
      if (ends_at(i + 1, body_start)) {
        header_end = i + 1;
        break;
      }
    }
  }
  if (header_end == std::string::npos) {
    if (headers_.size() > max_bytes_) {
      over_limit_ = true;
      complete_ = true;
      headers_.clear();
    }
    return;
  }
  if (header_end > max_bytes_) {
    over_limit_ = true;
    complete_ = true;
    headers_.clear();
    return;
  }
  complete_ = true;
  separator_ = true;
  body_out.append(headers_, body_start, std::string::npos);
  headers_.resize(header_end);
}

void HeaderSection::finish() {
  if (complete_) return;
  complete_ = true;
  if (headers_.size() > max_bytes_) {
    over_limit_ = true;
    headers_.clear();
  }
}

std::vector<std::string> HeaderSection::fields(std::string_view name) const {
  std::vector<std::string> out;
  std::string_view text = headers_;
  std::size_t pos = 0;
  bool collecting = false;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      if (collecting) out.back().append(line);  // RFC 5322 2.2.3: unfold
    } else {
      collecting = false;
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view field_name = line.substr(0, colon);
        while (!field_name.empty() && (field_name.back() == ' ' || field_name.back() == '\t')) field_name.remove_suffix(1);
        if (iequals(field_name, name)) {
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
          out.emplace_back(value);
          collecting = true;
        }
      }
    }
    pos = next;
  }
  return out;
}

bool HeaderSection::has_field(std::string_view name) const { return !fields(name).empty(); }

}  // namespace postino
