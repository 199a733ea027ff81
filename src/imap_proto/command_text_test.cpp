// Literal announcements, tags, IDLE's DONE, and CommandText bookkeeping.
#include "imap_proto/command_text.hpp"

#include <gtest/gtest.h>

namespace postino::imap {
namespace {

TEST(LiteralAtEnd, Forms) {
  auto a = literal_at_end("A003 APPEND saved-messages (\\Seen) {310}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size_bytes, 310u);
  EXPECT_TRUE(a->synchronizing);
  EXPECT_FALSE(a->binary);
  a = literal_at_end("a LOGIN {4+}");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->synchronizing);
  EXPECT_EQ(a->size_bytes, 4u);
  a = literal_at_end("a APPEND INBOX ~{12}");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->binary);
  a = literal_at_end("a APPEND INBOX ~{12+}");
  ASSERT_TRUE(a && a->binary && !a->synchronizing);
  a = literal_at_end("{0}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size_bytes, 0u);
}

TEST(LiteralAtEnd, NotAnnouncements) {
  EXPECT_FALSE(literal_at_end("a NOOP"));
  EXPECT_FALSE(literal_at_end("a LOGIN {}"));
  EXPECT_FALSE(literal_at_end("a LOGIN {+}"));
  EXPECT_FALSE(literal_at_end("a LOGIN {1a}"));
  EXPECT_FALSE(literal_at_end("a LOGIN {-1}"));
  EXPECT_FALSE(literal_at_end("a LOGIN {12} "));
  EXPECT_FALSE(literal_at_end("a LOGIN 12}"));
  EXPECT_FALSE(literal_at_end("}"));
  EXPECT_FALSE(literal_at_end(""));
}

TEST(LiteralAtEnd, HugeSizesSaturate) {
  auto a = literal_at_end("a APPEND INBOX {99999999999999999999999999}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size_bytes, UINT64_MAX);
  a = literal_at_end("a APPEND INBOX {18446744073709551615}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size_bytes, UINT64_MAX);
  a = literal_at_end("a APPEND INBOX {18446744073709551614}");
  EXPECT_EQ(a->size_bytes, UINT64_MAX - 1);
}

TEST(PeekTag, ValidAndInvalid) {
  EXPECT_EQ(peek_tag("a001 LOGIN x y"), "a001");
  EXPECT_EQ(peek_tag("a]1 NOOP"), "a]1");
  EXPECT_FALSE(peek_tag("+ NOOP"));
  EXPECT_FALSE(peek_tag("a+ NOOP"));
  EXPECT_FALSE(peek_tag("* NOOP"));
  EXPECT_FALSE(peek_tag(""));
  EXPECT_FALSE(peek_tag(" NOOP"));
  EXPECT_EQ(peek_tag("tag"), "tag");  // a line with only a tag still has one for the BAD reply
}

TEST(IdleDone, CaseInsensitive) {
  EXPECT_TRUE(is_idle_done("DONE"));
  EXPECT_TRUE(is_idle_done("done"));
  EXPECT_FALSE(is_idle_done("DONE "));
  EXPECT_FALSE(is_idle_done("DON"));
  EXPECT_FALSE(is_idle_done("a DONE"));
}

TEST(CommandTextTest, SegmentsAndTakeLiteral) {
  CommandText text;
  text.add_line("a APPEND x {3}");
  std::string& storage = text.add_literal_storage(3);
  storage.replace(0, 3, "abc");
  text.add_line("");
  EXPECT_EQ(text.segments().size(), 3u);
  EXPECT_EQ(text.total_bytes(), 17u);
  EXPECT_EQ(text.take_literal(0), "");  // not a literal
  EXPECT_EQ(text.take_literal(1), "abc");
  EXPECT_EQ(text.total_bytes(), 14u);
  EXPECT_EQ(text.take_literal(7), "");
  text.clear();
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(text.total_bytes(), 0u);
}

}  // namespace
}  // namespace postino::imap
