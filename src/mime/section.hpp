// FETCH BODY[section] / BINARY[section] resolution (RFC 9051 6.4.5, RFC 3516):
// maps a part path and a section text kind to an absolute byte range of the
// message, using only the stored MessageStructure.
#pragma once

#include <cstdint>
#include <span>

#include "common/result.hpp"
#include "mime/message_structure.hpp"

namespace postino::mime {

enum class SectionText : uint8_t {
  none,               // BODY[] / BODY[1.2]: the whole message / the part's body
  header,             // BODY[HEADER] / BODY[2.HEADER] (message/rfc822 part)
  header_fields,      // same range as header; filter with filter_header_fields()
  header_fields_not,  // same
  text,               // BODY[TEXT] / BODY[2.TEXT]
  mime,               // BODY[1.2.MIME]: the part's own MIME header
};

struct SectionRange {
  uint64_t offset = 0;  // absolute in the message
  uint64_t length = 0;  // bytes as stored
  uint64_t bare_lf = 0;  // bare LFs inside: the CRLF size is length + bare_lf
  const Part* part = nullptr;  // the part the range belongs to

  bool operator==(const SectionRange&) const = default;
};

// Finds the part a numeric path names (1-based numbers; empty path: the
// message root). Rules (RFC 9051 6.4.5): in a multipart, n is the n-th body
// part; a message/rfc822 part's numbers continue in its nested message; part
// 1 of a non-multipart message (top-level or nested) is that message itself.
// Errc::not_found when no such part exists.
Result<const Part*> find_part(const MessageStructure& structure, std::span<const uint32_t> path);

// The byte range of a section. Errors:
//  - Errc::not_found: the path names no part (the server answers with an
//    empty string, as RFC 9051 6.4.5 lets it, or NIL for BINARY);
//  - Errc::invalid_argument: MIME with an empty path, or HEADER/TEXT on a
//    part that is not message/rfc822 (RFC 9051 6.4.5).
Result<SectionRange> resolve_section(const MessageStructure& structure,
                                     std::span<const uint32_t> path, SectionText text);

}  // namespace postino::mime
