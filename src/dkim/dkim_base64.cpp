// DKIM's base64 on OpenSSL's block codec; whitespace is removed first and
// the alphabet and padding are checked here because EVP_DecodeBlock is lax.
#include "dkim/dkim_base64.hpp"

#include <openssl/evp.h>

namespace postino::dkim::detail {

std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alpha && c != '=') return make_error(Errc::invalid_argument, "invalid base64 character");
    compact += c;
  }
  if (compact.size() % 4 != 0) return make_error(Errc::invalid_argument, "bad base64 length");
  std::size_t padding = 0;
  while (padding < compact.size() && compact[compact.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || compact.find('=') < compact.size() - padding) {
    return make_error(Errc::invalid_argument, "misplaced base64 padding");
  }
  std::string out(compact.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()), static_cast<int>(compact.size()));
  if (n < 0) return make_error(Errc::invalid_argument, "invalid base64");
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace postino::dkim::detail
