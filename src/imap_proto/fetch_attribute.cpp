// FetchAttribute helpers: \Seen side effect and response item names.
#include "imap_proto/fetch_attribute.hpp"

namespace postino::imap {
namespace {

void append_part(std::string& out, const std::vector<std::uint32_t>& part) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(part[i]);
  }
}

void append_section(std::string& out, const BodySection& section) {
  out += '[';
  append_part(out, section.part);
  const char* text = nullptr;
  switch (section.text) {
    case BodySection::Text::none: break;
    case BodySection::Text::header: text = "HEADER"; break;
    case BodySection::Text::header_fields: text = "HEADER.FIELDS"; break;
    case BodySection::Text::header_fields_not: text = "HEADER.FIELDS.NOT"; break;
    case BodySection::Text::text: text = "TEXT"; break;
    case BodySection::Text::mime: text = "MIME"; break;
  }
  if (text != nullptr) {
    if (!section.part.empty()) out += '.';
    out += text;
  }
  if (section.text == BodySection::Text::header_fields || section.text == BodySection::Text::header_fields_not) {
    out += " (";
    for (std::size_t i = 0; i < section.fields.size(); ++i) {
      if (i > 0) out += ' ';
      out += section.fields[i];
    }
    out += ')';
  }
  out += ']';
}

}  // namespace

bool sets_seen(const FetchAttribute& attribute) {
  switch (attribute.item) {
    case FetchItem::rfc822:
    case FetchItem::rfc822_text:
      return true;
    case FetchItem::body_section:
    case FetchItem::binary:
      return !attribute.peek;
    default:
      return false;
  }
}

std::string fetch_response_name(const FetchAttribute& attribute) {
  std::string out;
  switch (attribute.item) {
    case FetchItem::envelope: return "ENVELOPE";
    case FetchItem::flags: return "FLAGS";
    case FetchItem::internaldate: return "INTERNALDATE";
    case FetchItem::uid: return "UID";
    case FetchItem::modseq: return "MODSEQ";
    case FetchItem::savedate: return "SAVEDATE";
    case FetchItem::emailid: return "EMAILID";
    case FetchItem::threadid: return "THREADID";
    case FetchItem::rfc822: return "RFC822";
    case FetchItem::rfc822_header: return "RFC822.HEADER";
    case FetchItem::rfc822_size: return "RFC822.SIZE";
    case FetchItem::rfc822_text: return "RFC822.TEXT";
    case FetchItem::body: return "BODY";
    case FetchItem::bodystructure: return "BODYSTRUCTURE";
    case FetchItem::body_section: out = "BODY"; break;
    case FetchItem::binary: out = "BINARY"; break;
    case FetchItem::binary_size: out = "BINARY.SIZE"; break;
  }
  append_section(out, attribute.section);
  if (attribute.partial && attribute.item != FetchItem::binary_size) {
    out += '<';
    out += std::to_string(attribute.partial->offset);
    out += '>';
  }
  return out;
}

}  // namespace postino::imap
