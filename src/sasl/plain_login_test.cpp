#include <gtest/gtest.h>

#include "sasl/sasl_mechanism.hpp"

namespace postino::sasl {
namespace {

using namespace std::string_literals;

// Returns a copy: the step is usually a temporary.
template <class T>
T as(const SaslStep& step) {
  EXPECT_TRUE(std::holds_alternative<T>(step)) << "step index " << step.index();
  return std::holds_alternative<T>(step) ? std::get<T>(step) : T{};
}

SaslFailureKind failure_kind(const SaslStep& step) { return as<SaslFailure>(step).kind; }

TEST(PlainServer, Rfc4616ExampleWithInitialResponse) {
  // RFC 4616 4: "\0tim\0tanstaaftanstaaf".
  auto mech = make_plain_server();
  EXPECT_EQ(mech->name(), "PLAIN");
  auto step = mech->start("\0tim\0tanstaaftanstaaf"s);
  const auto& check = as<SaslNeedPasswordCheck>(step);
  EXPECT_EQ(check.authcid, "tim");
  EXPECT_EQ(check.password, "tanstaaftanstaaf");
  const auto& ok = as<SaslSuccess>(mech->password_checked(true));
  EXPECT_EQ(ok.authcid, "tim");
  EXPECT_EQ(ok.authzid, "tim");
  EXPECT_FALSE(ok.server_final);
}

TEST(PlainServer, Rfc4616ExampleAuthzidEqualAfterEmptyChallenge) {
  // RFC 4616 4: "Ursel\0Kurt\0xipj3plmq" - Kurt may act as Ursel only if allowed.
  auto mech = make_plain_server();
  const auto& challenge = as<SaslChallenge>(mech->start(std::nullopt));
  EXPECT_EQ(challenge.data, "");
  as<SaslNeedPasswordCheck>(mech->step("Ursel\0Kurt\0xipj3plmq"s));
  EXPECT_EQ(failure_kind(mech->password_checked(true)), SaslFailureKind::authz_not_allowed);

  auto allowed = make_plain_server([](std::string_view authcid, std::string_view authzid) {
    return authcid == "Kurt" && authzid == "Ursel";
  });
  as<SaslNeedPasswordCheck>(allowed->start("Ursel\0Kurt\0xipj3plmq"s));
  const auto& ok = as<SaslSuccess>(allowed->password_checked(true));
  EXPECT_EQ(ok.authcid, "Kurt");
  EXPECT_EQ(ok.authzid, "Ursel");

  auto same = make_plain_server();
  as<SaslNeedPasswordCheck>(same->start("Kurt\0Kurt\0xipj3plmq"s));
  EXPECT_EQ(as<SaslSuccess>(same->password_checked(true)).authzid, "Kurt");
}

TEST(PlainServer, WrongPasswordIsBadCredentialsAndAuthzIsNotRevealed) {
  auto mech = make_plain_server();
  as<SaslNeedPasswordCheck>(mech->start("Ursel\0Kurt\0wrong"s));
  EXPECT_EQ(failure_kind(mech->password_checked(false)), SaslFailureKind::bad_credentials);
  // Finished: anything more is refused.
  EXPECT_EQ(failure_kind(mech->step("x")), SaslFailureKind::malformed);
}

TEST(PlainServer, MalformedMessages) {
  const std::string bad[] = {
      ""s,                                   // nothing
      "tim"s,                                // no NUL
      "\0tim"s,                              // one NUL
      "\0tim\0"s,                            // empty password
      "\0\0secret"s,                         // empty authcid
      "\0tim\0pass\0word"s,                  // NUL injection in the password
      "a\0b\0c\0d"s,                         // extra field
      "\0ti\x01m\0secret"s,                  // control character in authcid
      "\0tim\0\xff\xfe"s,                    // password not UTF-8
      "\0"s + std::string(256, 'u') + "\0secret"s,  // authcid over 255 bytes
      "\0tim\0"s + std::string(1025, 'p'),   // password over the limit
      "\xc0\xaf\0tim\0secret"s,              // overlong UTF-8 authzid
  };
  for (const auto& message : bad) {
    auto mech = make_plain_server();
    EXPECT_EQ(failure_kind(mech->start(message)), SaslFailureKind::malformed) << message.size();
  }
  auto big = make_plain_server();
  EXPECT_EQ(failure_kind(big->start(std::string(kMaxSaslMessageBytes + 1, 'a'))), SaslFailureKind::malformed);
}

TEST(PlainServer, LongestAllowedFields) {
  auto mech = make_plain_server();
  std::string user(255, 'u');
  std::string password(1024, 'p');
  const auto& check = as<SaslNeedPasswordCheck>(mech->start("\0"s + user + "\0"s + password));
  EXPECT_EQ(check.authcid, user);
  EXPECT_EQ(check.password, password);
}

TEST(PlainServer, CancelFails) {
  auto mech = make_plain_server();
  as<SaslChallenge>(mech->start(std::nullopt));
  EXPECT_EQ(failure_kind(mech->cancel()), SaslFailureKind::malformed);
}

TEST(LoginServer, UsernamePasswordChallenges) {
  auto mech = make_login_server();
  EXPECT_EQ(as<SaslChallenge>(mech->start(std::nullopt)).data, "Username:");
  EXPECT_EQ(as<SaslChallenge>(mech->step("tim")).data, "Password:");
  const auto& check = as<SaslNeedPasswordCheck>(mech->step("tanstaaf"));
  EXPECT_EQ(check.authcid, "tim");
  EXPECT_EQ(check.password, "tanstaaf");
  const auto& ok = as<SaslSuccess>(mech->password_checked(true));
  EXPECT_EQ(ok.authcid, "tim");
  EXPECT_EQ(ok.authzid, "tim");
}

TEST(LoginServer, InitialResponseIsTheUserName) {
  auto mech = make_login_server();
  EXPECT_EQ(as<SaslChallenge>(mech->start("tim")).data, "Password:");
  as<SaslNeedPasswordCheck>(mech->step("secret"));
  EXPECT_EQ(failure_kind(mech->password_checked(false)), SaslFailureKind::bad_credentials);
}

TEST(LoginServer, MalformedInput) {
  auto empty_user = make_login_server();
  as<SaslChallenge>(empty_user->start(std::nullopt));
  EXPECT_EQ(failure_kind(empty_user->step("")), SaslFailureKind::malformed);

  auto nul_user = make_login_server();
  EXPECT_EQ(failure_kind(nul_user->start("ti\0m"s)), SaslFailureKind::malformed);

  auto nul_password = make_login_server();
  as<SaslChallenge>(nul_password->start("tim"));
  EXPECT_EQ(failure_kind(nul_password->step("pass\0word"s)), SaslFailureKind::malformed);

  auto long_password = make_login_server();
  as<SaslChallenge>(long_password->start("tim"));
  EXPECT_EQ(failure_kind(long_password->step(std::string(1025, 'p'))), SaslFailureKind::malformed);
}

}  // namespace
}  // namespace postino::sasl
