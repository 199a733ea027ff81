// Tests for TlsContexts: load errors name the file, SNI selection rules
// (exact, one-label wildcard, case, trailing dot), bad SNI entries.
#include "runtime/tls_context.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>

#include "runtime/test_tls.hpp"

using namespace postino;
using namespace postino::runtime;

TEST(TlsContexts, MissingFilesAreNamed) {
  test::TempDir dir;
  auto cert = test::make_cert(dir, "a.test", {"a.test"});
  TlsSettings s;
  s.certificate_file = (dir.path() / "missing.crt").string();
  s.key_file = cert.key_file;
  auto r = TlsContexts::load(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing.crt"), std::string::npos) << r.error().message;

  s.certificate_file = cert.cert_file;
  s.key_file = (dir.path() / "missing.key").string();
  r = TlsContexts::load(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing.key"), std::string::npos) << r.error().message;

  EXPECT_FALSE(TlsContexts::load(TlsSettings{}));
}

TEST(TlsContexts, KeyMismatchIsReported) {
  test::TempDir dir;
  auto a = test::make_cert(dir, "a.test", {});
  auto b = test::make_cert(dir, "b.test", {});
  TlsSettings s;
  s.certificate_file = a.cert_file;
  s.key_file = b.key_file;
  auto r = TlsContexts::load(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not match"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(b.key_file), std::string::npos);
}

TEST(TlsContexts, BadCipherListAndSniEntries) {
  test::TempDir dir;
  auto a = test::make_cert(dir, "a.test", {});
  TlsSettings s;
  s.certificate_file = a.cert_file;
  s.key_file = a.key_file;
  s.ciphers = "NOT-A-CIPHER";
  EXPECT_FALSE(TlsContexts::load(s));
  s.ciphers = "ECDHE+AESGCM";
  EXPECT_TRUE(TlsContexts::load(s));
  s.sni = {{"x.*.test", a.cert_file, a.key_file}};
  EXPECT_FALSE(TlsContexts::load(s));
  s.sni = {{"a.test", a.cert_file, a.key_file}, {"A.TEST", a.cert_file, a.key_file}};
  EXPECT_FALSE(TlsContexts::load(s));
  s.sni = {{"b.test", (dir.path() / "nope.crt").string(), a.key_file}};
  auto r = TlsContexts::load(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nope.crt"), std::string::npos);
}

TEST(TlsContexts, Selection) {
  test::TempDir dir;
  auto def = test::make_cert(dir, "default.test", {});
  auto exact = test::make_cert(dir, "mail.example.org", {});
  auto wild = test::make_cert(dir, "*.example.org", {});
  TlsSettings s;
  s.certificate_file = def.cert_file;
  s.key_file = def.key_file;
  s.sni = {{"mail.example.org", exact.cert_file, exact.key_file}, {"*.example.org", wild.cert_file, wild.key_file}};
  auto r = TlsContexts::load(s);
  ASSERT_TRUE(r) << r.error().message;
  const TlsContexts& t = **r;
  EXPECT_EQ(t.sni_count(), 2u);
  auto* exact_ctx = t.select("mail.example.org");
  auto* wild_ctx = t.select("imap.example.org");
  ASSERT_NE(exact_ctx, nullptr);
  ASSERT_NE(wild_ctx, nullptr);
  EXPECT_NE(exact_ctx, wild_ctx);
  EXPECT_EQ(t.select("MAIL.Example.Org."), exact_ctx);
  EXPECT_EQ(t.select("pop.EXAMPLE.org"), wild_ctx);
  EXPECT_EQ(t.select("a.b.example.org"), nullptr);
  EXPECT_EQ(t.select("example.org"), nullptr);
  EXPECT_EQ(t.select(".example.org"), nullptr);
  EXPECT_EQ(t.select("other.test"), nullptr);
}
