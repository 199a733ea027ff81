#include "common/address.hpp"

#include <gtest/gtest.h>

using namespace postino;

TEST(Address, ParsesAndCanonicalises) {
  auto a = parse_address("John.Doe@Example.TEST");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->local, "John.Doe");
  EXPECT_EQ(a->domain, "example.test");
  EXPECT_EQ(a->canonical(), "john.doe@example.test");
}

TEST(Address, QuotedLocalPart) {
  auto a = parse_address("\"john doe\"@example.test");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->local, "john doe");
  EXPECT_EQ(a->str(), "\"john doe\"@example.test");
}

TEST(Address, RejectsMalformed) {
  for (const char* bad : {"", "nobody", "@example.test", "a@", "a..b@example.test", ".a@example.test",
                          "a.@example.test", "a@example", "a@-x.test", "a@ex_ample.test", "a b@example.test",
                          "a@[127.0.0.1]", "\"unterminated@example.test"}) {
    EXPECT_FALSE(parse_address(bad).ok()) << bad;
  }
}

TEST(Address, LengthLimits) {
  std::string local(65, 'a');
  EXPECT_FALSE(parse_address(local + "@example.test").ok());
  EXPECT_TRUE(parse_address(std::string(64, 'a') + "@example.test").ok());
  std::string label(64, 'b');
  EXPECT_FALSE(parse_address("a@" + label + ".test").ok());
}

TEST(Address, Utf8OnlyWhenAllowed) {
  EXPECT_TRUE(parse_address("andré@exämple.test").ok());
  EXPECT_FALSE(parse_address("andré@example.test", {.allow_utf8 = false}).ok());
  EXPECT_FALSE(parse_address("a\xff@example.test").ok());
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(Domain, SingleLabelOnlyWhenAllowed) {
  EXPECT_FALSE(parse_domain("localhost").ok());
  EXPECT_TRUE(parse_domain("localhost", true, true).ok());
  EXPECT_EQ(*parse_domain("Mail.Example.Test."), "mail.example.test");
}
