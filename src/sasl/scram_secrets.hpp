// SCRAM-SHA-256 stored secrets (RFC 5802 3, RFC 7677): what the directory
// keeps instead of (or beside) a password hash, in Dovecot's stored format
// "{SCRAM-SHA-256}<iterations>,<b64 salt>,<b64 StoredKey>,<b64 ServerKey>" so
// the secrets move between Postino and Dovecot.
// Security: StoredKey/ServerKey let nobody log in by themselves but allow an
// offline dictionary attack, like any hash; keep them as secret as hashes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::sasl {

inline constexpr std::uint32_t kScramMinIterations = 4096;  // RFC 7677 4
inline constexpr std::uint32_t kScramDefaultIterations = 4096;
// Bounds the PBKDF2 work a stored string or a server may ask of us.
inline constexpr std::uint32_t kScramMaxIterations = 10'000'000;
inline constexpr std::size_t kScramSaltBytes = 16;

using Sha256Digest = std::array<std::uint8_t, 32>;

struct ScramSecrets {
  std::string salt;  // raw bytes
  std::uint32_t iterations = kScramDefaultIterations;
  Sha256Digest stored_key{};  // H(HMAC(SaltedPassword, "Client Key"))
  Sha256Digest server_key{};  // HMAC(SaltedPassword, "Server Key")
};

// Derives secrets from a cleartext password with a fresh random salt of
// kScramSaltBytes. invalid_argument for an empty or NUL-containing password,
// one over 1024 bytes, or iterations outside [kScramMinIterations,
// kScramMaxIterations].
Result<ScramSecrets> scram_secrets_from_password(std::string_view password,
                                                 std::uint32_t iterations = kScramDefaultIterations);

// Same with a given salt (tests, re-derivation). Same errors.
Result<ScramSecrets> scram_secrets_from_password(std::string_view password, std::string_view salt,
                                                 std::uint32_t iterations);

// SaltedPassword := Hi(password, salt, i) = PBKDF2-HMAC-SHA-256 (RFC 5802 2.2).
Sha256Digest scram_salted_password(std::string_view password, std::string_view salt,
                                   std::uint32_t iterations);

// "{SCRAM-SHA-256}4096,<salt>,<stored>,<server>" (base64 fields).
std::string format_scram_secrets(const ScramSecrets& secrets);

// Parses the format above; the "{SCRAM-SHA-256}" prefix is optional and
// case-insensitive. corrupt_data for anything malformed or iterations out of
// range, including keys that are not 32 bytes.
Result<ScramSecrets> parse_scram_secrets(std::string_view stored);

}  // namespace postino::sasl
