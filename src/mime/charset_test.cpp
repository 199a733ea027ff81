// ICU charset conversion, RFC 2047 and RFC 2231 decoding.
#include "mime/charset.hpp"

#include <gtest/gtest.h>

namespace postino::mime {
namespace {

TEST(Charset, ConvertsCommonCharsets) {
  EXPECT_EQ(*to_utf8("caf\xe9", "ISO-8859-1"), "caf\xc3\xa9");
  EXPECT_EQ(*to_utf8("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r"), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  EXPECT_EQ(*to_utf8("\x82\xb1\x82\xf1", "Shift_JIS"), "\xe3\x81\x93\xe3\x82\x93");
  EXPECT_EQ(*to_utf8("\x1b$B$3$s\x1b(B", "iso-2022-jp"), "\xe3\x81\x93\xe3\x82\x93");
  EXPECT_EQ(*to_utf8("\x93x\x94", "windows-1252"), "\xe2\x80\x9cx\xe2\x80\x9d");
  auto unknown = to_utf8("x", "x-no-such-charset");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::unsupported);
  // Invalid bytes become U+FFFD.
  EXPECT_EQ(*to_utf8("a\xff", "utf-8"), "a\xef\xbf\xbd");
}

TEST(Charset, LenientFallbacks) {
  EXPECT_EQ(to_utf8_lenient("caf\xc3\xa9", "us-ascii"), "caf\xc3\xa9");  // mislabelled UTF-8
  EXPECT_EQ(to_utf8_lenient("caf\xe9", "x-unknown"), "caf\xc3\xa9");    // windows-1252 guess
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
}

TEST(Charset, EncodedWords) {
  EXPECT_EQ(decode_header_value("=?utf-8?q?caf=C3=A9_au_lait?="), "caf\xc3\xa9 au lait");
  EXPECT_EQ(decode_header_value("=?ISO-8859-1?B?Y2Fm6Q==?= and =?koi8-r?b?8NLJ18XU?="),
            "caf\xc3\xa9 and \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  // RFC 2047 6.2: whitespace between adjacent encoded words goes.
  EXPECT_EQ(decode_header_value("=?utf-8?q?a?= \r\n =?utf-8?q?b?="), "ab");
  // A character split over two words of the same charset.
  EXPECT_EQ(decode_header_value("=?utf-8?q?=E2=82?= =?utf-8?q?=AC?="), "\xe2\x82\xac");
  // RFC 2231 5 language suffix.
  EXPECT_EQ(decode_header_value("=?utf-8*en?q?hi?="), "hi");
  // Not encoded words: kept.
  EXPECT_EQ(decode_header_value("=?utf-8?x?abc?= a=?b"), "=?utf-8?x?abc?= a=?b");
  EXPECT_EQ(decode_header_value("raw caf\xe9"), "raw caf\xc3\xa9");
}

TEST(Charset, ParamValues) {
  EXPECT_EQ(decode_param_value(Param{"filename*", "iso-8859-1'fr'r%E9sum%E9.pdf"}), "r\xc3\xa9sum\xc3\xa9.pdf");
  EXPECT_EQ(decode_param_value(Param{"name*", "utf-8''%E2%82%AC%20x"}), "\xe2\x82\xac x");
  EXPECT_EQ(decode_param_value(Param{"name", "=?utf-8?B?w6k=?="}), "\xc3\xa9");
  EXPECT_EQ(decode_param_value(Param{"name", "plain.txt"}), "plain.txt");
}

}  // namespace
}  // namespace postino::mime
