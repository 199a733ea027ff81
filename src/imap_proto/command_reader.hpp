// CommandReader (module-internal): a cursor over a CommandText's segments
// with the token rules of RFC 9051 9 (atom, astring, string, literal,
// number, sequence-set, flag, mailbox) and the ParseLimits checks, used by
// the command parsers in imap_command.cpp, search_parser.cpp, fetch_parser.cpp.
// Security: every read is bounds-checked; errors are sticky values (the
// first one wins), never exceptions or asserts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap_proto/command_text.hpp"
#include "imap_proto/imap_command.hpp"

namespace postino::imap::detail {

char ascii_upper(char c);
bool iequals(std::string_view a, std::string_view b);
std::string to_upper(std::string_view text);

class CommandReader {
 public:
  CommandReader(const CommandText& text, const ParseLimits& limits, ParseContext context);

  // Segment structure, NUL/CR/LF in lines, literal sizes vs announcements,
  // total size. Call once before reading.
  bool check_framing();

  const ParseLimits& limits() const { return limits_; }
  ParseContext context() const { return context_; }

  // ---- Position ----
  bool at_end() const;       // nothing left in the command
  int peek() const;          // next octet of the current line, or -1 at its end
  bool try_char(char c);     // consumes c when it is next
  bool try_word(std::string_view upper_word);  // case-insensitive keyword followed by a delimiter
  bool expect_char(char c, std::string_view what);
  bool expect_sp();
  bool try_sp() { return try_char(' '); }
  // A literal announcement makes up the rest of the current line.
  bool at_literal() const;

  // ---- Tokens ----
  std::string_view atom();           // 0+ ATOM-CHAR
  std::string_view astring_atom();   // 0+ ASTRING-CHAR
  std::string_view tag();            // 0+ tag characters
  bool read_atom(std::string& out, std::string_view what);  // 1+ ATOM-CHAR, bounded
  bool read_astring(std::string& out, std::string_view what);
  bool read_string(std::string& out, std::string_view what);  // quoted / literal
  bool read_nstring(std::optional<std::string>& out, std::string_view what);
  bool read_number(std::uint32_t& out, bool nonzero, std::string_view what);
  bool read_number64(std::uint64_t& out, bool nonzero, std::string_view what);
  bool read_sequence_set(SequenceSet& out, bool allow_saved);
  // mailbox: astring; decoded from modified UTF-7 unless utf8_mailboxes;
  // INBOX normalised when requested.
  bool read_mailbox(std::string& out, bool normalize = true);
  // list-mailbox: 1*list-char / string, decoded like a mailbox.
  bool read_list_mailbox(std::string& out);
  // flag: "\" atom (system flags flag-cased) or keyword atom.
  bool read_flag(std::string& out, bool allow_recent);
  // flag-list: "(" [flag *(SP flag)] ")"
  bool read_flag_list(std::vector<std::string>& out, bool allow_recent);
  // An APPEND message literal ({N} or, when allow_binary, ~{N}); not copied.
  bool read_message_literal(AppendMessage& out, bool allow_binary);
  // date: date-text / DQUOTE date-text DQUOTE
  bool read_date(std::chrono::year_month_day& out);

  // ---- Structure and limits ----
  bool open_paren();                  // "(" with the nesting limit
  bool close_paren();                 // ")"
  void leave_paren() { if (depth_ > 0) --depth_; }
  bool check_items(std::size_t count);  // max_list_items

  // ---- Errors ----
  bool fail(std::string_view message);  // BAD; always returns false
  bool fail_no(std::string_view code, std::string_view message);
  bool fail_limit(ExceededLimit limit, std::string_view message);
  bool failed() const { return failed_; }
  ParseError take_error(std::string tag);

 private:
  std::string_view line() const;
  bool read_quoted(std::string& out, std::string_view what);
  bool read_literal(std::string& out, std::string_view what);
  bool decode_mailbox(std::string& text);
  std::string_view utf8_atom(bool list);  // ASTRING-CHAR (list: list-char) or 8-bit octets
  bool count_bytes(std::size_t n);

  const CommandText& text_;
  const ParseLimits& limits_;
  ParseContext context_;
  std::size_t segment_ = 0;
  std::size_t offset_ = 0;
  std::size_t depth_ = 0;
  std::size_t counted_bytes_ = 0;
  bool failed_ = false;
  ParseError error_;
};

// Grammar pieces in their own files.
bool parse_search_program(CommandReader& in, SearchKey& out, std::string* charset, bool charset_required);
bool parse_search(CommandReader& in, SearchArgs& out);
bool parse_sort(CommandReader& in, SortArgs& out);
bool parse_thread(CommandReader& in, ThreadArgs& out);
bool parse_fetch(CommandReader& in, bool uid, FetchArgs& out);
bool parse_store(CommandReader& in, StoreArgs& out);

}  // namespace postino::imap::detail
