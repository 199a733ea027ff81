// Cidr and CidrList: IPv4/IPv6 network prefixes ("10.0.0.0/8", "::1/128"),
// used to decide which peers may send a PROXY protocol header.
// Security: IPv4-mapped IPv6 peers (::ffff:a.b.c.d, seen on dual-stack
// sockets) are matched as IPv4, so one rule covers both spellings.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/result.hpp"

namespace postino::runtime {

class Cidr {
 public:
  // Accepts "addr/len" or a bare address (a host: /32 or /128). Rejects host
  // bits set beyond the prefix ("10.0.0.1/8"): in a trust list that is more
  // likely a typo than intent.
  static Result<Cidr> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& address) const;
  bool is_v6() const { return v6_; }
  unsigned prefix_bits() const { return prefix_bits_; }
  std::string to_string() const;

 private:
  std::array<std::uint8_t, 16> bytes_{};  // v4 uses the first 4
  unsigned prefix_bits_ = 0;
  bool v6_ = false;
};

class CidrList {
 public:
  CidrList() = default;
  // All or nothing: the first bad entry fails the whole list, naming it.
  static Result<CidrList> parse(const std::vector<std::string>& texts);

  bool contains(const boost::asio::ip::address& address) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Cidr> entries_;
};

// ::ffff:a.b.c.d becomes a.b.c.d; other addresses are returned unchanged.
boost::asio::ip::address unmap_v4(const boost::asio::ip::address& address);

}  // namespace postino::runtime
