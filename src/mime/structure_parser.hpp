// StructureParser: a streaming MIME structure parser. Fed the raw message in
// chunks of any size, it builds the MessageStructure (part tree with absolute
// byte offsets) without keeping any body bytes: memory is bounded by the
// header cap per open part and the nesting limit, not by the message size.
// RFC 5322 2.1-2.2 (header fields, folding), RFC 2045 5-6 (Content-Type,
// Content-Transfer-Encoding), RFC 2046 5.1 (boundaries, preamble, epilogue,
// multipart/digest), RFC 2231, RFC 6532 3.7 (message/global).
// Robustness follows what Dovecot and Thunderbird accept: bare LF line ends,
// missing blank line after the header, missing closing boundary, boundary
// never found, 8-bit headers, duplicate Content-Type (first wins), boundary
// lines matched by prefix, innermost first, longest match.
// Security: faces untrusted input; no input reaches an assert.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message_structure.hpp"
#include "mime/mime_settings.hpp"

namespace postino::mime {

class StructureParser {
 public:
  explicit StructureParser(MimeSettings settings = {});

  // Feeds the next bytes of the message. Not thread-safe; one message only.
  void feed(std::string_view bytes);
  // Ends the message and returns its structure; the parser is spent after.
  MessageStructure finish();

  // Convenience: parses a whole message held in memory.
  static MessageStructure parse(std::string_view message, MimeSettings settings = {});

 private:
  enum class Mode : uint8_t { header, body };
  struct Boundary {
    std::string value;
    size_t owner;  // index in open_ of the multipart part that declared it
  };
  struct Open {
    Part* part = nullptr;
    Mode mode = Mode::header;
    // Line and bare-LF counters at the header start and the body start.
    uint64_t lines_at_header = 0;
    uint64_t bare_at_header = 0;
    uint64_t lines_at_body = 0;
    uint64_t bare_at_body = 0;
    std::string header;  // this part's header block, up to max_header_bytes
    bool header_truncated = false;
    bool header_line_seen = false;
    bool blank_line_end = false;  // the header ended with a blank line
    uint8_t end_extra = 0;  // see handle_header_line: a header inside was cut by a boundary
    bool has_nul = false;
    bool first_body_line = true;  // no line of the body (or since a boundary) yet
    bool in_digest = false;   // parent is multipart/digest: default message/rfc822
    bool mime_child = false;  // parent is multipart: Content-* apply without MIME-Version
  };

  size_t line_keep() const;
  void end_line(bool has_newline);
  void handle_header_line();
  void handle_body_line();
  bool find_boundary(size_t& index, bool& closing) const;
  void end_header(uint64_t at, uint64_t lines, uint64_t bare, bool by_boundary);
  void process_boundary(size_t b_index, bool closing, uint64_t at, uint64_t lines, uint64_t bare);
  void close_part(Open& open, uint64_t at, uint64_t lines, uint64_t bare);
  void take_blank_line(Open& open);
  void give_line_end_to_ancestors(size_t owner, size_t cut);
  void start_part(Part* part, uint64_t at, uint64_t lines, uint64_t bare, bool in_digest, bool mime_child);

  MimeSettings settings_;
  MessageStructure result_;
  std::vector<Open> open_;  // the chain of open parts, root first
  std::vector<Boundary> boundaries_;
  bool parts_limit_reached_ = false;

  // The current line: [line_start_, pos_).
  uint64_t pos_ = 0;
  uint64_t line_start_ = 0;
  std::string line_;  // its first bytes (line_keep())
  uint64_t line_len_ = 0;
  bool line_has_nul_ = false;
  char last_byte_ = '\0';
  char before_lf_ = '\0';
  uint64_t lines_ = 0;  // LFs before line_start_
  uint64_t bare_ = 0;   // bare LFs before line_start_
  // Line end of the current / previous line: 0 none, 1 LF, 2 CRLF.
  uint8_t cur_newline_ = 0;
  uint8_t prev_newline_ = 0;
  bool finished_ = false;
};

}  // namespace postino::mime
