// SCRAM-SHA-256 secret derivation (RFC 5802 3) and Dovecot's stored format.
#include "sasl/scram_secrets.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>

#include "sasl/base64.hpp"
#include "sasl/scram_crypto.hpp"

namespace postino::sasl {
namespace {

constexpr std::string_view kPrefix = "{SCRAM-SHA-256}";
constexpr std::size_t kMaxPasswordBytes = 1024;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

bool copy_digest(std::string_view bytes, Sha256Digest& out) {
  if (bytes.size() != out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return true;
}

}  // namespace

Sha256Digest scram_salted_password(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  Sha256Digest out{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()),
                        out.data()) != 1) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return out;
}

Result<ScramSecrets> scram_secrets_from_password(std::string_view password, std::string_view salt,
                                                 std::uint32_t iterations) {
  if (password.empty() || password.size() > kMaxPasswordBytes || password.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "password is empty, too long or contains NUL");
  }
  if (iterations < kScramMinIterations || iterations > kScramMaxIterations) {
    return make_error(Errc::invalid_argument, "SCRAM iteration count out of range");
  }
  if (salt.empty()) return make_error(Errc::invalid_argument, "empty SCRAM salt");
  ScramSecrets s;
  s.salt = std::string(salt);
  s.iterations = iterations;
  Sha256Digest salted = scram_salted_password(password, salt, iterations);
  Sha256Digest client_key = detail::hmac_sha256(detail::view(salted), "Client Key");
  s.stored_key = detail::sha256(detail::view(client_key));
  s.server_key = detail::hmac_sha256(detail::view(salted), "Server Key");
  return s;
}

Result<ScramSecrets> scram_secrets_from_password(std::string_view password, std::uint32_t iterations) {
  return scram_secrets_from_password(password, detail::random_bytes(kScramSaltBytes), iterations);
}

std::string format_scram_secrets(const ScramSecrets& secrets) {
  std::string out(kPrefix);
  out += std::to_string(secrets.iterations);
  out += ',';
  out += base64_encode(secrets.salt);
  out += ',';
  out += base64_encode(detail::view(secrets.stored_key));
  out += ',';
  out += base64_encode(detail::view(secrets.server_key));
  return out;
}

Result<ScramSecrets> parse_scram_secrets(std::string_view stored) {
  auto bad = [](const char* why) { return make_error(Errc::corrupt_data, std::string("SCRAM secrets: ") + why); };
  if (stored.size() >= kPrefix.size() && iequals(stored.substr(0, kPrefix.size()), kPrefix)) {
    stored.remove_prefix(kPrefix.size());
  }
  std::string_view fields[4];
  for (int i = 0; i < 4; ++i) {
    std::size_t comma = stored.find(',');
    if (i < 3 && comma == std::string_view::npos) return bad("expected 4 comma-separated fields");
    if (i == 3 && comma != std::string_view::npos) return bad("expected 4 comma-separated fields");
    fields[i] = stored.substr(0, comma);
    if (i < 3) stored.remove_prefix(comma + 1);
  }
  ScramSecrets s;
  auto [end, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), s.iterations);
  if (ec != std::errc() || end != fields[0].data() + fields[0].size() || fields[0].empty()) {
    return bad("bad iteration count");
  }
  if (s.iterations < kScramMinIterations || s.iterations > kScramMaxIterations) return bad("iteration count out of range");
  auto salt = base64_decode(fields[1]);
  if (!salt || salt->empty()) return bad("bad salt");
  s.salt = std::move(*salt);
  auto stored_key = base64_decode(fields[2]);
  if (!stored_key || !copy_digest(*stored_key, s.stored_key)) return bad("bad StoredKey");
  auto server_key = base64_decode(fields[3]);
  if (!server_key || !copy_digest(*server_key, s.server_key)) return bad("bad ServerKey");
  return s;
}

}  // namespace postino::sasl
