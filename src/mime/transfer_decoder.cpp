// Streaming base64 and quoted-printable decoders (RFC 2045 6.7, 6.8).
#include "mime/transfer_decoder.hpp"

#include "mime/content_fields.hpp"

namespace postino::mime {
namespace {

using detail::iequals;

// Whitespace held back in case a line end follows (RFC 2045 6.7 rule 3).
// Beyond this the run is written out: it cannot all be trailing padding of
// a 76-character line anyway.
constexpr size_t kMaxHeldWhitespace = 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<TransferEncoding> transfer_encoding_from_name(const std::optional<std::string>& name) {
  if (!name) return TransferEncoding::identity;
  if (iequals(*name, "7bit") || iequals(*name, "8bit") || iequals(*name, "binary")) {
    return TransferEncoding::identity;
  }
  if (iequals(*name, "base64")) return TransferEncoding::base64;
  if (iequals(*name, "quoted-printable")) return TransferEncoding::quoted_printable;
  return std::nullopt;
}

void TransferDecoder::feed(std::string_view bytes, std::string& out) {
  if (!crlf_input_) {
    feed_decoded(bytes, out);
    return;
  }
  // Bare LF -> CRLF, in pieces between the LFs.
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    bool had_cr = i > 0 ? bytes[i - 1] == '\r' : last_was_cr_;
    if (!had_cr) {
      feed_decoded(bytes.substr(start, i - start), out);
      feed_decoded("\r", out);
      start = i;
    }
  }
  feed_decoded(bytes.substr(start), out);
  if (!bytes.empty()) last_was_cr_ = bytes.back() == '\r';
}

void TransferDecoder::feed_decoded(std::string_view bytes, std::string& out) {
  switch (encoding_) {
    case TransferEncoding::identity:
      out.append(bytes);
      break;
    case TransferEncoding::base64:
      feed_base64(bytes, out);
      break;
    case TransferEncoding::quoted_printable:
      feed_qp(bytes, out);
      break;
  }
}

void TransferDecoder::feed_base64(std::string_view bytes, std::string& out) {
  for (char c : bytes) {
    if (b64_done_) {
      if (c != '=' && base64_value(c) >= 0) errors_ = true;  // data after the padding is ignored
      continue;
    }
    if (c == '=') {
      b64_done_ = true;
      continue;
    }
    int v = base64_value(c);
    if (v < 0) {
      if (c != '\r' && c != '\n' && !is_wsp(c)) errors_ = true;
      continue;
    }
    b64_bits_ = (b64_bits_ << 6) | static_cast<uint32_t>(v);
    if (++b64_count_ == 4) {
      out.push_back(static_cast<char>((b64_bits_ >> 16) & 0xff));
      out.push_back(static_cast<char>((b64_bits_ >> 8) & 0xff));
      out.push_back(static_cast<char>(b64_bits_ & 0xff));
      b64_bits_ = 0;
      b64_count_ = 0;
    }
  }
}

void TransferDecoder::feed_qp(std::string_view bytes, std::string& out) {
  std::string& p = qp_pending_;
  for (size_t i = 0; i < bytes.size();) {
    char c = bytes[i];
    bool consumed = true;
    if (p.empty()) {
      if (c == '=' || is_wsp(c) || c == '\r') {
        p.push_back(c);
      } else {
        out.push_back(c);
      }
    } else if (p[0] == '=') {
      if (p.size() == 1) {
        if (hex_value(c) >= 0 || is_wsp(c) || c == '\r') {
          p.push_back(c);
        } else if (c == '\n') {
          p.clear();  // soft line break
        } else {
          out += p;  // "=" not starting an escape: kept as written
          p.clear();
          errors_ = true;
          consumed = false;
        }
      } else if (p.size() == 2 && hex_value(p[1]) >= 0) {
        if (hex_value(c) >= 0) {
          out.push_back(static_cast<char>(hex_value(p[1]) * 16 + hex_value(c)));
          p.clear();
        } else {
          out += p;
          p.clear();
          errors_ = true;
          consumed = false;
        }
      } else {
        // "=" followed by whitespace: transport padding before a soft break.
        if (c == '\n') {
          p.clear();
        } else if ((is_wsp(c) || c == '\r') && p.size() < kMaxHeldWhitespace) {
          p.push_back(c);
        } else {
          out += p;
          p.clear();
          errors_ = true;
          consumed = false;
        }
      }
    } else if (p == "\r") {
      if (c == '\n') {
        out += "\r\n";
        p.clear();
      } else {
        out.push_back('\r');
        p.clear();
        consumed = false;
      }
    } else {
      // Held whitespace, possibly ending in CR.
      bool has_cr = p.back() == '\r';
      if (c == '\n') {
        out += has_cr ? "\r\n" : "\n";  // trailing whitespace is padding
        p.clear();
      } else if (!has_cr && (is_wsp(c) || c == '\r') && p.size() < kMaxHeldWhitespace) {
        p.push_back(c);
      } else {
        out += p;
        p.clear();
        consumed = false;
      }
    }
    if (consumed) ++i;
  }
}

void TransferDecoder::finish(std::string& out) {
  if (encoding_ == TransferEncoding::base64) {
    if (b64_count_ == 2) {
      out.push_back(static_cast<char>((b64_bits_ >> 4) & 0xff));
    } else if (b64_count_ == 3) {
      out.push_back(static_cast<char>((b64_bits_ >> 10) & 0xff));
      out.push_back(static_cast<char>((b64_bits_ >> 2) & 0xff));
    } else if (b64_count_ == 1) {
      errors_ = true;
    }
    b64_bits_ = 0;
    b64_count_ = 0;
  } else if (encoding_ == TransferEncoding::quoted_printable) {
    const std::string& p = qp_pending_;
    if (p == "\r") {
      out.push_back('\r');
    } else if (p.size() == 2 && p[0] == '=' && hex_value(p[1]) >= 0) {
      out += p;
      errors_ = true;
    }
    // A lone "=" or whitespace at the very end: a soft break / padding.
    qp_pending_.clear();
  }
}

uint64_t decoded_size(std::string_view body, TransferEncoding encoding, bool crlf_input) {
  if (encoding == TransferEncoding::identity && !crlf_input) return body.size();
  TransferDecoder decoder(encoding, crlf_input);
  uint64_t total = 0;
  std::string out;
  constexpr size_t kChunk = 64 * 1024;
  for (size_t i = 0; i < body.size(); i += kChunk) {
    out.clear();
    decoder.feed(body.substr(i, kChunk), out);
    total += out.size();
  }
  out.clear();
  decoder.finish(out);
  return total + out.size();
}

}  // namespace postino::mime
