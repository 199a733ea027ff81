// Sender identity rules and a small RFC 5322 3.4 address-list scanner for
// From: (display names, quoted strings, nested comments, angle addresses,
// groups). Written here because no library in Debian offers it without a
// full MIME stack; it only finds addr-specs, parse_address() validates them.
#include "smtp/sender_identity.hpp"

#include <algorithm>

#include "common/address.hpp"

namespace postino {

bool sender_owned(const SendingPolicy& policy, std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return false;
  const std::string key = parsed->canonical();
  if (key == policy.account.address) return true;
  if (std::find(policy.aliases.begin(), policy.aliases.end(), key) != policy.aliases.end()) return true;
  const std::string domain_grant = "@" + parsed->domain;
  return std::any_of(policy.granted.begin(), policy.granted.end(),
                     [&](const std::string& grant) { return grant == key || grant == domain_grant; });
}

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One mailbox being scanned: bare text (an addr-spec form) and, once seen,
// the angle address that wins over it.
struct Element {
  std::string bare;
  std::string angle;
  bool has_angle = false;
  bool empty() const { return !has_angle && bare.empty(); }
  std::string address() const {
    if (!has_angle) return bare;
    // Obsolete route "<@a,@b:user@domain>": the mailbox follows the colon.
    std::size_t colon = angle.rfind(':');
    if (!angle.empty() && angle.front() == '@' && colon != std::string::npos) return angle.substr(colon + 1);
    return angle;
  }
};

}  // namespace

Result<std::vector<std::string>> parse_from_addresses(std::string_view text) {
  std::vector<std::string> out;
  Element element;
  bool in_angle = false;
  bool in_group = false;
  auto finish = [&]() -> Status {
    if (element.empty()) return {};  // RFC 5322 4.4: empty list elements are obsolete but harmless
    if (out.size() >= kMaxFromAddresses) return make_error(Errc::invalid_argument, "too many addresses");
    out.push_back(element.address());
    element = Element{};
    return {};
  };
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      // quoted-string: kept in an addr-spec (its local part), dropped in a display name
      std::size_t start = i++;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\') ++i;
        ++i;
      }
      if (i >= text.size()) return make_error(Errc::invalid_argument, "unterminated quoted string");
      ++i;
      (in_angle ? element.angle : element.bare).append(text.substr(start, i - start));
      continue;
    }
    if (c == '(') {
      int depth = 0;
      do {
        if (text[i] == '\\') {
          i += 2;
          continue;
        }
        if (text[i] == '(') ++depth;
        if (text[i] == ')') --depth;
        ++i;
      } while (i < text.size() && depth > 0);
      if (depth > 0) return make_error(Errc::invalid_argument, "unterminated comment");
      continue;
    }
    if (in_angle) {
      if (c == '>') {
        in_angle = false;
      } else if (c == '<') {
        return make_error(Errc::invalid_argument, "nested angle brackets");
      } else if (!is_wsp(c)) {
        element.angle += c;
      }
      ++i;
      continue;
    }
    switch (c) {
      case '<':
        if (element.has_angle) return make_error(Errc::invalid_argument, "two angle addresses in one mailbox");
        element.has_angle = true;
        in_angle = true;
        break;
      case '>':
        return make_error(Errc::invalid_argument, "unbalanced angle bracket");
      case ',':
        if (auto s = finish(); !s) return s.take_error();
        break;
      case ':':
        // group: "display-name:" ... ";" — what came before is its name
        if (in_group || element.has_angle) return make_error(Errc::invalid_argument, "misplaced group");
        in_group = true;
        element = Element{};
        break;
      case ';':
        if (!in_group) return make_error(Errc::invalid_argument, "misplaced ';'");
        if (auto s = finish(); !s) return s.take_error();
        in_group = false;
        break;
      default:
        // Atoms and dots: whitespace between them is folding, not content.
        if (!is_wsp(c)) element.bare += c;
        break;
    }
    ++i;
  }
  if (in_angle) return make_error(Errc::invalid_argument, "unterminated angle address");
  if (in_group) return make_error(Errc::invalid_argument, "unterminated group");
  if (auto s = finish(); !s) return s.take_error();
  if (out.empty()) return make_error(Errc::invalid_argument, "no address");
  return out;
}

}  // namespace postino
