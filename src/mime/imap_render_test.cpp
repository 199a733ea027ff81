// ENVELOPE / BODY / BODYSTRUCTURE rendering: exact IMAP syntax.
#include "mime/imap_render.hpp"

#include <gtest/gtest.h>

#include "mime/address_list.hpp"
#include "mime/structure_parser.hpp"
#include "mime/test_messages.hpp"

namespace postino::mime {
namespace {

std::string imap_quoted(std::string_view v) {
  std::string out;
  append_imap_string(out, v);
  return out;
}

TEST(ImapQuoting, QuotedWhenPossibleLiteralOtherwise) {
  EXPECT_EQ(imap_quoted(""), "\"\"");
  EXPECT_EQ(imap_quoted("plain"), "\"plain\"");
  EXPECT_EQ(imap_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(imap_quoted("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
  EXPECT_EQ(imap_quoted("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(imap_quoted("\"\"\"\"\""), "{5}\r\n\"\"\"\"\"");  // many escapes: a literal is shorter
  EXPECT_EQ(imap_quoted(std::string(kMaxQuotedBytes + 1, 'x')).substr(0, 7), "{1025}\r");
  EXPECT_EQ(imap_quoted(std::string("a\0b", 3)), "{5}\r\na\xEF\xBF\xBD" "b");
  std::string nstr;
  append_imap_nstring(nstr, std::nullopt);
  EXPECT_EQ(nstr, "NIL");
}

TEST(AddressList, ShapesOfRfc5322) {
  auto a = parse_address_list("\"Doe, John\" <john@example.com>, plain@x.y (Comment Name), <@r1,@r2:u@h>");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0], (ImapAddress{"Doe, John", std::nullopt, "john", "example.com"}));
  EXPECT_EQ(a[1], (ImapAddress{"Comment Name", std::nullopt, "plain", "x.y"}));
  EXPECT_EQ(a[2], (ImapAddress{std::nullopt, "@r1,@r2", "u", "h"}));

  auto g = parse_address_list("Team: a@b.c, \"B\" <b@c.d>;, undisclosed-recipients:;");
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0], (ImapAddress{std::nullopt, std::nullopt, "Team", std::nullopt}));
  EXPECT_EQ(g[3], ImapAddress{});
  EXPECT_EQ(g[4], (ImapAddress{std::nullopt, std::nullopt, "undisclosed-recipients", std::nullopt}));
  EXPECT_EQ(g[5], ImapAddress{});

  auto broken = parse_address_list("localonly, <>");
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_EQ(broken[0].mailbox, "localonly");
  EXPECT_EQ(broken[0].host, "MISSING_DOMAIN");
  EXPECT_EQ(broken[1].mailbox, "MISSING_MAILBOX");
  EXPECT_TRUE(parse_address_list("").empty());
}

TEST(RenderEnvelope, DefaultsAndRawEncodedWords) {
  std::string m =
      "Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n  folded\r\n"
      "From: \"Joe\" <joe@x.y>\r\nTo: a@b.c\r\nCc: G:;\r\nMessage-ID: <id@x>\r\n\r\n";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(render_envelope(s.envelope()),
            "\"Tue, 2 Jan 2024 09:00:00 +0000\" \"=?utf-8?q?caf=C3=A9?= folded\" "
            "((\"Joe\" NIL \"joe\" \"x.y\")) ((\"Joe\" NIL \"joe\" \"x.y\")) ((\"Joe\" NIL \"joe\" \"x.y\")) "
            "((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"G\" NIL)(NIL NIL NIL NIL)) NIL NIL \"<id@x>\"");
  EXPECT_EQ(render_envelope(Envelope{}), "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL");
}

TEST(RenderBodyStructure, TestdataMessages) {
  MessageStructure a = StructureParser::parse(test::read_testdata("attachment_2231.eml"));
  EXPECT_EQ(render_body_structure(a, true),
            "((\"application\" \"pdf\" (\"name*\" \"utf-8''%E2%82%AC%20rapport final.pdf\") NIL NIL \"base64\" 12 "
            "NIL (\"attachment\" (\"filename*\" \"iso-8859-1'fr'r%E9sum%E9.pdf\")) NIL NIL)"
            "(\"text\" \"plain\" (\"charset\" \"koi8-r\") NIL NIL \"8bit\" 6 0 NIL NIL (\"ru\") NIL) "
            "\"mixed\" (\"boundary\" \"=_a\") NIL NIL NIL)");
  EXPECT_EQ(render_body_structure(a, false),
            "((\"application\" \"pdf\" (\"name*\" \"utf-8''%E2%82%AC%20rapport final.pdf\") NIL NIL \"base64\" 12)"
            "(\"text\" \"plain\" (\"charset\" \"koi8-r\") NIL NIL \"8bit\" 6 0) \"mixed\")");

  MessageStructure n = StructureParser::parse(test::read_testdata("nested_rfc822.eml"));
  EXPECT_EQ(render_body_structure(n, false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 25 0)"
            "(\"message\" \"rfc822\" NIL NIL \"forwarded message\" \"7bit\" 402 "
            "(NIL \"=?utf-8?b?w6l0w6k=?=\" ((\"=?iso-8859-1?q?Andr=E9?=\" NIL \"andre\" \"example.fr\")) "
            "((\"=?iso-8859-1?q?Andr=E9?=\" NIL \"andre\" \"example.fr\")) "
            "((\"=?iso-8859-1?q?Andr=E9?=\" NIL \"andre\" \"example.fr\")) NIL NIL NIL NIL \"<inner@example.fr>\") "
            "((\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 14 0)"
            "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 32 0) \"alternative\") 16) \"mixed\")");
}

TEST(RenderBodyStructure, DefaultsSizesAndEmptyMultipart) {
  // No Content-Type: text/plain; charset=us-ascii, "7bit", CRLF size.
  MessageStructure s = StructureParser::parse("Subject: x\n\none\ntwo\n");
  EXPECT_EQ(render_body_structure(s, true),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 2 NIL NIL NIL NIL)");
  // A multipart without boundary shows one empty text/plain part.
  MessageStructure e = StructureParser::parse("MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n");
  EXPECT_EQ(render_body_structure(e, false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")");
  // Case of type and subtype kept; extension data NIL vs "".
  MessageStructure c = StructureParser::parse(
      "MIME-Version: 1.0\r\nContent-Type: Image/PNG\r\nContent-ID: \r\nContent-Transfer-Encoding: BASE64\r\n\r\nAA==");
  EXPECT_EQ(render_body_structure(c, true), "(\"Image\" \"PNG\" NIL \"\" NIL \"BASE64\" 4 NIL NIL NIL NIL)");
}

TEST(RenderBodyStructure, TruncatedPartsAreOpaque) {
  MimeSettings settings;
  settings.max_depth = 1;
  MessageStructure s = StructureParser::parse(
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\ny\r\n--a--\r\n",
      settings);
  EXPECT_EQ(render_body_structure(s, false),
            "((\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 15) \"mixed\")");
}

}  // namespace
}  // namespace postino::mime
