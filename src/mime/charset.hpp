// Charset conversion to UTF-8 with ICU (ucnv), RFC 2047 encoded-word
// decoding and RFC 2231 extended parameter values, for SEARCH and the
// text extractor (IMAP output keeps encoded words raw).
// Security: undecodable bytes become U+FFFD; input sizes bound the output.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "mime/message_structure.hpp"

namespace postino::mime {

// Converts bytes in charset (any name or alias ICU knows; empty or unknown
// -> Errc::unsupported) to UTF-8; invalid sequences become U+FFFD.
Result<std::string> to_utf8(std::string_view bytes, std::string_view charset);

// Like to_utf8, but never fails: an unknown charset is treated as UTF-8 if
// the bytes are valid UTF-8, else as windows-1252 (what MUAs do).
std::string to_utf8_lenient(std::string_view bytes, std::string_view charset);

// Decodes RFC 2047 encoded words (B and Q, RFC 2231 language suffix
// "charset*lang") in an unfolded header value into UTF-8. Whitespace between
// adjacent encoded words is dropped (RFC 2047 6.2); raw 8-bit text is taken
// as UTF-8 when valid, else windows-1252.
std::string decode_header_value(std::string_view value);

// An RFC 2231 extended value "charset'lang'%XX..." (Param named "x*") to
// UTF-8; a plain Param value is returned unchanged (8-bit: lenient UTF-8).
std::string decode_param_value(const Param& param);

// Validates UTF-8 (RFC 3629: no overlongs or surrogates).
bool is_valid_utf8(std::string_view bytes);

}  // namespace postino::mime
