// FETCH section resolution (RFC 9051 6.4.5).
#include "mime/section.hpp"

namespace postino::mime {
namespace {

SectionRange range_of(const Part& part, uint64_t offset, uint64_t end, uint64_t bare_lf) {
  SectionRange r;
  r.offset = offset;
  r.length = end - offset;
  r.bare_lf = bare_lf;
  r.part = &part;
  return r;
}

SectionRange header_range(const Part& p) { return range_of(p, p.header_offset, p.body_offset, p.header_bare_lf); }
SectionRange body_range(const Part& p) { return range_of(p, p.body_offset, p.body_end, p.body_bare_lf); }

}  // namespace

Result<const Part*> find_part(const MessageStructure& structure, std::span<const uint32_t> path) {
  const Part* part = &structure.root;
  // Where the next number is looked up: the body parts of a multipart, or a
  // message (top level or nested) whose "part 1" is the message itself when
  // it is not multipart.
  const Part* context = &structure.root;
  bool context_is_message = true;
  for (uint32_t n : path) {
    if (context == nullptr || n == 0) return make_error(Errc::not_found, "no such part");
    if (context->kind == PartKind::multipart) {
      if (n > context->children.size()) return make_error(Errc::not_found, "no such part");
      part = &context->children[n - 1];
    } else if (context_is_message && n == 1) {
      part = context;
    } else {
      return make_error(Errc::not_found, "no such part");
    }
    // A message/rfc822 part's numbers continue in its nested message.
    if (part->kind == PartKind::multipart) {
      context = part;
      context_is_message = false;
    } else if (part->kind == PartKind::message) {
      context = &part->children.front();
      context_is_message = true;
    } else {
      context = nullptr;
    }
  }
  return part;
}

Result<SectionRange> resolve_section(const MessageStructure& structure, std::span<const uint32_t> path,
                                     SectionText text) {
  auto found = find_part(structure, path);
  if (!found) return found.take_error();
  const Part& part = **found;
  if (path.empty()) {
    switch (text) {
      case SectionText::none:
        return range_of(part, 0, structure.size, part.header_bare_lf + part.body_bare_lf);
      case SectionText::header:
      case SectionText::header_fields:
      case SectionText::header_fields_not:
        return header_range(part);
      case SectionText::text:
        return body_range(part);
      case SectionText::mime:
        return make_error(Errc::invalid_argument, "MIME needs a part number");
    }
  }
  switch (text) {
    case SectionText::none:
      // The part's body; for message/rfc822 that is the whole nested message.
      return body_range(part);
    case SectionText::mime:
      return header_range(part);
    case SectionText::header:
    case SectionText::header_fields:
    case SectionText::header_fields_not:
    case SectionText::text: {
      // RFC 9051 6.4.5: only on a message/rfc822 (or message/global) part,
      // about the nested message.
      if (part.kind != PartKind::message) {
        return make_error(Errc::invalid_argument, "HEADER and TEXT need a message/rfc822 part");
      }
      const Part& nested = part.children.front();
      return text == SectionText::text ? body_range(nested) : header_range(nested);
    }
  }
  return make_error(Errc::invalid_argument, "unknown section");
}

}  // namespace postino::mime
