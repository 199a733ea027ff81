// DKIM canonicalisation (RFC 6376 3.4): "simple" and "relaxed" for header
// fields and bodies, with the body hashed as it streams (a 25 MB message is
// never held in memory: only a run of pending blank lines and whitespace is
// counted, not stored).
// Line ends: the body is hashed as an SMTP client will send it, so a bare LF
// counts as CRLF; a bare CR is body data.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace postino::dkim {

enum class DkimCanonicalization { simple, relaxed };

const char* dkim_canonicalization_name(DkimCanonicalization canon);

// One header field as it appears in the message ("Name: value" with any
// folding, with or without its final CRLF), canonicalised per RFC 6376 3.4.1
// (simple: unchanged, final CRLF ensured) or 3.4.2 (relaxed: lower-case name,
// unfolded, whitespace runs to one SP, no WSP around the colon or at the
// end). The result ends with CRLF.
std::string canonicalize_header_field(std::string_view field, DkimCanonicalization canon);

// The body, canonicalised in one go (tests and small messages).
std::string canonicalize_body(std::string_view body, DkimCanonicalization canon);

// Streaming canonicaliser + SHA-256 of the body (RFC 6376 3.4.3-3.4.5, 3.7).
// No l= support: the whole body is hashed. Not thread-safe; one per message.
class DkimBodyHasher {
 public:
  explicit DkimBodyHasher(DkimCanonicalization canon);
  ~DkimBodyHasher();
  DkimBodyHasher(DkimBodyHasher&&) noexcept;
  DkimBodyHasher& operator=(DkimBodyHasher&&) noexcept;

  // Feeds the next bytes of the body (the part after the blank line ending
  // the header block). Chunks may split lines and CRLF pairs anywhere.
  void update(std::string_view chunk);

  // The SHA-256 of the canonical body; the hasher is spent afterwards.
  std::array<std::uint8_t, 32> finish();
  // finish(), base64: the bh= value.
  std::string finish_base64();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  void emit(std::string_view bytes);
  void content(std::string_view bytes);
  void end_line();
  void flush_pending_blank_lines();

  DkimCanonicalization canon_;
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
  std::string out_;              // small buffer batched into the digest
  std::uint64_t blank_lines_ = 0;  // empty lines not yet known not to be trailing
  bool pending_wsp_ = false;     // relaxed: whitespace seen, not yet known not to end the line
  bool line_has_content_ = false;
  bool pending_cr_ = false;      // a CR seen as the last byte of a chunk
  bool any_content_ = false;     // relaxed: anything at all was emitted
};

}  // namespace postino::dkim
