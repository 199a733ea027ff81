// Charset conversion (ICU ucnv), RFC 2047 and RFC 2231 decoding.
#include "mime/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <memory>

#include "mime/content_fields.hpp"
#include "mime/transfer_decoder.hpp"

namespace postino::mime {
namespace {

using detail::iequals;

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 2047 2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
struct EncodedWord {
  std::string_view charset;
  char encoding;
  std::string_view text;
  size_t length;  // bytes of the whole word
};

bool parse_encoded_word(std::string_view s, EncodedWord& w) {
  if (!s.starts_with("=?")) return false;
  size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 == 2 || q1 + 3 >= s.size() || s[q1 + 2] != '?') return false;
  char enc = s[q1 + 1];
  if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
  size_t text_start = q1 + 3;
  size_t end = s.find("?=", text_start);
  if (end == std::string_view::npos) return false;
  std::string_view text = s.substr(text_start, end - text_start);
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  std::string_view charset = s.substr(2, q1 - 2);
  // RFC 2231 5: charset*language.
  if (size_t star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);
  w = EncodedWord{charset, static_cast<char>(enc | 0x20), text, end + 2};
  return true;
}

std::string decode_q(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string decode_b(std::string_view text) {
  TransferDecoder d(TransferEncoding::base64);
  std::string out;
  d.feed(text, out);
  d.finish(out);
  return out;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Result<std::string> to_utf8(std::string_view bytes, std::string_view charset) {
  if (charset.empty()) return make_error(Errc::unsupported, "empty charset");
  if (iequals(charset, "utf-8") || iequals(charset, "utf8")) {
    if (is_valid_utf8(bytes)) return std::string(bytes);
  }
  std::string name(charset);
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr conv(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status)) {
    return make_error(Errc::unsupported, "unknown charset " + name);
  }
  if (bytes.size() > static_cast<size_t>(INT32_MAX / 2)) return make_error(Errc::invalid_argument, "too large");
  // Invalid input becomes U+FFFD (ICU's default to-Unicode substitution).
  icu::UnicodeString text(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), status);
  if (U_FAILURE(status)) return make_error(Errc::invalid_argument, "conversion failed from " + name);
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string to_utf8_lenient(std::string_view bytes, std::string_view charset) {
  if (is_ascii(bytes)) return std::string(bytes);
  // Mislabelled 8-bit text is common: a us-ascii or unknown label on UTF-8.
  bool ascii_label = charset.empty() || iequals(charset, "us-ascii") || iequals(charset, "ascii");
  if (ascii_label && is_valid_utf8(bytes)) return std::string(bytes);
  if (!ascii_label) {
    if (auto r = to_utf8(bytes, charset)) return std::move(*r);
  }
  if (is_valid_utf8(bytes)) return std::string(bytes);
  auto r = to_utf8(bytes, "windows-1252");
  return r ? std::move(*r) : std::string();
}

std::string decode_header_value(std::string_view value) {
  std::string out;
  std::string pending;          // decoded bytes of adjacent encoded words
  std::string pending_charset;  // their charset
  std::string gap;              // whitespace after an encoded word
  bool last_was_word = false;
  auto flush = [&] {
    if (!pending.empty()) out += to_utf8_lenient(pending, pending_charset);
    pending.clear();
  };
  size_t i = 0;
  while (i < value.size()) {
    EncodedWord w;
    if (value[i] == '=' && parse_encoded_word(value.substr(i), w)) {
      // RFC 2047 6.2: whitespace between two encoded words is dropped.
      std::string bytes = w.encoding == 'b' ? decode_b(w.text) : decode_q(w.text);
      if (!last_was_word || !iequals(w.charset, pending_charset)) {
        flush();
        pending_charset.assign(w.charset);
      }
      pending += bytes;
      gap.clear();
      last_was_word = true;
      i += w.length;
      continue;
    }
    char c = value[i];
    if (last_was_word && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      gap.push_back(c);
      ++i;
      continue;
    }
    flush();
    last_was_word = false;
    for (char g : gap) out.push_back(g == '\r' || g == '\n' ? ' ' : g);
    gap.clear();
    size_t next = value.find("=?", i + 1);
    if (next == std::string_view::npos) next = value.size();
    // The word boundary: plain text runs until the next "=?".
    std::string_view text = value.substr(i, next - i);
    out += to_utf8_lenient(text, "");
    i = next;
  }
  flush();
  for (char g : gap) out.push_back(g == '\r' || g == '\n' ? ' ' : g);
  return out;
}

std::string decode_param_value(const Param& param) {
  if (param.name.empty() || param.name.back() != '*') return decode_header_value(param.value);
  std::string_view v = param.value;
  size_t q1 = v.find('\'');
  size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return to_utf8_lenient(v, "");
  std::string_view charset = v.substr(0, q1);
  std::string_view text = v.substr(q2 + 1);
  std::string bytes;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      bytes.push_back(text[i]);
    }
  }
  return to_utf8_lenient(bytes, charset);
}

}  // namespace postino::mime
