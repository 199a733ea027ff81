// ResponseWriter: builds the bytes of IMAP server responses (untagged "* ",
// tagged, continuation "+ "), choosing quoted strings or literals, and the
// helpers for astring, nstring, flag lists, mailbox names and dates.
// RFC 9051 2.2.2, 4.3, 7 (responses), 7.1 (response codes), 9 (syntax).
// Security: a value goes into a quoted string only when it cannot break the
// framing (no CR, LF, NUL; '"' and '\' escaped; 8-bit only when the client
// accepts UTF-8 and the value is valid UTF-8); otherwise it is a literal.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "imap_proto/imap_date.hpp"

namespace postino::imap {

// Values longer than this are sent as literals even if quotable (keeps
// lines short for clients with line buffers; Dovecot uses a similar bound).
inline constexpr std::size_t kMaxQuotedBytes = 1024;

// The free functions append to `out`; `utf8` says whether the client accepts
// UTF-8 in quoted strings (IMAP4rev2 or UTF8=ACCEPT enabled).
void append_quoted(std::string& out, std::string_view value);  // caller checked quotable
bool is_quotable(std::string_view value, bool utf8);
void append_literal(std::string& out, std::string_view value);  // "{N}\r\n" + bytes
void append_string(std::string& out, std::string_view value, bool utf8 = false);   // quoted or literal
void append_astring(std::string& out, std::string_view value, bool utf8 = false);  // atom when possible
void append_nstring(std::string& out, const std::optional<std::string_view>& value, bool utf8 = false);  // NIL
// A mailbox name (UTF-8 internal form): modified UTF-7 unless utf8, then as
// an astring; "INBOX" stays an atom.
void append_mailbox(std::string& out, std::string_view utf8_name, bool utf8 = false);
// "(\Seen $Forwarded)"; flags are atoms already validated by the caller.
void append_flag_list(std::string& out, std::span<const std::string> flags);
// Whether `value` can be sent as an atom (ATOM-CHAR only, not empty, not "NIL").
bool is_atom(std::string_view value);

class ResponseWriter {
 public:
  ResponseWriter() = default;

  // Starts a response line: "* ", "<tag> ", "+ ".
  ResponseWriter& untagged();
  ResponseWriter& tagged(std::string_view tag);
  ResponseWriter& continuation();

  // Tokens; each writes exactly what it says (no implicit separators).
  ResponseWriter& raw(std::string_view text);  // trusted protocol text only
  ResponseWriter& sp();
  ResponseWriter& atom(std::string_view text);  // trusted atom (asserts nothing; caller's contract)
  ResponseWriter& number(std::uint64_t n);
  ResponseWriter& string(std::string_view value);   // quoted or literal per utf8()
  ResponseWriter& astring(std::string_view value);
  ResponseWriter& nstring(const std::optional<std::string_view>& value);
  ResponseWriter& mailbox(std::string_view utf8_name);
  ResponseWriter& flag_list(std::span<const std::string> flags);
  ResponseWriter& date_time(std::chrono::sys_seconds instant, std::chrono::minutes zone = std::chrono::minutes{0});  // quoted
  ResponseWriter& open();   // "("
  ResponseWriter& close();  // ")"

  // "OK"/"NO"/"BAD"/"BYE"/"PREAUTH" status with an optional response code
  // (without brackets: "UIDNEXT 5", "TRYCREATE") and human text, ended with
  // CRLF. Text has CR/LF/NUL replaced by spaces; an empty text becomes
  // "done" (OK) or "failed" (others) since some clients expect a text.
  ResponseWriter& status(std::string_view condition, std::string_view code, std::string_view text);
  // Ends the current line with CRLF.
  ResponseWriter& end();

  // Whether string()/astring()/mailbox() may use UTF-8 (set from the session).
  ResponseWriter& set_utf8(bool utf8) { utf8_ = utf8; return *this; }
  bool utf8() const { return utf8_; }

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }
  std::size_t size() const { return out_.size(); }
  void clear() { out_.clear(); }

 private:
  std::string out_;
  bool utf8_ = false;
};

// Shorthands for whole lines: "* OK [code] text\r\n", "tag NO [code] text\r\n".
std::string untagged_status(std::string_view condition, std::string_view code, std::string_view text);
std::string tagged_status(std::string_view tag, std::string_view condition, std::string_view code,
                          std::string_view text);

}  // namespace postino::imap
