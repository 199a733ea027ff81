// FetchAttribute: one item of a FETCH request, with BODY[section]<partial>
// and BINARY[part]<partial> spelled out, macros (ALL, FAST, FULL) expanded.
// RFC 9051 6.4.5, 7.5.2; RFC 3516 (BINARY); RFC 7162 (MODSEQ); RFC 8514
// (SAVEDATE); RFC 8474 (EMAILID, THREADID).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace postino::imap {

enum class FetchItem : std::uint8_t {
  envelope, flags, internaldate, uid, modseq, savedate, emailid, threadid,
  rfc822,          // = BODY[] with \Seen set (IMAP4rev1)
  rfc822_header,   // = BODY.PEEK[HEADER]
  rfc822_size,
  rfc822_text,     // = BODY[TEXT] with \Seen set
  body,            // "BODY" without a section: non-extensible BODYSTRUCTURE
  bodystructure,
  body_section,    // BODY[...] / BODY.PEEK[...]: `section`, `partial`, `peek`
  binary,          // BINARY[...] / BINARY.PEEK[...]: `section.part`, `partial`, `peek`
  binary_size,     // BINARY.SIZE[part]: `section.part`
};

struct BodySection {
  enum class Text : std::uint8_t {
    none,               // BODY[] or BODY[1.2]: the whole message or part's content
    header,             // HEADER
    header_fields,      // HEADER.FIELDS (fields)
    header_fields_not,  // HEADER.FIELDS.NOT (fields)
    text,               // TEXT
    mime,               // MIME (only after a part number)
  };
  std::vector<std::uint32_t> part;  // "1.2.3" -> {1, 2, 3}; empty = the message
  Text text = Text::none;
  std::vector<std::string> fields;  // header field names as sent (compare case-insensitively;
                                    // echoed unchanged in the response name)
  friend bool operator==(const BodySection&, const BodySection&) = default;
};

struct Partial {
  std::uint64_t offset = 0;  // "<offset.length>" origin octet
  std::uint64_t length = 0;  // nz-number
  friend bool operator==(const Partial&, const Partial&) = default;
};

struct FetchAttribute {
  FetchItem item = FetchItem::flags;
  bool peek = false;           // BODY.PEEK / BINARY.PEEK: do not set \Seen
  BodySection section;         // body_section, binary, binary_size
  std::optional<Partial> partial;
  friend bool operator==(const FetchAttribute&, const FetchAttribute&) = default;
};

// Whether fetching this attribute sets \Seen (RFC 9051 6.4.5: BODY[...],
// BINARY[...] without .PEEK; RFC822 and RFC822.TEXT).
bool sets_seen(const FetchAttribute& attribute);

// The name under which the server returns this item in the FETCH response:
// "FLAGS", "RFC822.SIZE", "BODY[1.2.HEADER.FIELDS (FROM TO)]<0>" (the origin
// only, RFC 9051 7.5.2), "BINARY[1]", "BINARY.SIZE[2]". PEEK never appears.
std::string fetch_response_name(const FetchAttribute& attribute);

}  // namespace postino::imap
