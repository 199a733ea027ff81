// CIDR parsing and matching for the PROXY protocol trust list.
// Parsing is strict (digits only in the prefix length, no host bits) since
// the list decides whose claims about client addresses we believe.
#include "runtime/cidr.hpp"

#include <charconv>

namespace postino::runtime {
namespace ip = boost::asio::ip;

ip::address unmap_v4(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

Result<Cidr> Cidr::parse(std::string_view text) {
  auto fail = [&](std::string why) {
    return make_error(Errc::invalid_argument, "bad network \"" + std::string(text) + "\": " + why);
  };
  std::string_view addr_text = text;
  std::string_view len_text;
  bool has_len = false;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    len_text = text.substr(slash + 1);
    has_len = true;
  }
  boost::system::error_code ec;
  ip::address address = ip::make_address(std::string(addr_text), ec);
  if (ec) return fail("not an IP address");
  address = unmap_v4(address);

  Cidr cidr;
  cidr.v6_ = address.is_v6();
  const unsigned max_bits = cidr.v6_ ? 128 : 32;
  if (cidr.v6_) {
    auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), cidr.bytes_.begin());
  } else {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), cidr.bytes_.begin());
  }
  cidr.prefix_bits_ = max_bits;
  if (has_len) {
    if (len_text.empty() || len_text.size() > 3) return fail("bad prefix length");
    unsigned bits = 0;
    for (char c : len_text) {
      if (c < '0' || c > '9') return fail("bad prefix length");
    }
    std::from_chars(len_text.data(), len_text.data() + len_text.size(), bits);
    if (bits > max_bits) return fail("prefix length above " + std::to_string(max_bits));
    cidr.prefix_bits_ = bits;
  }
  for (unsigned bit = cidr.prefix_bits_; bit < max_bits; ++bit) {
    if (cidr.bytes_[bit / 8] & (0x80u >> (bit % 8))) return fail("host bits set beyond the prefix");
  }
  return cidr;
}

bool Cidr::contains(const ip::address& raw) const {
  const ip::address address = unmap_v4(raw);
  if (address.is_v6() != v6_) return false;
  std::array<std::uint8_t, 16> bytes{};
  if (v6_) {
    auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  } else {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  }
  const unsigned full = prefix_bits_ / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (bytes[i] != bytes_[i]) return false;
  }
  if (const unsigned rest = prefix_bits_ % 8; rest != 0) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff00u >> rest);
    if ((bytes[full] & mask) != (bytes_[full] & mask)) return false;
  }
  return true;
}

std::string Cidr::to_string() const {
  std::string out;
  if (v6_) {
    ip::address_v6::bytes_type b;
    std::copy(bytes_.begin(), bytes_.end(), b.begin());
    out = ip::address_v6(b).to_string();
  } else {
    ip::address_v4::bytes_type b;
    std::copy(bytes_.begin(), bytes_.begin() + 4, b.begin());
    out = ip::address_v4(b).to_string();
  }
  return out + "/" + std::to_string(prefix_bits_);
}

Result<CidrList> CidrList::parse(const std::vector<std::string>& texts) {
  CidrList list;
  for (const auto& text : texts) {
    auto cidr = Cidr::parse(text);
    if (!cidr) return cidr.take_error();
    list.entries_.push_back(*cidr);
  }
  return list;
}

bool CidrList::contains(const ip::address& address) const {
  for (const auto& e : entries_) {
    if (e.contains(address)) return true;
  }
  return false;
}

}  // namespace postino::runtime
