// Address and domain parsing by hand: the grammar is small, and no Debian
// library validates RFC 5321/6531 mailboxes without also pulling in a full
// MIME stack.
#include "common/address.hpp"

namespace postino {
namespace {

// RFC 5322 3.2.3 atext.
bool is_atext(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '/': case '=': case '?': case '^': case '_':
    case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

bool needs_quoting(std::string_view local) {
  if (local.empty() || local.front() == '.' || local.back() == '.') return true;
  char prev = 0;
  for (unsigned char c : local) {
    if (c == '.' && prev == '.') return true;
    if (c != '.' && !is_atext(c) && c < 0x80) return true;
    prev = static_cast<char>(c);
  }
  return false;
}

Result<std::string> parse_local_part(std::string_view text, bool allow_utf8) {
  if (text.empty()) return make_error(Errc::invalid_argument, "empty local part");
  std::string out;
  if (text.front() == '"') {
    // RFC 5321 4.1.2 Quoted-string: qtextSMTP / quoted-pairSMTP.
    if (text.size() < 2 || text.back() != '"') return make_error(Errc::invalid_argument, "unterminated quoted local part");
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '\\') {
        if (i + 2 >= text.size()) return make_error(Errc::invalid_argument, "dangling backslash in local part");
        unsigned char n = static_cast<unsigned char>(text[++i]);
        if (n < 32 || n > 126) return make_error(Errc::invalid_argument, "bad quoted-pair in local part");
        out += static_cast<char>(n);
      } else if (c == '"') {
        return make_error(Errc::invalid_argument, "stray quote in local part");
      } else if (c >= 0x80) {
        if (!allow_utf8) return make_error(Errc::invalid_argument, "8-bit local part without SMTPUTF8");
        out += static_cast<char>(c);
      } else if (c < 32 || c == 127) {
        return make_error(Errc::invalid_argument, "control character in local part");
      } else {
        out += static_cast<char>(c);
      }
    }
  } else {
    char prev = '.';
    for (unsigned char c : text) {
      if (c == '.') {
        if (prev == '.') return make_error(Errc::invalid_argument, "empty atom in local part");
      } else if (c >= 0x80) {
        if (!allow_utf8) return make_error(Errc::invalid_argument, "8-bit local part without SMTPUTF8");
      } else if (!is_atext(c)) {
        return make_error(Errc::invalid_argument, "invalid character in local part");
      }
      prev = static_cast<char>(c);
      out += static_cast<char>(c);
    }
    if (prev == '.') return make_error(Errc::invalid_argument, "local part ends with a dot");
  }
  if (out.size() > kMaxLocalPartBytes) return make_error(Errc::invalid_argument, "local part longer than 64 octets");
  if (!is_valid_utf8(out)) return make_error(Errc::invalid_argument, "local part is not valid UTF-8");
  return out;
}

}  // namespace

bool is_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) { ++i; continue; }
    int extra;
    char32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07; }
    else return false;
    if (i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      unsigned char n = static_cast<unsigned char>(text[i + k]);
      if ((n & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (n & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    i += extra + 1;
  }
  return true;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::string> parse_domain(std::string_view text, bool allow_utf8, bool allow_single_label) {
  if (text.empty()) return make_error(Errc::invalid_argument, "empty domain");
  if (text.size() > kMaxDomainBytes) return make_error(Errc::invalid_argument, "domain longer than 255 octets");
  if (text.back() == '.') text.remove_suffix(1);  // an absolute name is the same domain
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view label = text.substr(start, end - start);
    if (label.empty()) return make_error(Errc::invalid_argument, "empty label in domain");
    if (label.size() > kMaxLabelBytes) return make_error(Errc::invalid_argument, "domain label longer than 63 octets");
    if (label.front() == '-' || label.back() == '-') return make_error(Errc::invalid_argument, "domain label starts or ends with '-'");
    for (unsigned char c : label) {
      bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (ldh) continue;
      if (c >= 0x80 && allow_utf8) continue;
      return make_error(Errc::invalid_argument, "invalid character in domain");
    }
    ++labels;
    start = end + 1;
  }
  if (labels < 2 && !allow_single_label) return make_error(Errc::invalid_argument, "domain is not fully qualified");
  if (!is_valid_utf8(text)) return make_error(Errc::invalid_argument, "domain is not valid UTF-8");
  return ascii_lower(text);
}

Result<Address> parse_address(std::string_view text, AddressOptions options) {
  if (text.size() > kMaxLocalPartBytes * 2 + kMaxDomainBytes + 3) return make_error(Errc::invalid_argument, "address too long");
  std::size_t at = text.rfind('@');
  if (at == std::string_view::npos) return make_error(Errc::invalid_argument, "address has no '@'");
  auto local = parse_local_part(text.substr(0, at), options.allow_utf8);
  if (!local) return local.take_error();
  std::string_view domain_text = text.substr(at + 1);
  if (!domain_text.empty() && domain_text.front() == '[') {
    return make_error(Errc::unsupported, "address literals are not accepted");
  }
  auto domain = parse_domain(domain_text, options.allow_utf8);
  if (!domain) return domain.take_error();
  return Address{std::move(*local), std::move(*domain)};
}

std::string Address::canonical() const {
  return ascii_lower(local) + "@" + domain;
}

std::string Address::str() const {
  if (!needs_quoting(local)) return local + "@" + domain;
  std::string out = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"@" + domain;
}

}  // namespace postino
