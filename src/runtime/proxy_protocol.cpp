// PROXY protocol v1/v2 parser. v2 TLVs are skipped (we need none of them);
// only TCP over IPv4/IPv6 is accepted for the PROXY command; LOCAL and
// UNSPEC keep the real endpoints, as the specification requires.
#include "runtime/proxy_protocol.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

namespace postino::runtime {
namespace {
namespace ip = boost::asio::ip;

constexpr std::array<std::uint8_t, 12> kV2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::string_view kV1Prefix = "PROXY ";

ProxyParseResult invalid(std::string why) {
  ProxyParseResult r;
  r.status = ProxyParseStatus::invalid;
  r.error = std::move(why);
  return r;
}

ProxyParseResult incomplete(std::size_t need) {
  ProxyParseResult r;
  r.status = ProxyParseStatus::incomplete;
  r.need_bytes = need;
  return r;
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

ProxyParseResult parse_v2(std::span<const std::uint8_t> data) {
  if (data.size() < 16) return incomplete(16);
  const std::uint8_t ver_cmd = data[12];
  const std::uint8_t family = data[13];
  const std::size_t len = be16(&data[14]);
  if ((ver_cmd >> 4) != 2) return invalid("v2: unsupported version");
  const unsigned command = ver_cmd & 0x0F;
  if (command > 1) return invalid("v2: unknown command");
  if (16 + len > kMaxProxyV2Bytes) return invalid("v2: header too large (" + std::to_string(16 + len) + " bytes)");
  if (data.size() < 16 + len) return incomplete(16 + len);

  ProxyParseResult r;
  r.status = ProxyParseStatus::complete;
  r.header.version = 2;
  r.header.header_bytes = 16 + len;
  if (command == 0 || family == 0x00) {
    // LOCAL (health checks by the balancer itself) or UNSPEC: section 2.2
    // says use the real connection endpoints and skip the address block.
    r.header.local = true;
    return r;
  }
  const std::uint8_t* a = data.data() + 16;
  if (family == 0x11) {  // TCP over IPv4
    if (len < 12) return invalid("v2: address block too short for TCP4");
    ip::address_v4::bytes_type src, dst;
    std::memcpy(src.data(), a, 4);
    std::memcpy(dst.data(), a + 4, 4);
    r.header.source = ip::tcp::endpoint(ip::address_v4(src), be16(a + 8));
    r.header.destination = ip::tcp::endpoint(ip::address_v4(dst), be16(a + 10));
  } else if (family == 0x21) {  // TCP over IPv6
    if (len < 36) return invalid("v2: address block too short for TCP6");
    ip::address_v6::bytes_type src, dst;
    std::memcpy(src.data(), a, 16);
    std::memcpy(dst.data(), a + 16, 16);
    r.header.source = ip::tcp::endpoint(ip::address_v6(src), be16(a + 32));
    r.header.destination = ip::tcp::endpoint(ip::address_v6(dst), be16(a + 34));
  } else {
    return invalid("v2: unsupported address family/transport");
  }
  r.header.local = false;
  return r;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  // Section 2.1: decimal 0..65535, no sign; leading zeros are not emitted by
  // senders and are rejected here.
  if (text.empty() || text.size() > 5) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

ProxyParseResult parse_v1(std::span<const std::uint8_t> data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  const std::size_t lf = text.find('\n');
  if (lf == std::string_view::npos) {
    if (text.size() >= kMaxProxyV1Bytes) return invalid("v1: no CRLF within 107 bytes");
    return incomplete(std::max(kMinProxyHeaderBytes, text.size() + 1));
  }
  if (lf + 1 > kMaxProxyV1Bytes) return invalid("v1: line longer than 107 bytes");
  if (lf == 0 || text[lf - 1] != '\r') return invalid("v1: line not ended by CRLF");
  std::string_view line = text.substr(kV1Prefix.size(), lf - 1 - kV1Prefix.size());

  // Split on single spaces: "TCP4 src dst sport dport" or "UNKNOWN ...".
  std::array<std::string_view, 5> fields;
  std::size_t count = 0;
  while (!line.empty()) {
    if (count == fields.size()) return invalid("v1: too many fields");
    const std::size_t sp = line.find(' ');
    fields[count++] = line.substr(0, sp);
    if (fields[count - 1].empty()) return invalid("v1: empty field");
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
    if (line.empty()) return invalid("v1: trailing space");
  }

  ProxyParseResult r;
  r.status = ProxyParseStatus::complete;
  r.header.version = 1;
  r.header.header_bytes = lf + 1;
  if (count >= 1 && fields[0] == "UNKNOWN") {
    r.header.local = true;  // section 2.1: ignore the rest, use real endpoints
    return r;
  }
  if (count != 5) return invalid("v1: expected 5 fields");
  const bool v6 = fields[0] == "TCP6";
  if (!v6 && fields[0] != "TCP4") return invalid("v1: unknown protocol");
  boost::system::error_code ec1, ec2;
  const ip::address src = ip::make_address(std::string(fields[1]), ec1);
  const ip::address dst = ip::make_address(std::string(fields[2]), ec2);
  if (ec1 || ec2) return invalid("v1: bad address");
  if (src.is_v6() != v6 || dst.is_v6() != v6) return invalid("v1: address family does not match protocol");
  std::uint16_t sport = 0, dport = 0;
  if (!parse_port(fields[3], sport) || !parse_port(fields[4], dport)) return invalid("v1: bad port");
  r.header.local = false;
  r.header.source = ip::tcp::endpoint(src, sport);
  r.header.destination = ip::tcp::endpoint(dst, dport);
  return r;
}

}  // namespace

ProxyParseResult parse_proxy_header(std::span<const std::uint8_t> data) {
  // Decide the version on the bytes we have; reject as soon as a prefix
  // cannot match either signature.
  const std::size_t v2_check = std::min(data.size(), kV2Signature.size());
  if (v2_check > 0 && std::equal(data.begin(), data.begin() + v2_check, kV2Signature.begin())) {
    if (data.size() < kV2Signature.size()) return incomplete(16);
    return parse_v2(data);
  }
  const std::size_t v1_check = std::min(data.size(), kV1Prefix.size());
  if (v1_check > 0 &&
      std::equal(data.begin(), data.begin() + v1_check, reinterpret_cast<const std::uint8_t*>(kV1Prefix.data()))) {
    if (data.size() < kV1Prefix.size()) return incomplete(kMinProxyHeaderBytes);
    return parse_v1(data);
  }
  if (data.empty()) return incomplete(kMinProxyHeaderBytes);
  return invalid("not a PROXY protocol header");
}

}  // namespace postino::runtime
