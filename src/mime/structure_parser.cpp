// Streaming MIME structure parser (see structure_parser.hpp).
//
// The input is cut into lines at LF. Only the first bytes of a body line are
// kept (enough to recognise "--boundary"); header lines are kept up to the
// header cap. Line and bare-LF counters at each part's header start, body
// start and body end give the IMAP line counts and CRLF sizes without
// keeping any body byte.
#include "mime/structure_parser.hpp"

#include <algorithm>
#include <cstring>

#include "mime/content_fields.hpp"
#include "mime/header_fields.hpp"

namespace postino::mime {
namespace {

using detail::iequals;

// The envelope header fields (RFC 9051 7.5.2).
void add_envelope_field(Envelope& env, std::string_view name, std::string value) {
  auto set = [&](std::optional<std::string>& slot) { slot = std::move(value); };
  // Dovecot keeps the last Date/Subject/In-Reply-To/Message-ID and merges
  // every occurrence of an address field.
  if (iequals(name, "Date")) set(env.date);
  else if (iequals(name, "Subject")) set(env.subject);
  else if (iequals(name, "In-Reply-To")) set(env.in_reply_to);
  else if (iequals(name, "Message-ID")) set(env.message_id);
  else if (iequals(name, "From")) env.from.push_back(std::move(value));
  else if (iequals(name, "Sender")) env.sender.push_back(std::move(value));
  else if (iequals(name, "Reply-To")) env.reply_to.push_back(std::move(value));
  else if (iequals(name, "To")) env.to.push_back(std::move(value));
  else if (iequals(name, "Cc")) env.cc.push_back(std::move(value));
  else if (iequals(name, "Bcc")) env.bcc.push_back(std::move(value));
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Value as stored for Content-ID and friends and the envelope: leading WSP
// removed, unfolded.
std::string field_value(std::string_view raw_value) {
  while (!raw_value.empty() && (raw_value.front() == ' ' || raw_value.front() == '\t')) raw_value.remove_prefix(1);
  return unfold(raw_value);
}

}  // namespace

StructureParser::StructureParser(MimeSettings settings) : settings_(settings) {
  result_.root.envelope = Envelope{};
  start_part(&result_.root, 0, 0, 0, false, false);
}

void StructureParser::start_part(Part* part, uint64_t at, uint64_t lines, uint64_t bare, bool in_digest,
                                 bool mime_child) {
  part->header_offset = at;
  Open open;
  open.part = part;
  open.mode = Mode::header;
  open.lines_at_header = lines;
  open.bare_at_header = bare;
  open.in_digest = in_digest;
  open.mime_child = mime_child;
  open_.push_back(std::move(open));
}

size_t StructureParser::line_keep() const {
  size_t boundary_head = settings_.max_boundary_bytes + 8;
  if (!open_.empty() && open_.back().mode == Mode::header) {
    return std::max(boundary_head, settings_.max_header_bytes + 2);
  }
  return boundary_head;
}

void StructureParser::feed(std::string_view bytes) {
  if (finished_) return;
  while (!bytes.empty()) {
    size_t lf = bytes.find('\n');
    size_t n = lf == std::string_view::npos ? bytes.size() : lf + 1;
    std::string_view piece = bytes.substr(0, n);
    size_t keep = line_keep();
    if (line_.size() < keep) line_.append(piece.substr(0, std::min(piece.size(), keep - line_.size())));
    if (std::memchr(piece.data(), '\0', piece.size()) != nullptr) line_has_nul_ = true;
    // The byte before the LF, possibly from an earlier chunk.
    if (lf != std::string_view::npos) {
      before_lf_ = n >= 2 ? piece[n - 2] : (line_len_ > 0 ? last_byte_ : '\0');
    }
    line_len_ += n;
    last_byte_ = piece.back();
    pos_ += n;
    bytes.remove_prefix(n);
    if (lf != std::string_view::npos) end_line(true);
  }
}

void StructureParser::end_line(bool has_newline) {
  uint8_t newline = 0;
  if (has_newline) newline = (line_len_ >= 2 && before_lf_ == '\r') ? 2 : 1;
  cur_newline_ = newline;
  if (line_has_nul_) open_.back().has_nul = true;
  if (open_.back().mode == Mode::header) {
    handle_header_line();
  } else {
    handle_body_line();
  }
  if (newline > 0) {
    ++lines_;
    if (newline == 1) ++bare_;
  }
  prev_newline_ = newline;
  line_start_ = pos_;
  line_.clear();
  line_len_ = 0;
  line_has_nul_ = false;
}

bool StructureParser::find_boundary(size_t& index, bool& closing) const {
  if (boundaries_.empty() || parts_limit_reached_) return false;
  std::string_view line = line_;
  if (line.size() < 2 || line[0] != '-' || line[1] != '-') return false;
  line.remove_prefix(2);
  bool complete = line_.size() == line_len_;
  if (complete) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  }
  bool trailing_dashes = complete && line.size() > 2 && line.ends_with("--");
  // RFC 2046 5.1.2: innermost boundary first; only a prefix has to match;
  // among matching prefixes the longest wins (Dovecot does the same).
  const Boundary* best = nullptr;
  size_t best_index = 0;
  for (size_t i = boundaries_.size(); i-- > 0;) {
    const Boundary& b = boundaries_[i];
    if (b.value.size() <= line.size() && line.starts_with(b.value) &&
        (best == nullptr || best->value.size() < b.value.size())) {
      best = &b;
      best_index = i;
      if (b.value.size() == line.size() || (trailing_dashes && b.value.size() + 2 == line.size())) break;
    }
  }
  if (best == nullptr) return false;
  index = best_index;
  closing = line.size() >= best->value.size() + 2 && line.substr(best->value.size(), 2) == "--";
  return true;
}

void StructureParser::handle_header_line() {
  Open& cur = open_.back();
  size_t b_index = 0;
  bool closing = false;
  if (find_boundary(b_index, closing)) {
    // A boundary inside a header ends it; the line end before the boundary
    // belongs to the boundary (RFC 2046 5.1.1).
    uint64_t at = line_start_;
    uint64_t lines = lines_;
    uint64_t bare = bare_;
    if (cur.header_line_seen && prev_newline_ > 0) {
      at -= prev_newline_;
      lines -= 1;
      if (prev_newline_ == 1) bare -= 1;
      // The cut part loses that line end, but (as in Dovecot) the bodies of
      // the parts enclosing it, up to the boundary's owner, keep it.
      give_line_end_to_ancestors(boundaries_[b_index].owner, open_.size() - 1);
    } else if (!cur.header_line_seen && open_.size() >= 2) {
      // An empty message/rfc822 part: the boundary right after its header
      // takes that header's blank line (see take_blank_line).
      Open& parent = open_[open_.size() - 2];
      if (parent.part->kind == PartKind::message && parent.blank_line_end &&
          parent.part->body_offset == line_start_ && prev_newline_ > 0) {
        take_blank_line(parent);
        give_line_end_to_ancestors(boundaries_[b_index].owner, open_.size() - 2);
        at = parent.part->body_offset;
        lines = parent.lines_at_body;
        bare = parent.bare_at_body;
        cur.part->header_offset = at;
        cur.lines_at_header = lines;
        cur.bare_at_header = bare;
      }
    }
    end_header(at, lines, bare, true);
    process_boundary(b_index, closing, at, lines, bare);
    return;
  }
  if (cur_newline_ > 0 && line_len_ == cur_newline_) {
    // The blank line ends the header; it belongs to the header.
    cur.blank_line_end = true;
    end_header(pos_, lines_ + 1, bare_ + (cur_newline_ == 1 ? 1 : 0), false);
    return;
  }
  cur.header_line_seen = true;
  if (line_.size() < line_len_ || cur.header.size() + line_.size() > settings_.max_header_bytes) {
    cur.header_truncated = true;
  }
  if (!cur.header_truncated) cur.header += line_;
}

void StructureParser::handle_body_line() {
  Open& cur = open_.back();
  size_t b_index = 0;
  bool closing = false;
  if (find_boundary(b_index, closing)) {
    uint64_t at = line_start_;
    uint64_t lines = lines_;
    uint64_t bare = bare_;
    bool own_boundary = boundaries_[b_index].owner == open_.size() - 1;
    if (cur.first_body_line && cur.blank_line_end && cur.part->body_offset == line_start_ && !own_boundary &&
        prev_newline_ > 0) {
      take_blank_line(cur);
      give_line_end_to_ancestors(boundaries_[b_index].owner, open_.size() - 1);
      at = cur.part->body_offset;
      lines = cur.lines_at_body;
      bare = cur.bare_at_body;
    } else if (!cur.first_body_line && prev_newline_ > 0) {
      at -= prev_newline_;
      lines -= 1;
      if (prev_newline_ == 1) bare -= 1;
    }
    process_boundary(b_index, closing, at, lines, bare);
    return;
  }
  cur.first_body_line = false;
}

// RFC 2046 5.1.1: the line end before a boundary line belongs to the
// boundary. When a boundary follows the blank line that ended a part's
// header, that blank line's line end is the one: the part has an empty body
// and its header loses the blank line (Dovecot agrees).
void StructureParser::take_blank_line(Open& open) {
  Part& part = *open.part;
  uint8_t nl = prev_newline_;
  part.body_offset -= nl;
  part.header_lines -= 1;
  open.lines_at_body -= 1;
  if (nl == 1) {
    part.header_bare_lf -= 1;
    open.bare_at_body -= 1;
  }
  open.blank_line_end = false;
}

// Dovecot moves a line end taken from a cut header into the parent's body,
// and its sizes add up through every enclosing part below the boundary's
// owner: those parts end after that line end.
void StructureParser::give_line_end_to_ancestors(size_t owner, size_t cut) {
  for (size_t i = owner + 1; i < cut; ++i) open_[i].end_extra = prev_newline_;
}

void StructureParser::close_part(Open& open, uint64_t at, uint64_t lines, uint64_t bare) {
  Part& part = *open.part;
  if (open.end_extra > 0) {
    at += open.end_extra;
    lines += 1;
    if (open.end_extra == 1) bare += 1;
  }
  part.body_end = at;
  part.body_lines = static_cast<uint32_t>(lines - open.lines_at_body);
  part.body_bare_lf = bare - open.bare_at_body;
  if (open.has_nul) part.flags |= kPartHasNul;
}

void StructureParser::process_boundary(size_t b_index, bool closing, uint64_t at, uint64_t lines, uint64_t bare) {
  size_t owner = boundaries_[b_index].owner;
  while (open_.size() > owner + 1) {
    Open& top = open_.back();
    if (top.mode == Mode::header) end_header(at, lines, bare, true);
    close_part(open_.back(), at, lines, bare);
    open_.pop_back();
  }
  // Boundaries of the parts just closed (and, when closing, this one) go.
  boundaries_.resize(closing ? b_index : b_index + 1);
  Open& parent = open_.back();
  parent.first_body_line = true;
  if (closing) return;  // the epilogue follows, in the parent's body
  Part& multipart = *parent.part;
  multipart.children.emplace_back();
  ++result_.part_count;
  if (result_.part_count >= settings_.max_parts) {
    // No more parts: the rest of the body stays in this last one.
    parts_limit_reached_ = true;
    result_.limits_hit = true;
  }
  bool digest = iequals(multipart.subtype, "digest");
  uint64_t next_lines = lines_ + (cur_newline_ > 0 ? 1 : 0);
  uint64_t next_bare = bare_ + (cur_newline_ == 1 ? 1 : 0);
  start_part(&multipart.children.back(), pos_, next_lines, next_bare, digest, true);
}

void StructureParser::end_header(uint64_t at, uint64_t lines, uint64_t bare, bool by_boundary) {
  Open& cur = open_.back();
  Part& part = *cur.part;
  part.body_offset = at;
  part.header_lines = static_cast<uint32_t>(lines - cur.lines_at_header);
  part.header_bare_lf = bare - cur.bare_at_header;
  cur.lines_at_body = lines;
  cur.bare_at_body = bare;
  cur.mode = Mode::body;
  cur.first_body_line = true;
  if (cur.header_truncated) {
    part.flags |= kPartHeaderTooLong;
    result_.limits_hit = true;
  }

  bool message_root = open_.size() == 1 || open_[open_.size() - 2].part->kind == PartKind::message;
  if (message_root && !part.envelope) part.envelope = Envelope{};

  // RFC 2045 4: Content-* fields count in a MIME entity. Like Dovecot (not
  // strict about MIME-Version), a Content-Type alone makes the part MIME.
  bool is_mime = cur.mime_child;
  bool seen_type = false;
  bool seen_encoding = false;
  bool seen_disposition = false;
  bool seen_language = false;
  std::optional<detail::ContentType> content_type;
  std::vector<HeaderField> fields = split_header_fields(cur.header);
  for (const HeaderField& field : fields) {
    if (iequals(field.name, "MIME-Version")) is_mime = true;
    if (message_root) add_envelope_field(*part.envelope, field.name, field_value(field.value));
    if (!starts_with_icase(field.name, "Content-")) continue;
    std::string_view kind = field.name.substr(8);
    if (iequals(kind, "Type")) {
      is_mime = true;
      if (!seen_type) content_type = detail::parse_content_type(unfold(field.value));
      seen_type = true;  // RFC 2045 does not allow two; the first one wins
    } else if (iequals(kind, "Transfer-Encoding")) {
      if (!seen_encoding) part.encoding = detail::parse_transfer_encoding(unfold(field.value));
      seen_encoding = true;
    } else if (iequals(kind, "ID")) {
      if (!part.content_id) part.content_id = field_value(field.value);
    } else if (iequals(kind, "Description")) {
      if (!part.description) part.description = field_value(field.value);
    } else if (iequals(kind, "MD5")) {
      if (!part.md5) part.md5 = field_value(field.value);
    } else if (iequals(kind, "Location")) {
      if (!part.location) part.location = field_value(field.value);
    } else if (iequals(kind, "Disposition")) {
      if (!seen_disposition) {
        if (auto d = detail::parse_disposition(unfold(field.value))) {
          part.disposition = std::move(d->value);
          part.disposition_params = std::move(d->params);
        }
      }
      seen_disposition = true;
    } else if (iequals(kind, "Language")) {
      if (!seen_language) part.language = detail::parse_language(unfold(field.value));
      seen_language = true;
    }
  }
  cur.header.clear();
  cur.header.shrink_to_fit();

  if (!is_mime) {
    // Not a MIME entity: its Content-* fields mean nothing (RFC 2045 4).
    Envelope keep;
    bool had = part.envelope.has_value();
    if (had) keep = std::move(*part.envelope);
    uint8_t flags = part.flags;
    Part fresh;
    fresh.kind = part.kind;
    fresh.flags = flags;
    fresh.header_offset = part.header_offset;
    fresh.body_offset = part.body_offset;
    fresh.header_lines = part.header_lines;
    fresh.header_bare_lf = part.header_bare_lf;
    if (had) fresh.envelope = std::move(keep);
    part = std::move(fresh);
    content_type.reset();
  }

  bool multipart = false;
  bool message = false;
  std::string boundary;
  if (content_type) {
    part.has_content_type = true;
    part.type = std::move(content_type->type);
    part.subtype = std::move(content_type->subtype);
    part.params = std::move(content_type->params);
    if (iequals(part.type, "multipart")) {
      multipart = true;
      for (const Param& p : part.params) {
        if (iequals(p.name, "boundary")) {
          boundary = p.value.substr(0, settings_.max_boundary_bytes);
          break;
        }
      }
    } else if (iequals(part.type, "message") &&
               (iequals(part.subtype, "rfc822") || iequals(part.subtype, "global"))) {
      message = true;
    } else if (iequals(part.type, "text")) {
      part.flags |= kPartText;
    }
  } else if (cur.in_digest) {
    message = true;  // RFC 2046 5.1.5: the default in a digest is message/rfc822
  } else {
    part.flags |= kPartText;  // RFC 2045 5.2: text/plain; charset=us-ascii
  }

  size_t depth = open_.size() - 1;
  if (multipart) {
    if (depth + 1 > settings_.max_depth) {
      part.flags |= kPartTruncated;
      result_.limits_hit = true;
    } else {
      part.kind = PartKind::multipart;
      // Without a boundary (or cut short by a boundary of an enclosing
      // part) a multipart has no body parts; BODYSTRUCTURE shows an empty
      // text/plain one, as Dovecot does.
      if (!boundary.empty() && !by_boundary) boundaries_.push_back(Boundary{boundary, open_.size() - 1});
    }
  } else if (message) {
    if (depth + 1 > settings_.max_depth || parts_limit_reached_) {
      part.flags |= kPartTruncated;
      result_.limits_hit = true;
    } else {
      part.kind = PartKind::message;
      part.children.emplace_back();
      ++result_.part_count;
      if (result_.part_count >= settings_.max_parts) {
        parts_limit_reached_ = true;
        result_.limits_hit = true;
      }
      start_part(&part.children.back(), at, lines, bare, false, false);
      if (by_boundary) end_header(at, lines, bare, true);
    }
  }
}

MessageStructure StructureParser::finish() {
  if (finished_) return std::move(result_);
  finished_ = true;
  if (line_len_ > 0) end_line(false);
  while (open_.back().mode == Mode::header) end_header(pos_, lines_, bare_, false);
  while (!open_.empty()) {
    close_part(open_.back(), pos_, lines_, bare_);
    open_.pop_back();
  }
  result_.size = pos_;
  return std::move(result_);
}

MessageStructure StructureParser::parse(std::string_view message, MimeSettings settings) {
  StructureParser parser(settings);
  parser.feed(message);
  return parser.finish();
}

}  // namespace postino::mime
