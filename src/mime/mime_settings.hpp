// Limits of the MIME structure parser (STYLE.md habit 7: every input a limit).
// Reaching one is not an error: the rest is kept as an opaque body, the way
// Dovecot does, and MessageStructure::limits_hit says so.
#pragma once

#include <cstddef>

namespace postino::mime {

struct MimeSettings {
  // Nested multipart and message/rfc822 levels below the top (Dovecot: 100).
  size_t max_depth = 50;
  // Parts in the whole tree, the top-level part included (Dovecot: 10,000).
  size_t max_parts = 5000;
  // Bytes of one part's header block kept for parsing; the rest is counted
  // but its fields are ignored.
  size_t max_header_bytes = 256 * 1024;
  // Boundary strings longer than this are cut to a prefix (RFC 2046 allows
  // 70; prefix matching keeps longer ones working).
  size_t max_boundary_bytes = 200;
};

}  // namespace postino::mime
