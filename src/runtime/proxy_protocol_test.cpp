// Tests for the PROXY protocol v1/v2 parser: valid TCP4/TCP6/LOCAL headers,
// truncation (incomplete with the byte count to read), bad signatures,
// oversized headers, and that bytes after the header are never consumed.
#include "runtime/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace postino::runtime;
namespace ip = boost::asio::ip;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes v2_header(std::uint8_t ver_cmd, std::uint8_t family, const Bytes& body) {
  Bytes out = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  out.push_back(ver_cmd);
  out.push_back(family);
  out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(body.size() & 0xff));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes tcp4_body() {
  // 192.0.2.10:51234 -> 198.51.100.1:25, then a TLV (type 0x04 NOOP, 3 bytes).
  return {192, 0, 2, 10, 198, 51, 100, 1, 0xC8, 0x22, 0x00, 0x19, 0x04, 0x00, 0x03, 1, 2, 3};
}

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

ProxyParseResult parse(const Bytes& b) { return parse_proxy_header(std::span<const std::uint8_t>(b.data(), b.size())); }

}  // namespace

TEST(ProxyV2, Tcp4WithTlvAndTrailingData) {
  Bytes h = v2_header(0x21, 0x11, tcp4_body());
  const std::size_t header_size = h.size();
  h.push_back('E');  // first byte of "EHLO": must not be consumed
  auto r = parse(h);
  ASSERT_EQ(r.status, ProxyParseStatus::complete) << r.error;
  EXPECT_EQ(r.header.version, 2);
  EXPECT_FALSE(r.header.local);
  EXPECT_EQ(r.header.header_bytes, header_size);
  EXPECT_EQ(r.header.source, ip::tcp::endpoint(ip::make_address("192.0.2.10"), 51234));
  EXPECT_EQ(r.header.destination, ip::tcp::endpoint(ip::make_address("198.51.100.1"), 25));
}

TEST(ProxyV2, Tcp6) {
  Bytes body;
  auto src = ip::make_address_v6("2001:db8::1").to_bytes();
  auto dst = ip::make_address_v6("2001:db8::2").to_bytes();
  body.insert(body.end(), src.begin(), src.end());
  body.insert(body.end(), dst.begin(), dst.end());
  body.insert(body.end(), {0x30, 0x39, 0x03, 0xE1});  // 12345 -> 993
  auto r = parse(v2_header(0x21, 0x21, body));
  ASSERT_EQ(r.status, ProxyParseStatus::complete) << r.error;
  EXPECT_EQ(r.header.source, ip::tcp::endpoint(ip::make_address("2001:db8::1"), 12345));
  EXPECT_EQ(r.header.destination, ip::tcp::endpoint(ip::make_address("2001:db8::2"), 993));
}

TEST(ProxyV2, LocalAndUnspecKeepRealEndpoints) {
  auto local = parse(v2_header(0x20, 0x00, {}));
  ASSERT_EQ(local.status, ProxyParseStatus::complete);
  EXPECT_TRUE(local.header.local);
  EXPECT_EQ(local.header.header_bytes, 16u);
  // LOCAL with an address block: the block is skipped, not trusted.
  auto local_with_body = parse(v2_header(0x20, 0x11, tcp4_body()));
  ASSERT_EQ(local_with_body.status, ProxyParseStatus::complete);
  EXPECT_TRUE(local_with_body.header.local);
  EXPECT_EQ(local_with_body.header.header_bytes, 16 + tcp4_body().size());
  auto unspec = parse(v2_header(0x21, 0x00, {}));
  ASSERT_EQ(unspec.status, ProxyParseStatus::complete);
  EXPECT_TRUE(unspec.header.local);
}

TEST(ProxyV2, TruncatedAsksForTheRest) {
  const Bytes full = v2_header(0x21, 0x11, tcp4_body());
  for (std::size_t n = 1; n < full.size(); ++n) {
    auto r = parse(Bytes(full.begin(), full.begin() + n));
    ASSERT_EQ(r.status, ProxyParseStatus::incomplete) << n;
    EXPECT_GT(r.need_bytes, n);
    EXPECT_LE(r.need_bytes, full.size());
    if (n >= 16) {
      EXPECT_EQ(r.need_bytes, full.size());
    }
  }
}

TEST(ProxyV2, Invalid) {
  EXPECT_EQ(parse(v2_header(0x11, 0x11, tcp4_body())).status, ProxyParseStatus::invalid);  // version 1 nibble
  EXPECT_EQ(parse(v2_header(0x22, 0x11, tcp4_body())).status, ProxyParseStatus::invalid);  // command 2
  EXPECT_EQ(parse(v2_header(0x21, 0x11, Bytes(8, 0))).status, ProxyParseStatus::invalid);  // short TCP4 block
  EXPECT_EQ(parse(v2_header(0x21, 0x21, Bytes(20, 0))).status, ProxyParseStatus::invalid); // short TCP6 block
  EXPECT_EQ(parse(v2_header(0x21, 0x12, tcp4_body())).status, ProxyParseStatus::invalid);  // UDP
  EXPECT_EQ(parse(v2_header(0x21, 0x31, Bytes(216, 0))).status, ProxyParseStatus::invalid); // UNIX
  Bytes bad_sig = v2_header(0x21, 0x11, tcp4_body());
  bad_sig[5] = 0x0C;
  EXPECT_EQ(parse(bad_sig).status, ProxyParseStatus::invalid);
}

TEST(ProxyV2, OversizedRejectedBeforeBuffering) {
  Bytes header = v2_header(0x21, 0x11, {});
  header[14] = 0xFF;  // claims 65535 bytes follow
  header[15] = 0xFF;
  auto r = parse(header);
  EXPECT_EQ(r.status, ProxyParseStatus::invalid);
  EXPECT_NE(r.error.find("too large"), std::string::npos);
}

TEST(ProxyV1, Tcp4AndTcp6) {
  auto r = parse(bytes("PROXY TCP4 192.0.2.10 198.51.100.1 51234 25\r\nEHLO x\r\n"));
  ASSERT_EQ(r.status, ProxyParseStatus::complete) << r.error;
  EXPECT_EQ(r.header.version, 1);
  EXPECT_FALSE(r.header.local);
  EXPECT_EQ(r.header.header_bytes, std::string("PROXY TCP4 192.0.2.10 198.51.100.1 51234 25\r\n").size());
  EXPECT_EQ(r.header.source, ip::tcp::endpoint(ip::make_address("192.0.2.10"), 51234));
  EXPECT_EQ(r.header.destination.port(), 25);

  auto r6 = parse(bytes("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n"));
  ASSERT_EQ(r6.status, ProxyParseStatus::complete) << r6.error;
  EXPECT_EQ(r6.header.source, ip::tcp::endpoint(ip::make_address("2001:db8::1"), 65535));
}

TEST(ProxyV1, Unknown) {
  auto r = parse(bytes("PROXY UNKNOWN\r\n"));
  ASSERT_EQ(r.status, ProxyParseStatus::complete) << r.error;
  EXPECT_TRUE(r.header.local);
  auto r2 = parse(bytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"));
  ASSERT_EQ(r2.status, ProxyParseStatus::complete) << r2.error;
  EXPECT_TRUE(r2.header.local);
}

TEST(ProxyV1, Truncated) {
  const std::string line = "PROXY TCP4 192.0.2.10 198.51.100.1 51234 25\r\n";
  for (std::size_t n = 1; n < line.size(); ++n) {
    auto r = parse(bytes(line.substr(0, n)));
    ASSERT_EQ(r.status, ProxyParseStatus::incomplete) << n;
    EXPECT_GT(r.need_bytes, n);
    EXPECT_LE(r.need_bytes, line.size());
  }
}

TEST(ProxyV1, Invalid) {
  for (const char* bad : {
           "PROXY TCP4 192.0.2.10 198.51.100.1 51234 25\n",        // bare LF
           "PROXY TCP4 192.0.2.10 198.51.100.1 51234\r\n",         // missing port
           "PROXY TCP4 192.0.2.10 198.51.100.1 51234 25 7\r\n",    // extra field
           "PROXY TCP4 2001:db8::1 198.51.100.1 51234 25\r\n",     // family mismatch
           "PROXY TCP6 192.0.2.10 198.51.100.1 51234 25\r\n",      // family mismatch
           "PROXY TCP4 192.0.2.10 198.51.100.1 65536 25\r\n",      // port range
           "PROXY TCP4 192.0.2.10 198.51.100.1 0123 25\r\n",       // leading zero
           "PROXY TCP4 192.0.2.10  198.51.100.1 51234 25\r\n",     // double space
           "PROXY UDP4 192.0.2.10 198.51.100.1 51234 25\r\n",      // protocol
           "PROXY TCP4 host.example 198.51.100.1 51234 25\r\n",    // name, not address
           "proxy TCP4 192.0.2.10 198.51.100.1 51234 25\r\n",      // signature is case-sensitive
           "EHLO client.example\r\n",                              // no header at all
       }) {
    EXPECT_EQ(parse(bytes(bad)).status, ProxyParseStatus::invalid) << bad;
  }
}

TEST(ProxyV1, OversizedWithoutCrlf) {
  const std::string junk = "PROXY TCP4 " + std::string(200, '1');
  auto r = parse(bytes(junk));
  EXPECT_EQ(r.status, ProxyParseStatus::invalid);
  auto exact = parse(bytes("PROXY TCP4 " + std::string(kMaxProxyV1Bytes - 11, '1')));
  EXPECT_EQ(exact.status, ProxyParseStatus::invalid);
}

TEST(Proxy, EmptyInputAsksForMinimum) {
  auto r = parse({});
  EXPECT_EQ(r.status, ProxyParseStatus::incomplete);
  EXPECT_EQ(r.need_bytes, kMinProxyHeaderBytes);
}
