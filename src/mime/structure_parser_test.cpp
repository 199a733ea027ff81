// StructureParser: exact offsets, line counts and every robustness case;
// the result must not depend on how the input is cut into chunks.
#include "mime/structure_parser.hpp"

#include <gtest/gtest.h>

#include <random>

#include "mime/test_messages.hpp"

namespace postino::mime {
namespace {

MessageStructure parse_chunked(std::string_view message, size_t chunk, MimeSettings settings = {}) {
  StructureParser parser(settings);
  for (size_t i = 0; i < message.size(); i += chunk) parser.feed(message.substr(i, chunk));
  return parser.finish();
}

std::string_view header_of(std::string_view m, const Part& p) {
  return m.substr(p.header_offset, p.header_bytes());
}
std::string_view body_of(std::string_view m, const Part& p) { return m.substr(p.body_offset, p.body_bytes()); }

TEST(StructureParser, ChunkingDoesNotMatter) {
  auto messages = test::tricky_messages();
  messages.emplace_back("nested_rfc822", test::read_testdata("nested_rfc822.eml"));
  messages.emplace_back("bare_lf_file", test::read_testdata("bare_lf.eml"));
  messages.emplace_back("attachment_2231", test::read_testdata("attachment_2231.eml"));
  for (const auto& [name, message] : messages) {
    MessageStructure whole = StructureParser::parse(message);
    EXPECT_EQ(whole.size, message.size()) << name;
    for (size_t chunk = 1; chunk <= 19; ++chunk) {
      EXPECT_EQ(parse_chunked(message, chunk), whole) << name << " chunk " << chunk;
    }
  }
}

TEST(StructureParser, SinglePartOffsetsAndLines) {
  std::string m = "From: a@b.c\r\nSubject: hi\r\n\r\nline one\r\nline two";
  MessageStructure s = StructureParser::parse(m);
  const Part& r = s.root;
  EXPECT_EQ(r.kind, PartKind::single);
  EXPECT_TRUE(r.is_text());
  EXPECT_FALSE(r.has_content_type);
  EXPECT_EQ(header_of(m, r), "From: a@b.c\r\nSubject: hi\r\n\r\n");
  EXPECT_EQ(body_of(m, r), "line one\r\nline two");
  EXPECT_EQ(r.header_lines, 3u);
  EXPECT_EQ(r.body_lines, 1u);
  EXPECT_EQ(r.body_size_crlf(), r.body_bytes());
  ASSERT_TRUE(r.envelope);
  EXPECT_EQ(r.envelope->subject, "hi");
  EXPECT_EQ(r.envelope->from, std::vector<std::string>{"a@b.c"});
}

TEST(StructureParser, MultipartBoundariesOwnTheirLineEnds) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=X\r\n\r\npre\r\n--X\r\nContent-Type: text/plain\r\n\r\none\r\n"
      "--X\r\n\r\ntwo\r\n--X--\r\nepi\r\n";
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.kind, PartKind::multipart);
  ASSERT_EQ(s.root.children.size(), 2u);
  EXPECT_EQ(s.part_count, 3u);
  const Part& a = s.root.children[0];
  const Part& b = s.root.children[1];
  EXPECT_EQ(header_of(m, a), "Content-Type: text/plain\r\n\r\n");
  EXPECT_EQ(body_of(m, a), "one");  // RFC 2046 5.1.1: the CRLF belongs to the boundary
  EXPECT_EQ(a.header_offset, m.find("Content-Type: text/plain"));
  EXPECT_EQ(a.body_lines, 0u);
  EXPECT_EQ(header_of(m, b), "\r\n");
  EXPECT_EQ(body_of(m, b), "two");
  EXPECT_FALSE(b.has_content_type);  // default text/plain in a multipart
  EXPECT_TRUE(b.is_text());
  // The multipart body runs from the preamble to the end, epilogue included.
  EXPECT_EQ(body_of(m, s.root), m.substr(m.find("pre")));
  EXPECT_EQ(s.root.body_lines, 10u);
}

TEST(StructureParser, MissingClosingBoundaryEndsAtEof) {
  std::string m = "Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nfirst\r\n--X\r\n\r\nsecond\r\n";
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, s.root.children[0]), "first");
  EXPECT_EQ(body_of(m, s.root.children[1]), "second\r\n");
  EXPECT_EQ(s.root.children[1].body_end, m.size());
}

TEST(StructureParser, BoundaryNeverFoundLeavesNoParts) {
  std::string m = "Content-Type: multipart/mixed; boundary=NOPE\r\n\r\ntext\r\n--OTHER\r\n";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(s.root.kind, PartKind::multipart);
  EXPECT_TRUE(s.root.children.empty());
  EXPECT_EQ(body_of(m, s.root), "text\r\n--OTHER\r\n");
}

TEST(StructureParser, BareLfCountsForCrlfSizes) {
  std::string m = test::read_testdata("bare_lf.eml");
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.children.size(), 2u);
  const Part& text = s.root.children[0];
  EXPECT_EQ(body_of(m, text), "one\ntwo");
  EXPECT_EQ(text.body_bare_lf, 1u);
  EXPECT_EQ(text.body_size_crlf(), 8u);
  EXPECT_EQ(text.header_bare_lf, 2u);
  EXPECT_EQ(s.root.header_lines, 5u);
  EXPECT_EQ(body_of(m, s.root.children[1]), "aGVs\nbG8=");
}

TEST(StructureParser, MissingHeaderBodySeparator) {
  std::string m = "From: a@b.c\r\nSubject: x";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(s.root.header_bytes(), m.size());
  EXPECT_EQ(s.root.body_bytes(), 0u);
  EXPECT_EQ(s.root.envelope->subject, "x");

  // A part whose header runs into the next boundary: the header ends there.
  std::string p = "Content-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\nContent-Type: text/html\r\n--Q\r\n\r\nx\r\n--Q--\r\n";
  MessageStructure t = StructureParser::parse(p);
  ASSERT_EQ(t.root.children.size(), 2u);
  EXPECT_EQ(header_of(p, t.root.children[0]), "Content-Type: text/html");
  EXPECT_EQ(t.root.children[0].body_bytes(), 0u);
  EXPECT_EQ(t.root.children[0].subtype, "html");
}

TEST(StructureParser, EightBitHeadersKeptRaw) {
  std::string m = "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\nFrom: J\xfcrgen <j@x.de>\r\n\r\nx\r\n";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(s.envelope().subject, "Gr\xc3\xbc\xc3\x9f" "e");
  EXPECT_EQ(s.envelope().from[0], "J\xfcrgen <j@x.de>");
}

TEST(StructureParser, FirstContentTypeWins) {
  std::string m =
      "MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=D\r\n\r\n"
      "--D\r\n\r\nx\r\n--D--\r\n";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(s.root.kind, PartKind::single);
  EXPECT_EQ(s.root.subtype, "plain");
}

TEST(StructureParser, Rfc2231ParametersMerged) {
  std::string m =
      "MIME-Version: 1.0\r\nContent-Type: application/pdf; name*1=\"b.pdf\"; name*0=\"a-\";\r\n"
      " title*=us-ascii'en'a%20b; gap*0=x; gap*2=z\r\n\r\nx";
  MessageStructure s = StructureParser::parse(m);
  std::vector<Param> expected = {
      {"gap*0", "x"}, {"gap*2", "z"}, {"name", "a-b.pdf"}, {"title*", "us-ascii'en'a%20b"}};
  EXPECT_EQ(s.root.params, expected);
}

TEST(StructureParser, QuotedBoundaryAndPrefixMatching) {
  std::string m = "Content-Type: multipart/mixed; boundary=\"a b=c\"\r\n\r\n--a b=c\r\n\r\nx\r\n--a b=c--\r\n";
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.children.size(), 1u);
  EXPECT_EQ(body_of(m, s.root.children[0]), "x");

  // "--o-i" must go to the inner multipart, not close the outer one.
  std::string n =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=o-i\r\n\r\n"
      "--o-i\r\n\r\na\r\n--o-i--\r\n--o\r\n\r\nb\r\n--o--\r\n";
  MessageStructure t = StructureParser::parse(n);
  ASSERT_EQ(t.root.children.size(), 2u);
  ASSERT_EQ(t.root.children[0].children.size(), 1u);
  EXPECT_EQ(body_of(n, t.root.children[0].children[0]), "a");
  EXPECT_EQ(body_of(n, t.root.children[1]), "b");
}

TEST(StructureParser, MessageRfc822ParsedRecursively) {
  std::string m = test::read_testdata("nested_rfc822.eml");
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.children.size(), 2u);
  const Part& msg = s.root.children[1];
  ASSERT_EQ(msg.kind, PartKind::message);
  EXPECT_EQ(msg.description, "forwarded message");
  ASSERT_EQ(msg.children.size(), 1u);
  const Part& inner = msg.children[0];
  EXPECT_EQ(inner.header_offset, msg.body_offset);
  EXPECT_EQ(inner.body_end, msg.body_end);
  ASSERT_TRUE(inner.envelope);
  EXPECT_EQ(inner.envelope->subject, "=?utf-8?b?w6l0w6k=?=");
  EXPECT_EQ(inner.envelope->message_id, "<inner@example.fr>");
  ASSERT_EQ(inner.kind, PartKind::multipart);
  ASSERT_EQ(inner.children.size(), 2u);
  EXPECT_EQ(body_of(m, inner.children[0]), "Caf=E9 cr=E8me");
  EXPECT_EQ(inner.children[0].encoding, "quoted-printable");
  EXPECT_FALSE(msg.envelope);
  EXPECT_EQ(s.part_count, 6u);
}

TEST(StructureParser, MessageGlobalIsEncapsulated) {
  std::string m = "MIME-Version: 1.0\r\nContent-Type: message/global\r\n\r\nSubject: g\r\n\r\nbody\r\n";
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.kind, PartKind::message);
  EXPECT_EQ(s.root.children[0].envelope->subject, "g");
  EXPECT_EQ(body_of(m, s.root.children[0]), "body\r\n");
}

TEST(StructureParser, DigestDefaultsToMessageRfc822) {
  std::string m =
      "Content-Type: multipart/digest; boundary=G\r\n\r\n--G\r\n\r\nSubject: one\r\n\r\n1\r\n--G\r\n"
      "Content-Type: text/plain\r\n\r\n2\r\n--G--\r\n";
  MessageStructure s = StructureParser::parse(m);
  ASSERT_EQ(s.root.children.size(), 2u);
  EXPECT_EQ(s.root.children[0].kind, PartKind::message);
  EXPECT_FALSE(s.root.children[0].has_content_type);
  EXPECT_EQ(s.root.children[0].children[0].envelope->subject, "one");
  EXPECT_EQ(s.root.children[1].kind, PartKind::single);
}

TEST(StructureParser, ContentFieldsNeedMime) {
  // RFC 2045 4: no MIME-Version and no Content-Type: Content-* mean nothing.
  std::string m = "Content-Transfer-Encoding: base64\r\nContent-ID: <x>\r\n\r\naGk=\r\n";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_FALSE(s.root.encoding);
  EXPECT_FALSE(s.root.content_id);
  std::string n = "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <x>\r\n"
                  "Content-Language: en, fr\r\nContent-Disposition: attachment; filename=a.txt\r\n"
                  "Content-Location: http://x/\r\n y\r\nContent-MD5: abc=\r\n\r\naGk=\r\n";
  MessageStructure t = StructureParser::parse(n);
  EXPECT_EQ(t.root.encoding, "base64");
  EXPECT_EQ(t.root.content_id, "<x>");
  EXPECT_EQ(t.root.language, (std::vector<std::string>{"en", "fr"}));
  EXPECT_EQ(t.root.disposition, "attachment");
  EXPECT_EQ(t.root.disposition_params, (std::vector<Param>{{"filename", "a.txt"}}));
  EXPECT_EQ(t.root.location, "http://x/ y");
  EXPECT_EQ(t.root.md5, "abc=");
}

TEST(StructureParser, InvalidContentTypeIsTextPlain) {
  MessageStructure s = StructureParser::parse("MIME-Version: 1.0\r\nContent-Type: text\r\n\r\nx\r\n");
  EXPECT_FALSE(s.root.has_content_type);
  EXPECT_TRUE(s.root.is_text());
}

TEST(StructureParser, DepthLimit) {
  std::string m;
  for (int i = 0; i < 60; ++i) {
    // "b1." is not a prefix of "b10." (boundaries match by prefix).
    std::string b = "b" + std::to_string(i) + ".";
    m += "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n";
  }
  m += "\r\ndeep\r\n";
  MimeSettings settings;
  settings.max_depth = 10;
  MessageStructure s = StructureParser::parse(m, settings);
  EXPECT_TRUE(s.limits_hit);
  const Part* p = &s.root;
  size_t depth = 0;
  while (!p->children.empty()) {
    p = &p->children[0];
    ++depth;
  }
  EXPECT_EQ(depth, 10u);
  EXPECT_TRUE(p->flags & kPartTruncated);
  EXPECT_EQ(p->body_end, m.size());
}

TEST(StructureParser, PartLimit) {
  std::string m = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
  for (int i = 0; i < 100; ++i) m += "--p\r\n\r\nx\r\n";
  m += "--p--\r\n";
  MimeSettings settings;
  settings.max_parts = 20;
  MessageStructure s = StructureParser::parse(m, settings);
  EXPECT_TRUE(s.limits_hit);
  EXPECT_EQ(s.part_count, 20u);
  EXPECT_EQ(s.root.children.size(), 19u);
  EXPECT_EQ(s.root.children.back().body_end, m.size());  // the rest stays in the last part
}

TEST(StructureParser, HeaderCap) {
  std::string m = "Subject: first\r\nX-Big: " + std::string(300 * 1024, 'y') + "\r\nFrom: late@x.y\r\n\r\nbody";
  MessageStructure s = StructureParser::parse(m);
  EXPECT_TRUE(s.limits_hit);
  EXPECT_TRUE(s.root.flags & kPartHeaderTooLong);
  EXPECT_EQ(s.envelope().subject, "first");
  EXPECT_TRUE(s.envelope().from.empty());  // after the cap: ignored
  EXPECT_EQ(body_of(m, s.root), "body");   // offsets stay exact
}

TEST(StructureParser, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  const std::string alphabet = "-\r\n:;=\"\\ab \t\x80\0";
  for (int round = 0; round < 300; ++round) {
    std::string m = "Content-Type: multipart/mixed; boundary=a\r\n\r\n";
    size_t n = rng() % 400;
    for (size_t i = 0; i < n; ++i) m.push_back(alphabet[rng() % alphabet.size()]);
    MessageStructure s = parse_chunked(m, 1 + rng() % 9);
    EXPECT_EQ(s.size, m.size());
    auto back = MessageStructure::deserialize(s.serialize());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
}

}  // namespace
}  // namespace postino::mime
