// Sender identity: ownership rules and From: address-list parsing.
#include "smtp/sender_identity.hpp"

#include <gtest/gtest.h>

namespace postino {
namespace {

SendingPolicy alice() {
  SendingPolicy policy;
  policy.account.address = "alice@example.test";
  policy.aliases = {"info@example.test", "team@example.test"};
  policy.granted = {"boss@example.org", "@lists.example.net"};
  return policy;
}

TEST(SenderOwned, OwnAddressAliasesAndGrants) {
  const auto policy = alice();
  EXPECT_TRUE(sender_owned(policy, "alice@example.test"));
  EXPECT_TRUE(sender_owned(policy, "Alice@EXAMPLE.test"));  // case-insensitive, as the directory keys
  EXPECT_TRUE(sender_owned(policy, "info@example.test"));
  EXPECT_TRUE(sender_owned(policy, "TEAM@example.test"));
  EXPECT_TRUE(sender_owned(policy, "boss@example.org"));
  EXPECT_TRUE(sender_owned(policy, "anyone@lists.example.net"));  // a domain grant
  EXPECT_FALSE(sender_owned(policy, "bob@example.test"));
  EXPECT_FALSE(sender_owned(policy, "alice@example.org"));
  EXPECT_FALSE(sender_owned(policy, "other@example.org"));
  EXPECT_FALSE(sender_owned(policy, "someone@sub.lists.example.net"));  // not a subdomain wildcard
  EXPECT_FALSE(sender_owned(policy, "alice@example.test.evil"));
  EXPECT_FALSE(sender_owned(policy, ""));
  EXPECT_FALSE(sender_owned(policy, "alice"));
  EXPECT_FALSE(sender_owned(policy, "@example.test"));
  EXPECT_FALSE(sender_owned(policy, "alice@example.test>"));
}

TEST(SenderOwned, CatchAllAliasIsNotAGrant) {
  SendingPolicy policy = alice();
  policy.aliases.push_back("@example.test");  // a catch-all delivering to alice
  EXPECT_FALSE(sender_owned(policy, "ceo@example.test"));
}

std::vector<std::string> from(std::string_view text) {
  auto parsed = parse_from_addresses(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : std::vector<std::string>{};
}

bool malformed(std::string_view text) { return !parse_from_addresses(text).ok(); }

TEST(FromAddresses, Forms) {
  using V = std::vector<std::string>;
  EXPECT_EQ(from("alice@example.test"), V{"alice@example.test"});
  EXPECT_EQ(from("  alice@example.test  "), V{"alice@example.test"});
  EXPECT_EQ(from("<alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("Alice Example <alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("\"Example, Alice\" <alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("\"Quote \\\" <evil@x.test>\" <alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("=?utf-8?q?Al=C3=AFce?= <alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("alice@example.test (Alice <evil@x.test> (nested))"), V{"alice@example.test"});
  EXPECT_EQ(from("Alice (a comment, with comma) <alice@example.test>"), V{"alice@example.test"});
  EXPECT_EQ(from("\"john doe\"@example.test"), V{"\"john doe\"@example.test"});
  EXPECT_EQ(from("Alice\r\n <alice@example.test>"), V{"alice@example.test"});  // folded
  EXPECT_EQ(from("a@x.test, B <b@y.test>,,"), (V{"a@x.test", "b@y.test"}));
  EXPECT_EQ(from("<@relay.test,@other.test:alice@example.test>"), V{"alice@example.test"});  // obsolete route
  EXPECT_EQ(from("Team: a@x.test, b@y.test;"), (V{"a@x.test", "b@y.test"}));  // RFC 6854 group
  EXPECT_EQ(from("alice @ example.test"), V{"alice@example.test"});  // CFWS around '@' (obsolete)
}

TEST(FromAddresses, Malformed) {
  EXPECT_TRUE(malformed(""));
  EXPECT_TRUE(malformed("   "));
  EXPECT_TRUE(malformed("Undisclosed:;"));
  EXPECT_TRUE(malformed("Alice <alice@example.test"));
  EXPECT_TRUE(malformed("Alice alice@example.test>"));
  EXPECT_TRUE(malformed("<a@x.test> <b@y.test>"));
  EXPECT_TRUE(malformed("<a<b@x.test>>"));
  EXPECT_TRUE(malformed("\"unterminated <a@x.test>"));
  EXPECT_TRUE(malformed("(unterminated <a@x.test>"));
  EXPECT_TRUE(malformed("Group: a@x.test"));
  EXPECT_TRUE(malformed("a@x.test;"));
  std::string many;
  for (std::size_t i = 0; i <= kMaxFromAddresses; ++i) many += "a" + std::to_string(i) + "@x.test,";
  EXPECT_TRUE(malformed(many));
  EXPECT_TRUE(malformed("\"a\\"));  // a trailing escape never reads past the end
  EXPECT_TRUE(malformed("(\\"));
}

TEST(FromAddresses, TextThatHidesAnAddressIsNotTheAddress) {
  // The display name may look like an address: only the angle address counts.
  EXPECT_EQ(from("alice@example.test <mallory@evil.test>"), std::vector<std::string>{"mallory@evil.test"});
  EXPECT_FALSE(sender_owned(alice(), from("alice@example.test <mallory@evil.test>").front()));
}

}  // namespace
}  // namespace postino
