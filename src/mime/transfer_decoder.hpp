// Streaming Content-Transfer-Encoding decoders (RFC 2045 6.7 quoted-printable,
// 6.8 base64) for FETCH BINARY and BINARY.SIZE (RFC 3516): fed a part body
// chunk by chunk, they produce the decoded bytes with constant state, so a
// 25 MB attachment is never held.
// Robust like MUAs: base64 ignores characters outside the alphabet and stops
// at padding; quoted-printable keeps a bad "=XY" as written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postino::mime {

enum class TransferEncoding : uint8_t { identity, base64, quoted_printable };

// 7bit, 8bit, binary (and absent: nullopt) -> identity; base64;
// quoted-printable; anything else -> nullopt (RFC 3516: [UNKNOWN-CTE]).
std::optional<TransferEncoding> transfer_encoding_from_name(const std::optional<std::string>& name);

class TransferDecoder {
 public:
  // crlf_input: bare LFs of the stored body are read as CRLF first, so the
  // result is the decoding of the body as IMAP shows it (BINARY[] of a
  // message stored with bare LF line ends, as Dovecot does).
  explicit TransferDecoder(TransferEncoding encoding, bool crlf_input = false)
      : encoding_(encoding), crlf_input_(crlf_input) {}

  // Appends the decoded form of bytes to out.
  void feed(std::string_view bytes, std::string& out);
  // Flushes what is pending at the end of the body.
  void finish(std::string& out);
  // True when the input had invalid characters or a truncated quantum.
  bool had_errors() const { return errors_; }

 private:
  void feed_decoded(std::string_view bytes, std::string& out);
  void feed_base64(std::string_view bytes, std::string& out);
  void feed_qp(std::string_view bytes, std::string& out);

  TransferEncoding encoding_;
  bool crlf_input_ = false;
  bool last_was_cr_ = false;
  bool errors_ = false;
  // base64: bits collected so far.
  uint32_t b64_bits_ = 0;
  int b64_count_ = 0;
  bool b64_done_ = false;
  // quoted-printable: bytes held back (an "=" escape or trailing whitespace
  // that may be removed at the line end). Bounded by a line's trailing WSP,
  // itself capped (kMaxHeldWhitespace).
  std::string qp_pending_;
};

// Decoded size of a whole body held in memory (BINARY.SIZE convenience).
uint64_t decoded_size(std::string_view body, TransferEncoding encoding, bool crlf_input = false);

}  // namespace postino::mime
