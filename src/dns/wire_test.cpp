// Tests for the wire-format decoders and query-name checks: well-formed
// records, and the hostile shapes an answer may take (truncation,
// compression pointers, over-long names, trailing bytes).
#include "dns/wire.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace postino::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes name_bytes(std::initializer_list<std::string_view> labels) {
  Bytes out;
  for (std::string_view label : labels) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  }
  out.push_back(0);
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(DnsWire, DecodesNameLowerCasedWithoutTrailingDot) {
  const Bytes wire = name_bytes({"MX1", "Example", "TEST"});
  std::size_t offset = 0;
  auto name = decode_name(wire, offset);
  ASSERT_TRUE(name.ok()) << name.error().message;
  EXPECT_EQ(*name, "mx1.example.test");
  EXPECT_EQ(offset, wire.size());
}

TEST(DnsWire, RootNameIsDot) {
  const Bytes wire = {0};
  std::size_t offset = 0;
  auto name = decode_name(wire, offset);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, ".");
}

TEST(DnsWire, EscapesSpecialAndNonPrintableBytes) {
  const Bytes wire = {5, 'a', '.', ' ', 0xff, '\\', 4, 't', 'e', 's', 't', 0};
  std::size_t offset = 0;
  auto name = decode_name(wire, offset);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "a\\046\\032\\255\\092.test");
}

TEST(DnsWire, RejectsCompressionPointerTruncationAndExtendedLabels) {
  std::size_t offset = 0;
  EXPECT_FALSE(decode_name(Bytes{0xc0, 0x0c}, offset).ok());
  EXPECT_FALSE(decode_name(Bytes{3, 'a', 'b'}, offset).ok());   // label runs past the end
  EXPECT_FALSE(decode_name(Bytes{3, 'a', 'b', 'c'}, offset).ok());  // no root label
  EXPECT_FALSE(decode_name(Bytes{0x41, 0}, offset).ok());       // RFC 6891 extended label
  EXPECT_FALSE(decode_name(Bytes{}, offset).ok());
  EXPECT_EQ(offset, 0u);  // untouched on failure
}

TEST(DnsWire, RejectsNamesOver255Bytes) {
  Bytes wire;
  for (int i = 0; i < 5; ++i) {  // 5 * 64 = 320 bytes
    wire.push_back(63);
    wire.insert(wire.end(), 63, 'a');
  }
  wire.push_back(0);
  std::size_t offset = 0;
  EXPECT_FALSE(decode_name(wire, offset).ok());
}

TEST(DnsWire, ParsesMx) {
  const Bytes rdata = concat({0x00, 0x0a}, name_bytes({"mx1", "example", "test"}));
  auto mx = parse_mx(rdata);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->exchange, "mx1.example.test");
  EXPECT_FALSE(parse_mx(Bytes{0, 10}).ok());
  EXPECT_FALSE(parse_mx(concat(rdata, {0})).ok());  // trailing byte
}

TEST(DnsWire, NullMxNeedsOneRecordPreferenceZeroAndRoot) {
  EXPECT_TRUE(is_null_mx({{0, "."}}));
  EXPECT_FALSE(is_null_mx({{10, "."}}));
  EXPECT_FALSE(is_null_mx({{0, "."}, {10, "mx.example.test"}}));
  EXPECT_FALSE(is_null_mx({}));
  auto mx = parse_mx(Bytes{0, 0, 0});
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->exchange, ".");
}

TEST(DnsWire, SortsMxStablyByPreference) {
  std::vector<MxRecord> records = {{20, "c"}, {10, "a"}, {20, "d"}, {5, "z"}, {10, "b"}};
  sort_mx(records);
  EXPECT_EQ(records, (std::vector<MxRecord>{{5, "z"}, {10, "a"}, {10, "b"}, {20, "c"}, {20, "d"}}));
}

TEST(DnsWire, TxtConcatenatesCharacterStrings) {
  const Bytes rdata = {7, 'v', '=', 's', 'p', 'f', '1', ' ', 4, '-', 'a', 'l', 'l'};
  auto txt = parse_txt(rdata);
  ASSERT_TRUE(txt.ok());
  EXPECT_EQ(*txt, "v=spf1 -all");
  auto empty_string = parse_txt(Bytes{0});
  ASSERT_TRUE(empty_string.ok());
  EXPECT_EQ(*empty_string, "");
  EXPECT_FALSE(parse_txt(Bytes{5, 'a', 'b'}).ok());
}

TEST(DnsWire, ParsesAddressesOfExactLength) {
  auto a = parse_a(Bytes{192, 0, 2, 1});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->to_string(), "192.0.2.1");
  EXPECT_FALSE(parse_a(Bytes{192, 0, 2}).ok());
  Bytes v6(16, 0);
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[2] = 0x0d;
  v6[3] = 0xb8;
  v6[15] = 0x25;
  auto aaaa = parse_aaaa(v6);
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(aaaa->to_string(), "2001:db8::25");
  EXPECT_FALSE(parse_aaaa(Bytes{1, 2, 3, 4}).ok());
}

TEST(DnsWire, ParsesPtr) {
  auto ptr = parse_ptr(name_bytes({"mail", "example", "test"}));
  ASSERT_TRUE(ptr.ok());
  EXPECT_EQ(*ptr, "mail.example.test");
  EXPECT_FALSE(parse_ptr(concat(name_bytes({"a"}), {1})).ok());
}

TEST(DnsWire, ChecksQueryNames) {
  EXPECT_EQ(*check_query_name("example.test."), "example.test");
  EXPECT_EQ(*check_query_name("_dmarc.Example.test"), "_dmarc.Example.test");
  EXPECT_EQ(*check_query_name("sel._domainkey.example.test"), "sel._domainkey.example.test");
  EXPECT_FALSE(check_query_name("").ok());
  EXPECT_FALSE(check_query_name(".").ok());
  EXPECT_FALSE(check_query_name("a..b").ok());
  EXPECT_FALSE(check_query_name(".a").ok());
  EXPECT_FALSE(check_query_name("a b.test").ok());
  EXPECT_FALSE(check_query_name("a\\046b.test").ok());
  EXPECT_FALSE(check_query_name("caf\xc3\xa9.test").ok());
  EXPECT_FALSE(check_query_name(std::string(64, 'a') + ".test").ok());
  EXPECT_TRUE(check_query_name(std::string(63, 'a') + ".test").ok());
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(62, 'a') + ".";
  long_name += "ab";  // 4 * 63 + 2 = 254 bytes
  EXPECT_FALSE(check_query_name(long_name).ok());
  long_name.pop_back();  // 253
  EXPECT_TRUE(check_query_name(long_name).ok());
  EXPECT_EQ(check_query_name("a b").error().code, Errc::invalid_argument);
}

TEST(DnsWire, ReverseNames) {
  EXPECT_EQ(reverse_name(asio::ip::make_address("192.0.2.10")), "10.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(asio::ip::make_address("::ffff:192.0.2.10")), "10.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(asio::ip::make_address("2001:db8::25")),
            "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

}  // namespace
}  // namespace postino::dns
