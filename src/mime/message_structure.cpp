// MessageStructure serialisation: a version byte, then the part tree.
// Integers are LEB128 varints; strings are a varint length then bytes;
// optionals a 0/1 byte then the value; lists a varint count then items.
#include "mime/message_structure.hpp"

#include "mime/content_fields.hpp"

namespace postino::mime {
namespace {

constexpr size_t kMaxDepth = 1000;         // well above MimeSettings::max_depth
constexpr uint64_t kMaxCount = 1u << 24;  // items in any one list

class Writer {
 public:
  void u64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void opt(const std::optional<std::string>& s) {
    out_.push_back(s ? 1 : 0);
    if (s) str(*s);
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  void params(const std::vector<Param>& v) {
    u64(v.size());
    for (const auto& p : v) {
      str(p.name);
      str(p.value);
    }
  }
  void byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }

  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail();
      auto b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail();
  }
  uint8_t byte() {
    if (in_.empty()) return static_cast<uint8_t>(fail());
    auto b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok_ || n > in_.size()) {
      fail();
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::optional<std::string> opt() {
    uint8_t present = byte();
    if (present > 1) fail();
    if (!ok_ || present == 0) return std::nullopt;
    return str();
  }
  uint64_t count() {
    uint64_t n = u64();
    // Every item takes at least one byte: a count above what is left is corrupt.
    if (n > kMaxCount || n > in_.size()) {
      fail();
      return 0;
    }
    return n;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v;
    uint64_t n = count();
    for (uint64_t i = 0; i < n && ok_; ++i) v.push_back(str());
    return v;
  }
  std::vector<Param> params() {
    std::vector<Param> v;
    uint64_t n = count();
    for (uint64_t i = 0; i < n && ok_; ++i) {
      Param p;
      p.name = str();
      p.value = str();
      v.push_back(std::move(p));
    }
    return v;
  }
  uint64_t fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

void write_envelope(Writer& w, const Envelope& e) {
  w.opt(e.date);
  w.opt(e.subject);
  w.strs(e.from);
  w.strs(e.sender);
  w.strs(e.reply_to);
  w.strs(e.to);
  w.strs(e.cc);
  w.strs(e.bcc);
  w.opt(e.in_reply_to);
  w.opt(e.message_id);
}

Envelope read_envelope(Reader& r) {
  Envelope e;
  e.date = r.opt();
  e.subject = r.opt();
  e.from = r.strs();
  e.sender = r.strs();
  e.reply_to = r.strs();
  e.to = r.strs();
  e.cc = r.strs();
  e.bcc = r.strs();
  e.in_reply_to = r.opt();
  e.message_id = r.opt();
  return e;
}

void write_part(Writer& w, const Part& p) {
  w.byte(static_cast<uint8_t>(p.kind));
  w.byte(p.flags);
  w.u64(p.header_offset);
  w.u64(p.body_offset - p.header_offset);
  w.u64(p.body_end - p.body_offset);
  w.u64(p.header_lines);
  w.u64(p.body_lines);
  w.u64(p.header_bare_lf);
  w.u64(p.body_bare_lf);
  w.byte(p.has_content_type ? 1 : 0);
  w.str(p.type);
  w.str(p.subtype);
  w.params(p.params);
  w.opt(p.content_id);
  w.opt(p.description);
  w.opt(p.encoding);
  w.opt(p.md5);
  w.opt(p.disposition);
  w.params(p.disposition_params);
  w.strs(p.language);
  w.opt(p.location);
  w.byte(p.envelope ? 1 : 0);
  if (p.envelope) write_envelope(w, *p.envelope);
  w.u64(p.children.size());
  for (const Part& child : p.children) write_part(w, child);
}

bool read_part(Reader& r, Part& p, size_t depth, uint64_t message_size) {
  if (depth > kMaxDepth) return false;
  uint8_t kind = r.byte();
  if (kind > static_cast<uint8_t>(PartKind::message)) return false;
  p.kind = static_cast<PartKind>(kind);
  p.flags = r.byte();
  p.header_offset = r.u64();
  uint64_t header_bytes = r.u64();
  uint64_t body_bytes = r.u64();
  if (!r.ok() || header_bytes > message_size || body_bytes > message_size ||
      p.header_offset > message_size - header_bytes - body_bytes || header_bytes + body_bytes > message_size) {
    return false;
  }
  p.body_offset = p.header_offset + header_bytes;
  p.body_end = p.body_offset + body_bytes;
  uint64_t header_lines = r.u64();
  uint64_t body_lines = r.u64();
  if (header_lines > UINT32_MAX || body_lines > UINT32_MAX) return false;
  p.header_lines = static_cast<uint32_t>(header_lines);
  p.body_lines = static_cast<uint32_t>(body_lines);
  p.header_bare_lf = r.u64();
  p.body_bare_lf = r.u64();
  uint8_t has_type = r.byte();
  if (has_type > 1) return false;
  p.has_content_type = has_type == 1;
  p.type = r.str();
  p.subtype = r.str();
  p.params = r.params();
  p.content_id = r.opt();
  p.description = r.opt();
  p.encoding = r.opt();
  p.md5 = r.opt();
  p.disposition = r.opt();
  p.disposition_params = r.params();
  p.language = r.strs();
  p.location = r.opt();
  uint8_t has_envelope = r.byte();
  if (has_envelope > 1) return false;
  if (has_envelope == 1) p.envelope = read_envelope(r);
  uint64_t children = r.count();
  if (!r.ok()) return false;
  if (p.kind == PartKind::single && children != 0) return false;
  if (p.kind == PartKind::message && children != 1) return false;
  p.children.resize(children);
  for (Part& child : p.children) {
    if (!read_part(r, child, depth + 1, message_size)) return false;
  }
  return r.ok();
}

}  // namespace

const std::string* Part::param(std::string_view name) const {
  for (const Param& p : params) {
    if (detail::iequals(p.name, name)) return &p.value;
  }
  return nullptr;
}

std::string MessageStructure::serialize() const {
  Writer w;
  w.byte(kStructureFormatVersion);
  w.u64(size);
  w.u64(part_count);
  w.byte(limits_hit ? 1 : 0);
  write_part(w, root);
  return w.take();
}

Result<MessageStructure> MessageStructure::deserialize(std::string_view bytes) {
  Reader r(bytes);
  uint8_t version = r.byte();
  if (!r.ok() || version != kStructureFormatVersion) {
    return make_error(Errc::corrupt_data, "mime structure: unknown format version");
  }
  MessageStructure s;
  s.size = r.u64();
  uint64_t parts = r.u64();
  uint8_t limits = r.byte();
  if (!r.ok() || parts > UINT32_MAX || limits > 1) {
    return make_error(Errc::corrupt_data, "mime structure: bad header");
  }
  s.part_count = static_cast<uint32_t>(parts);
  s.limits_hit = limits == 1;
  if (!read_part(r, s.root, 0, s.size) || !r.at_end() || !s.root.envelope) {
    return make_error(Errc::corrupt_data, "mime structure: malformed part tree");
  }
  return s;
}

}  // namespace postino::mime
