// Body text extraction for the search index.
#include "mime/text_extractor.hpp"

#include <gtest/gtest.h>

#include "mime/structure_parser.hpp"
#include "mime/test_messages.hpp"

namespace postino::mime {
namespace {

TEST(TextExtractor, DecodesEncodingsCharsetsAndHtml) {
  std::string m = test::read_testdata("nested_rfc822.eml");
  MessageStructure s = StructureParser::parse(m);
  // Named entities beyond the basic ones stay as written (crude on purpose).
  EXPECT_EQ(extract_body_text(m, s), "See the attached message.\nCaf\xc3\xa9 cr\xc3\xa8me\nCaf&eacute; cr\xc3\xa8me ");
}

TEST(TextExtractor, SkipsAttachmentsAndBinary) {
  std::string m = test::read_testdata("attachment_2231.eml");
  MessageStructure s = StructureParser::parse(m);
  EXPECT_EQ(extract_body_text(m, s), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
}

TEST(TextExtractor, Bounded) {
  std::string m = "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  for (int i = 0; i < 1000; ++i) m += "\xc3\xa9t\xc3\xa9 ";
  MessageStructure s = StructureParser::parse(m);
  TextExtractSettings settings;
  settings.max_output_bytes = 101;
  std::string text = extract_body_text(m, s, settings);
  EXPECT_LE(text.size(), 101u);
  EXPECT_GE(text.size(), 98u);
  EXPECT_EQ(text.substr(0, 5), "\xc3\xa9t\xc3\xa9");
}

TEST(TextExtractor, StripHtml) {
  EXPECT_EQ(strip_html("<p>a&amp;b &#233;&#x41;</p><script>x<y</script><!-- c -->z"), "a&b \xc3\xa9" "A z");
  EXPECT_EQ(strip_html("<style>p{}</style>t"), "t");
}

}  // namespace
}  // namespace postino::mime
