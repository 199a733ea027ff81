#include "pop3/top_cutter.hpp"

#include <gtest/gtest.h>

namespace postino::pop3 {
namespace {

struct Cut {
  std::string text;
  bool done = false;
};

Cut cut_in_chunks(std::string_view message, std::uint32_t lines, std::size_t chunk) {
  TopCutter cutter(lines);
  Cut out;
  for (std::size_t i = 0; i < message.size() && !cutter.done(); i += chunk) {
    out.text += cutter.feed(message.substr(i, chunk));
  }
  out.done = cutter.done();
  return out;
}

const std::string kMessage =
    "From: a@example.test\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "line 1\r\n"
    "\r\n"
    "line 3\r\n"
    "line 4\r\n";

TEST(TopCutter, ZeroLinesIsHeaderAndSeparator) {
  auto cut = cut_in_chunks(kMessage, 0, kMessage.size());
  EXPECT_EQ(cut.text, "From: a@example.test\r\nSubject: hi\r\n\r\n");
  EXPECT_TRUE(cut.done);
}

TEST(TopCutter, CountsBodyLinesIncludingBlankOnes) {
  EXPECT_EQ(cut_in_chunks(kMessage, 1, 1000).text, "From: a@example.test\r\nSubject: hi\r\n\r\nline 1\r\n");
  EXPECT_EQ(cut_in_chunks(kMessage, 2, 1000).text, "From: a@example.test\r\nSubject: hi\r\n\r\nline 1\r\n\r\n");
  EXPECT_EQ(cut_in_chunks(kMessage, 3, 1000).text,
            "From: a@example.test\r\nSubject: hi\r\n\r\nline 1\r\n\r\nline 3\r\n");
}

TEST(TopCutter, MoreLinesThanTheBodyGivesTheWholeMessage) {
  auto cut = cut_in_chunks(kMessage, 100, 1000);
  EXPECT_EQ(cut.text, kMessage);
  EXPECT_FALSE(cut.done);
}

TEST(TopCutter, NoBlankLineMeansAllHeader) {
  const std::string headers_only = "From: a\r\nSubject: b\r\n";
  EXPECT_EQ(cut_in_chunks(headers_only, 0, 1000).text, headers_only);
}

TEST(TopCutter, ALineOfOnlyCrIsBlankButNotCrSomething) {
  EXPECT_EQ(cut_in_chunks("A: b\r\n\rx\r\nC: d\r\n\r\nbody\r\n", 0, 1000).text, "A: b\r\n\rx\r\nC: d\r\n\r\n");
  EXPECT_EQ(cut_in_chunks("A: b\n\nbody\n", 0, 1000).text, "A: b\n\n");
}

TEST(TopCutter, SameCutWhateverTheChunking) {
  for (std::uint32_t lines = 0; lines < 6; ++lines) {
    const std::string expected = cut_in_chunks(kMessage, lines, kMessage.size()).text;
    for (std::size_t chunk = 1; chunk < kMessage.size(); ++chunk) {
      EXPECT_EQ(cut_in_chunks(kMessage, lines, chunk).text, expected) << "lines " << lines << " chunk " << chunk;
    }
  }
}

}  // namespace
}  // namespace postino::pop3
