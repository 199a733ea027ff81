// MessageStructure serialisation: round trip, version byte, corrupt input.
#include "mime/message_structure.hpp"

#include <gtest/gtest.h>

#include "mime/structure_parser.hpp"
#include "mime/test_messages.hpp"

namespace postino::mime {
namespace {

TEST(MessageStructure, RoundTrip) {
  auto messages = test::tricky_messages();
  messages.emplace_back("nested", test::read_testdata("nested_rfc822.eml"));
  messages.emplace_back("attachment", test::read_testdata("attachment_2231.eml"));
  for (const auto& [name, message] : messages) {
    MessageStructure s = StructureParser::parse(message);
    std::string bytes = s.serialize();
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kStructureFormatVersion);
    auto back = MessageStructure::deserialize(bytes);
    ASSERT_TRUE(back.ok()) << name << ": " << back.error().message;
    EXPECT_EQ(*back, s) << name;
    EXPECT_EQ(back->serialize(), bytes) << name;
  }
}

TEST(MessageStructure, CompactForLargeMessages) {
  // The structure of a 1 MB single-part message is a few dozen bytes.
  std::string m = "Subject: big\r\nContent-Type: application/octet-stream\r\n\r\n" + std::string(1 << 20, 'A');
  EXPECT_LT(StructureParser::parse(m).serialize().size(), 100u);
}

TEST(MessageStructure, RejectsUnknownVersion) {
  std::string bytes = StructureParser::parse("Subject: x\r\n\r\ny").serialize();
  bytes[0] = static_cast<char>(kStructureFormatVersion + 1);
  auto r = MessageStructure::deserialize(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt_data);
  EXPECT_FALSE(MessageStructure::deserialize("").ok());
}

TEST(MessageStructure, RejectsEveryTruncationAndTrailingBytes) {
  std::string bytes = StructureParser::parse(test::read_testdata("nested_rfc822.eml")).serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(MessageStructure::deserialize(bytes.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(MessageStructure::deserialize(bytes + "x").ok());
}

TEST(MessageStructure, RejectsOffsetsOutsideTheMessage) {
  MessageStructure s = StructureParser::parse("Subject: x\r\n\r\nbody");
  s.root.body_end = s.size + 10;
  EXPECT_FALSE(MessageStructure::deserialize(s.serialize()).ok());
}

TEST(MessageStructure, FlippedBytesNeverCrash) {
  std::string bytes = StructureParser::parse(test::read_testdata("attachment_2231.eml")).serialize();
  for (size_t i = 1; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string copy = bytes;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      (void)MessageStructure::deserialize(copy);  // any result, no crash
    }
  }
}

}  // namespace
}  // namespace postino::mime
