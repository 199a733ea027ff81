// Password hashing and verification in Dovecot's stored format
// ("{SCHEME}encoded"), so hashes move between Postino and Dovecot/doveadm pw.
// Security: verification compares in constant time, refuses cleartext schemes
// and never logs; callers must never log the password either.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "directory/directory_settings.hpp"

namespace postino {

// Longer passwords are refused: bounds the work an attacker can ask of us.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// The longest password a scheme accepts: kMaxPasswordBytes, or less where
// the library caps it (libxcrypt's yescrypt: 511 bytes).
std::size_t max_password_bytes(PasswordScheme scheme);

// Hashes with a fresh random salt: "{YESCRYPT}$y$..." (libxcrypt default
// cost) or "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$...". Fails with
// invalid_argument for an empty, NUL-containing or longer than
// max_password_bytes(scheme) password.
Result<std::string> hash_password(std::string_view password, PasswordScheme scheme);

enum class PasswordCheck {
  match,
  mismatch,
  refused_scheme,  // {PLAIN}, {CLEARTEXT}: stored cleartext is never accepted
  unknown_scheme,
  malformed,       // the stored string does not parse for its scheme
};

// Checks `password` against a stored string. Supported: {YESCRYPT},
// {ARGON2ID}, {ARGON2I}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT},
// {MD5-CRYPT}, {CRYPT}, a bare crypt(3) string, {SSHA}, {SSHA256}, {SSHA512}
// (base64, or hex with a ".HEX" suffix). Scheme names are case-insensitive.
PasswordCheck check_password(std::string_view password, std::string_view stored);

// check_password(...) == PasswordCheck::match.
bool verify_password(std::string_view password, std::string_view stored);

// True when `stored` is not in `scheme`: rehash on the next successful login.
bool needs_rehash(std::string_view stored, PasswordScheme scheme);

// The scheme name of a stored string, upper-case ("SHA512-CRYPT"); "CRYPT"
// for a bare crypt string. Safe to log.
std::string password_scheme_name(std::string_view stored);

const char* password_scheme_name(PasswordScheme scheme);

}  // namespace postino
