#include "pop3/pop3_command.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace postino::pop3 {
namespace {

TEST(Pop3Command, KeywordsAreCaseInsensitive) {
  for (const char* line : {"STAT", "stat", "StAt"}) {
    auto r = parse_command(line);
    ASSERT_TRUE(r.command) << line;
    EXPECT_EQ(r.command->info->kind, CommandKind::stat);
    EXPECT_TRUE(r.command->args.empty());
  }
}

TEST(Pop3Command, ArgumentsSplitOnSpaces) {
  auto r = parse_command("TOP 3 10");
  ASSERT_TRUE(r.command);
  EXPECT_EQ(r.command->info->kind, CommandKind::top);
  EXPECT_EQ(r.command->args, (std::vector<std::string>{"3", "10"}));
  // Runs of spaces and a trailing space are tolerated.
  r = parse_command("top  3 10 ");
  ASSERT_TRUE(r.command);
  EXPECT_EQ(r.command->args, (std::vector<std::string>{"3", "10"}));
  r = parse_command("LIST ");
  ASSERT_TRUE(r.command);
  EXPECT_TRUE(r.command->args.empty());
}

TEST(Pop3Command, PassKeepsTheRestOfTheLine) {
  auto r = parse_command("PASS  my secret  pass ");
  ASSERT_TRUE(r.command);
  EXPECT_EQ(r.command->info->kind, CommandKind::pass);
  ASSERT_EQ(r.command->args.size(), 1u);
  EXPECT_EQ(r.command->args[0], " my secret  pass ");
  EXPECT_EQ(parse_command("PASS").error, ParseError::bad_arguments);
}

TEST(Pop3Command, ArgumentCountsAreChecked) {
  EXPECT_EQ(parse_command("RETR").error, ParseError::bad_arguments);
  EXPECT_FALSE(parse_command("RETR").command);
  EXPECT_EQ(parse_command("RETR 1 2").error, ParseError::bad_arguments);
  EXPECT_EQ(parse_command("TOP 1").error, ParseError::bad_arguments);
  EXPECT_EQ(parse_command("STAT 1").error, ParseError::bad_arguments);
  EXPECT_EQ(parse_command("USER").error, ParseError::bad_arguments);
  EXPECT_EQ(parse_command("AUTH PLAIN AAAA extra").error, ParseError::bad_arguments);
  EXPECT_TRUE(parse_command("AUTH").command);
  EXPECT_TRUE(parse_command("AUTH PLAIN").command);
  EXPECT_TRUE(parse_command("AUTH PLAIN =").command);
  // Many arguments never grow the vector past the table's maximum.
  std::string many = "LIST";
  for (int i = 0; i < 1000; ++i) many += " 1";
  EXPECT_EQ(parse_command(many).error, ParseError::bad_arguments);
}

TEST(Pop3Command, UnknownAndEmpty) {
  EXPECT_EQ(parse_command("").error, ParseError::empty);
  EXPECT_EQ(parse_command("APOP user digest").error, ParseError::unknown_command);
  EXPECT_EQ(parse_command("LAST").error, ParseError::unknown_command);
  EXPECT_EQ(parse_command(" STAT").error, ParseError::unknown_command);
  EXPECT_EQ(parse_command("STATS").error, ParseError::unknown_command);
  auto r = parse_command(std::string(100, 'x'));
  EXPECT_EQ(r.error, ParseError::unknown_command);
  EXPECT_EQ(r.keyword.size(), 16u);  // bounded for logs
}

TEST(Pop3Command, StatesFollowTheTable) {
  EXPECT_TRUE(allowed_in(*find_command("USER"), Pop3State::authorization));
  EXPECT_FALSE(allowed_in(*find_command("USER"), Pop3State::transaction));
  EXPECT_FALSE(allowed_in(*find_command("STLS"), Pop3State::transaction));
  EXPECT_FALSE(allowed_in(*find_command("AUTH"), Pop3State::transaction));
  EXPECT_FALSE(allowed_in(*find_command("RETR"), Pop3State::authorization));
  EXPECT_FALSE(allowed_in(*find_command("NOOP"), Pop3State::authorization));
  for (const char* both : {"CAPA", "QUIT"}) {
    EXPECT_TRUE(allowed_in(*find_command(both), Pop3State::authorization)) << both;
    EXPECT_TRUE(allowed_in(*find_command(both), Pop3State::transaction)) << both;
  }
}

TEST(Pop3Command, MessageNumbers) {
  EXPECT_EQ(parse_message_number("1"), 1u);
  EXPECT_EQ(parse_message_number("007"), 7u);
  EXPECT_EQ(parse_message_number("999999999"), 999999999u);
  EXPECT_FALSE(parse_message_number("0"));
  EXPECT_FALSE(parse_message_number(""));
  EXPECT_FALSE(parse_message_number("-1"));
  EXPECT_FALSE(parse_message_number("+1"));
  EXPECT_FALSE(parse_message_number("1a"));
  EXPECT_FALSE(parse_message_number("4294967297"));  // would overflow 32 bits
  EXPECT_FALSE(parse_message_number("99999999999999999999999"));
}

TEST(Pop3Command, LineCounts) {
  EXPECT_EQ(parse_line_count("0"), 0u);
  EXPECT_EQ(parse_line_count("000"), 0u);
  EXPECT_EQ(parse_line_count("10"), 10u);
  EXPECT_EQ(parse_line_count("4294967295"), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(parse_line_count("4294967296"), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(parse_line_count("99999999999999999999999999"), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(parse_line_count("0000000000000000000005"), 5u);
  EXPECT_FALSE(parse_line_count(""));
  EXPECT_FALSE(parse_line_count("-1"));
  EXPECT_FALSE(parse_line_count("1x"));
}

}  // namespace
}  // namespace postino::pop3
