// Response building: quoting rules, literals and status lines.
#include "imap_proto/response_writer.hpp"

#include "imap_proto/mailbox_name.hpp"

namespace postino::imap {
namespace {

// RFC 9051 9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
// quoted-specials / resp-specials.
bool is_atom_char(char c, bool allow_bracket) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\':
      return false;
    case ']':
      return allow_bracket;
    default:
      return true;
  }
}

bool is_nil(std::string_view value) {
  return value.size() == 3 && (value[0] == 'N' || value[0] == 'n') && (value[1] == 'I' || value[1] == 'i') &&
         (value[2] == 'L' || value[2] == 'l');
}

bool is_astring_atom(std::string_view value) {
  if (value.empty() || is_nil(value)) return false;
  for (char c : value) {
    if (!is_atom_char(c, true)) return false;
  }
  return true;
}

void append_text(std::string& out, std::string_view text) {
  for (char c : text) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

}  // namespace

bool is_atom(std::string_view value) {
  if (value.empty() || is_nil(value)) return false;
  for (char c : value) {
    if (!is_atom_char(c, false)) return false;
  }
  return true;
}

bool is_quotable(std::string_view value, bool utf8) {
  if (value.size() > kMaxQuotedBytes) return false;
  bool eight_bit = false;
  for (char c : value) {
    if (c == '\0' || c == '\r' || c == '\n') return false;
    if (static_cast<unsigned char>(c) >= 0x80) eight_bit = true;
  }
  return !eight_bit || (utf8 && is_valid_utf8(value));
}

void append_quoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_literal(std::string& out, std::string_view value) {
  out += '{';
  out += std::to_string(value.size());
  out += "}\r\n";
  out.append(value);
}

void append_string(std::string& out, std::string_view value, bool utf8) {
  if (is_quotable(value, utf8)) {
    append_quoted(out, value);
  } else {
    append_literal(out, value);
  }
}

void append_astring(std::string& out, std::string_view value, bool utf8) {
  if (is_astring_atom(value)) {
    out.append(value);
  } else {
    append_string(out, value, utf8);
  }
}

void append_nstring(std::string& out, const std::optional<std::string_view>& value, bool utf8) {
  if (!value) {
    out += "NIL";
  } else {
    append_string(out, *value, utf8);
  }
}

void append_mailbox(std::string& out, std::string_view utf8_name, bool utf8) {
  if (utf8_name == "INBOX") {
    out += "INBOX";
    return;
  }
  if (utf8) {
    append_astring(out, utf8_name, true);
    return;
  }
  auto encoded = encode_mutf7(utf8_name);
  // An internal name is valid UTF-8 by construction; if not, send its bytes
  // as a literal rather than a wrong encoding.
  if (!encoded) {
    append_literal(out, utf8_name);
    return;
  }
  append_astring(out, *encoded, false);
}

void append_flag_list(std::string& out, std::span<const std::string> flags) {
  out += '(';
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (i > 0) out += ' ';
    out += flags[i];
  }
  out += ')';
}

ResponseWriter& ResponseWriter::untagged() {
  out_ += "* ";
  return *this;
}
ResponseWriter& ResponseWriter::tagged(std::string_view tag) {
  out_.append(tag);
  out_ += ' ';
  return *this;
}
ResponseWriter& ResponseWriter::continuation() {
  out_ += "+ ";
  return *this;
}
ResponseWriter& ResponseWriter::raw(std::string_view text) {
  out_.append(text);
  return *this;
}
ResponseWriter& ResponseWriter::sp() {
  out_ += ' ';
  return *this;
}
ResponseWriter& ResponseWriter::atom(std::string_view text) {
  out_.append(text);
  return *this;
}
ResponseWriter& ResponseWriter::number(std::uint64_t n) {
  out_ += std::to_string(n);
  return *this;
}
ResponseWriter& ResponseWriter::string(std::string_view value) {
  append_string(out_, value, utf8_);
  return *this;
}
ResponseWriter& ResponseWriter::astring(std::string_view value) {
  append_astring(out_, value, utf8_);
  return *this;
}
ResponseWriter& ResponseWriter::nstring(const std::optional<std::string_view>& value) {
  append_nstring(out_, value, utf8_);
  return *this;
}
ResponseWriter& ResponseWriter::mailbox(std::string_view utf8_name) {
  append_mailbox(out_, utf8_name, utf8_);
  return *this;
}
ResponseWriter& ResponseWriter::flag_list(std::span<const std::string> flags) {
  append_flag_list(out_, flags);
  return *this;
}
ResponseWriter& ResponseWriter::date_time(std::chrono::sys_seconds instant, std::chrono::minutes zone) {
  out_ += '"';
  out_ += format_date_time(instant, zone);
  out_ += '"';
  return *this;
}
ResponseWriter& ResponseWriter::open() {
  out_ += '(';
  return *this;
}
ResponseWriter& ResponseWriter::close() {
  out_ += ')';
  return *this;
}
ResponseWriter& ResponseWriter::status(std::string_view condition, std::string_view code, std::string_view text) {
  out_.append(condition);
  if (!code.empty()) {
    out_ += " [";
    append_text(out_, code);
    out_ += ']';
  }
  out_ += ' ';
  append_text(out_, text.empty() ? std::string_view(condition == "OK" ? "done" : "failed") : text);
  return end();
}
ResponseWriter& ResponseWriter::end() {
  out_ += "\r\n";
  return *this;
}

std::string untagged_status(std::string_view condition, std::string_view code, std::string_view text) {
  ResponseWriter w;
  w.untagged().status(condition, code, text);
  return w.take();
}

std::string tagged_status(std::string_view tag, std::string_view condition, std::string_view code,
                          std::string_view text) {
  ResponseWriter w;
  w.tagged(tag).status(condition, code, text);
  return w.take();
}

}  // namespace postino::imap
