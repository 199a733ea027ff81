// Header block splitting, unfolding and HEADER.FIELDS filtering.
#include "mime/header_fields.hpp"

#include <algorithm>

namespace postino::mime {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Length of the line starting at pos, its line end included.
size_t line_length(std::string_view block, size_t pos) {
  size_t lf = block.find('\n', pos);
  return lf == std::string_view::npos ? block.size() - pos : lf + 1 - pos;
}

bool is_blank_line(std::string_view line) { return line == "\n" || line == "\r\n"; }

std::string_view strip_line_end(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

// Appends bytes with every line end written as CRLF.
void append_crlf(std::string& out, std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\n' && (i == 0 || bytes[i - 1] != '\r')) out.push_back('\r');
    out.push_back(c);
  }
}

// Whether a header block ends with the empty line that separates it from
// the body (CRLF or bare LF line ends).
bool ends_with_blank_line(std::string_view block) {
  if (block.empty() || block.back() != '\n') return false;
  block.remove_suffix(1);
  if (!block.empty() && block.back() == '\r') block.remove_suffix(1);
  return block.empty() || block.back() == '\n';
}

}  // namespace

std::vector<HeaderField> split_header_fields(std::string_view block) {
  std::vector<HeaderField> fields;
  size_t pos = 0;
  while (pos < block.size()) {
    size_t start = pos;
    size_t len = line_length(block, pos);
    std::string_view first = block.substr(pos, len);
    if (is_blank_line(first)) break;
    pos += len;
    // RFC 5322 2.2.3: lines starting with WSP continue the field.
    while (pos < block.size() && is_wsp(block[pos])) pos += line_length(block, pos);
    std::string_view raw = block.substr(start, pos - start);
    std::string_view content = strip_line_end(raw);
    HeaderField field;
    field.raw = raw;
    size_t colon = content.find(':');
    if (colon == std::string_view::npos) {
      field.name = content;
      field.value = {};
    } else {
      std::string_view name = content.substr(0, colon);
      while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
      field.name = name;
      field.value = content.substr(colon + 1);
    }
    fields.push_back(field);
  }
  return fields;
}

std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '\r' && c != '\n') {
      out.push_back(c);
      continue;
    }
    // A run of CR/LF: dropped before WSP or at the end, else one space.
    size_t j = i;
    while (j < value.size() && (value[j] == '\r' || value[j] == '\n')) ++j;
    if (j < value.size() && !is_wsp(value[j])) out.push_back(' ');
    i = j - 1;
  }
  return out;
}

std::string filter_header_fields(std::string_view block, std::span<const std::string> names, bool exclude) {
  std::string out;
  for (const HeaderField& field : split_header_fields(block)) {
    bool listed = std::any_of(names.begin(), names.end(),
                              [&](const std::string& n) { return iequals(n, field.name); });
    if (listed == exclude) continue;
    append_crlf(out, field.raw);
    if (field.raw.empty() || field.raw.back() != '\n') out += "\r\n";
  }
  if (ends_with_blank_line(block)) out += "\r\n";
  return out;
}

bool find_header_value(std::string_view block, std::string_view name, std::string& value_out) {
  for (const HeaderField& field : split_header_fields(block)) {
    if (!iequals(field.name, name)) continue;
    std::string_view v = field.value;
    while (!v.empty() && is_wsp(v.front())) v.remove_prefix(1);
    value_out = unfold(v);
    return true;
  }
  return false;
}

}  // namespace postino::mime
