// MessageStructure: the parsed MIME tree of one stored message (part byte
// offsets, Content-* fields, envelope inputs), computed once at delivery by
// StructureParser and kept with the message as a compact versioned byte string,
// so FETCH and SEARCH never re-parse the message (DESIGN.md section 3).
// RFC 2045-2047, RFC 2231, RFC 5322, RFC 9051 7.5.2 (what BODYSTRUCTURE needs).
// Security: deserialize() reads bytes from our own store but still checks
// every length and nesting level (a corrupt blob is an error, not a crash).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino::mime {

// One Content-Type or Content-Disposition parameter. RFC 2231 continuations
// are merged; an extended (charset-tagged) value keeps its RFC 2231 form, as
// Dovecot 2.3 shows it: name "filename*", value "utf-8'en'%E2%82%AC.txt".
// decode_param_value() (charset.hpp) turns that into UTF-8 for search.
struct Param {
  std::string name;   // as written (case kept), without the RFC 2231 index
  std::string value;  // quoted-string unescaped and unfolded

  bool operator==(const Param&) const = default;
};

// Raw inputs of the IMAP ENVELOPE of one message (top level or nested
// message/rfc822): header values unfolded, otherwise as written (encoded
// words and 8-bit bytes kept; RFC 9051 7.5.2 wants them raw). nullopt when
// the header is absent. The address headers keep every occurrence: Dovecot
// and we merge them as if they were one comma-separated list.
struct Envelope {
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::vector<std::string> from;
  std::vector<std::string> sender;
  std::vector<std::string> reply_to;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;

  bool operator==(const Envelope&) const = default;
};

enum class PartKind : uint8_t {
  single = 0,     // a leaf: text/*, application/*, ... (and broken multiparts)
  multipart = 1,  // children are the body parts
  message = 2,    // message/rfc822 or message/global: one child, the nested message
};

// Part flags (bit set).
enum PartFlags : uint8_t {
  kPartText = 1,           // text/* (or the text/plain default): body-fld-lines shown
  kPartTruncated = 2,      // a limit stopped parsing inside: shown as application/octet-stream
  kPartHasNul = 4,         // NUL bytes seen in the part's own header or body
  kPartHeaderTooLong = 8,  // the header block passed the cap; fields after it were ignored
};

struct Part {
  PartKind kind = PartKind::single;
  uint8_t flags = 0;

  // Absolute byte offsets in the message: the part's header starts at
  // header_offset, its body at body_offset and ends (exclusive) at body_end.
  // A body part's own header starts right after its boundary line; the CRLF
  // before the next boundary line belongs to that boundary (RFC 2046 5.1.1).
  uint64_t header_offset = 0;
  uint64_t body_offset = 0;
  uint64_t body_end = 0;
  // Line counts (LF count) and bare LFs (LF without CR before it) of the
  // header (including the blank line) and of the body. IMAP sizes are those
  // of the message with CRLF line ends: bytes + bare LFs.
  uint32_t header_lines = 0;
  uint32_t body_lines = 0;
  uint64_t header_bare_lf = 0;
  uint64_t body_bare_lf = 0;

  // Content-Type as written (case kept). has_content_type is false when the
  // part had none, or when MIME rules make it ignored (no MIME-Version and
  // no Content-Type in a non-multipart-child part) or it did not parse
  // (RFC 2045 5.2: then text/plain; charset=us-ascii applies).
  bool has_content_type = false;
  std::string type;
  std::string subtype;
  std::vector<Param> params;

  std::optional<std::string> content_id;
  std::optional<std::string> description;
  std::optional<std::string> encoding;  // Content-Transfer-Encoding token as written
  std::optional<std::string> md5;
  std::optional<std::string> disposition;  // the token as written
  std::vector<Param> disposition_params;
  std::vector<std::string> language;
  std::optional<std::string> location;

  // Present on message roots only: the top-level part and the child of a
  // message/rfc822 part.
  std::optional<Envelope> envelope;

  // multipart: the body parts in order; message: exactly one, the nested
  // message's root part; single: empty.
  std::vector<Part> children;

  uint64_t header_bytes() const { return body_offset - header_offset; }
  uint64_t body_bytes() const { return body_end - body_offset; }
  // Sizes as IMAP reports them (bare LF counted as CRLF).
  uint64_t header_size_crlf() const { return header_bytes() + header_bare_lf; }
  uint64_t body_size_crlf() const { return body_bytes() + body_bare_lf; }
  bool is_text() const { return (flags & kPartText) != 0; }
  // A parameter's value by case-insensitive name, nullptr if absent.
  const std::string* param(std::string_view name) const;

  bool operator==(const Part&) const = default;
};

struct MessageStructure {
  Part root;              // root.envelope is the message's envelope
  uint64_t size = 0;      // bytes of the message as parsed
  uint32_t part_count = 1;
  bool limits_hit = false;  // depth, part or header limit reached somewhere

  const Envelope& envelope() const { return *root.envelope; }

  // Compact binary form: version byte, then the tree. deserialize() rejects
  // an unknown version or malformed bytes with Errc::corrupt_data.
  std::string serialize() const;
  static Result<MessageStructure> deserialize(std::string_view bytes);

  bool operator==(const MessageStructure&) const = default;
};

inline constexpr uint8_t kStructureFormatVersion = 1;

}  // namespace postino::mime
