// RFC 8474 object ids as digests (see object_ids.hpp for why they are
// stable and unique). Each digest input starts with a label naming its kind
// and every variable-length part is length-prefixed, so no two different
// inputs hash the same bytes.
#include "store/object_ids.hpp"

#include <array>

#include "store/fs/sha256.hpp"

namespace postino {
namespace {

// 16 digest bytes (128 bits: a collision among 2^40 ids has odds ~2^-48).
constexpr std::size_t kDigestBytes = 16;

void add_number(Sha256& hash, std::uint64_t value) {
  std::array<char, 8> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(value >> (56 - 8 * i));
  hash.update(std::string_view(bytes.data(), bytes.size()));
}

// RFC 4648 5 (base64url) without padding, behind the kind letter.
std::string with_prefix(char kind, const std::array<std::uint8_t, 32>& digest) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(1, kind);
  std::uint32_t bits = 0;
  int held = 0;
  for (std::size_t i = 0; i < kDigestBytes; ++i) {
    bits = (bits << 8) | digest[i];
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += kAlphabet[(bits >> held) & 0x3F];
    }
  }
  if (held > 0) out += kAlphabet[(bits << (6 - held)) & 0x3F];
  return out;
}

}  // namespace

std::string mailbox_object_id(MailboxId mailbox, std::uint32_t uid_validity) {
  Sha256 hash;
  hash.update(std::string_view("postino mailbox id\0", 19));
  add_number(hash, static_cast<std::uint64_t>(mailbox));
  add_number(hash, uid_validity);
  return with_prefix('F', hash.finish());
}

std::string email_object_id(AccountId account, const BlobId& blob, std::string_view header_prefix) {
  Sha256 hash;
  hash.update(std::string_view("postino email id\0", 17));
  add_number(hash, static_cast<std::uint64_t>(account));
  hash.update(std::string_view(reinterpret_cast<const char*>(blob.sha256.data()), blob.sha256.size()));
  add_number(hash, header_prefix.size());
  hash.update(header_prefix);
  return with_prefix('M', hash.finish());
}

bool is_object_id(std::string_view text) {
  if (text.empty() || text.size() > 255) return false;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace postino
