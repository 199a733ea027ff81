// HeaderSection: finding the end of the header section across arbitrary
// chunk boundaries, limits, and field lookup with unfolding.
#include "smtp/header_section.hpp"

#include <gtest/gtest.h>

namespace postino {
namespace {

// Feeds `message` in chunks of `step` bytes; returns the body passed through.
std::string feed_in_chunks(HeaderSection& section, std::string_view message, std::size_t step) {
  std::string body;
  for (std::size_t i = 0; i < message.size(); i += step) section.feed(message.substr(i, step), body);
  section.finish();
  return body;
}

TEST(HeaderSection, SplitsAtTheBlankLineWhateverTheChunks) {
  const std::string message =
      "From: Alice <alice@example.test>\r\nSubject: hi\r\n\tthere\r\n\r\nbody line\r\n\r\nmore\r\n";
  for (std::size_t step = 1; step <= message.size(); ++step) {
    HeaderSection section(1024);
    std::string body = feed_in_chunks(section, message, step);
    ASSERT_TRUE(section.complete()) << step;
    EXPECT_FALSE(section.over_limit());
    EXPECT_TRUE(section.has_separator());
    EXPECT_EQ(section.headers(), "From: Alice <alice@example.test>\r\nSubject: hi\r\n\tthere\r\n") << step;
    EXPECT_EQ(body, "body line\r\n\r\nmore\r\n") << step;
  }
}

TEST(HeaderSection, NoBodyAndEmptyHeaderSection) {
  HeaderSection only_headers(1024);
  EXPECT_EQ(feed_in_chunks(only_headers, "Subject: x\r\n", 3), "");
  EXPECT_TRUE(only_headers.complete());
  EXPECT_FALSE(only_headers.has_separator());
  EXPECT_EQ(only_headers.headers(), "Subject: x\r\n");

  HeaderSection no_headers(1024);
  EXPECT_EQ(feed_in_chunks(no_headers, "\r\nbody\r\n", 1), "body\r\n");
  EXPECT_TRUE(no_headers.has_separator());
  EXPECT_EQ(no_headers.headers(), "");
  EXPECT_FALSE(no_headers.has_field("From"));
}

TEST(HeaderSection, BareLineFeeds) {
  HeaderSection section(1024);
  EXPECT_EQ(feed_in_chunks(section, "Subject: x\n\nbody\n", 2), "body\n");
  EXPECT_EQ(section.headers(), "Subject: x\n");
}

TEST(HeaderSection, OverLimit) {
  HeaderSection section(16);
  std::string body = feed_in_chunks(section, "Subject: a long subject line\r\n\r\nbody\r\n", 5);
  EXPECT_TRUE(section.over_limit());
  EXPECT_EQ(body, "");
  EXPECT_EQ(section.headers(), "");
  HeaderSection without_end(16);
  feed_in_chunks(without_end, std::string(100, 'x'), 7);
  EXPECT_TRUE(without_end.over_limit());
  HeaderSection exact(12);
  EXPECT_EQ(feed_in_chunks(exact, "Subject: x\r\n\r\nb", 4), "b");
  EXPECT_FALSE(exact.over_limit());
}

TEST(HeaderSection, Fields) {
  HeaderSection section(1024);
  feed_in_chunks(section,
                 "Received: x\r\nFROM : Alice\r\n <alice@example.test>\r\nfrom:second@example.test\r\n"
                 "X-From: no\r\nMessage-Id: <1@x>\r\n\r\nFrom: body@example.test\r\n",
                 1000);
  EXPECT_EQ(section.fields("From"), (std::vector<std::string>{"Alice <alice@example.test>", "second@example.test"}));
  EXPECT_TRUE(section.has_field("message-id"));
  EXPECT_FALSE(section.has_field("Date"));
  EXPECT_FALSE(section.has_field("Message"));
}

}  // namespace
}  // namespace postino
