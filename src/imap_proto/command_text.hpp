// CommandText: one complete IMAP command as the session read it, a sequence
// of line segments (CRLF removed) and literal segments (raw bytes), and the
// framing helpers the session needs before it hands the text to the parser.
// RFC 9051 2.2.2, 4.3, 7.5; RFC 7888 (LITERAL+ / LITERAL-); RFC 3516 ~{N}.
// Security: lines and literals are untrusted; nothing here allocates what a
// client announces. The session enforces line and literal limits itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::imap {

// A literal announced at the end of a line: "{N}", "{N+}" (LITERAL+/-),
// "~{N}" / "~{N+}" (RFC 3516 literal8, allowed by the parser only in APPEND).
struct LiteralAnnouncement {
  std::uint64_t size_bytes = 0;  // saturates at UINT64_MAX for absurd numbers
  bool synchronizing = true;     // "{N}": the server must answer "+ ..." first
  bool binary = false;           // "~{N}": literal8, may contain NUL
};

// Whether `line` (without CRLF) ends with a literal announcement. Only the
// line's end is examined (as every IMAP server does): a malformed
// announcement returns nullopt and the parser later reports the syntax
// error. Sizes with more digits than fit in 64 bits saturate to UINT64_MAX so
// the session rejects them by its limit ([TOOBIG] or BYE).
std::optional<LiteralAnnouncement> literal_at_end(std::string_view line);

// The tag of a command's first line, when it has a syntactically valid one
// (1*<any ASTRING-CHAR except "+">), for replies sent before the command is
// complete (e.g. "tag NO [TOOBIG]"). nullopt: answer with "* BAD".
std::optional<std::string_view> peek_tag(std::string_view first_line);

// IDLE ends with the line "DONE" (case-insensitive, RFC 2177 / RFC 9051 6.3.13).
bool is_idle_done(std::string_view line);

// A complete command: line, literal, line, literal, ..., line. Each line
// segment is the line exactly as read without its CRLF, including the
// literal announcement at its end; each literal segment holds exactly the
// announced bytes. The session appends segments as it reads them; literal
// bytes are moved in (the one copy is the session's read into its string)
// and the parsed Command refers to APPEND message literals without copying.
//
// The session's read loop, in outline:
//   text.clear();
//   loop: line = read bounded line (CRLF removed); text.add_line(line);
//         a = literal_at_end(line); if (!a) break;          // command complete
//         check a->size_bytes against its limits -> "tag NO [TOOBIG]" / BYE
//         if (a->synchronizing) send "+ Ready for literal data";
//         read a->size_bytes into text.add_literal_storage(a->size_bytes);
//   parse_command(text, limits, context)
class CommandText {
 public:
  enum class SegmentKind : std::uint8_t { line, literal };
  struct Segment {
    SegmentKind kind;
    std::string bytes;
  };

  CommandText() = default;
  // Convenience for tests and simple callers: one line, no literal.
  explicit CommandText(std::string line) { add_line(std::move(line)); }

  void add_line(std::string line);
  void add_literal(std::string bytes);
  // Resizes a new literal segment to `size_bytes` and returns its storage,
  // for sessions that read the literal straight into place. Only call after
  // the session checked size_bytes against its limits.
  std::string& add_literal_storage(std::size_t size_bytes);

  const std::vector<Segment>& segments() const { return segments_; }
  std::size_t total_bytes() const { return total_bytes_; }
  bool empty() const { return segments_.empty(); }
  void clear();

  // Moves a literal's bytes out (e.g. an APPEND message handed to the store
  // that wants ownership). Afterwards the segment is empty and any view into
  // it (AppendMessage::data) must no longer be used: use the returned string.
  // An index that is not a literal segment returns an empty string.
  std::string take_literal(std::size_t segment_index);

 private:
  std::vector<Segment> segments_;
  std::size_t total_bytes_ = 0;
};

}  // namespace postino::imap
