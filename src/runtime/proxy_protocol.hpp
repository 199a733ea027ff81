// PROXY protocol v1 (text) and v2 (binary) header parser, pure: bytes in,
// verdict out (haproxy.org/download/2.8/doc/proxy-protocol.txt).
// Security: the header is untrusted input until the TCP peer is in the
// trusted list (checked by the listener, not here); lengths are capped so a
// peer cannot make us buffer more than kMaxProxyV2Bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace postino::runtime {

// v1 lines are at most 107 bytes including CRLF (spec section 2.1).
inline constexpr std::size_t kMaxProxyV1Bytes = 107;
// v2 allows 16 + 65535 bytes; real balancers send a few dozen bytes of TLVs.
inline constexpr std::size_t kMaxProxyV2Bytes = 16 + 1024;
// Both versions are at least this long ("PROXY UNKNOWN\r\n" is 15, v2 is 16):
// a reader may read this many bytes before looking.
inline constexpr std::size_t kMinProxyHeaderBytes = 15;

struct ProxyHeader {
  int version = 0;       // 1 or 2
  bool local = true;     // LOCAL / UNKNOWN / UNSPEC: keep the TCP endpoints
  boost::asio::ip::tcp::endpoint source;       // the client, when !local
  boost::asio::ip::tcp::endpoint destination;  // the address it connected to
  std::size_t header_bytes = 0;                // bytes the header occupies
};

enum class ProxyParseStatus { complete, incomplete, invalid };

struct ProxyParseResult {
  ProxyParseStatus status = ProxyParseStatus::incomplete;
  ProxyHeader header;         // when complete
  std::string error;          // when invalid: why, for the log
  std::size_t need_bytes = 0; // when incomplete: total bytes to have before parsing again
};

// Parses a header at the start of `data`. Never reads past the header: the
// caller can feed exactly need_bytes and leave the protocol's bytes
// (a TLS ClientHello, an SMTP command) unread in the socket.
ProxyParseResult parse_proxy_header(std::span<const std::uint8_t> data);

}  // namespace postino::runtime
