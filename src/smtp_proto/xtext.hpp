// xtext (RFC 3461 4): the encoding of DSN ENVID/ORCPT and the AUTH= parameter
// (RFC 4954 5): printable ASCII except '+' and '=', which travel as "+XX".
// Security: decodes untrusted input; rejects NUL, non-ASCII and bad escapes.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::smtp {

// Decodes xtext. Hex digits must be upper case (RFC 3461 4 hexchar); a
// decoded byte outside %d1-127 is rejected. allow_utf8 passes well-formed
// UTF-8 through unescaped (RFC 6533 utf-8-addr-unitext, SMTPUTF8 only).
Result<std::string> decode_xtext(std::string_view text, bool allow_utf8 = false);

// Encodes bytes as xtext; "+", "=", controls, SP and 8-bit octets become "+XX".
std::string encode_xtext(std::string_view bytes);

}  // namespace postino::smtp
