// Response building and IMAP dates.
#include "imap_proto/response_writer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace postino::imap {
namespace {

using namespace std::chrono;

TEST(ResponseWriterTest, StringsChooseQuotedOrLiteral) {
  std::string out;
  append_string(out, "hello world");
  EXPECT_EQ(out, "\"hello world\"");
  out.clear();
  append_string(out, "say \"hi\" \\o/");
  EXPECT_EQ(out, "\"say \\\"hi\\\" \\\\o/\"");
  out.clear();
  append_string(out, "two\r\nlines");
  EXPECT_EQ(out, "{10}\r\ntwo\r\nlines");
  out.clear();
  append_string(out, "gr\xc3\xbc\xc3\x9f");
  EXPECT_EQ(out, "{6}\r\ngr\xc3\xbc\xc3\x9f");
  out.clear();
  append_string(out, "gr\xc3\xbc\xc3\x9f", true);
  EXPECT_EQ(out, "\"gr\xc3\xbc\xc3\x9f\"");
  out.clear();
  append_string(out, "bad\xff", true);  // invalid UTF-8 never quoted
  EXPECT_EQ(out, "{4}\r\nbad\xff");
  out.clear();
  append_string(out, std::string(kMaxQuotedBytes + 1, 'x'));
  EXPECT_EQ(out.substr(0, 8), "{1025}\r\n");
  out.clear();
  append_string(out, std::string("a\0b", 3));
  EXPECT_EQ(out, std::string("{3}\r\na\0b", 8));
  out.clear();
  append_string(out, "");
  EXPECT_EQ(out, "\"\"");
}

TEST(ResponseWriterTest, AstringNstringAtoms) {
  std::string out;
  append_astring(out, "INBOX");
  out += ' ';
  append_astring(out, "a]b");
  out += ' ';
  append_astring(out, "nil");
  out += ' ';
  append_astring(out, "has space");
  out += ' ';
  append_astring(out, "");
  out += ' ';
  append_nstring(out, std::nullopt);
  out += ' ';
  append_nstring(out, std::string_view("NIL"));
  EXPECT_EQ(out, "INBOX a]b \"nil\" \"has space\" \"\" NIL \"NIL\"");
  EXPECT_TRUE(is_atom("FLAGS"));
  EXPECT_FALSE(is_atom("a]"));
  EXPECT_FALSE(is_atom("a b"));
  EXPECT_FALSE(is_atom(""));
  EXPECT_FALSE(is_atom("NIL"));
}

TEST(ResponseWriterTest, MailboxNames) {
  std::string out;
  append_mailbox(out, "INBOX");
  out += ' ';
  append_mailbox(out, "Entw\xc3\xbcrfe");
  out += ' ';
  append_mailbox(out, "A&B");
  out += ' ';
  append_mailbox(out, "Sent Items");
  out += ' ';
  append_mailbox(out, "Entw\xc3\xbcrfe", true);
  EXPECT_EQ(out, "INBOX Entw&APw-rfe A&-B \"Sent Items\" \"Entw\xc3\xbcrfe\"");
}

TEST(ResponseWriterTest, LinesAndStatus) {
  ResponseWriter w;
  std::vector<std::string> flags = {"\\Seen", "$Forwarded"};
  w.untagged().number(12).raw(" FETCH (FLAGS ").flag_list(flags).raw(" INTERNALDATE ")
      .date_time(sys_days{2026y / November / 25} + 14h + 3min, minutes{0}).close().end();
  EXPECT_EQ(w.bytes(), "* 12 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"25-Nov-2026 14:03:00 +0000\")\r\n");
  w.clear();
  w.tagged("a1").status("OK", "READ-WRITE", "SELECT completed");
  EXPECT_EQ(w.take(), "a1 OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(untagged_status("BYE", "", "bye\r\nx"), "* BYE bye  x\r\n");
  EXPECT_EQ(tagged_status("t", "NO", "TRYCREATE", ""), "t NO [TRYCREATE] failed\r\n");
  ResponseWriter c;
  c.continuation().raw("Ready").end();
  EXPECT_EQ(c.bytes(), "+ Ready\r\n");
  ResponseWriter u;
  u.set_utf8(true).untagged().raw("LIST () \"/\" ").mailbox("Entw\xc3\xbcrfe").end();
  EXPECT_EQ(u.bytes(), "* LIST () \"/\" \"Entw\xc3\xbcrfe\"\r\n");
  ResponseWriter n;
  n.nstring(std::nullopt).sp().astring("x y").sp().string("q").open().atom("A").close();
  EXPECT_EQ(n.bytes(), "NIL \"x y\" \"q\"(A)");
}

TEST(ImapDate, FormatDateTime) {
  sys_seconds t = sys_days{2026y / November / 25} + 14h + 3min;
  EXPECT_EQ(format_date_time(t), "25-Nov-2026 14:03:00 +0000");
  EXPECT_EQ(format_date_time(t, minutes{60}), "25-Nov-2026 15:03:00 +0100");
  EXPECT_EQ(format_date_time(t, minutes{-210}), "25-Nov-2026 10:33:00 -0330");
  EXPECT_EQ(format_date_time(sys_days{1994y / February / 7}), "07-Feb-1994 00:00:00 +0000");
  EXPECT_EQ(format_date(2000y / March / 5), "5-Mar-2000");
}

TEST(ImapDate, ParseDateTime) {
  auto dt = parse_date_time("17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(dt);
  EXPECT_EQ(dt->instant, sys_days{1996y / July / 17} + 9h + 44min + 25s);
  EXPECT_EQ(dt->zone_offset, minutes{-420});
  EXPECT_EQ(format_date_time(*dt), "17-Jul-1996 02:44:25 -0700");
  dt = parse_date_time(" 7-feb-1994 21:52:25 +0000");
  ASSERT_TRUE(dt);
  EXPECT_EQ(dt->instant, sys_days{1994y / February / 7} + 21h + 52min + 25s);
  EXPECT_TRUE(parse_date_time("31-Dec-1998 23:59:60 +0000"));  // leap second
  EXPECT_EQ(parse_date_time("7-Feb-1994 21:52:25 +0000"), parse_date_time("07-Feb-1994 21:52:25 +0000"));
  for (std::string_view bad : {"", "7-Feb-1994 21:52:25 +00000", "-Feb-1994 21:52:25 +0000", "07-Feb-1994 24:00:00 +0000",
                               "07-Feb-1994 21:60:00 +0000", "07-Feb-1994 21:52:61 +0000", "07-Feb-1994 21:52:25 +0060",
                               "07-Feb-1994 21:52:25 0000 ", "30-Feb-1994 21:52:25 +0000", "07-Xyz-1994 21:52:25 +0000",
                               "07-Feb-94xx 21:52:25 +0000", "07/Feb/1994 21:52:25 +0000", "07-Feb-1994T21:52:25 +0000",
                               "0a-Feb-1994 21:52:25 +0000", "07-Feb-1994 21:52:25 *0000"}) {
    EXPECT_FALSE(parse_date_time(bad)) << bad;
  }
}

TEST(ImapDate, ParseDate) {
  EXPECT_EQ(parse_date("1-Feb-1994"), 1994y / February / 1);
  EXPECT_EQ(parse_date("01-feb-1994"), 1994y / February / 1);
  EXPECT_EQ(parse_date("29-Feb-2000"), 2000y / February / 29);
  for (std::string_view bad : {"", "1-Feb", "1-Feb-94", "001-Feb-1994", "29-Feb-1900", "0-Jan-2000", "1-Fe-2000",
                               "1-Feb-1994-", "x-Feb-1994", "1 Feb 1994"}) {
    EXPECT_FALSE(parse_date(bad)) << bad;
  }
}

}  // namespace
}  // namespace postino::imap
