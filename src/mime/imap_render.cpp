// ENVELOPE / BODY / BODYSTRUCTURE rendering (RFC 9051 7.5.2, RFC 3501 7.4.2).
#include "mime/imap_render.hpp"

#include <algorithm>

#include "mime/address_list.hpp"
#include "mime/content_fields.hpp"

namespace postino::mime {
namespace {

using detail::iequals;

constexpr int kMaxQuotedSpecials = 4;

// Whitespace runs (SP, TAB, CR, LF) become one space, leading and trailing
// whitespace goes: what a human-readable value (subject,
// display name) looks like after unfolding.
std::string for_humans(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// CR/LF removed: before WSP (a fold) or at the end dropped, else a space.
std::string no_line_ends(std::string_view s) {
  if (s.find_first_of("\r\n") == std::string_view::npos) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\r' && c != '\n') {
      out.push_back(c);
      continue;
    }
    char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (next != ' ' && next != '\t' && next != '\r' && next != '\n' && next != '\0') out.push_back(' ');
  }
  return out;
}

void append_nstring_nolf(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "NIL";
    return;
  }
  append_imap_string(out, no_line_ends(*value));
}

// Every occurrence of an address field, merged as one list (Dovecot does
// the same, so a second From cannot hide behind the first).
std::vector<ImapAddress> parse_all(const std::vector<std::string>& values) {
  std::vector<ImapAddress> all;
  for (const std::string& v : values) {
    std::vector<ImapAddress> one = parse_address_list(v);
    all.insert(all.end(), std::make_move_iterator(one.begin()), std::make_move_iterator(one.end()));
    if (all.size() >= kMaxAddresses) break;
  }
  return all;
}

void append_address_list(std::string& out, const std::vector<ImapAddress>& all) {
  if (all.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  for (const ImapAddress& a : all) {
    out.push_back('(');
    if (a.name) {
      append_imap_string(out, for_humans(*a.name));
    } else {
      out += "NIL";
    }
    out.push_back(' ');
    append_imap_nstring(out, a.adl);
    out.push_back(' ');
    append_imap_nstring(out, a.mailbox);
    out.push_back(' ');
    append_imap_nstring(out, a.host);
    out.push_back(')');
  }
  out.push_back(')');
}

// body-fld-param: ("name" "value" ...) or NIL; text parts always show a
// charset (RFC 2045 5.2 default us-ascii), as Dovecot does.
void append_params(std::string& out, const std::vector<Param>& params, bool default_charset) {
  if (params.empty() && !default_charset) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  bool seen_charset = false;
  bool first = true;
  for (const Param& p : params) {
    if (!first) out.push_back(' ');
    first = false;
    if (iequals(p.name, "charset")) seen_charset = true;
    append_imap_string(out, p.name);
    out.push_back(' ');
    append_imap_string(out, p.value);
  }
  if (default_charset && !seen_charset) {
    if (!first) out.push_back(' ');
    out += "\"charset\" \"us-ascii\"";
  }
  out.push_back(')');
}

// body-ext-1part / body-ext-mpart after md5 or params: disposition, language, location.
void append_extension_common(std::string& out, const Part& part) {
  out.push_back(' ');
  if (!part.disposition) {
    out += "NIL";
  } else {
    out.push_back('(');
    append_imap_string(out, *part.disposition);
    out.push_back(' ');
    append_params(out, part.disposition_params, false);
    out.push_back(')');
  }
  out.push_back(' ');
  if (part.language.empty()) {
    out += "NIL";
  } else {
    out.push_back('(');
    for (size_t i = 0; i < part.language.size(); ++i) {
      if (i > 0) out.push_back(' ');
      append_imap_string(out, part.language[i]);
    }
    out.push_back(')');
  }
  out.push_back(' ');
  append_nstring_nolf(out, part.location);
}

constexpr std::string_view kEmptyBody = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
constexpr std::string_view kEmptyBodyStructure =
    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";

void append_part(std::string& out, const Part& part, bool extended);

void append_multipart(std::string& out, const Part& part, bool extended) {
  if (part.children.empty()) {
    // RFC 2046 requires at least one body part; show an empty text/plain.
    out += extended ? kEmptyBodyStructure : kEmptyBody;
  } else {
    for (const Part& child : part.children) append_part(out, child, extended);
  }
  out.push_back(' ');
  append_imap_string(out, part.subtype);
  if (!extended) return;
  out.push_back(' ');
  append_params(out, part.params, false);
  append_extension_common(out, part);
}

void append_single(std::string& out, const Part& part, bool extended) {
  bool text = false;
  if (part.kind == PartKind::message) {
    if (part.has_content_type && !iequals(part.subtype, "rfc822")) {
      append_imap_string(out, part.type);
      out.push_back(' ');
      append_imap_string(out, part.subtype);
    } else {
      out += "\"message\" \"rfc822\"";  // as Dovecot writes it; also the digest default
    }
  } else if ((part.flags & kPartTruncated) != 0 || (!part.has_content_type && !part.is_text())) {
    // A limit stopped parsing inside a multipart or message part: opaque.
    out += "\"application\" \"octet-stream\"";
  } else if (!part.has_content_type) {
    text = true;
    out += "\"text\" \"plain\"";
  } else {
    text = part.is_text();
    append_imap_string(out, part.type);
    out.push_back(' ');
    append_imap_string(out, part.subtype);
  }
  out.push_back(' ');
  append_params(out, part.params, text);
  out.push_back(' ');
  append_nstring_nolf(out, part.content_id);
  out.push_back(' ');
  append_nstring_nolf(out, part.description);
  out.push_back(' ');
  if (part.encoding) {
    append_imap_string(out, *part.encoding);
  } else {
    out += "\"7bit\"";
  }
  out.push_back(' ');
  out += std::to_string(part.body_size_crlf());
  if (text) {
    out.push_back(' ');
    out += std::to_string(part.body_lines);
  } else if (part.kind == PartKind::message && !part.children.empty()) {
    const Part& nested = part.children.front();
    out += " (";
    out += nested.envelope ? render_envelope(*nested.envelope) : render_envelope(Envelope{});
    out += ") ";
    append_part(out, nested, extended);
    out.push_back(' ');
    out += std::to_string(part.body_lines);
  }
  if (!extended) return;
  out.push_back(' ');
  append_nstring_nolf(out, part.md5);
  append_extension_common(out, part);
}

void append_part(std::string& out, const Part& part, bool extended) {
  out.push_back('(');
  if (part.kind == PartKind::multipart) {
    append_multipart(out, part, extended);
  } else {
    append_single(out, part, extended);
  }
  out.push_back(')');
}

}  // namespace

void append_imap_string(std::string& out, std::string_view value) {
  bool literal = value.size() > kMaxQuotedBytes;
  int specials = 0;
  for (size_t i = 0; i < value.size() && !literal; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      literal = ++specials > kMaxQuotedSpecials;
    } else if (c == '\r' || c == '\n' || c == '\0' || c >= 0x80) {
      literal = true;
    }
  }
  if (literal) {
    // IMAP strings cannot carry NUL (RFC 9051 4.3): it becomes U+FFFD.
    std::string clean;
    for (char c : value) {
      if (c == '\0') {
        clean += "\xEF\xBF\xBD";
      } else {
        clean.push_back(c);
      }
    }
    out.push_back('{');
    out += std::to_string(clean.size());
    out += "}\r\n";
    out += clean;
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_imap_nstring(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "NIL";
  } else {
    append_imap_string(out, *value);
  }
}

std::string render_envelope(const Envelope& e) {
  std::string out;
  append_nstring_nolf(out, e.date);
  out.push_back(' ');
  if (e.subject) {
    append_imap_string(out, for_humans(*e.subject));
  } else {
    out += "NIL";
  }
  out.push_back(' ');
  // RFC 9051 7.5.2: Sender and Reply-To default to From.
  std::vector<ImapAddress> from = parse_all(e.from);
  std::vector<ImapAddress> sender = parse_all(e.sender);
  std::vector<ImapAddress> reply_to = parse_all(e.reply_to);
  append_address_list(out, from);
  out.push_back(' ');
  append_address_list(out, sender.empty() ? from : sender);
  out.push_back(' ');
  append_address_list(out, reply_to.empty() ? from : reply_to);
  out.push_back(' ');
  append_address_list(out, parse_all(e.to));
  out.push_back(' ');
  append_address_list(out, parse_all(e.cc));
  out.push_back(' ');
  append_address_list(out, parse_all(e.bcc));
  out.push_back(' ');
  append_nstring_nolf(out, e.in_reply_to);
  out.push_back(' ');
  append_nstring_nolf(out, e.message_id);
  return out;
}

std::string render_part_structure(const Part& part, bool extended) {
  std::string out;
  append_part(out, part, extended);
  return out;
}

std::string render_body_structure(const MessageStructure& structure, bool extended) {
  return render_part_structure(structure.root, extended);
}

}  // namespace postino::mime
