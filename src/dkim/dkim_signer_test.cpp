#include "dkim/dkim_signer.hpp"

#include <gtest/gtest.h>

#include "dkim/dkim_base64.hpp"
#include "dkim/dkim_header_fields.hpp"
#include "dkim/dkim_signing_input.hpp"

namespace postino::dkim {
namespace {

using namespace std::chrono_literals;

// RFC 8463 appendix A.
constexpr std::string_view kEd25519Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
constexpr std::string_view kHeaders =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n";
constexpr std::string_view kBody = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
constexpr std::string_view kSignatureField =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n";
constexpr std::string_view kExpectedB =
    "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

DkimPrivateKey rfc8463_key() {
  auto seed = detail::base64_decode(kEd25519Seed);
  auto key = DkimPrivateKey::from_ed25519_seed(*seed);
  EXPECT_TRUE(key);
  return std::move(*key);
}

TEST(DkimKey, Rfc8463PublicKeyRecord) {
  auto key = rfc8463_key();
  EXPECT_EQ(key.algorithm(), DkimAlgorithm::ed25519_sha256);
  EXPECT_EQ(key.dns_txt_record(), "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

TEST(DkimSigner, ReproducesRfc8463Ed25519Signature) {
  auto fields = split_header_fields(kHeaders);
  ASSERT_TRUE(fields);
  std::vector<std::string> h = {"from", "to", "subject", "date", "message-id", "from", "subject", "date"};
  std::string input = detail::signing_input(*fields, h, kSignatureField, DkimCanonicalization::relaxed);
  auto signature = rfc8463_key().sign(input);
  ASSERT_TRUE(signature);
  EXPECT_EQ(detail::base64_encode(*signature), kExpectedB);

  DkimBodyHasher hasher(DkimCanonicalization::relaxed);
  hasher.update(kBody);
  EXPECT_EQ(hasher.finish_base64(), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

TEST(DkimSigner, StripsOnlyTheBValue) {
  EXPECT_EQ(detail::strip_b_value("DKIM-Signature: a=1; bh=xyz; b=abc\r\n def; c=2"),
            "DKIM-Signature: a=1; bh=xyz; b=; c=2");
  EXPECT_EQ(detail::strip_b_value("DKIM-Signature: a=1; b = abc\r\n"), "DKIM-Signature: a=1; b =\r\n");
}

TEST(DkimSigner, HeaderListOversignsFromAndSignsOnlyPresentFields) {
  auto signer = DkimSigner::create(rfc8463_key(), "Football.Example.com", "brisbane");
  ASSERT_TRUE(signer);
  std::string message = std::string(kHeaders) + "\r\n" + std::string(kBody);
  auto header = signer->sign_message(message, std::chrono::system_clock::time_point(1528637909s));
  ASSERT_TRUE(header);
  const std::string& h = *header;
  EXPECT_EQ(h.rfind("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;", 0), 0u) << h;
  EXPECT_NE(h.find("d=football.example.com;"), std::string::npos);
  EXPECT_NE(h.find("s=brisbane;"), std::string::npos);
  EXPECT_NE(h.find("t=1528637909;"), std::string::npos);
  std::string unfolded = h;
  for (std::size_t pos; (pos = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(pos, 3);
  EXPECT_NE(unfolded.find("h=from:from:subject:date:to:message-id;"), std::string::npos) << h;
  EXPECT_NE(unfolded.find("bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"), std::string::npos);
  // Folded to at most 78 characters a line, CRLF-terminated.
  std::size_t start = 0;
  while (start < h.size()) {
    std::size_t end = h.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u);
    start = end + 2;
  }
}

TEST(DkimSigner, StreamingSignerMatchesWholeMessage) {
  auto signer = DkimSigner::create(rfc8463_key(), "example.com", "sel");
  ASSERT_TRUE(signer);
  std::string message = std::string(kHeaders) + "\r\n" + std::string(kBody);
  auto now = std::chrono::system_clock::time_point(1700000000s);
  auto whole = signer->sign_message(message, now);
  ASSERT_TRUE(whole);
  for (std::size_t chunk : {1u, 2u, 5u, 64u, 4096u}) {
    DkimMessageSigner stream(*signer);
    for (std::size_t i = 0; i < message.size(); i += chunk) ASSERT_TRUE(stream.update(message.substr(i, chunk)));
    auto streamed = stream.finish(now);
    ASSERT_TRUE(streamed);
    EXPECT_EQ(*streamed, *whole) << "chunk " << chunk;  // Ed25519 is deterministic
  }
}

TEST(DkimSigner, RefusesBadInput) {
  auto signer = DkimSigner::create(rfc8463_key(), "example.com", "sel");
  ASSERT_TRUE(signer);
  EXPECT_FALSE(signer->sign_message("To: a@b\r\nSubject: no from\r\n\r\nbody\r\n"));
  EXPECT_FALSE(signer->sign_message("From: a@b\r\nnot a header line\r\n\r\nbody\r\n"));
  EXPECT_FALSE(signer->sign_message(" From: a@b\r\n\r\nbody\r\n"));
  DkimMessageSigner stream(*signer);
  std::string huge = "X-Big: " + std::string(kDkimMaxHeaderBlockBytes, 'a');
  EXPECT_FALSE(stream.update(huge));

  EXPECT_FALSE(DkimSigner::create(rfc8463_key(), "bad domain", "sel"));
  EXPECT_FALSE(DkimSigner::create(rfc8463_key(), "example.com", "se;l"));
  DkimSignerSettings no_from;
  no_from.signed_headers = {"Subject"};
  EXPECT_FALSE(DkimSigner::create(rfc8463_key(), "example.com", "sel", no_from));
}

TEST(DkimKey, GeneratesLoadableKeys) {
  auto ed = generate_dkim_key(DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->dns_txt_record.rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  EXPECT_EQ(ed->dns_txt_record.size(), std::string("v=DKIM1; k=ed25519; p=").size() + 44);
  auto ed_key = DkimPrivateKey::from_pem(ed->private_key_pem);
  ASSERT_TRUE(ed_key);
  EXPECT_EQ(ed_key->dns_txt_record(), ed->dns_txt_record);

  auto rsa = generate_dkim_key(DkimAlgorithm::rsa_sha256);
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->dns_txt_record.rfind("v=DKIM1; k=rsa; p=MIIBIjAN", 0), 0u);  // SPKI of a 2048-bit key
  auto rsa_key = DkimPrivateKey::from_pem(rsa->private_key_pem);
  ASSERT_TRUE(rsa_key);
  EXPECT_EQ(rsa_key->bits(), 2048u);
  EXPECT_EQ(rsa_key->sign("data")->size(), 256u);

  EXPECT_FALSE(DkimPrivateKey::from_pem("not a key"));
  EXPECT_FALSE(generate_dkim_key(DkimAlgorithm::rsa_sha256, 512));
}

}  // namespace
}  // namespace postino::dkim
