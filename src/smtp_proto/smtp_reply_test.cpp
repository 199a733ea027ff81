// Tests for smtp_reply: single and multi-line replies, CR/LF sanitising,
// wrapping at 512 octets (RFC 5321 4.5.3.1.5), EHLO capability lists.
#include "smtp_proto/smtp_reply.hpp"

#include <gtest/gtest.h>


using namespace postino::smtp;

namespace {

std::vector<std::string> wire_lines(const std::string& wire) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < wire.size()) {
    std::size_t end = wire.find("\r\n", start);
    EXPECT_NE(end, std::string::npos);
    if (end == std::string::npos) break;
    lines.push_back(wire.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

}  // namespace

TEST(SmtpReply, SingleLine) {
  EXPECT_EQ(SmtpReply(250, "2.1.0", "Ok").wire(), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(SmtpReply(220, "", "mx.example.test ESMTP Postino").wire(), "220 mx.example.test ESMTP Postino\r\n");
  EXPECT_EQ(SmtpReply(354, "", "End data with <CR><LF>.<CR><LF>").wire(),
            "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(SmtpReply(250, "2.0.0").wire(), "250 2.0.0\r\n");
  EXPECT_EQ(SmtpReply(250, "").wire(), "250\r\n");
}

TEST(SmtpReply, MultiLine) {
  SmtpReply reply(550, "5.7.1", "Message rejected");
  reply.add_line("See https://example.test/why");
  EXPECT_EQ(reply.wire(), "550-5.7.1 Message rejected\r\n550 5.7.1 See https://example.test/why\r\n");
  EXPECT_EQ(reply.lines().size(), 2u);
}

TEST(SmtpReply, SanitisesCrLfInjection) {
  SmtpReply reply(250, "2.1.5", "Ok <evil>\r\n250 2.0.0 injected\nmore\r");
  EXPECT_EQ(reply.wire(), "250 2.1.5 Ok <evil>  250 2.0.0 injected more \r\n");
  EXPECT_EQ(sanitize_reply_text(std::string_view("a\0b\x7f\xc3\xa9\tz", 8)), "a?b???\tz");
  EXPECT_EQ(reply.wire().find('\n'), reply.wire().size() - 1);
}

TEST(SmtpReply, WrapsAt512Octets) {
  std::string words;
  for (int i = 0; i < 300; ++i) words += (i ? " word" : "word") + std::to_string(i);
  SmtpReply reply(550, "5.1.1", words);
  auto lines = wire_lines(reply.wire());
  ASSERT_GT(lines.size(), 1u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size() + 2, kMaxReplyLineBytes);
    EXPECT_EQ(lines[i].substr(0, 10), i + 1 == lines.size() ? "550 5.1.1 " : "550-5.1.1 ");
    EXPECT_NE(lines[i].back(), ' ');
  }
  // Words are not split: rejoining the lines gives the text back.
  std::string joined;
  for (const auto& l : reply.lines()) joined += (joined.empty() ? "" : " ") + l;
  EXPECT_EQ(joined, words);

  // One unbreakable word is cut into full-size lines.
  SmtpReply long_word(250, "", std::string(1200, 'x'));
  auto cut = wire_lines(long_word.wire());
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[0].size() + 2, kMaxReplyLineBytes);
  EXPECT_EQ(cut[1].size() + 2, kMaxReplyLineBytes);
  EXPECT_EQ(cut[2], "250 " + std::string(1200 - 2 * 506, 'x'));
}

TEST(SmtpReply, BoundedLineCount) {
  SmtpReply reply(250, "2.0.0", std::string(kMaxReplyLineBytes * (kMaxReplyLines + 10), 'y'));
  EXPECT_EQ(reply.lines().size(), kMaxReplyLines);
  for (int i = 0; i < 10; ++i) reply.add_line("more");
  EXPECT_EQ(reply.lines().size(), kMaxReplyLines);
}

TEST(SmtpReply, FromCommandError) {
  auto reply = reply_for(make_command_error(CommandErrorKind::unrecognized_parameter, "Unsupported option"));
  EXPECT_EQ(reply.wire(), "555 5.5.4 Unsupported option\r\n");
  EXPECT_EQ(reply_for(make_command_error(CommandErrorKind::utf8_not_permitted, "x")).wire(), "553 5.6.7 x\r\n");
}

TEST(SmtpReply, EhloCapabilities) {
  std::vector<std::string> keywords = {"PIPELINING", "SIZE 52428800", "8BITMIME", "AUTH PLAIN LOGIN", "SMTPUTF8"};
  EXPECT_EQ(ehlo_reply("mx.example.test", "Hello client.test", keywords).wire(),
            "250-mx.example.test Hello client.test\r\n"
            "250-PIPELINING\r\n"
            "250-SIZE 52428800\r\n"
            "250-8BITMIME\r\n"
            "250-AUTH PLAIN LOGIN\r\n"
            "250 SMTPUTF8\r\n");
  EXPECT_EQ(ehlo_reply("mx.example.test", "", {}).wire(), "250 mx.example.test\r\n");
  // The greeting may echo the client's HELO name: sanitised too.
  EXPECT_EQ(ehlo_reply("mx.test", "Hello x\r\nMAIL", {}).wire(), "250 mx.test Hello x  MAIL\r\n");
}

TEST(SmtpReply, EnhancedStatusValidation) {
  EXPECT_TRUE(is_valid_enhanced_status(250, "2.1.0"));
  EXPECT_TRUE(is_valid_enhanced_status(451, "4.7.100"));
  EXPECT_FALSE(is_valid_enhanced_status(250, "5.1.0"));
  EXPECT_FALSE(is_valid_enhanced_status(354, "3.0.0"));
  EXPECT_FALSE(is_valid_enhanced_status(250, "2.1"));
  EXPECT_FALSE(is_valid_enhanced_status(250, "2.1.0000"));
  EXPECT_FALSE(is_valid_enhanced_status(250, "2..0"));
  EXPECT_FALSE(is_valid_enhanced_status(250, "2-1-0"));
}
