// Header block utilities: split, unfold, HEADER.FIELDS (NOT).
#include "mime/header_fields.hpp"

#include <gtest/gtest.h>

namespace postino::mime {
namespace {

const std::string kHeader =
    "Received: from a\r\n\tby b\r\nSubject: hello\r\n world\r\nX-Empty:\r\nsubject : second\r\nTo: x@y\r\n\r\n";

TEST(HeaderFields, Split) {
  auto fields = split_header_fields(kHeader);
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0].name, "Received");
  EXPECT_EQ(fields[0].raw, "Received: from a\r\n\tby b\r\n");
  EXPECT_EQ(fields[1].value, " hello\r\n world");
  EXPECT_EQ(fields[2].value, "");
  EXPECT_EQ(fields[3].name, "subject");
  auto odd = split_header_fields("no colon here\nA: b");
  ASSERT_EQ(odd.size(), 2u);
  EXPECT_EQ(odd[0].name, "no colon here");
  EXPECT_EQ(odd[1].raw, "A: b");
}

TEST(HeaderFields, Unfold) {
  EXPECT_EQ(unfold(" hello\r\n world"), " hello world");
  EXPECT_EQ(unfold("a\r\n\tb\nc\r\n"), "a\tb c");
  EXPECT_EQ(unfold("plain"), "plain");
}

TEST(HeaderFields, FilterKeepsFoldsAndOrder) {
  std::vector<std::string> names = {"SUBJECT", "received"};
  EXPECT_EQ(filter_header_fields(kHeader, names, false),
            "Received: from a\r\n\tby b\r\nSubject: hello\r\n world\r\nsubject : second\r\n\r\n");
  EXPECT_EQ(filter_header_fields(kHeader, names, true), "X-Empty:\r\nTo: x@y\r\n\r\n");
  std::vector<std::string> none = {"X-Absent"};
  EXPECT_EQ(filter_header_fields(kHeader, none, false), "\r\n");
}

TEST(HeaderFields, FilterWritesCrlf) {
  std::vector<std::string> names = {"a"};
  EXPECT_EQ(filter_header_fields("A: 1\n 2\nB: 3\n\n", names, false), "A: 1\r\n 2\r\n\r\n");
  EXPECT_EQ(filter_header_fields("A: last", names, false), "A: last\r\n");
}

// RFC 9051 6.4.5: no blank line in the result when the message has none.
TEST(HeaderFields, FilterBlankLineOnlyWhenPresent) {
  std::vector<std::string> names = {"a"};
  EXPECT_EQ(filter_header_fields("A: 1\r\nB: 2\r\n", names, false), "A: 1\r\n");
  EXPECT_EQ(filter_header_fields("A: 1\r\nB: 2\r\n", names, true), "B: 2\r\n");
  EXPECT_EQ(filter_header_fields("", names, true), "");
  EXPECT_EQ(filter_header_fields("\r\n", names, true), "\r\n");
  EXPECT_EQ(filter_header_fields("\n", names, false), "\r\n");
  EXPECT_EQ(filter_header_fields("A: 1\n\n", names, true), "\r\n");
}

TEST(HeaderFields, FindValue) {
  std::string v;
  ASSERT_TRUE(find_header_value(kHeader, "subject", v));
  EXPECT_EQ(v, "hello world");
  EXPECT_FALSE(find_header_value(kHeader, "cc", v));
}

}  // namespace
}  // namespace postino::mime
