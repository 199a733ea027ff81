#include "pop3/dot_stuffer.hpp"

#include <gtest/gtest.h>

namespace postino::pop3 {
namespace {

std::string stuff_in_chunks(std::string_view message, std::size_t chunk) {
  DotStuffer stuffer;
  std::string out;
  for (std::size_t i = 0; i < message.size(); i += chunk) stuffer.feed(message.substr(i, chunk), out);
  stuffer.finish(out);
  return out;
}

TEST(DotStuffer, DoublesLeadingDots) {
  EXPECT_EQ(stuff_in_chunks("a\r\n.b\r\n..c\r\nd.e\r\n.\r\n", 1000), "a\r\n..b\r\n...c\r\nd.e\r\n..\r\n.\r\n");
}

TEST(DotStuffer, FirstLineAndBareLf) {
  EXPECT_EQ(stuff_in_chunks(".x\n.y\n", 1000), "..x\n..y\n.\r\n");
}

TEST(DotStuffer, TerminatesAnUnterminatedLastLine) {
  EXPECT_EQ(stuff_in_chunks("a\r\nb", 1000), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(stuff_in_chunks("a\r\n.", 1000), "a\r\n..\r\n.\r\n");
}

TEST(DotStuffer, EmptyMessage) { EXPECT_EQ(stuff_in_chunks("", 1000), ".\r\n"); }

TEST(DotStuffer, SameOutputWhateverTheChunking) {
  const std::string message =
      ".start\r\nline\r\n.\r\n..two\r\n\r\n.after blank\r\nmid.dle\r\n.end";
  const std::string expected = stuff_in_chunks(message, message.size());
  EXPECT_EQ(expected, "..start\r\nline\r\n..\r\n...two\r\n\r\n..after blank\r\nmid.dle\r\n..end\r\n.\r\n");
  for (std::size_t chunk = 1; chunk < message.size(); ++chunk) {
    EXPECT_EQ(stuff_in_chunks(message, chunk), expected) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace postino::pop3
