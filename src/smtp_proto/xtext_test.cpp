// Tests for xtext (RFC 3461 4): decoding, rejection of bad escapes, round trips.
// Inputs are what a hostile client could send in ENVID, ORCPT or AUTH=.
#include "smtp_proto/xtext.hpp"

#include <gtest/gtest.h>

using namespace postino::smtp;

TEST(Xtext, Decodes) {
  EXPECT_EQ(*decode_xtext("plain"), "plain");
  EXPECT_EQ(*decode_xtext("a+2Bb+3Dc"), "a+b=c");
  EXPECT_EQ(*decode_xtext("+20"), " ");
  EXPECT_EQ(*decode_xtext(""), "");
  for (const char* bad : {"+", "+2", "a+2g", "+2b", "+00", "+80", "a=b", "a b", "\x01", "caf\xc3\xa9"}) {
    EXPECT_FALSE(decode_xtext(bad).ok()) << bad;
  }
}

// Postfix escapes the UTF-8 octets of an SMTPUTF8 address in ORCPT.
TEST(Xtext, EscapedUtf8OctetsDecode) {
  EXPECT_EQ(*decode_xtext("rfc822;andr+C3+A9@example.test"), "rfc822;andr\xc3\xa9@example.test");
  EXPECT_FALSE(decode_xtext("+C3").ok());      // a lone lead octet is not UTF-8
  EXPECT_FALSE(decode_xtext("+C0+AF").ok());   // overlong
}

TEST(Xtext, Utf8UnitextOnlyWhenAllowed) {
  EXPECT_EQ(*decode_xtext("caf\xc3\xa9+2B", true), "caf\xc3\xa9+");
  EXPECT_FALSE(decode_xtext("caf\xc3", true).ok());
}

TEST(Xtext, EncodeRoundTrips) {
  EXPECT_EQ(encode_xtext("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(encode_xtext("\xc3\xa9"), "+C3+A9");
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  EXPECT_EQ(*decode_xtext(encode_xtext(all)), all);
}
