#include "sasl/base64.hpp"

#include <gtest/gtest.h>

namespace postino::sasl {
namespace {

TEST(Base64, Rfc4648Vectors) {
  // RFC 4648 10.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto decoded = base64_decode(base64_encode(all));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, all);
}

TEST(Base64, RejectsNonCanonicalInput) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zh==", "Zm9=", "Zm 9v", "Zm9v\r\n",
                          "Zm9v=", "Zm-v", "Zm_v", "=m9v", "Zm=v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
  std::string with_nul("Zm9v\0AAA", 8);
  EXPECT_FALSE(base64_decode(with_nul));
}

}  // namespace
}  // namespace postino::sasl
