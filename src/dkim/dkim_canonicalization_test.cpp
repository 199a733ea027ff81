#include "dkim/dkim_canonicalization.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>

#include "dkim/dkim_base64.hpp"
#include "dkim/dkim_header_fields.hpp"

namespace postino::dkim {
namespace {

std::string sha256_b64(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return detail::base64_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

std::string hash_body(std::string_view body, DkimCanonicalization canon, std::size_t chunk) {
  DkimBodyHasher hasher(canon);
  for (std::size_t i = 0; i < body.size(); i += chunk) hasher.update(body.substr(i, chunk));
  return hasher.finish_base64();
}

// RFC 6376 3.4.5.
constexpr std::string_view kExampleHeaders = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
constexpr std::string_view kExampleBody = " C \r\nD \t E\r\n\r\n\r\n";

TEST(DkimCanonicalization, Rfc6376Section345Relaxed) {
  auto fields = split_header_fields(kExampleHeaders);
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ(canonicalize_header_field((*fields)[0].raw, DkimCanonicalization::relaxed), "a:X\r\n");
  EXPECT_EQ(canonicalize_header_field((*fields)[1].raw, DkimCanonicalization::relaxed), "b:Y Z\r\n");
  EXPECT_EQ(canonicalize_body(kExampleBody, DkimCanonicalization::relaxed), " C\r\nD E\r\n");
}

TEST(DkimCanonicalization, Rfc6376Section345Simple) {
  auto fields = split_header_fields(kExampleHeaders);
  ASSERT_TRUE(fields);
  EXPECT_EQ(canonicalize_header_field((*fields)[0].raw, DkimCanonicalization::simple), "A: X\r\n");
  EXPECT_EQ(canonicalize_header_field((*fields)[1].raw, DkimCanonicalization::simple), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canonicalize_body(kExampleBody, DkimCanonicalization::simple), " C \r\nD \t E\r\n");
}

TEST(DkimCanonicalization, EmptyBodies) {
  // RFC 6376 3.4.3: simple turns an empty body into CRLF; 3.4.4: relaxed keeps it empty.
  EXPECT_EQ(hash_body("", DkimCanonicalization::simple, 1), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  EXPECT_EQ(hash_body("", DkimCanonicalization::relaxed, 1), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(hash_body("\r\n\r\n", DkimCanonicalization::simple, 1), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  EXPECT_EQ(hash_body(" \t\r\n\r\n", DkimCanonicalization::relaxed, 1), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(DkimCanonicalization, Rfc6376AppendixBodyHash) {
  // The body of RFC 8463 appendix A (RFC 6376 appendix A with one space), both canonicalisations.
  std::string body = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
  EXPECT_EQ(hash_body(body, DkimCanonicalization::simple, body.size()), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  EXPECT_EQ(hash_body(body, DkimCanonicalization::relaxed, 3), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

TEST(DkimCanonicalization, NoFinalLineEndAndBareLineEnds) {
  EXPECT_EQ(canonicalize_body("abc", DkimCanonicalization::simple), "abc\r\n");
  EXPECT_EQ(canonicalize_body("abc  ", DkimCanonicalization::relaxed), "abc\r\n");
  EXPECT_EQ(canonicalize_body("a\nb\n\n", DkimCanonicalization::simple), "a\r\nb\r\n");
  EXPECT_EQ(canonicalize_body("a\rb\r\n", DkimCanonicalization::relaxed), "a\rb\r\n");
  EXPECT_EQ(hash_body("abc", DkimCanonicalization::simple, 1), sha256_b64("abc\r\n"));
  EXPECT_EQ(hash_body("a\r", DkimCanonicalization::relaxed, 1), sha256_b64("a\r\r\n"));
}

// The streaming hasher must agree with the one-shot canonicaliser whatever
// the chunking, on inputs full of the awkward cases.
TEST(DkimCanonicalization, StreamingMatchesOneShot) {
  std::mt19937 rng(12345);
  const char alphabet[] = {'a', 'b', ' ', '\t', '\r', '\n', '\xe9', '.'};
  for (int round = 0; round < 300; ++round) {
    std::string body;
    std::size_t len = rng() % 200;
    for (std::size_t i = 0; i < len; ++i) body += alphabet[rng() % sizeof(alphabet)];
    for (auto canon : {DkimCanonicalization::simple, DkimCanonicalization::relaxed}) {
      std::string expected = sha256_b64(canonicalize_body(body, canon));
      for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64},
                                std::size_t{1000}}) {
        ASSERT_EQ(hash_body(body, canon, chunk), expected) << "round " << round << " chunk " << chunk;
      }
    }
  }
}

TEST(DkimCanonicalization, LargeBodyIsStreamed) {
  DkimBodyHasher hasher(DkimCanonicalization::relaxed);
  std::string line = std::string(998, 'x') + "\r\n";
  std::string expected_input;
  for (int i = 0; i < 2000; ++i) hasher.update(line);
  for (int i = 0; i < 2000; ++i) expected_input += line;
  EXPECT_EQ(hasher.finish_base64(), sha256_b64(expected_input));
}

TEST(DkimHeaderFields, SplitsAndRejects) {
  auto fields = split_header_fields("From: a@b\nSubject: x\n y\nTo : c@d\n\nbody: not a header\n");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[1].name, "Subject");
  EXPECT_EQ((*fields)[1].raw, "Subject: x\n y\n");
  EXPECT_EQ((*fields)[2].name, "To");
  EXPECT_FALSE(split_header_fields(" continuation first\r\n"));
  EXPECT_FALSE(split_header_fields("no colon here\r\n"));
  EXPECT_FALSE(split_header_fields(": empty name\r\n"));
  EXPECT_FALSE(split_header_fields("Bad\x01Name: x\r\n"));
  EXPECT_EQ(find_body_offset("A: b\r\n\r\nbody"), 8u);
  EXPECT_EQ(find_body_offset("A: b\n\nbody"), 6u);
  EXPECT_EQ(find_body_offset("A: b\r\n"), std::string_view::npos);
}

}  // namespace
}  // namespace postino::dkim
