#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sasl/base64.hpp"
#include "sasl/sasl_client.hpp"
#include "sasl/sasl_mechanism.hpp"
#include "sasl/scram_secrets.hpp"

namespace postino::sasl {

// A client-final for any gs2 header and channel-binding data (defined below).
std::string plus_client_final(std::string_view gs2_header, std::string_view cb_data, std::string_view server_first,
                              std::string_view client_first_bare, std::string_view password);

namespace {

using namespace std::string_literals;

// Returns a copy: the step is usually a temporary.
template <class T>
T as(const SaslStep& step) {
  EXPECT_TRUE(std::holds_alternative<T>(step)) << "step index " << step.index()
      << (std::holds_alternative<SaslFailure>(step) ? " " + std::get<SaslFailure>(step).reason : "");
  return std::holds_alternative<T>(step) ? std::get<T>(step) : T{};
}

SaslFailureKind failure_kind(const SaslStep& step) { return as<SaslFailure>(step).kind; }

// RFC 7677 3: user "user", password "pencil".
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramSecrets pencil_secrets() {
  auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  auto secrets = scram_secrets_from_password("pencil", *salt, 4096);
  EXPECT_TRUE(secrets);
  return *secrets;
}

ScramServerOptions test_options() {
  ScramServerOptions options;
  options.fake_salt_secret = "0123456789abcdef0123456789abcdef";
  options.fixed_server_nonce = std::string(kServerNonce);
  return options;
}

TEST(ScramServer, Rfc7677Example) {
  auto mech = make_scram_sha256_server(test_options(), {});
  EXPECT_EQ(mech->name(), "SCRAM-SHA-256");
  EXPECT_EQ(as<SaslChallenge>(mech->start(std::nullopt)).data, "");
  EXPECT_EQ(as<SaslNeedScramCredentials>(mech->step(kClientFirst)).authcid, "user");
  EXPECT_EQ(as<SaslChallenge>(mech->scram_credentials_found(pencil_secrets())).data, kServerFirst);
  const auto& ok = as<SaslSuccess>(mech->step(kClientFinal));
  EXPECT_EQ(ok.authcid, "user");
  EXPECT_EQ(ok.authzid, "user");
  EXPECT_EQ(ok.server_final, std::string(kServerFinal));
}

TEST(ScramServer, WrongProofIsBadCredentials) {
  auto mech = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(mech->start(kClientFirst));
  as<SaslChallenge>(mech->scram_credentials_found(*scram_secrets_from_password("other", "saltsalt", 4096)));
  // The RFC's proof belongs to other secrets (the salt differs): rejected.
  EXPECT_EQ(failure_kind(mech->step(kClientFinal)), SaslFailureKind::bad_credentials);
}

TEST(ScramServer, UnknownUserGetsStableFakeSaltAndFails) {
  auto first = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(first->start("n,,n=ghost,r=abc"));
  std::string challenge1 = as<SaslChallenge>(first->scram_credentials_found(std::nullopt)).data;
  auto second = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(second->start("n,,n=ghost,r=abc"));
  std::string challenge2 = as<SaslChallenge>(second->scram_credentials_found(std::nullopt)).data;
  EXPECT_EQ(challenge1, challenge2);  // same salt, same iterations (nonce fixed in tests)
  EXPECT_NE(challenge1.find(",i=4096"), std::string::npos);

  auto other = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(other->start("n,,n=ghost2,r=abc"));
  EXPECT_NE(as<SaslChallenge>(other->scram_credentials_found(std::nullopt)).data, challenge1);

  // A client that computes a proof for the fake salt still fails.
  auto client = make_scram_sha256_client({"ghost", "anything", ""}, "abc");
  auto server = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(server->start(*client->initial_response()));
  auto answer = client->respond(as<SaslChallenge>(server->scram_credentials_found(std::nullopt)).data);
  ASSERT_TRUE(answer);
  EXPECT_EQ(failure_kind(server->step(*answer)), SaslFailureKind::bad_credentials);
}

TEST(ScramServer, RandomNoncesDiffer) {
  ScramServerOptions options = test_options();
  options.fixed_server_nonce.clear();
  std::string nonces[2];
  for (auto& nonce : nonces) {
    auto mech = make_scram_sha256_server(options, {});
    as<SaslNeedScramCredentials>(mech->start(kClientFirst));
    nonce = as<SaslChallenge>(mech->scram_credentials_found(pencil_secrets())).data;
    EXPECT_EQ(nonce.substr(0, 22), "r=rOprNGfwEbeRWgbNEkqO");
    EXPECT_GE(nonce.find(",s="), 22u + 24u);
  }
  EXPECT_NE(nonces[0], nonces[1]);
}

SaslStep run_to_final(SaslServerMechanism& mech, std::string_view client_first, std::string_view client_final) {
  SaslStep step = mech.start(client_first);
  if (!std::holds_alternative<SaslNeedScramCredentials>(step)) return step;
  step = mech.scram_credentials_found(pencil_secrets());
  if (!std::holds_alternative<SaslChallenge>(step)) return step;
  return mech.step(client_final);
}

TEST(ScramServer, MalformedClientFirst) {
  const std::string bad[] = {
      "",                                    // nothing
      "n,n=user,r=abc",                      // gs2 header missing a comma
      "x,,n=user,r=abc",                     // bad cbind flag
      "p,,n=user,r=abc",                     // "p" without "="
      "n,b=user,n=user,r=abc",               // authzid not a=
      "n,,r=abc,n=user",                     // wrong order
      "n,,n=user",                           // no nonce
      "n,,n=,r=abc",                         // empty user
      "n,,n=us=er,r=abc",                    // bad saslname escape
      "n,,n=user,r=",                        // empty nonce
      "n,,n=user,r=a b",                     // space in nonce
      "n,,m=ext,n=user,r=abc",               // mandatory extension
      "n,,n=us\x01r,r=abc",                  // control character
      "n,,nouser,r=abc",                     // attribute without '='
      "n,,n=user,r=abc\0x"s,                 // NUL injection
      "n,a=,n=user,r=abc",                   // empty authzid
      "n,,n=" + std::string(256, 'u') + ",r=abc",  // user over 255 bytes
      "n,,n=user,r=" + std::string(256, 'r'),      // overlong nonce
      std::string(kMaxSaslMessageBytes + 1, 'n'),
  };
  for (const auto& message : bad) {
    auto mech = make_scram_sha256_server(test_options(), {});
    EXPECT_EQ(failure_kind(mech->start(message)), SaslFailureKind::malformed) << message.substr(0, 40);
  }
}

TEST(ScramServer, MalformedClientFinal) {
  const std::string base = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string bad[] = {
      base,                                                   // no proof
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" + proof,  // no c=
      "c=biws,r=rOprNGfwEbeRWgbNEkqOXXXX" + proof,            // nonce mismatch
      "c=biws,r=rOprNGfwEbeRWgbNEkqO" + proof,                // only the client nonce
      "c=bi!s,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" + proof,  // bad base64
      base + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndV==",  // proof not 32 bytes / non-canonical
      base + ",p=",                                           // empty proof
      base + proof + ",x=1",                                  // proof not last
      base + proof + "\0"s,                                   // NUL
  };
  for (const auto& message : bad) {
    auto mech = make_scram_sha256_server(test_options(), {});
    EXPECT_EQ(failure_kind(run_to_final(*mech, kClientFirst, message)), SaslFailureKind::malformed) << message;
  }
  // Extensions before the proof are allowed (RFC 5802 7) but are part of the
  // AuthMessage, so the RFC's proof no longer matches.
  auto ext = make_scram_sha256_server(test_options(), {});
  EXPECT_EQ(failure_kind(run_to_final(*ext, kClientFirst, base + ",x=1" + proof)), SaslFailureKind::bad_credentials);
}

TEST(ScramServer, ChannelBindingFlagRules) {
  ChannelBindingData tls;
  tls.tls_exporter = std::string(32, 'E');
  tls.plus_offered = true;
  // "y" while -PLUS is offered: downgrade.
  auto y_offered = make_scram_sha256_server(test_options(), tls);
  EXPECT_EQ(failure_kind(y_offered->start("y,,n=user,r=abc")), SaslFailureKind::channel_binding);
  // "y" when -PLUS is not offered: fine.
  auto y_plain = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(y_plain->start("y,,n=user,r=abc"));
  // "p=" with the non-PLUS mechanism.
  auto p_plain = make_scram_sha256_server(test_options(), tls);
  EXPECT_EQ(failure_kind(p_plain->start("p=tls-exporter,,n=user,r=abc")), SaslFailureKind::channel_binding);
  // -PLUS without binding.
  auto n_plus = make_scram_sha256_plus_server(test_options(), tls);
  EXPECT_EQ(n_plus->name(), "SCRAM-SHA-256-PLUS");
  EXPECT_EQ(failure_kind(n_plus->start("n,,n=user,r=abc")), SaslFailureKind::channel_binding);
  // -PLUS with a type the connection lacks.
  auto unique = make_scram_sha256_plus_server(test_options(), tls);
  EXPECT_EQ(failure_kind(unique->start("p=tls-unique,,n=user,r=abc")), SaslFailureKind::channel_binding);
  auto endpoint = make_scram_sha256_plus_server(test_options(), tls);
  EXPECT_EQ(failure_kind(endpoint->start("p=tls-server-end-point,,n=user,r=abc")), SaslFailureKind::channel_binding);
  auto bad_name = make_scram_sha256_plus_server(test_options(), tls);
  EXPECT_EQ(failure_kind(bad_name->start("p=tls_exporter,,n=user,r=abc")), SaslFailureKind::malformed);
}


TEST(ScramServer, PlusWithMatchingAndMismatchingBinding) {
  ChannelBindingData tls;
  tls.tls_exporter = std::string(32, '\x11');
  tls.tls_server_end_point = std::string(32, '\x22');
  tls.plus_offered = true;
  for (std::string_view type : {kTlsExporter, kTlsServerEndPoint}) {
    const std::string& data = *tls.find(type);
    std::string gs2 = "p=" + std::string(type) + ",,";
    std::string bare = "n=user,r=abc";
    for (bool match : {true, false}) {
      auto mech = make_scram_sha256_plus_server(test_options(), tls);
      as<SaslNeedScramCredentials>(mech->start(gs2 + bare));
      std::string server_first = as<SaslChallenge>(mech->scram_credentials_found(pencil_secrets())).data;
      std::string cb = match ? data : std::string(32, '\x33');
      auto step = mech->step(plus_client_final(gs2, cb, server_first, bare, "pencil"));
      if (match) {
        EXPECT_EQ(as<SaslSuccess>(step).authcid, "user") << type;
      } else {
        EXPECT_EQ(failure_kind(step), SaslFailureKind::channel_binding) << type;
      }
    }
  }
}

TEST(ScramServer, AuthzidInGs2Header) {
  std::string gs2 = "n,a=boss=2Cinc,";
  std::string bare = "n=user,r=abc";
  for (bool allowed : {false, true}) {
    AuthzPolicy policy;
    if (allowed) policy = [](std::string_view c, std::string_view z) { return c == "user" && z == "boss,inc"; };
    auto mech = make_scram_sha256_server(test_options(), {}, policy);
    as<SaslNeedScramCredentials>(mech->start(gs2 + bare));
    std::string server_first = as<SaslChallenge>(mech->scram_credentials_found(pencil_secrets())).data;
    auto step = mech->step(plus_client_final(gs2, "", server_first, bare, "pencil"));
    if (allowed) {
      EXPECT_EQ(as<SaslSuccess>(step).authzid, "boss,inc");
    } else {
      EXPECT_EQ(failure_kind(step), SaslFailureKind::authz_not_allowed);
    }
  }
}

TEST(ScramServer, StepsAfterTheEndFail) {
  auto mech = make_scram_sha256_server(test_options(), {});
  as<SaslNeedScramCredentials>(mech->start(kClientFirst));
  as<SaslChallenge>(mech->scram_credentials_found(pencil_secrets()));
  as<SaslSuccess>(mech->step(kClientFinal));
  EXPECT_EQ(failure_kind(mech->step(kClientFinal)), SaslFailureKind::malformed);
}

TEST(ScramSecrets, FormatParseRoundTripAndDovecotShape) {
  ScramSecrets s = pencil_secrets();
  std::string text = format_scram_secrets(s);
  EXPECT_EQ(text.rfind("{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,", 0), 0u) << text;
  auto parsed = parse_scram_secrets(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->salt, s.salt);
  EXPECT_EQ(parsed->iterations, 4096u);
  EXPECT_EQ(parsed->stored_key, s.stored_key);
  EXPECT_EQ(parsed->server_key, s.server_key);
  EXPECT_TRUE(parse_scram_secrets(text.substr(15)));  // without the prefix
}

TEST(ScramSecrets, RandomSaltAndLimits) {
  auto a = scram_secrets_from_password("pencil");
  auto b = scram_secrets_from_password("pencil");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->salt.size(), kScramSaltBytes);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_FALSE(scram_secrets_from_password("pencil", 4095));
  EXPECT_FALSE(scram_secrets_from_password(""));
  EXPECT_FALSE(scram_secrets_from_password("pen\0cil"s));
  EXPECT_FALSE(scram_secrets_from_password(std::string(1025, 'p')));
}

TEST(ScramSecrets, ParseRejectsMalformed) {
  std::string good = format_scram_secrets(pencil_secrets()).substr(15);
  std::size_t c1 = good.find(',');
  std::string rest = good.substr(c1);
  for (const std::string& bad : std::vector<std::string>{"4095" + rest, "abc" + rest, rest, "4096", "{SCRAM-SHA-256}",
                                 good + ",extra", "4096,,AAAA,AAAA", "99999999999" + rest,
                                 good.substr(0, good.size() - 4)}) {
    EXPECT_FALSE(parse_scram_secrets(bad)) << bad;
  }
}

}  // namespace
}  // namespace postino::sasl

// Test-side SCRAM client proof, written against RFC 5802 3 directly with
// OpenSSL (not with the module's helpers), for gs2 headers the client class
// does not produce.
namespace postino::sasl {
namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string attribute(std::string_view message, char name) {
  std::string key = std::string(1, name) + "=";
  std::size_t at = message.rfind(key, 0) == 0 ? 0 : message.find("," + key);
  if (at != 0) at += 1;
  std::size_t end = message.find(',', at);
  return std::string(message.substr(at + 2, end == std::string_view::npos ? std::string_view::npos : end - at - 2));
}

}  // namespace

std::string plus_client_final(std::string_view gs2_header, std::string_view cb_data, std::string_view server_first,
                              std::string_view client_first_bare, std::string_view password) {
  std::string salt = *base64_decode(attribute(server_first, 's'));
  int iterations = std::stoi(attribute(server_first, 'i'));
  unsigned char salted[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), 32, salted);
  std::string salted_s(reinterpret_cast<char*>(salted), 32);
  std::string client_key = hmac(salted_s, "Client Key");
  unsigned char stored[32];
  unsigned int len = 0;
  EVP_Digest(client_key.data(), client_key.size(), stored, &len, EVP_sha256(), nullptr);
  std::string without_proof =
      "c=" + base64_encode(std::string(gs2_header) + std::string(cb_data)) + ",r=" + attribute(server_first, 'r');
  std::string auth_message =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  std::string signature = hmac(std::string(reinterpret_cast<char*>(stored), 32), auth_message);
  std::string proof(32, '\0');
  for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
  return without_proof + ",p=" + base64_encode(proof);
}

}  // namespace postino::sasl
