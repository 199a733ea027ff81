#include "sasl/sasl_client.hpp"

#include <gtest/gtest.h>

#include "sasl/sasl_mechanism.hpp"

namespace postino::sasl {
namespace {

using namespace std::string_literals;

TEST(SaslClient, PlainMessage) {
  auto c = make_plain_client({"tim", "tanstaaftanstaaf", ""});
  EXPECT_EQ(c->name(), "PLAIN");
  EXPECT_EQ(c->initial_response(), "\0tim\0tanstaaftanstaaf"s);
  EXPECT_TRUE(c->complete(std::nullopt));
  auto z = make_plain_client({"Kurt", "xipj3plmq", "Ursel"});
  EXPECT_EQ(z->initial_response(), "Ursel\0Kurt\0xipj3plmq"s);
  // A server that ignored the initial response sends an empty challenge once.
  EXPECT_EQ(*z->respond(""), "Ursel\0Kurt\0xipj3plmq"s);
  EXPECT_FALSE(z->respond(""));
}

TEST(SaslClient, LoginAnswersInOrder) {
  auto c = make_login_client({"tim", "secret", ""});
  EXPECT_FALSE(c->initial_response());
  EXPECT_EQ(*c->respond("Username:"), "tim");
  EXPECT_EQ(*c->respond("Password:"), "secret");
  EXPECT_FALSE(c->respond("What?"));
}

TEST(SaslClient, ScramRfc7677Example) {
  auto c = make_scram_sha256_client({"user", "pencil", ""}, "rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(c->initial_response(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_message =
      c->respond("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  ASSERT_TRUE(final_message);
  EXPECT_EQ(*final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_FALSE(c->complete(std::nullopt));  // not verified yet
  EXPECT_TRUE(c->complete("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

TEST(SaslClient, ScramRejectsForgedServerSignature) {
  auto c = make_scram_sha256_client({"user", "pencil", ""}, "rOprNGfwEbeRWgbNEkqO");
  (void)c->initial_response();
  ASSERT_TRUE(c->respond("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
  EXPECT_FALSE(c->respond("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  EXPECT_FALSE(c->complete(std::nullopt));
}

TEST(SaslClient, ScramRejectsBadServerFirst) {
  for (const char* bad : {
           "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",       // nonce not ours
           "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // nonce not extended
           "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000",  // too few iterations
           "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999",  // too many
           "r=rOprNGfwEbeRWgbNEkqOxyz,s=!!,i=4096",               // bad salt
           "m=x,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
           "garbage"}) {
    auto c = make_scram_sha256_client({"user", "pencil", ""}, "rOprNGfwEbeRWgbNEkqO");
    (void)c->initial_response();
    EXPECT_FALSE(c->respond(bad)) << bad;
  }
}

// Our client against our server, with the verifier carried in a challenge
// (SMTP style) and a special character in the user name.
TEST(SaslClient, ScramAgainstServer) {
  ScramServerOptions options;
  options.fake_salt_secret = "0123456789abcdef0123456789abcdef";
  auto secrets = scram_secrets_from_password("s3cr=t,pw", 4096);
  ASSERT_TRUE(secrets);
  auto server = make_scram_sha256_server(options, {});
  auto client = make_scram_sha256_client({"a,b=c@example.org", "s3cr=t,pw", ""});
  auto step = server->start(*client->initial_response());
  ASSERT_EQ(std::get<SaslNeedScramCredentials>(step).authcid, "a,b=c@example.org");
  step = server->scram_credentials_found(*secrets);
  auto final_message = client->respond(std::get<SaslChallenge>(step).data);
  ASSERT_TRUE(final_message);
  step = server->step(*final_message);
  ASSERT_TRUE(std::holds_alternative<SaslSuccess>(step));
  auto empty = client->respond(*std::get<SaslSuccess>(step).server_final);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
  EXPECT_TRUE(client->complete(std::nullopt));
}

}  // namespace
}  // namespace postino::sasl
