// The signed data of RFC 6376 3.7.
#include "dkim/dkim_signing_input.hpp"

namespace postino::dkim::detail {

std::string strip_b_value(std::string_view field) {
  // Find the tag "b=" (not "bh="): at the value start or after ';' and FWS.
  std::size_t colon = field.find(':');
  std::size_t pos = colon == std::string_view::npos ? 0 : colon + 1;
  while (pos < field.size()) {
    std::size_t tag = pos;
    while (tag < field.size() && (field[tag] == ' ' || field[tag] == '\t' || field[tag] == '\r' || field[tag] == '\n')) ++tag;
    std::size_t eq = field.find('=', tag);
    std::size_t semi = field.find(';', tag);
    if (eq == std::string_view::npos) break;
    std::string_view name = field.substr(tag, eq - tag);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t' || name.back() == '\r' || name.back() == '\n')) {
      name.remove_suffix(1);
    }
    if (name == "b" && (semi == std::string_view::npos || eq < semi)) {
      std::size_t end = semi == std::string_view::npos ? field.size() : semi;
      // Keep a final line end when the field had one and the value reached it.
      std::string out(field.substr(0, eq + 1));
      if (semi == std::string_view::npos) {
        std::string_view rest = field.substr(eq + 1);
        if (rest.size() >= 2 && rest.substr(rest.size() - 2) == "\r\n") out += "\r\n";
        else if (!rest.empty() && rest.back() == '\n') out += "\n";
      } else {
        out += field.substr(end);
      }
      return out;
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return std::string(field);
}

std::string signing_input(const std::vector<HeaderField>& fields, const std::vector<std::string>& h_names,
                          std::string_view signature_field, DkimCanonicalization header_canon) {
  std::string out;
  std::vector<bool> used(fields.size(), false);
  for (const auto& name : h_names) {
    // RFC 6376 5.4.2: the last unused instance of the name; none: nothing.
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (!used[i] && header_name_equals(fields[i].name, name)) {
        used[i] = true;
        out += canonicalize_header_field(fields[i].raw, header_canon);
        break;
      }
    }
  }
  std::string own = canonicalize_header_field(strip_b_value(signature_field), header_canon);
  own.resize(own.size() - 2);  // RFC 6376 3.7: without the trailing CRLF
  out += own;
  return out;
}

}  // namespace postino::dkim::detail
