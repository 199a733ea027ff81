// xtext (RFC 3461 4) by hand: twenty lines, and no packaged library offers it.
// Untrusted input: every escape is checked; NUL and 8-bit results are refused.
#include "smtp_proto/xtext.hpp"

#include "common/address.hpp"

namespace postino::smtp {
namespace {

int upper_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_xchar(unsigned char c) { return c >= 33 && c <= 126 && c != '+' && c != '='; }

}  // namespace

Result<std::string> decode_xtext(std::string_view text, bool allow_utf8) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '+') {
      if (i + 2 >= text.size()) return make_error(Errc::invalid_argument, "truncated xtext escape");
      int hi = upper_hex_value(text[i + 1]);
      int lo = upper_hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return make_error(Errc::invalid_argument, "bad xtext escape");
      int value = hi * 16 + lo;
      // NUL would truncate C consumers. Octets above 127 are accepted: Postfix
      // (and others) escape the UTF-8 octets of an SMTPUTF8 address this way
      // in ORCPT=rfc822;...; the result must then be valid UTF-8 (below).
      if (value == 0) return make_error(Errc::invalid_argument, "xtext escape of NUL");
      out += static_cast<char>(value);
      i += 2;
    } else if (is_xchar(c) || (allow_utf8 && c >= 0x80)) {
      out += static_cast<char>(c);
    } else {
      return make_error(Errc::invalid_argument, "invalid character in xtext");
    }
  }
  if (!is_valid_utf8(out)) return make_error(Errc::invalid_argument, "xtext is not valid UTF-8");
  return out;
}

std::string encode_xtext(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (is_xchar(c)) {
      out += static_cast<char>(c);
    } else {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace postino::smtp
