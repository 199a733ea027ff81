// Strict base64 (RFC 4648 4) for the SASL wire forms: SMTP AUTH (RFC 4954),
// IMAP AUTHENTICATE (RFC 9051 6.2.2) and the SCRAM attributes (RFC 5802).
// Security: decodes untrusted input; rejects whitespace, missing or misplaced
// padding, characters outside the alphabet and non-zero trailing bits, so one
// byte string has exactly one accepted encoding.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::sasl {

std::string base64_encode(std::string_view bytes);

// invalid_argument for anything but canonical padded base64. The empty string
// decodes to the empty string.
Result<std::string> base64_decode(std::string_view text);

}  // namespace postino::sasl
