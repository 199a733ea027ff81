#include "imap/fetch_response.hpp"

#include <chrono>

#include "imap/message_access.hpp"
#include "imap_proto/imap_date.hpp"
#include "imap_proto/response_writer.hpp"
#include "mime/header_fields.hpp"
#include "mime/imap_render.hpp"
#include "mime/section.hpp"
#include "mime/transfer_decoder.hpp"
#include "store/object_ids.hpp"

namespace postino::imap {
namespace {

mime::SectionText section_text(BodySection::Text text) {
  switch (text) {
    case BodySection::Text::none: return mime::SectionText::none;
    case BodySection::Text::header: return mime::SectionText::header;
    case BodySection::Text::header_fields: return mime::SectionText::header_fields;
    case BodySection::Text::header_fields_not: return mime::SectionText::header_fields_not;
    case BodySection::Text::text: return mime::SectionText::text;
    case BodySection::Text::mime: return mime::SectionText::mime;
  }
  return mime::SectionText::none;
}

// Lazily opened content and structure of one message.
class Source {
 public:
  Source(BlobStore& blobs, const MessageRecord& record) : blobs_(blobs), record_(record) {}

  Result<MessageContent*> content() {
    if (!content_) {
      auto opened = MessageContent::open(blobs_, record_);
      if (!opened) return opened.take_error();
      content_.emplace(std::move(*opened));
    }
    return &*content_;
  }
  Result<const mime::MessageStructure*> structure() {
    if (!structure_) {
      auto parsed = structure_of(blobs_, record_);
      if (!parsed) return parsed.take_error();
      structure_.emplace(std::move(*parsed));
    }
    return &*structure_;
  }

 private:
  BlobStore& blobs_;
  const MessageRecord& record_;
  std::optional<MessageContent> content_;
  std::optional<mime::MessageStructure> structure_;
};

// A window of [0, size) per the <offset.length> partial (RFC 9051 6.4.5).
void apply_partial(const std::optional<Partial>& partial, std::uint64_t size, std::uint64_t& offset,
                   std::uint64_t& length) {
  offset = 0;
  length = size;
  if (!partial) return;
  offset = std::min(partial->offset, size);
  length = std::min(partial->length, size - offset);
}

class Renderer {
 public:
  Renderer(Source& source, std::vector<FetchPiece>& pieces) : source_(source), pieces_(pieces) {
    pieces_.emplace_back();
  }
  std::string& text() { return pieces_.back().text; }

  // A literal holding message bytes [offset, offset + length).
  Status message_bytes(std::uint64_t offset, std::uint64_t length) {
    text() += "{" + std::to_string(length) + "}\r\n";
    if (length > kStreamThresholdBytes) {
      pieces_.back().stream_offset = offset;
      pieces_.back().stream_length = length;
      pieces_.emplace_back();
      return {};
    }
    auto content = source_.content();
    if (!content) return content.take_error();
    auto bytes = (*content)->read(offset, length);
    if (!bytes) return bytes.take_error();
    replace_nul_for_literal(*bytes);
    text() += *bytes;
    return {};
  }

  void literal(std::string_view bytes, bool binary) {
    if (binary) text() += "~";
    append_literal(text(), bytes);
  }

 private:
  Source& source_;
  std::vector<FetchPiece>& pieces_;
};

Status body_section(Source& source, Renderer& r, const FetchAttribute& a) {
  auto structure = source.structure();
  if (!structure) return structure.take_error();
  auto range = mime::resolve_section(**structure, a.section.part, section_text(a.section.text));
  if (!range) {
    r.text() += "\"\"";  // RFC 9051 6.4.5: a part that does not exist is empty
    return {};
  }
  const bool filter = a.section.text == BodySection::Text::header_fields ||
                      a.section.text == BodySection::Text::header_fields_not;
  if (!filter) {
    std::uint64_t offset = 0, length = 0;
    apply_partial(a.partial, range->length, offset, length);
    return r.message_bytes(range->offset + offset, length);
  }
  auto content = source.content();
  if (!content) return content.take_error();
  auto header = (*content)->read(range->offset, range->length);
  if (!header) return header.take_error();
  std::vector<std::string> names = a.section.fields;
  std::string filtered = mime::filter_header_fields(*header, names, a.section.text == BodySection::Text::header_fields_not);
  replace_nul_for_literal(filtered);
  std::uint64_t offset = 0, length = 0;
  apply_partial(a.partial, filtered.size(), offset, length);
  r.literal(std::string_view(filtered).substr(offset, length), false);
  return {};
}

// BINARY[part] and BINARY.SIZE[part] (RFC 3516): the part's content with
// its transfer encoding removed.
Result<std::optional<std::string>> decoded_part(Source& source, const FetchAttribute& a) {
  auto structure = source.structure();
  if (!structure) return structure.take_error();
  auto range = mime::resolve_section(**structure, a.section.part, mime::SectionText::none);
  if (!range) return std::optional<std::string>();
  const mime::Part* part = range->part;
  std::optional<mime::TransferEncoding> encoding = mime::TransferEncoding::identity;
  if (part != nullptr && part->kind == mime::PartKind::single) encoding = mime::transfer_encoding_from_name(part->encoding);
  if (!encoding) return make_error(Errc::invalid_argument, "UNKNOWN-CTE");
  auto content = source.content();
  if (!content) return content.take_error();
  auto body = (*content)->read(range->offset, range->length);
  if (!body) return body.take_error();
  if (*encoding == mime::TransferEncoding::identity) return std::optional<std::string>(std::move(*body));
  mime::TransferDecoder decoder(*encoding);
  std::string decoded;
  decoder.feed(*body, decoded);
  decoder.finish(decoded);
  return std::optional<std::string>(std::move(decoded));
}

Status render_one(Source& source, Renderer& r, const MessageRecord& record, const FetchFacts& facts,
                  const FetchAttribute& a, bool utf8) {
  std::string& out = r.text();
  switch (a.item) {
    case FetchItem::uid:
      out += "UID " + std::to_string(static_cast<std::uint32_t>(record.uid));
      return {};
    case FetchItem::flags:
      out += "FLAGS ";
      append_flag_list(out, facts.flags);
      return {};
    case FetchItem::modseq:
      out += "MODSEQ (" + std::to_string(facts.modseq) + ")";
      return {};
    case FetchItem::internaldate:
      out += "INTERNALDATE \"" + format_date_time(std::chrono::sys_seconds(std::chrono::seconds(record.internal_date))) + "\"";
      return {};
    case FetchItem::savedate:
      if (record.save_date == 0) {
        out += "SAVEDATE NIL";
      } else {
        out += "SAVEDATE \"" + format_date_time(std::chrono::sys_seconds(std::chrono::seconds(record.save_date))) + "\"";
      }
      return {};
    case FetchItem::rfc822_size:
      out += "RFC822.SIZE " + std::to_string(record.size_bytes);
      return {};
    case FetchItem::emailid:  // RFC 8474 5.1
      out += "EMAILID (" + email_object_id(facts.account, record.blob, record.header_prefix) + ")";
      return {};
    case FetchItem::threadid:
      // RFC 8474 5.2: NIL, as a server that does not compute threads says.
      out += "THREADID NIL";
      return {};
    case FetchItem::envelope:
    case FetchItem::body:
    case FetchItem::bodystructure: {
      auto structure = source.structure();
      if (!structure) return structure.take_error();
      if (a.item == FetchItem::envelope) {
        out += "ENVELOPE (" + mime::render_envelope((*structure)->envelope()) + ")";
      } else {
        out += a.item == FetchItem::body ? "BODY " : "BODYSTRUCTURE ";
        out += mime::render_body_structure(**structure, a.item == FetchItem::bodystructure);
      }
      return {};
    }
    case FetchItem::rfc822:
    case FetchItem::rfc822_header:
    case FetchItem::rfc822_text:
    case FetchItem::body_section: {
      FetchAttribute section = a;
      if (a.item == FetchItem::rfc822_header) section.section.text = BodySection::Text::header;
      if (a.item == FetchItem::rfc822_text) section.section.text = BodySection::Text::text;
      out += fetch_response_name(a) + " ";
      return body_section(source, r, section);
    }
    case FetchItem::binary:
    case FetchItem::binary_size: {
      auto decoded = decoded_part(source, a);
      if (!decoded) return decoded.take_error();
      out += fetch_response_name(a) + " ";
      if (!*decoded) {
        out += a.item == FetchItem::binary ? "\"\"" : "0";  // empty, as BODY[] of a missing part
        return {};
      }
      const std::string& bytes = **decoded;
      if (a.item == FetchItem::binary_size) {
        out += std::to_string(bytes.size());
        return {};
      }
      std::uint64_t offset = 0, length = 0;
      apply_partial(a.partial, bytes.size(), offset, length);
      std::string_view window = std::string_view(bytes).substr(offset, length);
      r.literal(window, window.find('\0') != std::string_view::npos);
      return {};
    }
  }
  (void)utf8;
  return {};
}

}  // namespace

void replace_nul_for_literal(std::string& bytes) {
  for (char& c : bytes) {
    if (c == '\0') c = static_cast<char>(0x80);
  }
}

bool needs_structure(const std::vector<FetchAttribute>& attributes) {
  for (const auto& a : attributes) {
    switch (a.item) {
      case FetchItem::envelope:
      case FetchItem::body:
      case FetchItem::bodystructure:
      case FetchItem::body_section:
      case FetchItem::rfc822:
      case FetchItem::rfc822_header:
      case FetchItem::rfc822_text:
      case FetchItem::binary:
      case FetchItem::binary_size:
        return true;
      default:
        break;
    }
  }
  return false;
}

bool view_only(FetchItem item) {
  // THREADID is always NIL (fetch_response.cpp render_one).
  return item == FetchItem::uid || item == FetchItem::flags || item == FetchItem::modseq || item == FetchItem::threadid;
}

bool needs_record(const std::vector<FetchAttribute>& attributes) {
  for (const auto& a : attributes) {
    if (!view_only(a.item)) return true;
  }
  return false;
}

void append_view_fetch(std::string& out, std::uint32_t seq, const ViewMessage& message, bool recent,
                       const FetchFacts& options, const std::vector<FetchAttribute>& attributes) {
  out += "* ";
  out += std::to_string(seq);
  out += " FETCH (";
  bool first = true;
  auto separate = [&] {
    if (!first) out += ' ';
    first = false;
  };
  bool has_uid = false, has_modseq = false;
  for (const auto& a : attributes) {
    has_uid = has_uid || a.item == FetchItem::uid;
    has_modseq = has_modseq || a.item == FetchItem::modseq;
  }
  auto uid = [&] {
    out += "UID ";
    out += std::to_string(static_cast<std::uint32_t>(message.uid));
  };
  auto modseq = [&] {
    out += "MODSEQ (";
    out += std::to_string(message.modseq);
    out += ')';
  };
  // The same order as render_fetch: UID first if implied, MODSEQ last.
  if (options.include_uid && !has_uid) {
    separate();
    uid();
  }
  for (const auto& a : attributes) {
    separate();
    switch (a.item) {
      case FetchItem::uid: uid(); break;
      case FetchItem::modseq: modseq(); break;
      case FetchItem::threadid: out += "THREADID NIL"; break;
      case FetchItem::flags:
        out += "FLAGS (";
        for (std::size_t i = 0; i < message.flags.size(); ++i) {
          if (i > 0) out += ' ';
          out += message.flags[i];
        }
        if (recent) out += message.flags.empty() ? "\\Recent" : " \\Recent";
        out += ')';
        break;
      default: break;  // not view_only: the caller never asks (see view_only)
    }
  }
  if (options.include_modseq && !has_modseq) {
    separate();
    modseq();
  }
  out += ")\r\n";
}

Result<std::vector<FetchPiece>> render_fetch(BlobStore& blobs, const MessageRecord& record, const FetchFacts& facts,
                                             const std::vector<FetchAttribute>& attributes) {
  std::vector<FetchPiece> pieces;
  Source source(blobs, record);
  Renderer r(source, pieces);
  r.text() += "* " + std::to_string(facts.seq) + " FETCH (";
  bool first = true;
  auto separate = [&] {
    if (!first) r.text() += " ";
    first = false;
  };
  bool has_uid = false, has_modseq = false;
  for (const auto& a : attributes) {
    has_uid = has_uid || a.item == FetchItem::uid;
    has_modseq = has_modseq || a.item == FetchItem::modseq;
  }
  if (facts.include_uid && !has_uid) {
    separate();
    r.text() += "UID " + std::to_string(static_cast<std::uint32_t>(record.uid));
  }
  for (const auto& a : attributes) {
    separate();
    if (auto s = render_one(source, r, record, facts, a, facts.utf8); !s) return s.take_error();
  }
  if (facts.include_modseq && !has_modseq) {
    separate();
    r.text() += "MODSEQ (" + std::to_string(facts.modseq) + ")";
  }
  r.text() += ")\r\n";
  return pieces;
}

}  // namespace postino::imap
