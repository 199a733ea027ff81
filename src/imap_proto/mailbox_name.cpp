// Modified UTF-7 codec (RFC 3501 5.1.3), UTF-8 validation, INBOX
// normalisation and mailbox name rules. Written by hand: ICU has no
// modified-UTF-7 converter, and the strict rejection rules are IMAP's own.
#include "imap_proto/mailbox_name.hpp"

#include <cstdint>
#include <vector>

namespace postino::imap {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool printable_ascii(std::uint32_t c) { return c >= 0x20 && c <= 0x7e; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes one UTF-8 code point at text[i]; advances i. False when malformed.
bool next_code_point(std::string_view text, std::size_t& i, std::uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  std::size_t len;
  std::uint32_t min;
  if (c < 0x80) {
    cp = c;
    ++i;
    return true;
  } else if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (text.size() - i < len) return false;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  i += len;
  return true;
}

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

void flush_base64(std::string& out, const std::vector<std::uint16_t>& units) {
  out += '&';
  std::uint32_t bits = 0;
  int count = 0;
  for (std::uint16_t u : units) {
    bits = (bits << 16) | u;
    count += 16;
    while (count >= 6) {
      count -= 6;
      out += kBase64[(bits >> count) & 0x3f];
    }
    bits &= (1u << count) - 1;
  }
  if (count > 0) out += kBase64[(bits << (6 - count)) & 0x3f];
  out += '-';
}

}  // namespace

bool is_valid_utf8(std::string_view utf8) {
  std::size_t i = 0;
  std::uint32_t cp;
  while (i < utf8.size()) {
    if (!next_code_point(utf8, i, cp)) return false;
  }
  return true;
}

Result<std::string> decode_mutf7(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  bool previous_was_run = false;
  std::size_t i = 0;
  while (i < wire.size()) {
    char c = wire[i];
    if (!printable_ascii(static_cast<unsigned char>(c))) return invalid("mailbox name has a non-ASCII or control octet");
    if (c != '&') {
      out += c;
      ++i;
      previous_was_run = false;
      continue;
    }
    if (i + 1 < wire.size() && wire[i + 1] == '-') {
      out += '&';
      i += 2;
      previous_was_run = false;
      continue;
    }
    if (previous_was_run) return invalid("adjacent modified UTF-7 runs");
    ++i;
    std::uint32_t bits = 0;
    int count = 0;
    std::uint32_t high = 0;  // pending high surrogate
    bool any = false;
    while (true) {
      if (i >= wire.size()) return invalid("unterminated modified UTF-7 run");
      char b = wire[i++];
      if (b == '-') break;
      int v = base64_value(b);
      if (v < 0) return invalid("invalid character in modified UTF-7 run");
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
      count += 6;
      if (count >= 16) {
        count -= 16;
        std::uint32_t unit = (bits >> count) & 0xffff;
        bits &= (1u << count) - 1;
        any = true;
        if (high != 0) {
          if (unit < 0xdc00 || unit > 0xdfff) return invalid("unpaired UTF-16 surrogate");
          append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
          high = 0;
        } else if (unit >= 0xd800 && unit <= 0xdbff) {
          high = unit;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          return invalid("unpaired UTF-16 surrogate");
        } else if (printable_ascii(unit)) {
          return invalid("printable ASCII encoded in modified UTF-7");
        } else {
          append_utf8(out, unit);
        }
      }
    }
    if (!any) return invalid("empty modified UTF-7 run");
    if (high != 0) return invalid("unpaired UTF-16 surrogate");
    if (count >= 6 || bits != 0) return invalid("non-zero or excess padding in modified UTF-7 run");
    previous_was_run = true;
  }
  return out;
}

Result<std::string> encode_mutf7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 8);
  std::vector<std::uint16_t> units;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::uint32_t cp;
    if (!next_code_point(utf8, i, cp)) return invalid("mailbox name is not valid UTF-8");
    if (printable_ascii(cp)) {
      if (!units.empty()) {
        flush_base64(out, units);
        units.clear();
      }
      if (cp == '&') {
        out += "&-";
      } else {
        out += static_cast<char>(cp);
      }
      continue;
    }
    if (cp >= 0x10000) {
      std::uint32_t v = cp - 0x10000;
      units.push_back(static_cast<std::uint16_t>(0xd800 + (v >> 10)));
      units.push_back(static_cast<std::uint16_t>(0xdc00 + (v & 0x3ff)));
    } else {
      units.push_back(static_cast<std::uint16_t>(cp));
    }
  }
  if (!units.empty()) flush_base64(out, units);
  return out;
}

std::string normalize_inbox(std::string_view name) {
  auto is_inbox = [](std::string_view level) {
    if (level.size() != 5) return false;
    static constexpr char kInbox[] = "INBOX";
    for (std::size_t k = 0; k < 5; ++k) {
      char c = level[k];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != kInbox[k]) return false;
    }
    return true;
  };
  std::size_t end = name.find(kHierarchySeparator);
  std::string_view first = name.substr(0, end);
  if (!is_inbox(first)) return std::string(name);
  std::string out = "INBOX";
  if (end != std::string_view::npos) out.append(name.substr(end));
  return out;
}

Status validate_mailbox_name(std::string_view utf8_name, const MailboxNameLimits& limits) {
  if (utf8_name.empty()) return invalid("empty mailbox name");
  if (utf8_name.size() > limits.max_bytes) return invalid("mailbox name is too long");
  std::size_t i = 0;
  while (i < utf8_name.size()) {
    std::uint32_t cp;
    if (!next_code_point(utf8_name, i, cp)) return invalid("mailbox name is not valid UTF-8");
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) return invalid("control character in mailbox name");
    if (cp == '*' || cp == '%') return invalid("'*' and '%' are not allowed in mailbox names");
  }
  if (utf8_name.front() == kHierarchySeparator) return invalid("mailbox name starts with the hierarchy separator");
  if (utf8_name.back() == kHierarchySeparator) return invalid("mailbox name ends with the hierarchy separator");
  std::size_t levels = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t end = utf8_name.find(kHierarchySeparator, start);
    std::string_view level = utf8_name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (level.empty()) return invalid("empty hierarchy level in mailbox name");
    if (level == "." || level == "..") return invalid("'.' and '..' are not allowed as mailbox levels");
    if (++levels > limits.max_levels) return invalid("mailbox name has too many levels");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

}  // namespace postino::imap
