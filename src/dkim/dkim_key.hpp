// DKIM signing keys (RFC 6376 3.3, RFC 8463): RSA (2048 bits by default) and
// Ed25519, loaded from PEM or generated, and the DNS TXT record that publishes
// the public half ("v=DKIM1; k=rsa; p=<b64 SubjectPublicKeyInfo>" or
// "v=DKIM1; k=ed25519; p=<b64 of the raw 32-byte key>", RFC 8463 4).
// Security: the private key never leaves this object except through
// generate_dkim_key()'s PEM, which the caller writes with mode 0600.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace postino::dkim {

enum class DkimAlgorithm { rsa_sha256, ed25519_sha256 };

// "rsa-sha256" / "ed25519-sha256": the a= tag.
const char* dkim_algorithm_name(DkimAlgorithm algorithm);
// Accepts "rsa", "ed25519" and the a= names, case-insensitive.
Result<DkimAlgorithm> parse_dkim_algorithm(std::string_view text);

// RSA keys below this size are refused (RFC 8301 3.2: 1024 at least; we want 2048).
inline constexpr unsigned kDkimMinRsaBits = 1024;
inline constexpr unsigned kDkimDefaultRsaBits = 2048;

// An immutable private key. Thread-safe: sign() may run concurrently.
class DkimPrivateKey {
 public:
  // PKCS#8 ("PRIVATE KEY"), or traditional RSA ("RSA PRIVATE KEY"). Refuses
  // unencrypted keys of other types and RSA keys below kDkimMinRsaBits.
  static Result<DkimPrivateKey> from_pem(std::string_view pem);
  static Result<DkimPrivateKey> from_pem_file(const std::filesystem::path& path);
  // The raw 32-byte Ed25519 private key (RFC 8032 seed), as in RFC 8463 A.1.
  static Result<DkimPrivateKey> from_ed25519_seed(std::string_view seed);

  DkimAlgorithm algorithm() const { return algorithm_; }
  unsigned bits() const;

  // The public key record to publish at <selector>._domainkey.<domain>.
  std::string dns_txt_record() const;

  // The b= signature bytes over already canonicalised data: RSASSA-PKCS1-v1_5
  // with SHA-256 (RFC 6376 3.3.1), or Ed25519 over SHA-256(data) (RFC 8463 3).
  Result<std::string> sign(std::string_view data) const;

 private:
  struct Deleter {
    void operator()(evp_pkey_st* key) const;
  };
  DkimPrivateKey(std::unique_ptr<evp_pkey_st, Deleter> key, DkimAlgorithm algorithm)
      : key_(std::move(key)), algorithm_(algorithm) {}
  static Result<DkimPrivateKey> adopt(evp_pkey_st* key);

  std::unique_ptr<evp_pkey_st, Deleter> key_;
  DkimAlgorithm algorithm_ = DkimAlgorithm::rsa_sha256;
};

struct GeneratedDkimKey {
  std::string private_key_pem;  // PKCS#8
  std::string dns_txt_record;   // "v=DKIM1; k=...; p=..."
};

// A fresh key: RSA of `rsa_bits` (>= 2048 enforced only by the default) or Ed25519.
Result<GeneratedDkimKey> generate_dkim_key(DkimAlgorithm algorithm,
                                           unsigned rsa_bits = kDkimDefaultRsaBits);

}  // namespace postino::dkim
