// FETCH section resolution (RFC 9051 6.4.5).
#include "mime/section.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "mime/structure_parser.hpp"
#include "mime/test_messages.hpp"

namespace postino::mime {
namespace {

class SectionTest : public ::testing::Test {
 protected:
  std::string m_ = test::read_testdata("nested_rfc822.eml");
  MessageStructure s_ = StructureParser::parse(m_);

  std::string bytes(std::vector<uint32_t> path, SectionText text) {
    auto r = resolve_section(s_, path, text);
    if (!r) return "<" + std::string(errc_name(r.error().code)) + ">";
    return m_.substr(r->offset, r->length);
  }
};

TEST_F(SectionTest, TopLevel) {
  EXPECT_EQ(bytes({}, SectionText::none), m_);
  EXPECT_EQ(bytes({}, SectionText::header), m_.substr(0, m_.find("\r\n\r\n") + 4));
  EXPECT_EQ(bytes({}, SectionText::text), m_.substr(m_.find("\r\n\r\n") + 4));
  EXPECT_EQ(bytes({}, SectionText::mime), "<invalid_argument>");
}

TEST_F(SectionTest, PartsAndMime) {
  EXPECT_EQ(bytes({1}, SectionText::none), "See the attached message.");
  EXPECT_EQ(bytes({1}, SectionText::mime), "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
  EXPECT_EQ(bytes({2}, SectionText::mime), "Content-Type: message/rfc822\r\nContent-Description: forwarded message\r\n\r\n");
  // BODY[2] of a message/rfc822 part is the whole nested message.
  EXPECT_EQ(bytes({2}, SectionText::none).substr(0, 40), "From: =?iso-8859-1?q?Andr=E9?= <andre@ex");
  EXPECT_EQ(bytes({2}, SectionText::header).substr(0, 5), "From:");
  EXPECT_EQ(bytes({2}, SectionText::header).substr(bytes({2}, SectionText::header).size() - 4), "\r\n\r\n");
  EXPECT_EQ(bytes({2}, SectionText::text).substr(0, 7), "--inner");
  // Numbers continue inside the nested message.
  EXPECT_EQ(bytes({2, 1}, SectionText::none), "Caf=E9 cr=E8me");
  EXPECT_EQ(bytes({2, 2}, SectionText::mime), "Content-Type: text/html; charset=utf-8\r\n\r\n");
}

TEST_F(SectionTest, Errors) {
  EXPECT_EQ(bytes({3}, SectionText::none), "<not_found>");
  EXPECT_EQ(bytes({0}, SectionText::none), "<not_found>");
  EXPECT_EQ(bytes({1, 1}, SectionText::none), "<not_found>");
  EXPECT_EQ(bytes({2, 3}, SectionText::none), "<not_found>");
  EXPECT_EQ(bytes({1}, SectionText::header), "<invalid_argument>");
  EXPECT_EQ(bytes({1}, SectionText::text), "<invalid_argument>");
}

TEST(Section, PartOneOfANonMultipartMessage) {
  std::string m = "Subject: x\r\n\r\nbody\n";
  MessageStructure s = StructureParser::parse(m);
  std::vector<uint32_t> one = {1};
  auto body = resolve_section(s, one, SectionText::none);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(m.substr(body->offset, body->length), "body\n");
  EXPECT_EQ(body->bare_lf, 1u);
  auto mime = resolve_section(s, one, SectionText::mime);
  EXPECT_EQ(m.substr(mime->offset, mime->length), "Subject: x\r\n\r\n");
  std::vector<uint32_t> two = {2};
  EXPECT_FALSE(find_part(s, two).ok());
  // A top-level message/rfc822: part 1 is the message body, 1.1 the nested one's.
  std::string r = "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner";
  MessageStructure t = StructureParser::parse(r);
  auto p1 = resolve_section(t, one, SectionText::none);
  EXPECT_EQ(r.substr(p1->offset, p1->length), "Subject: in\r\n\r\ninner");
  std::vector<uint32_t> one_one = {1, 1};
  auto p11 = resolve_section(t, one_one, SectionText::none);
  EXPECT_EQ(r.substr(p11->offset, p11->length), "inner");
}

}  // namespace
}  // namespace postino::mime
