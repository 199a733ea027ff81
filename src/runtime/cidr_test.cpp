// Tests for CIDR parsing and matching (IPv4, IPv6, v4-mapped peers).
#include "runtime/cidr.hpp"

#include <gtest/gtest.h>

using namespace postino::runtime;
namespace ip = boost::asio::ip;

TEST(Cidr, Ipv4Prefix) {
  auto c = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip::make_address("10.1.2.3")));
  EXPECT_TRUE(c->contains(ip::make_address("10.255.255.255")));
  EXPECT_FALSE(c->contains(ip::make_address("11.0.0.0")));
  EXPECT_FALSE(c->contains(ip::make_address("::1")));
  EXPECT_EQ(c->to_string(), "10.0.0.0/8");
}

TEST(Cidr, OddPrefixLengths) {
  auto c = Cidr::parse("192.168.4.0/22");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip::make_address("192.168.7.255")));
  EXPECT_FALSE(c->contains(ip::make_address("192.168.8.0")));
  EXPECT_FALSE(c->contains(ip::make_address("192.168.3.255")));
  auto all = Cidr::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(ip::make_address("203.0.113.9")));
  EXPECT_FALSE(all->contains(ip::make_address("2001:db8::1")));
}

TEST(Cidr, HostWithoutLength) {
  auto c = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix_bits(), 32u);
  EXPECT_TRUE(c->contains(ip::make_address("127.0.0.1")));
  EXPECT_FALSE(c->contains(ip::make_address("127.0.0.2")));
}

TEST(Cidr, Ipv6) {
  auto c = Cidr::parse("2001:db8:abcd::/48");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_v6());
  EXPECT_TRUE(c->contains(ip::make_address("2001:db8:abcd:12::5")));
  EXPECT_FALSE(c->contains(ip::make_address("2001:db8:abce::1")));
  EXPECT_FALSE(c->contains(ip::make_address("10.0.0.1")));
  auto lo = Cidr::parse("::1/128");
  ASSERT_TRUE(lo);
  EXPECT_TRUE(lo->contains(ip::make_address("::1")));
  EXPECT_FALSE(lo->contains(ip::make_address("::2")));
  auto odd = Cidr::parse("fe80::/10");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(ip::make_address("febf::1")));
  EXPECT_FALSE(odd->contains(ip::make_address("fec0::1")));
}

TEST(Cidr, MappedV4MatchesV4Rule) {
  auto c = Cidr::parse("192.0.2.0/24");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip::make_address("::ffff:192.0.2.7")));
  auto mapped_rule = Cidr::parse("::ffff:198.51.100.0/120");
  // A mapped rule is a v4 rule after unmapping: prefix 120 > 32 is rejected.
  EXPECT_FALSE(mapped_rule);
}

TEST(Cidr, RejectsBadInput) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "10.0.0.0/-1",
                          "10.0.0.1/8", "example.org/24", "10.0.0.0/ 8", "2001:db8::1/64"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(CidrList, AnyMatchAndErrorsNameTheEntry) {
  auto list = CidrList::parse({"10.0.0.0/8", "::1/128"});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->contains(ip::make_address("::1")));
  EXPECT_TRUE(list->contains(ip::make_address("10.9.9.9")));
  EXPECT_FALSE(list->contains(ip::make_address("127.0.0.1")));
  auto bad = CidrList::parse({"10.0.0.0/8", "nope"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("nope"), std::string::npos);
  EXPECT_TRUE(CidrList().empty());
}
