// SequenceSet: parsing, membership with "*", resolution and formatting.
#include "imap_proto/sequence_set.hpp"

#include <gtest/gtest.h>

namespace postino::imap {
namespace {

SequenceSet parsed(std::string_view text) {
  auto r = SequenceSet::parse(text, 1000);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : SequenceSet{};
}

TEST(SequenceSetTest, ParseAndPrint) {
  for (std::string_view text : {"1", "1:3,5,7:*", "*", "*:4", "2:4,7", "4294967295", "1:4294967295", "$"}) {
    EXPECT_EQ(parsed(text).str(), text);
  }
  EXPECT_TRUE(parsed("$").is_saved_result());
  EXPECT_TRUE(parsed("7:*").uses_star());
  EXPECT_FALSE(parsed("7:9").uses_star());
}

TEST(SequenceSetTest, ParseErrors) {
  for (std::string_view text : {"", "0", "1:0", "01", "1,", ",1", "1::2", "1:2:3", "a", "4294967296",
                                "99999999999999999999", "1 2", "$,1", "1,$", "-1", "1:"}) {
    EXPECT_FALSE(SequenceSet::parse(text, 1000).ok()) << text;
  }
  EXPECT_FALSE(SequenceSet::parse("$", 10, false).ok());
  EXPECT_FALSE(SequenceSet::parse("1,2,3", 2).ok());
  EXPECT_TRUE(SequenceSet::parse("1,2,3", 3).ok());
}

TEST(SequenceSetTest, Contains) {
  SequenceSet s = parsed("1:3,5,7:*");
  EXPECT_TRUE(s.contains(1, 10));
  EXPECT_TRUE(s.contains(3, 10));
  EXPECT_FALSE(s.contains(4, 10));
  EXPECT_TRUE(s.contains(5, 10));
  EXPECT_FALSE(s.contains(6, 10));
  EXPECT_TRUE(s.contains(10, 10));
  EXPECT_FALSE(s.contains(11, 10));  // 7:* is 7..max
  EXPECT_FALSE(s.contains(0, 10));
  // RFC 9051 9: "559:*" includes the last UID even when 559 is above it.
  SequenceSet u = parsed("559:*");
  EXPECT_TRUE(u.contains(500, 500));
  EXPECT_TRUE(u.contains(559, 500));
  EXPECT_FALSE(u.contains(499, 500));
  // Reversed ranges.
  EXPECT_TRUE(parsed("5:2").contains(3, 10));
  EXPECT_TRUE(parsed("*").contains(9, 9));
  EXPECT_FALSE(parsed("*").contains(8, 9));
  EXPECT_FALSE(parsed("$").contains(1, 10));
}

TEST(SequenceSetTest, ResolveAndIterate) {
  SequenceSet s = parsed("7:*,1:3,2,5,12");
  auto intervals = s.resolve(10);
  EXPECT_EQ(intervals, (std::vector<SequenceSet::Interval>{{1, 3}, {5, 5}, {7, 10}}));
  std::vector<std::uint32_t> members;
  s.for_each(10, [&](std::uint32_t n) { members.push_back(n); });
  EXPECT_EQ(members, (std::vector<std::uint32_t>{1, 2, 3, 5, 7, 8, 9, 10}));
  EXPECT_TRUE(s.resolve(0).empty());
  EXPECT_EQ(parsed("3:4,5:6").resolve(100), (std::vector<SequenceSet::Interval>{{3, 6}}));
  EXPECT_EQ(parsed("4294967295:1").resolve(4294967295u),
            (std::vector<SequenceSet::Interval>{{1, 4294967295u}}));
  EXPECT_EQ(parsed("*:2").resolve(1), (std::vector<SequenceSet::Interval>{{1, 1}}));
}

TEST(SequenceSetTest, FormatShortest) {
  std::vector<std::uint32_t> uids = {1, 2, 3, 5, 7, 8, 9};
  EXPECT_EQ(SequenceSet::format(uids), "1:3,5,7:9");
  EXPECT_EQ(SequenceSet::format(std::vector<std::uint32_t>{}), "");
  EXPECT_EQ(SequenceSet::format(std::vector<std::uint32_t>{42}), "42");
  EXPECT_EQ(SequenceSet::format(std::vector<std::uint32_t>{4, 4, 5, 5, 6}), "4:6");
  EXPECT_EQ(SequenceSet::format(std::vector<std::uint32_t>{4294967294u, 4294967295u}), "4294967294:4294967295");
  EXPECT_EQ(SequenceSet::format(std::vector<std::uint32_t>{1, 3, 5}), "1,3,5");
  // Round trip.
  auto again = SequenceSet::parse(SequenceSet::format(uids), 100);
  ASSERT_TRUE(again.ok());
  std::vector<std::uint32_t> members;
  again->for_each(100, [&](std::uint32_t n) { members.push_back(n); });
  EXPECT_EQ(members, uids);
}

}  // namespace
}  // namespace postino::imap
