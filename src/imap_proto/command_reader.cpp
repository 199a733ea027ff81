// CommandReader: token-level reading of a CommandText (RFC 9051 9).
#include "imap_proto/command_reader.hpp"

#include <array>

#include "imap_proto/mailbox_name.hpp"

namespace postino::imap::detail {
namespace {

// RFC 9051 9: ATOM-CHAR = <any CHAR except atom-specials>.
bool is_atom_char(int c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}
bool is_astring_char(int c) { return is_atom_char(c) || c == ']'; }
bool is_tag_char(int c) { return is_astring_char(c) && c != '+'; }
bool is_list_char(int c) { return is_astring_char(c) || c == '%' || c == '*'; }
bool is_digit(int c) { return c >= '0' && c <= '9'; }

constexpr std::array<std::string_view, 6> kSystemFlags = {"\\Answered", "\\Flagged", "\\Deleted",
                                                          "\\Seen", "\\Draft", "\\Recent"};

}  // namespace

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

CommandReader::CommandReader(const CommandText& text, const ParseLimits& limits, ParseContext context)
    : text_(text), limits_(limits), context_(context) {}

bool CommandReader::check_framing() {
  const auto& segments = text_.segments();
  if (segments.empty()) return fail("empty command");
  if (segments.front().kind != CommandText::SegmentKind::line || segments.back().kind != CommandText::SegmentKind::line)
    return fail("command must start and end with a line");
  std::size_t line_bytes = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& segment = segments[i];
    bool expect_line = (i % 2) == 0;
    if ((segment.kind == CommandText::SegmentKind::line) != expect_line)
      return fail("lines and literals must alternate");
    if (!expect_line) continue;
    line_bytes += segment.bytes.size();
    if (segment.bytes.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos)
      return fail("NUL, CR or LF inside a command line");
    auto announcement = literal_at_end(segment.bytes);
    if (i + 1 < segments.size()) {
      if (!announcement) return fail("literal without an announcement");
      if (announcement->size_bytes != segments[i + 1].bytes.size())
        return fail("literal size does not match its announcement");
    }
  }
  return count_bytes(line_bytes);
}

bool CommandReader::count_bytes(std::size_t n) {
  counted_bytes_ += n;
  if (counted_bytes_ > limits_.max_command_bytes)
    return fail_limit(ExceededLimit::command_bytes, "command too long");
  return true;
}

std::string_view CommandReader::line() const {
  const auto& segments = text_.segments();
  if (segment_ >= segments.size()) return {};
  std::string_view l = segments[segment_].bytes;
  return l.substr(std::min(offset_, l.size()));
}

bool CommandReader::at_end() const { return segment_ + 1 >= text_.segments().size() && line().empty(); }

int CommandReader::peek() const {
  std::string_view l = line();
  return l.empty() ? -1 : static_cast<unsigned char>(l.front());
}

bool CommandReader::try_char(char c) {
  if (failed_ || peek() != static_cast<unsigned char>(c)) return false;
  ++offset_;
  return true;
}

bool CommandReader::try_word(std::string_view upper_word) {
  if (failed_) return false;
  std::string_view l = line();
  if (l.size() < upper_word.size() || !iequals(l.substr(0, upper_word.size()), upper_word)) return false;
  if (l.size() > upper_word.size() && is_atom_char(static_cast<unsigned char>(l[upper_word.size()]))) return false;
  offset_ += upper_word.size();
  return true;
}

bool CommandReader::expect_char(char c, std::string_view what) {
  if (try_char(c)) return true;
  if (failed_) return false;
  std::string message = "expected ";
  message += what;
  return fail(message);
}

bool CommandReader::expect_sp() { return expect_char(' ', "a space"); }

bool CommandReader::at_literal() const {
  if (segment_ + 1 >= text_.segments().size()) return false;
  std::string_view l = line();
  if (!l.empty() && l.front() == '~') l.remove_prefix(1);
  // Exactly "{" 1*DIGIT ["+"] "}" up to the line's end.
  if (l.size() < 3 || l.front() != '{' || l.back() != '}') return false;
  l = l.substr(1, l.size() - 2);
  if (l.back() == '+') l.remove_suffix(1);
  if (l.empty()) return false;
  for (char c : l) {
    if (!is_digit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view CommandReader::atom() {
  std::string_view l = line();
  std::size_t n = 0;
  while (n < l.size() && is_atom_char(static_cast<unsigned char>(l[n]))) ++n;
  offset_ += n;
  return l.substr(0, n);
}

std::string_view CommandReader::astring_atom() {
  std::string_view l = line();
  std::size_t n = 0;
  while (n < l.size() && is_astring_char(static_cast<unsigned char>(l[n]))) ++n;
  offset_ += n;
  return l.substr(0, n);
}

std::string_view CommandReader::tag() {
  std::string_view l = line();
  std::size_t n = 0;
  while (n < l.size() && is_tag_char(static_cast<unsigned char>(l[n]))) ++n;
  offset_ += n;
  return l.substr(0, n);
}

bool CommandReader::read_atom(std::string& out, std::string_view what) {
  if (failed_) return false;
  std::string_view a = atom();
  if (a.empty()) return fail(std::string("expected ") + std::string(what));
  if (a.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "atom too long");
  out.assign(a);
  return true;
}

bool CommandReader::read_quoted(std::string& out, std::string_view what) {
  std::string_view l = line();
  // l.front() == '"'
  out.clear();
  std::size_t i = 1;
  while (true) {
    if (i >= l.size()) return fail(std::string("unterminated quoted ") + std::string(what));
    char c = l[i];
    if (c == '"') break;
    if (c == '\\') {
      if (i + 1 >= l.size() || (l[i + 1] != '"' && l[i + 1] != '\\'))
        return fail("invalid escape in quoted string");
      c = l[i + 1];
      ++i;
    }
    out += c;
    if (out.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "quoted string too long");
    ++i;
  }
  offset_ += i + 1;
  return true;
}

bool CommandReader::read_literal(std::string& out, std::string_view what) {
  std::string_view l = line();
  if (l.front() == '~') return fail("literal8 is not allowed here");
  const std::string& bytes = text_.segments()[segment_ + 1].bytes;
  if (bytes.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "literal too long");
  if (bytes.find('\0') != std::string::npos) {
    std::string message = "NUL in ";
    message += what;
    return fail(message);
  }
  if (!count_bytes(bytes.size())) return false;
  out = bytes;
  segment_ += 2;
  offset_ = 0;
  return true;
}

bool CommandReader::read_string(std::string& out, std::string_view what) {
  if (failed_) return false;
  if (peek() == '"') return read_quoted(out, what);
  if (at_literal()) return read_literal(out, what);
  return fail(std::string("expected ") + std::string(what) + " as a string");
}

bool CommandReader::read_astring(std::string& out, std::string_view what) {
  if (failed_) return false;
  if (peek() == '"') return read_quoted(out, what);
  if (at_literal()) return read_literal(out, what);
  std::string_view a = astring_atom();
  if (a.empty()) return fail(std::string("expected ") + std::string(what));
  if (a.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "atom too long");
  out.assign(a);
  return true;
}

bool CommandReader::read_nstring(std::optional<std::string>& out, std::string_view what) {
  if (failed_) return false;
  if (try_word("NIL")) {
    out.reset();
    return true;
  }
  std::string value;
  if (!read_string(value, what)) return false;
  out = std::move(value);
  return true;
}

bool CommandReader::read_number64(std::uint64_t& out, bool nonzero, std::string_view what) {
  if (failed_) return false;
  std::string_view l = line();
  std::size_t n = 0;
  std::uint64_t value = 0;
  // RFC 9051 9: number64 is at most 2^63-1.
  constexpr std::uint64_t kMax = 9223372036854775807ull;
  while (n < l.size() && is_digit(static_cast<unsigned char>(l[n]))) {
    std::uint64_t digit = static_cast<std::uint64_t>(l[n] - '0');
    if (value > (kMax - digit) / 10) return fail(std::string(what) + " is too large");
    value = value * 10 + digit;
    ++n;
  }
  if (n == 0) return fail(std::string("expected ") + std::string(what));
  if (nonzero && value == 0) return fail(std::string(what) + " must not be zero");
  offset_ += n;
  out = value;
  return true;
}

bool CommandReader::read_number(std::uint32_t& out, bool nonzero, std::string_view what) {
  std::uint64_t value = 0;
  if (!read_number64(value, nonzero, what)) return false;
  if (value > 4294967295ull) return fail(std::string(what) + " is too large");
  out = static_cast<std::uint32_t>(value);
  return true;
}

bool CommandReader::read_sequence_set(SequenceSet& out, bool allow_saved) {
  if (failed_) return false;
  std::string_view l = line();
  std::size_t n = 0;
  std::size_t commas = 0;
  while (n < l.size()) {
    char c = l[n];
    if (!(is_digit(static_cast<unsigned char>(c)) || c == ':' || c == ',' || c == '*' || c == '$')) break;
    if (c == ',') ++commas;
    ++n;
  }
  if (n == 0) return fail("expected a sequence set");
  if (commas >= limits_.max_sequence_ranges)
    return fail_limit(ExceededLimit::sequence_ranges, "too many ranges in sequence set");
  auto parsed = SequenceSet::parse(l.substr(0, n), limits_.max_sequence_ranges, allow_saved);
  if (!parsed) return fail(parsed.error().message);
  offset_ += n;
  out = std::move(*parsed);
  return true;
}

bool CommandReader::decode_mailbox(std::string& text) {
  if (context_.utf8_mailboxes) {
    if (!is_valid_utf8(text)) return fail_no("CANNOT", "mailbox name is not valid UTF-8");
    return true;
  }
  auto decoded = decode_mutf7(text);
  if (!decoded) return fail_no("CANNOT", "mailbox name is not valid modified UTF-7");
  text = std::move(*decoded);
  return true;
}

// An unquoted mailbox name with UTF-8 bytes: RFC 9051's grammar wants such
// names quoted, but clients with UTF8=ACCEPT on (Python's imaplib) send
// them as atoms, and Dovecot accepts them; so do we, only in UTF-8 mode.
// The bytes are checked as UTF-8 by decode_mailbox.
std::string_view CommandReader::utf8_atom(bool list) {
  std::string_view l = line();
  std::size_t n = 0;
  while (n < l.size()) {
    auto c = static_cast<unsigned char>(l[n]);
    if (!(c >= 0x80 || (list ? is_list_char(c) : is_astring_char(c)))) break;
    ++n;
  }
  offset_ += n;
  return l.substr(0, n);
}

bool CommandReader::read_mailbox(std::string& out, bool normalize) {
  if (failed_) return false;
  if (context_.utf8_mailboxes && peek() != '"' && !at_literal()) {
    std::string_view a = utf8_atom(false);
    if (a.empty()) return fail("expected mailbox name");
    if (a.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "mailbox name too long");
    out.assign(a);
  } else if (!read_astring(out, "mailbox name")) {
    return false;
  }
  if (!decode_mailbox(out)) return false;
  if (normalize) out = normalize_inbox(out);
  return true;
}

bool CommandReader::read_list_mailbox(std::string& out) {
  if (failed_) return false;
  if (peek() == '"' || at_literal()) {
    if (!read_string(out, "mailbox pattern")) return false;
  } else if (context_.utf8_mailboxes) {
    std::string_view a = utf8_atom(true);
    if (a.empty()) return fail("expected a mailbox pattern");
    if (a.size() > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "mailbox pattern too long");
    out.assign(a);
  } else {
    std::string_view l = line();
    std::size_t n = 0;
    while (n < l.size() && is_list_char(static_cast<unsigned char>(l[n]))) ++n;
    if (n == 0) return fail("expected a mailbox pattern");
    if (n > limits_.max_string_bytes) return fail_limit(ExceededLimit::string_bytes, "mailbox pattern too long");
    out.assign(l.substr(0, n));
    offset_ += n;
  }
  return decode_mailbox(out);
}

bool CommandReader::read_flag(std::string& out, bool allow_recent) {
  if (failed_) return false;
  if (try_char('\\')) {
    std::string name;
    if (!read_atom(name, "a flag name")) return false;
    out = "\\" + name;
    for (std::string_view system : kSystemFlags) {
      if (iequals(system, out)) {
        out.assign(system);
        if (!allow_recent && out == "\\Recent") return fail("\\Recent cannot be set");
        return true;
      }
    }
    return true;  // flag-extension: kept as sent
  }
  return read_atom(out, "a flag");
}

bool CommandReader::read_flag_list(std::vector<std::string>& out, bool allow_recent) {
  if (!open_paren()) return false;
  if (try_char(')')) {
    leave_paren();
    return true;
  }
  while (true) {
    std::string flag;
    if (!read_flag(flag, allow_recent)) return false;
    out.push_back(std::move(flag));
    if (!check_items(out.size())) return false;
    if (try_char(')')) break;
    if (!expect_sp()) return false;
  }
  leave_paren();
  return true;
}

bool CommandReader::read_message_literal(AppendMessage& out, bool allow_binary) {
  if (failed_) return false;
  if (!at_literal()) return fail("expected a literal with the message");
  bool binary = line().front() == '~';
  if (binary && !allow_binary) return fail("literal8 is not allowed here");
  const std::string& bytes = text_.segments()[segment_ + 1].bytes;
  // RFC 9051 4.3: a literal is CHAR8 (no NUL); NUL needs literal8 (RFC 3516).
  if (!binary && bytes.find('\0') != std::string::npos) return fail("NUL in a message literal: use literal8");
  out.binary = binary;
  out.literal_index = segment_ + 1;
  out.data = bytes;
  segment_ += 2;
  offset_ = 0;
  return true;
}

bool CommandReader::read_date(std::chrono::year_month_day& out) {
  if (failed_) return false;
  std::string text;
  if (peek() == '"') {
    if (!read_quoted(text, "date")) return false;
  } else {
    std::string_view a = atom();
    text.assign(a);
  }
  auto date = parse_date(text);
  if (!date) return fail("invalid date");
  out = *date;
  return true;
}

bool CommandReader::open_paren() {
  if (!expect_char('(', "'('")) return false;
  if (++depth_ > limits_.max_nesting) return fail_limit(ExceededLimit::nesting, "parentheses nested too deeply");
  return true;
}

bool CommandReader::close_paren() {
  if (!expect_char(')', "')'")) return false;
  leave_paren();
  return true;
}

bool CommandReader::check_items(std::size_t count) {
  if (count > limits_.max_list_items) return fail_limit(ExceededLimit::list_items, "too many items in a list");
  return true;
}

bool CommandReader::fail(std::string_view message) {
  if (!failed_) {
    failed_ = true;
    error_.bad = true;
    error_.message.assign(message);
  }
  return false;
}

bool CommandReader::fail_no(std::string_view code, std::string_view message) {
  if (!failed_) {
    failed_ = true;
    error_.bad = false;
    error_.code.assign(code);
    error_.message.assign(message);
  }
  return false;
}

bool CommandReader::fail_limit(ExceededLimit limit, std::string_view message) {
  if (!failed_) {
    failed_ = true;
    error_.bad = true;
    error_.limit = limit;
    error_.code = (limit == ExceededLimit::string_bytes || limit == ExceededLimit::command_bytes) ? "TOOBIG" : "LIMIT";
    error_.message.assign(message);
  }
  return false;
}

ParseError CommandReader::take_error(std::string tag) {
  ParseError out = std::move(error_);
  if (!failed_) {
    out.bad = true;
    out.message = "syntax error";
  }
  out.tag = std::move(tag);
  return out;
}

}  // namespace postino::imap::detail
