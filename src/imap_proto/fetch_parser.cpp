// FETCH and STORE arguments: fetch attributes with sections and partials,
// macros, CHANGEDSINCE/VANISHED modifiers (RFC 9051 6.4.5, RFC 3516, RFC
// 7162 3.1.4, 3.2.6), and flag updates with UNCHANGEDSINCE (6.4.6, 7162 3.1.3).
#include <array>

#include "imap_proto/command_reader.hpp"

namespace postino::imap::detail {
namespace {

struct SimpleItem {
  std::string_view name;
  FetchItem item;
};

constexpr std::array<SimpleItem, 14> kSimpleItems = {{
    {"ENVELOPE", FetchItem::envelope},   {"FLAGS", FetchItem::flags},
    {"INTERNALDATE", FetchItem::internaldate}, {"UID", FetchItem::uid},
    {"MODSEQ", FetchItem::modseq},       {"SAVEDATE", FetchItem::savedate},
    {"EMAILID", FetchItem::emailid},     {"THREADID", FetchItem::threadid},
    {"RFC822", FetchItem::rfc822},       {"RFC822.HEADER", FetchItem::rfc822_header},
    {"RFC822.SIZE", FetchItem::rfc822_size}, {"RFC822.TEXT", FetchItem::rfc822_text},
    {"BODY", FetchItem::body},           {"BODYSTRUCTURE", FetchItem::bodystructure},
}};

bool is_name_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
}

// The attribute name up to "[" or a delimiter ("BODY.PEEK", "RFC822.SIZE").
std::string read_name(CommandReader& in) {
  std::string name;
  while (is_name_char(in.peek()) && name.size() < 32) {
    name += ascii_upper(static_cast<char>(in.peek()));
    in.try_char(static_cast<char>(in.peek()));
  }
  return name;
}

// section-part = nz-number *("." nz-number); stops before a "." not followed by a digit.
bool read_part(CommandReader& in, std::vector<std::uint32_t>& part, bool& dot_pending) {
  dot_pending = false;
  while (true) {
    std::uint32_t n = 0;
    if (!in.read_number(n, true, "part number")) return false;
    part.push_back(n);
    if (part.size() > 100) return in.fail("part number too deep");
    if (!in.try_char('.')) return true;
    int c = in.peek();
    if (c < '0' || c > '9') {
      dot_pending = true;
      return true;
    }
  }
}

bool read_header_list(CommandReader& in, std::vector<std::string>& fields) {
  // header-list = "(" header-fld-name *(SP header-fld-name) ")"
  if (!in.expect_sp() || !in.open_paren()) return false;
  while (true) {
    std::string field;
    if (!in.read_astring(field, "header field name")) return false;
    fields.push_back(std::move(field));
    if (!in.check_items(fields.size())) return false;
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return true;
}

// "[" section-spec "]" of BODY; the "[" is already consumed.
bool read_body_section(CommandReader& in, BodySection& out) {
  if (in.try_char(']')) return true;
  bool dot_pending = true;
  int c = in.peek();
  if (c >= '0' && c <= '9') {
    if (!read_part(in, out.part, dot_pending)) return false;
    if (!dot_pending) return in.expect_char(']', "']'");
  }
  std::string word = read_name(in);
  if (word == "HEADER") {
    out.text = BodySection::Text::header;
  } else if (word == "HEADER.FIELDS") {
    out.text = BodySection::Text::header_fields;
    if (!read_header_list(in, out.fields)) return false;
  } else if (word == "HEADER.FIELDS.NOT") {
    out.text = BodySection::Text::header_fields_not;
    if (!read_header_list(in, out.fields)) return false;
  } else if (word == "TEXT") {
    out.text = BodySection::Text::text;
  } else if (word == "MIME" && !out.part.empty()) {
    out.text = BodySection::Text::mime;  // RFC 9051 6.4.5: MIME only after a part
  } else {
    return in.fail("invalid section");
  }
  return in.expect_char(']', "']'");
}

// "<" number64 "." nz-number64 ">"
bool read_partial(CommandReader& in, std::optional<Partial>& out) {
  if (!in.try_char('<')) return true;
  Partial partial;
  if (!in.read_number64(partial.offset, false, "partial offset") || !in.expect_char('.', "'.'") ||
      !in.read_number64(partial.length, true, "partial length") || !in.expect_char('>', "'>'"))
    return false;
  out = partial;
  return true;
}

bool parse_attribute(CommandReader& in, FetchAttribute& out) {
  std::string name = read_name(in);
  if (name.empty()) return in.fail("expected a fetch attribute");
  if (in.peek() == '[') {
    in.try_char('[');
    if (name == "BODY" || name == "BODY.PEEK") {
      out.item = FetchItem::body_section;
      out.peek = name == "BODY.PEEK";
      return read_body_section(in, out.section) && read_partial(in, out.partial);
    }
    if (name == "BINARY" || name == "BINARY.PEEK" || name == "BINARY.SIZE") {
      // RFC 3516: section-binary = "[" [section-part] "]"
      out.item = name == "BINARY.SIZE" ? FetchItem::binary_size : FetchItem::binary;
      out.peek = name == "BINARY.PEEK";
      if (!in.try_char(']')) {
        bool dot_pending = false;
        if (!read_part(in, out.section.part, dot_pending)) return false;
        if (dot_pending) return in.fail("invalid binary section");
        if (!in.expect_char(']', "']'")) return false;
      }
      if (out.item == FetchItem::binary_size) return true;
      return read_partial(in, out.partial);
    }
    return in.fail("unknown fetch attribute");
  }
  for (const SimpleItem& item : kSimpleItems) {
    if (name == item.name) {
      out.item = item.item;
      return true;
    }
  }
  return in.fail("unknown fetch attribute");
}

void add_macro(std::vector<FetchAttribute>& out, std::initializer_list<FetchItem> items) {
  for (FetchItem item : items) {
    FetchAttribute attribute;
    attribute.item = item;
    out.push_back(attribute);
  }
}

bool parse_fetch_modifiers(CommandReader& in, bool uid, FetchArgs& out) {
  // RFC 4466 fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
  if (!in.open_paren()) return false;
  while (true) {
    if (in.try_word("CHANGEDSINCE")) {
      std::uint64_t modseq = 0;
      if (!in.expect_sp() || !in.read_number64(modseq, false, "mod-sequence")) return false;
      out.changedsince = modseq;
    } else if (in.try_word("VANISHED")) {
      out.vanished = true;
    } else {
      return in.fail("unknown FETCH modifier");
    }
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  if (out.vanished) {
    // RFC 7162 3.2.6: VANISHED only in UID FETCH, with CHANGEDSINCE, once QRESYNC is enabled.
    if (!uid) return in.fail("VANISHED requires UID FETCH");
    if (!in.context().qresync_enabled) return in.fail("QRESYNC was not enabled");
    if (!out.changedsince) return in.fail("VANISHED requires CHANGEDSINCE");
  }
  return true;
}

}  // namespace

bool parse_fetch(CommandReader& in, bool uid, FetchArgs& out) {
  if (!in.expect_sp() || !in.read_sequence_set(out.set, true) || !in.expect_sp()) return false;
  if (in.try_word("ALL")) {
    add_macro(out.attributes, {FetchItem::flags, FetchItem::internaldate, FetchItem::rfc822_size, FetchItem::envelope});
  } else if (in.try_word("FAST")) {
    add_macro(out.attributes, {FetchItem::flags, FetchItem::internaldate, FetchItem::rfc822_size});
  } else if (in.try_word("FULL")) {
    add_macro(out.attributes,
              {FetchItem::flags, FetchItem::internaldate, FetchItem::rfc822_size, FetchItem::envelope, FetchItem::body});
  } else if (in.peek() == '(') {
    if (!in.open_paren()) return false;
    while (true) {
      FetchAttribute attribute;
      if (!parse_attribute(in, attribute)) return false;
      out.attributes.push_back(std::move(attribute));
      if (!in.check_items(out.attributes.size())) return false;
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
    in.leave_paren();
  } else {
    FetchAttribute attribute;
    if (!parse_attribute(in, attribute)) return false;
    out.attributes.push_back(std::move(attribute));
  }
  if (in.try_sp()) return parse_fetch_modifiers(in, uid, out);
  return true;
}

bool parse_store(CommandReader& in, StoreArgs& out) {
  if (!in.expect_sp() || !in.read_sequence_set(out.set, true) || !in.expect_sp()) return false;
  if (in.peek() == '(') {
    // RFC 7162 3.1.3: store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer
    if (!in.open_paren()) return false;
    if (!in.try_word("UNCHANGEDSINCE")) return in.fail("unknown STORE modifier");
    std::uint64_t modseq = 0;
    if (!in.expect_sp() || !in.read_number64(modseq, false, "mod-sequence") || !in.close_paren() || !in.expect_sp())
      return false;
    out.unchangedsince = modseq;
  }
  if (in.try_char('+')) {
    out.mode = StoreMode::add;
  } else if (in.try_char('-')) {
    out.mode = StoreMode::remove;
  }
  if (in.try_word("FLAGS")) {
    out.silent = false;
  } else if (in.try_word("FLAGS.SILENT")) {
    out.silent = true;
  } else {
    return in.fail("expected FLAGS or FLAGS.SILENT");
  }
  if (!in.expect_sp()) return false;
  if (in.peek() == '(') return in.read_flag_list(out.flags, false);
  // flag *(SP flag)
  while (true) {
    std::string flag;
    if (!in.read_flag(flag, false)) return false;
    out.flags.push_back(std::move(flag));
    if (!in.check_items(out.flags.size())) return false;
    if (!in.try_sp()) return true;
  }
}

}  // namespace postino::imap::detail
