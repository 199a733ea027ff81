// Literal announcements at line ends, tags, and CommandText's segment list.
#include "imap_proto/command_text.hpp"

#include <limits>
#include <utility>

namespace postino::imap {
namespace {

// RFC 9051 9: ATOM-CHAR = any CHAR except atom-specials; ASTRING-CHAR adds "]".
bool is_tag_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case '+':
      return false;
    default:
      return true;
  }
}

}  // namespace

std::optional<LiteralAnnouncement> literal_at_end(std::string_view line) {
  if (line.size() < 3 || line.back() != '}') return std::nullopt;
  std::size_t close = line.size() - 1;
  std::size_t open = line.rfind('{', close);
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view inside = line.substr(open + 1, close - open - 1);
  LiteralAnnouncement result;
  if (!inside.empty() && inside.back() == '+') {
    result.synchronizing = false;
    inside.remove_suffix(1);
  }
  if (inside.empty()) return std::nullopt;
  std::uint64_t size = 0;
  for (char c : inside) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (size > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      size = std::numeric_limits<std::uint64_t>::max();
    } else {
      size = size * 10 + digit;
    }
  }
  result.size_bytes = size;
  result.binary = open > 0 && line[open - 1] == '~';
  return result;
}

std::optional<std::string_view> peek_tag(std::string_view first_line) {
  std::size_t n = 0;
  while (n < first_line.size() && is_tag_char(first_line[n])) ++n;
  if (n == 0 || (n < first_line.size() && first_line[n] != ' ')) return std::nullopt;
  return first_line.substr(0, n);
}

bool is_idle_done(std::string_view line) {
  if (line.size() != 4) return false;
  static constexpr char kDone[] = "DONE";
  for (std::size_t i = 0; i < 4; ++i) {
    char c = line[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != kDone[i]) return false;
  }
  return true;
}

void CommandText::add_line(std::string line) {
  total_bytes_ += line.size();
  segments_.push_back(Segment{SegmentKind::line, std::move(line)});
}

void CommandText::add_literal(std::string bytes) {
  total_bytes_ += bytes.size();
  segments_.push_back(Segment{SegmentKind::literal, std::move(bytes)});
}

std::string& CommandText::add_literal_storage(std::size_t size_bytes) {
  total_bytes_ += size_bytes;
  segments_.push_back(Segment{SegmentKind::literal, std::string(size_bytes, '\0')});
  return segments_.back().bytes;
}

void CommandText::clear() {
  segments_.clear();
  total_bytes_ = 0;
}

std::string CommandText::take_literal(std::size_t segment_index) {
  if (segment_index >= segments_.size() || segments_[segment_index].kind != SegmentKind::literal) return {};
  std::string out = std::move(segments_[segment_index].bytes);
  segments_[segment_index].bytes.clear();
  total_bytes_ -= out.size();
  return out;
}

}  // namespace postino::imap
