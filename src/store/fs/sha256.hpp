// Incremental SHA-256 over OpenSSL's EVP interface: the blob id is the hash
// of the uncompressed content, computed while it streams to disk.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace postino {

class Sha256 {
 public:
  Sha256();  // aborts if OpenSSL cannot provide SHA-256 (a broken install)
  void update(std::string_view bytes);
  std::array<std::uint8_t, 32> finish();  // once; the object is spent after

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

}  // namespace postino
