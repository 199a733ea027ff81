// Dovecot-compatible password schemes on libxcrypt (crypt(3) family),
// libargon2 and OpenSSL (SSHA family, randomness, constant-time compare).
// Security: every comparison is CRYPTO_memcmp or the library's own
// constant-time check; scratch buffers holding password material are cleansed.
#include "directory/password_hash.hpp"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>

namespace postino {
namespace {

constexpr std::uint32_t kArgon2TimeCost = 3;
constexpr std::uint32_t kArgon2MemoryKib = 65536;
constexpr std::uint32_t kArgon2Lanes = 1;
constexpr std::size_t kArgon2SaltBytes = 16;
constexpr std::size_t kArgon2HashBytes = 32;
// Stored argon2 parameters above these are refused rather than run: a bad
// import must not pin a worker for hours or allocate terabytes.
constexpr std::uint64_t kArgon2MaxMemoryKib = 4u << 20;  // 4 GiB
constexpr std::uint64_t kArgon2MaxTimeCost = 64;
constexpr std::uint64_t kArgon2MaxLanes = 64;
constexpr std::size_t kMaxStoredBytes = 1024;

struct StoredHash {
  std::string scheme;     // upper-case, without braces and encoding suffix
  std::string encoding;   // upper-case suffix after '.', e.g. "HEX"; or empty
  std::string_view body;  // what follows "}"
};

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && ascii_upper(text.substr(0, prefix.size())) == prefix;
}

// "{SCHEME.ENC}body" or a bare crypt string; nullopt when the braces do not
// close or the scheme name is not a plausible token.
std::optional<StoredHash> split_stored(std::string_view stored) {
  if (stored.empty() || stored.front() != '{') return StoredHash{"CRYPT", {}, stored};
  std::size_t close = stored.find('}');
  if (close == std::string_view::npos || close == 1 || close > 33) return std::nullopt;
  std::string name = ascii_upper(stored.substr(1, close - 1));
  for (char c : name) {
    bool token = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!token) return std::nullopt;
  }
  StoredHash out{name, {}, stored.substr(close + 1)};
  if (std::size_t dot = name.find('.'); dot != std::string::npos) {
    out.scheme = name.substr(0, dot);
    out.encoding = name.substr(dot + 1);
  }
  return out;
}

Status check_new_password(std::string_view password, PasswordScheme scheme) {
  if (password.empty()) return make_error(Errc::invalid_argument, "password is empty");
  std::size_t limit = max_password_bytes(scheme);
  if (password.size() > limit) {
    return make_error(Errc::invalid_argument, std::string("password is longer than ") + std::to_string(limit) + " bytes (the " +
                                                  password_scheme_name(scheme) + " limit)");
  }
  if (password.find('\0') != std::string_view::npos) return make_error(Errc::invalid_argument, "password contains a NUL byte");
  return {};
}

// ---- crypt(3) family ----------------------------------------------------

struct CryptScratch {
  crypt_data data{};
  ~CryptScratch() { OPENSSL_cleanse(&data, sizeof data); }
};

// Runs crypt_rn; nullopt when libxcrypt rejects the setting.
std::optional<std::string> run_crypt(std::string_view password, std::string_view setting) {
  auto scratch = std::make_unique<CryptScratch>();
  std::string phrase(password);
  std::string salt(setting);
  const char* out = crypt_rn(phrase.c_str(), salt.c_str(), &scratch->data, sizeof scratch->data);
  OPENSSL_cleanse(phrase.data(), phrase.size());
  if (out == nullptr || out[0] == '*') return std::nullopt;
  return std::string(out);
}

PasswordCheck check_crypt(std::string_view password, std::string_view hash) {
  if (hash.empty() || hash.find('\0') != std::string_view::npos) return PasswordCheck::malformed;
  auto computed = run_crypt(password, hash);
  if (!computed) return PasswordCheck::malformed;
  // Lengths are public (they follow from the scheme); the bytes are compared in constant time.
  if (computed->size() != hash.size()) return PasswordCheck::mismatch;
  return CRYPTO_memcmp(computed->data(), hash.data(), hash.size()) == 0 ? PasswordCheck::match : PasswordCheck::mismatch;
}

// ---- argon2 ---------------------------------------------------------------

std::optional<std::uint64_t> argon2_param(std::string_view encoded, std::string_view key) {
  std::size_t at = encoded.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = encoded.data() + at + key.size();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(first, encoded.data() + encoded.size(), value);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return value;
}

PasswordCheck check_argon2(std::string_view password, std::string_view encoded, argon2_type type) {
  std::string_view prefix = type == Argon2_id ? "$argon2id$" : "$argon2i$";
  if (encoded.substr(0, prefix.size()) != prefix || encoded.find('\0') != std::string_view::npos) return PasswordCheck::malformed;
  auto memory = argon2_param(encoded, "$m=");
  auto time = argon2_param(encoded, ",t=");
  auto lanes = argon2_param(encoded, ",p=");
  if (!memory || !time || !lanes || *memory > kArgon2MaxMemoryKib || *time > kArgon2MaxTimeCost || *lanes > kArgon2MaxLanes) {
    return PasswordCheck::malformed;
  }
  std::string text(encoded);
  int rc = argon2_verify(text.c_str(), password.data(), password.size(), type);
  if (rc == ARGON2_OK) return PasswordCheck::match;
  if (rc == ARGON2_VERIFY_MISMATCH) return PasswordCheck::mismatch;
  return PasswordCheck::malformed;
}

// ---- salted SHA (Dovecot SSHA, SSHA256, SSHA512) --------------------------

std::optional<std::string> decode_base64(std::string_view text) {
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx(EVP_ENCODE_CTX_new(), EVP_ENCODE_CTX_free);
  if (!ctx) return std::nullopt;
  std::string out(text.size() + 4, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int head = 0;
  int tail = 0;
  EVP_DecodeInit(ctx.get());
  if (EVP_DecodeUpdate(ctx.get(), dst, &head, reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size())) < 0) {
    return std::nullopt;
  }
  if (EVP_DecodeFinal(ctx.get(), dst + head, &tail) < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(head + tail));
  return out;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]);
    int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

PasswordCheck check_salted_sha(std::string_view password, const StoredHash& stored, const EVP_MD* md) {
  std::optional<std::string> raw;
  if (stored.encoding.empty() || stored.encoding == "B64" || stored.encoding == "BASE64") raw = decode_base64(stored.body);
  else if (stored.encoding == "HEX") raw = decode_hex(stored.body);
  else return PasswordCheck::unknown_scheme;
  auto digest_bytes = static_cast<std::size_t>(EVP_MD_get_size(md));
  // Dovecot: the salt follows the digest and may not be empty.
  if (!raw || raw->size() <= digest_bytes) return PasswordCheck::malformed;

  std::array<unsigned char, EVP_MAX_MD_SIZE> computed{};
  unsigned int computed_bytes = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), password.data(), password.size()) == 1 &&
            EVP_DigestUpdate(ctx.get(), raw->data() + digest_bytes, raw->size() - digest_bytes) == 1 &&
            EVP_DigestFinal_ex(ctx.get(), computed.data(), &computed_bytes) == 1;
  if (!ok || computed_bytes != digest_bytes) return PasswordCheck::malformed;
  return CRYPTO_memcmp(computed.data(), raw->data(), digest_bytes) == 0 ? PasswordCheck::match : PasswordCheck::mismatch;
}

// ---- hashing ----------------------------------------------------------------

Result<std::string> hash_yescrypt(std::string_view password) {
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  // A null rbytes makes libxcrypt draw the salt from the OS random source.
  if (crypt_gensalt_rn("$y$", 0, nullptr, 0, setting.data(), static_cast<int>(setting.size())) == nullptr) {
    return make_error(Errc::io_error, std::string("cannot generate a yescrypt salt: ") + std::strerror(errno));
  }
  auto hashed = run_crypt(password, setting.data());
  if (!hashed) return make_error(Errc::io_error, "yescrypt hashing failed");
  return "{YESCRYPT}" + *hashed;
}

Result<std::string> hash_argon2id(std::string_view password) {
  std::array<unsigned char, kArgon2SaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) return make_error(Errc::io_error, "cannot read random bytes for a salt");
  std::size_t encoded_bytes = argon2_encodedlen(kArgon2TimeCost, kArgon2MemoryKib, kArgon2Lanes, kArgon2SaltBytes, kArgon2HashBytes, Argon2_id);
  std::string encoded(encoded_bytes, '\0');
  int rc = argon2id_hash_encoded(kArgon2TimeCost, kArgon2MemoryKib, kArgon2Lanes, password.data(), password.size(), salt.data(),
                                 salt.size(), kArgon2HashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return make_error(Errc::io_error, std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return "{ARGON2ID}" + encoded;
}

}  // namespace

std::size_t max_password_bytes(PasswordScheme scheme) {
  // libxcrypt refuses phrases of CRYPT_MAX_PASSPHRASE_SIZE bytes or more.
  if (scheme == PasswordScheme::yescrypt) return CRYPT_MAX_PASSPHRASE_SIZE - 1;
  return kMaxPasswordBytes;
}

Result<std::string> hash_password(std::string_view password, PasswordScheme scheme) {
  if (auto valid = check_new_password(password, scheme); !valid) return valid.take_error();
  switch (scheme) {
    case PasswordScheme::yescrypt: return hash_yescrypt(password);
    case PasswordScheme::argon2id: return hash_argon2id(password);
  }
  return make_error(Errc::unsupported, "unknown password scheme");
}

PasswordCheck check_password(std::string_view password, std::string_view stored) {
  if (stored.size() > kMaxStoredBytes) return PasswordCheck::malformed;
  auto parsed = split_stored(stored);
  if (!parsed) return PasswordCheck::malformed;
  const std::string& scheme = parsed->scheme;
  if (scheme == "PLAIN" || scheme == "CLEARTEXT" || scheme == "CLEAR") return PasswordCheck::refused_scheme;

  if (scheme == "SSHA") return check_salted_sha(password, *parsed, EVP_sha1());
  if (scheme == "SSHA256") return check_salted_sha(password, *parsed, EVP_sha256());
  if (scheme == "SSHA512") return check_salted_sha(password, *parsed, EVP_sha512());
  if (!parsed->encoding.empty()) return PasswordCheck::unknown_scheme;

  // crypt(3) cannot see past a NUL and ignores bytes beyond its limits: refuse
  // rather than let "secret\0anything" match "secret".
  if (password.find('\0') != std::string_view::npos || password.size() > kMaxPasswordBytes) return PasswordCheck::mismatch;

  std::string_view body = parsed->body;
  if (scheme == "ARGON2ID") return check_argon2(password, body, Argon2_id);
  if (scheme == "ARGON2I") return check_argon2(password, body, Argon2_i);
  auto crypt_with_prefix = [&](std::initializer_list<std::string_view> prefixes) {
    for (auto prefix : prefixes) {
      if (body.substr(0, prefix.size()) == prefix) return check_crypt(password, body);
    }
    return PasswordCheck::malformed;
  };
  if (scheme == "YESCRYPT") return crypt_with_prefix({"$y$"});
  if (scheme == "SHA512-CRYPT") return crypt_with_prefix({"$6$"});
  if (scheme == "SHA256-CRYPT") return crypt_with_prefix({"$5$"});
  if (scheme == "BLF-CRYPT") return crypt_with_prefix({"$2y$", "$2b$", "$2a$"});
  if (scheme == "MD5-CRYPT") return crypt_with_prefix({"$1$"});
  if (scheme == "CRYPT") return check_crypt(password, body);
  return PasswordCheck::unknown_scheme;
}

bool verify_password(std::string_view password, std::string_view stored) {
  return check_password(password, stored) == PasswordCheck::match;
}

bool needs_rehash(std::string_view stored, PasswordScheme scheme) {
  switch (scheme) {
    case PasswordScheme::yescrypt: return !starts_with_nocase(stored, "{YESCRYPT}$Y$");
    case PasswordScheme::argon2id: return !starts_with_nocase(stored, "{ARGON2ID}$ARGON2ID$");
  }
  return true;
}

std::string password_scheme_name(std::string_view stored) {
  auto parsed = split_stored(stored);
  if (!parsed) return "MALFORMED";
  return parsed->encoding.empty() ? parsed->scheme : parsed->scheme + "." + parsed->encoding;
}

const char* password_scheme_name(PasswordScheme scheme) {
  switch (scheme) {
    case PasswordScheme::yescrypt: return "YESCRYPT";
    case PasswordScheme::argon2id: return "ARGON2ID";
  }
  return "UNKNOWN";
}

}  // namespace postino
