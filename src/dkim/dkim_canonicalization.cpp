// DKIM canonicalisation (RFC 6376 3.4) and the streaming body hash.
#include "dkim/dkim_canonicalization.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "dkim/dkim_base64.hpp"

namespace postino::dkim {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
constexpr std::size_t kFlushBytes = 64 * 1024;

}  // namespace

const char* dkim_canonicalization_name(DkimCanonicalization canon) {
  return canon == DkimCanonicalization::relaxed ? "relaxed" : "simple";
}

std::string canonicalize_header_field(std::string_view field, DkimCanonicalization canon) {
  std::string out;
  out.reserve(field.size() + 2);
  if (canon == DkimCanonicalization::simple) {
    // RFC 6376 3.4.1: unchanged; line ends are normalised to CRLF as sent.
    for (std::size_t i = 0; i < field.size(); ++i) {
      if (field[i] == '\n' && (i == 0 || field[i - 1] != '\r')) out += '\r';
      out += field[i];
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
  }
  // RFC 6376 3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP at
  // the end of the value or around the colon.
  std::size_t colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  for (char c : name) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  out += ':';
  if (colon != std::string_view::npos) {
    bool pending_space = false;
    bool started = false;
    for (char c : field.substr(colon + 1)) {
      if (c == '\r' || c == '\n') continue;  // unfold
      if (is_wsp(c)) {
        pending_space = true;
        continue;
      }
      if (pending_space && started) out += ' ';
      pending_space = false;
      started = true;
      out += c;
    }
  }
  out += "\r\n";
  return out;
}

void DkimBodyHasher::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

DkimBodyHasher::DkimBodyHasher(DkimCanonicalization canon) : canon_(canon), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();  // allocation failure
}
DkimBodyHasher::~DkimBodyHasher() = default;
DkimBodyHasher::DkimBodyHasher(DkimBodyHasher&&) noexcept = default;
DkimBodyHasher& DkimBodyHasher::operator=(DkimBodyHasher&&) noexcept = default;

void DkimBodyHasher::emit(std::string_view bytes) {
  out_ += bytes;
  any_content_ = true;
  if (out_.size() >= kFlushBytes) {
    EVP_DigestUpdate(ctx_.get(), out_.data(), out_.size());
    out_.clear();
  }
}

void DkimBodyHasher::flush_pending_blank_lines() {
  for (; blank_lines_ > 0; --blank_lines_) emit("\r\n");
}

void DkimBodyHasher::end_line() {
  pending_wsp_ = false;  // relaxed: trailing WSP is dropped
  if (line_has_content_) {
    emit("\r\n");
    line_has_content_ = false;
  } else {
    ++blank_lines_;  // empty so far: only written if content follows
  }
}

// A run of bytes that are neither line ends nor (relaxed) whitespace.
void DkimBodyHasher::content(std::string_view bytes) {
  if (!line_has_content_) flush_pending_blank_lines();
  if (pending_wsp_) {
    emit(" ");
    pending_wsp_ = false;
  }
  line_has_content_ = true;
  emit(bytes);
}

void DkimBodyHasher::update(std::string_view chunk) {
  const bool relaxed = canon_ == DkimCanonicalization::relaxed;
  std::size_t i = 0;
  while (i < chunk.size()) {
    char c = chunk[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line();
        ++i;
        continue;
      }
      content("\r");  // a bare CR is data
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
    } else if (c == '\n') {
      end_line();  // a bare LF ends a line, as the SMTP client will send it
      ++i;
    } else if (relaxed && is_wsp(c)) {
      pending_wsp_ = true;
      ++i;
    } else {
      std::size_t j = i + 1;
      while (j < chunk.size() && chunk[j] != '\r' && chunk[j] != '\n' && !(relaxed && is_wsp(chunk[j]))) ++j;
      content(chunk.substr(i, j - i));
      i = j;
    }
  }
}

std::array<std::uint8_t, 32> DkimBodyHasher::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    content("\r");  // a CR at the very end is data
  }
  // RFC 6376 3.4.3/3.4.4: a last line without CRLF gets one; trailing empty
  // lines are ignored; simple turns an empty body into one CRLF.
  if (line_has_content_) emit("\r\n");
  if (canon_ == DkimCanonicalization::simple && !any_content_) emit("\r\n");
  std::array<std::uint8_t, 32> digest{};
  unsigned int len = 0;
  EVP_DigestUpdate(ctx_.get(), out_.data(), out_.size());
  out_.clear();
  EVP_DigestFinal_ex(ctx_.get(), digest.data(), &len);
  return digest;
}

std::string DkimBodyHasher::finish_base64() {
  auto digest = finish();
  return detail::base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string canonicalize_body(std::string_view body, DkimCanonicalization canon) {
  // The same state machine as the hasher, collecting instead of hashing.
  std::string out;
  const bool relaxed = canon == DkimCanonicalization::relaxed;
  std::uint64_t blank = 0;
  bool wsp = false, has = false;
  std::size_t i = 0;
  auto end_line = [&] {
    wsp = false;
    if (has) {
      out += "\r\n";
      has = false;
    } else {
      ++blank;
    }
  };
  auto content = [&](char c) {
    if (!has) {
      for (; blank > 0; --blank) out += "\r\n";
    }
    if (wsp) out += ' ';
    wsp = false;
    has = true;
    out += c;
  };
  for (; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;  // the LF ends the line
    if (c == '\n') end_line();
    else if (relaxed && is_wsp(c)) wsp = true;
    else content(c);
  }
  if (has) out += "\r\n";
  if (!relaxed && out.empty()) out = "\r\n";
  return out;
}

}  // namespace postino::dkim
