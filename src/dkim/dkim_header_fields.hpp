// Splits a message's header block into fields (RFC 5322 2.2, 2.2.3), keeping
// each field's exact bytes for canonicalisation. Used by the signer and the
// verifier.
// Security: untrusted input; the caller bounds the block's size; a line that
// is neither a field nor a continuation makes the block malformed.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino::dkim {

struct HeaderField {
  std::string_view name;  // as written, without trailing WSP
  std::string_view raw;   // whole field, folding included, final line end included
};

// Fields of `block` in order. The block ends at the first empty line (or at
// its end); line ends may be CRLF or LF. invalid_argument when a line has no
// colon, a field name is empty or has characters outside %d33-126, or the
// block starts with a continuation line.
Result<std::vector<HeaderField>> split_header_fields(std::string_view block);

// Where the body starts: just after the first empty line, or npos when the
// message has none (header block only).
std::size_t find_body_offset(std::string_view message);

bool header_name_equals(std::string_view a, std::string_view b);  // ASCII case-insensitive

}  // namespace postino::dkim
