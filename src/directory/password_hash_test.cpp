// Tests of the Dovecot-compatible password schemes. Known vectors were made
// outside this code: openssl passwd (-6, -5, -1), Python's crypt and hashlib,
// and the argon2 reference implementation's published test vectors.
#include "directory/password_hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace postino {
namespace {

constexpr std::string_view kPassword = "correct horse battery staple";
// Differs in the first byte: traditional DES reads only eight.
constexpr std::string_view kWrong = "Correct horse battery staple";

struct Vector {
  const char* label;
  const char* stored;
};

// Every one is kPassword.
constexpr Vector kVectors[] = {
    // openssl passwd -6 -salt Zp4mQ1wX8rTy
    {"sha512", "{SHA512-CRYPT}$6$Zp4mQ1wX8rTy$SltUcSYCOgVuE4kGhTVJhD.l5oyLLcSf5XOhCKEpGv1YGve7srSuddRvlkM1Xiasul1JrarJDVRhIk3dArTvx/"},
    // openssl passwd -5 -salt aB3dE6gH9jK
    {"sha256", "{SHA256-CRYPT}$5$aB3dE6gH9jK$gwMVR2aHQN1qZ0n/vlkrkXQJkrlIa8cd/b8/Q0dsJu0"},
    // openssl passwd -1 -salt Qw3rTy7u
    {"md5", "{MD5-CRYPT}$1$Qw3rTy7u$RKyO6ma8Qux24qRDXsN5h1"},
    // Python crypt.crypt(p, "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$")
    {"yescrypt", "{YESCRYPT}$y$j9T$F5Jx5fExrKuPp53xLKQ..1$y8e1eitiNDaQsFFW6d.9KbSTlk5zV3R3coZQtfcNAO5"},
    // Python crypt.crypt(p, "$2b$05$abcdefghijklmnopqrstuu")
    {"bcrypt", "{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS"},
    // Python crypt.crypt(p, "xy"): traditional DES
    {"des", "{CRYPT}xyCz0Va23EzMk"},
    {"bare_sha512", "$6$Zp4mQ1wX8rTy$SltUcSYCOgVuE4kGhTVJhD.l5oyLLcSf5XOhCKEpGv1YGve7srSuddRvlkM1Xiasul1JrarJDVRhIk3dArTvx/"},
    {"crypt_holding_sha256", "{CRYPT}$5$aB3dE6gH9jK$gwMVR2aHQN1qZ0n/vlkrkXQJkrlIa8cd/b8/Q0dsJu0"},
    {"lower_case_scheme", "{sha512-crypt}$6$Zp4mQ1wX8rTy$SltUcSYCOgVuE4kGhTVJhD.l5oyLLcSf5XOhCKEpGv1YGve7srSuddRvlkM1Xiasul1JrarJDVRhIk3dArTvx/"},
    // base64(SHA1(p + salt) + salt), salt = 01 02 "salt" ff
    {"ssha", "{SSHA}aFM+dvFDWMCOUl+7hVG/WimqT00BAnNhbHT/"},
    {"ssha_hex", "{SSHA.HEX}68533e76f14358c08e525fbb8551bf5a29aa4f4d010273616c74ff"},
    // salt = "NaCl1234"
    {"ssha256", "{SSHA256}VCW9JU7dPe1S49ieKLlTxBiNWOTRTvq7SnEQ4StqNBhOYUNsMTIzNA=="},
    // salt = 00 10 20 ... 70
    {"ssha512", "{SSHA512}32AjilPpprnzuLNoKa5mjIpqLZiJsZa30mHiwCGB3lrxKjQW4t5aR8EFVjmw4ybLhat5JCuRXfgpMt83SR+oNQAQIDBAUGBw"},
};

TEST(PasswordHash, KnownVectorsVerify) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(check_password(kPassword, v.stored), PasswordCheck::match) << v.label;
    EXPECT_EQ(check_password(kWrong, v.stored), PasswordCheck::mismatch) << v.label;
    EXPECT_FALSE(verify_password("", v.stored)) << v.label;
  }
}

// Reference vectors of the argon2 reference implementation (src/test.c):
// password "password", salt "somesalt", m=65536, t=2, p=1.
TEST(PasswordHash, Argon2ReferenceVectors) {
  constexpr std::string_view kArgon2id = "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  constexpr std::string_view kArgon2i = "{ARGON2I}$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
  EXPECT_TRUE(verify_password("password", kArgon2id));
  EXPECT_TRUE(verify_password("password", kArgon2i));
  EXPECT_EQ(check_password("Password", kArgon2id), PasswordCheck::mismatch);
  EXPECT_EQ(check_password("Password", kArgon2i), PasswordCheck::mismatch);
  // The scheme must match the encoded variant.
  EXPECT_EQ(check_password("password", "{ARGON2I}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"),
            PasswordCheck::malformed);
}

TEST(PasswordHash, YescryptRoundTrip) {
  auto stored = hash_password(kPassword, PasswordScheme::yescrypt);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->rfind("{YESCRYPT}$y$", 0), 0u) << *stored;
  EXPECT_TRUE(verify_password(kPassword, *stored));
  EXPECT_FALSE(verify_password(kWrong, *stored));
  EXPECT_FALSE(needs_rehash(*stored, PasswordScheme::yescrypt));
  EXPECT_TRUE(needs_rehash(*stored, PasswordScheme::argon2id));
  // Fresh salt every time.
  auto again = hash_password(kPassword, PasswordScheme::yescrypt);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*stored, *again);
}

TEST(PasswordHash, Argon2idRoundTrip) {
  auto stored = hash_password(kPassword, PasswordScheme::argon2id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->rfind("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *stored;
  EXPECT_TRUE(verify_password(kPassword, *stored));
  EXPECT_FALSE(verify_password(kWrong, *stored));
  EXPECT_FALSE(needs_rehash(*stored, PasswordScheme::argon2id));
  EXPECT_TRUE(needs_rehash(*stored, PasswordScheme::yescrypt));
}

TEST(PasswordHash, BinaryAndUtf8PasswordsRoundTrip) {
  const std::string utf8 = "p\xC3\xA4ssw\xC3\xB6rd \xE2\x82\xAC";
  auto stored = hash_password(utf8, PasswordScheme::yescrypt);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(verify_password(utf8, *stored));
  EXPECT_FALSE(verify_password("passwrd", *stored));
}

TEST(PasswordHash, RejectsBadNewPasswords) {
  EXPECT_EQ(hash_password("", PasswordScheme::yescrypt).error().code, Errc::invalid_argument);
  EXPECT_EQ(hash_password(std::string(kMaxPasswordBytes + 1, 'a'), PasswordScheme::yescrypt).error().code, Errc::invalid_argument);
  EXPECT_EQ(hash_password(std::string("ab\0cd", 5), PasswordScheme::argon2id).error().code, Errc::invalid_argument);
  EXPECT_EQ(max_password_bytes(PasswordScheme::yescrypt), 511u);
  EXPECT_TRUE(hash_password(std::string(511, 'a'), PasswordScheme::yescrypt).ok());
  auto too_long = hash_password(std::string(512, 'a'), PasswordScheme::yescrypt);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().message, "password is longer than 511 bytes (the YESCRYPT limit)");
  EXPECT_EQ(max_password_bytes(PasswordScheme::argon2id), kMaxPasswordBytes);
  EXPECT_TRUE(hash_password(std::string(kMaxPasswordBytes, 'a'), PasswordScheme::argon2id).ok());
}

TEST(PasswordHash, NulInPasswordNeverMatchesCryptPrefix) {
  // crypt(3) would stop at the NUL and see kPassword.
  std::string with_nul = std::string(kPassword) + std::string("\0x", 2);
  EXPECT_FALSE(verify_password(with_nul, kVectors[0].stored));
}

TEST(PasswordHash, RefusesCleartextSchemes) {
  EXPECT_EQ(check_password("secret", "{PLAIN}secret"), PasswordCheck::refused_scheme);
  EXPECT_EQ(check_password("secret", "{CLEARTEXT}secret"), PasswordCheck::refused_scheme);
  EXPECT_EQ(check_password("secret", "{plain}secret"), PasswordCheck::refused_scheme);
  EXPECT_FALSE(verify_password("secret", "{PLAIN}secret"));
}

TEST(PasswordHash, UnknownSchemes) {
  EXPECT_EQ(check_password("secret", "{PBKDF2}$1$abc$100$def"), PasswordCheck::unknown_scheme);
  EXPECT_EQ(check_password("secret", "{SHA512-CRYPT.HEX}abcd"), PasswordCheck::unknown_scheme);
  EXPECT_EQ(check_password("secret", "{SSHA.ROT13}abcd"), PasswordCheck::unknown_scheme);
  EXPECT_FALSE(verify_password("secret", "{NOPE}secret"));
}

TEST(PasswordHash, MalformedStoredStringsAreFalse) {
  const std::string kBad[] = {
      "",
      "{",
      "{}",
      "{SHA512-CRYPT",
      "{SHA512-CRYPT}",
      "{SHA512-CRYPT}$5$aB3dE6gH9jK$gwMVR2aHQN1qZ0n/vlkrkXQJkrlIa8cd/b8/Q0dsJu0",  // wrong prefix for scheme
      "{SHA512-CRYPT}$6$",
      "{YESCRYPT}$y$",
      "{YESCRYPT}$y$j9T$",
      "{BLF-CRYPT}$2b$99$abcdefghijklmnopqrstuu",
      "{CRYPT}!",
      "*",
      "!locked",
      "{ARGON2ID}",
      "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$",
      "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$!!!",
      "{ARGON2ID}$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "{ARGON2ID}$argon2id$v=19$m=65536,t=4000000000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "{SSHA}",
      "{SSHA}!!!!",
      "{SSHA}aFM+dvFDWMCOUl+7hVG/WimqT00=",  // digest only, no salt
      "{SSHA.HEX}68533e76f",
      "{SSHA.HEX}zz",
      "{SSHA512}AAAA",
      std::string("{SHA512-CRYPT}$6$Zp4mQ1wX8rTy$\0x", 30),
      std::string(5000, '$'),
      "{" + std::string(100, 'A') + "}x",
      "{BAD SCHEME}x",
  };
  for (const auto& stored : kBad) {
    EXPECT_FALSE(verify_password(kPassword, stored)) << stored;
    EXPECT_FALSE(verify_password("", stored)) << stored;
    EXPECT_NE(check_password(kPassword, stored), PasswordCheck::match) << stored;
  }
}

TEST(PasswordHash, NeedsRehashForOtherSchemes) {
  for (const auto& v : kVectors) {
    EXPECT_TRUE(needs_rehash(v.stored, PasswordScheme::argon2id)) << v.label;
  }
  EXPECT_FALSE(needs_rehash(kVectors[3].stored, PasswordScheme::yescrypt));
  EXPECT_TRUE(needs_rehash(kVectors[0].stored, PasswordScheme::yescrypt));
  EXPECT_TRUE(needs_rehash("", PasswordScheme::yescrypt));
}

TEST(PasswordHash, SchemeNames) {
  EXPECT_EQ(password_scheme_name("{sha512-crypt}$6$x"), "SHA512-CRYPT");
  EXPECT_EQ(password_scheme_name("$6$x"), "CRYPT");
  EXPECT_EQ(password_scheme_name("{SSHA.hex}00"), "SSHA.HEX");
  EXPECT_EQ(password_scheme_name("{secret"), "MALFORMED");
  EXPECT_STREQ(password_scheme_name(PasswordScheme::argon2id), "ARGON2ID");
}

}  // namespace
}  // namespace postino
