// Module-internal: base64 for DKIM tags (RFC 6376 2.4 base64string: FWS may
// appear anywhere inside and is ignored).
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::dkim::detail {

std::string base64_encode(std::string_view bytes);
// Ignores SP, HTAB, CR and LF; otherwise strict (alphabet, padding).
Result<std::string> base64_decode(std::string_view text);

}  // namespace postino::dkim::detail
