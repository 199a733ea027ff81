// Module-internal: the SCRAM building blocks (RFC 5802 2.2, 5.1) shared by
// the server, the client and the stored-secret derivation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sasl/scram_secrets.hpp"

namespace postino::sasl::detail {

Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
Sha256Digest sha256(std::string_view data);
inline std::string_view view(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}
bool equal_constant_time(std::string_view a, std::string_view b);
// Random bytes from OpenSSL's CSPRNG; aborts if it fails (no safe fallback).
std::string random_bytes(std::size_t count);
// A fresh nonce of printable characters without ',' (base64 of 18 random bytes).
std::string random_nonce();
// RFC 5802 5.1 "r=": printable ASCII %x21-2B / %x2D-7E.
bool valid_nonce(std::string_view nonce);
// saslname: "=2C" and "=3D" stand for ',' and '='; any other '=' is an error.
Result<std::string> decode_saslname(std::string_view text);
std::string encode_saslname(std::string_view name);

// Splits "a=x,b=y" into attributes; each must be one letter, '=', value.
struct ScramAttribute {
  char name;
  std::string_view value;
};
Result<std::vector<ScramAttribute>> split_attributes(std::string_view text);

}  // namespace postino::sasl::detail
