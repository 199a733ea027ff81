// BlobId text form: 64 lower-case hex digits (file names, logs, CLI).
#include "store/blob_store.hpp"

namespace postino {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string BlobId::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(sha256.size() * 2);
  for (std::uint8_t byte : sha256) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

Result<BlobId> BlobId::from_hex(std::string_view hex) {
  BlobId id;
  if (hex.size() != id.sha256.size() * 2) return make_error(Errc::invalid_argument, "a blob id has 64 hex digits");
  for (std::size_t i = 0; i < id.sha256.size(); ++i) {
    int high = hex_value(hex[2 * i]);
    int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return make_error(Errc::invalid_argument, "blob id is not hexadecimal");
    id.sha256[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return id;
}

}  // namespace postino
