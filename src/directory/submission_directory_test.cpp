// The directory's submission side over the real SQLite store: SCRAM secrets
// stored with every password and usable by the SCRAM server mechanism,
// sending policy (aliases, grants, suspension, limits) and the secret key
// file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "directory/directory_test_support.hpp"
#include "directory/internal_directory.hpp"
#include "directory/secret_key_file.hpp"
#include "sasl/sasl_client.hpp"
#include "sasl/sasl_mechanism.hpp"

namespace postino {
namespace {

class SubmissionDirectoryTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ok(admin().add_domain("example.test"));
    directory_ = std::make_unique<InternalDirectory>(store(), settings_);
  }
  void TearDown() override {
    directory_.reset();
    StoreTest::TearDown();
  }

  // Runs a whole SCRAM-SHA-256 exchange: our server mechanism fed by the
  // directory's secrets, against our client mechanism with `password`.
  bool scram_login(const std::string& user, const std::string& password) {
    auto server = sasl::make_scram_sha256_server(sasl::ScramServerOptions{"fake salt secret for tests 0123"},
                                                 sasl::ChannelBindingData{});
    auto client = sasl::make_scram_sha256_client(sasl::SaslClientCredentials{user, password, ""});
    auto first = client->initial_response();
    if (!first) return false;
    sasl::SaslStep step = server->start(*first);
    for (int round = 0; round < 10; ++round) {
      if (auto* need = std::get_if<sasl::SaslNeedScramCredentials>(&step)) {
        auto secrets = directory_->scram_secrets(need->authcid);
        EXPECT_TRUE(secrets.ok());
        step = server->scram_credentials_found(secrets.ok() ? *secrets : std::nullopt);
      } else if (auto* challenge = std::get_if<sasl::SaslChallenge>(&step)) {
        auto answer = client->respond(challenge->data);
        if (!answer) return false;
        step = server->step(*answer);
      } else if (auto* success = std::get_if<sasl::SaslSuccess>(&step)) {
        // The client must verify the server too.
        return client->complete(success->server_final).ok();
      } else {
        return false;
      }
    }
    return false;
  }

  static std::string failure(const Result<std::string>& r) { return r.ok() ? "unexpected success: " + *r : r.error().message; }

  std::unique_ptr<InternalDirectory> directory_;
};

TEST_F(SubmissionDirectoryTest, ScramSecretsFollowThePassword) {
  ok(admin().add_user("alice@example.test", "first password"));
  EXPECT_TRUE(ok(admin().show_user("alice@example.test")).scram);
  auto secrets = directory_->scram_secrets("Alice@Example.test");
  ASSERT_TRUE(secrets.ok());
  ASSERT_TRUE(secrets->has_value());
  EXPECT_EQ((*secrets)->iterations, sasl::kScramDefaultIterations);
  EXPECT_TRUE(scram_login("alice@example.test", "first password"));
  EXPECT_FALSE(scram_login("alice@example.test", "wrong password"));

  ok(admin().set_password("alice@example.test", "second password"));
  EXPECT_FALSE(scram_login("alice@example.test", "first password"));
  EXPECT_TRUE(scram_login("alice@example.test", "second password"));
  EXPECT_TRUE(directory_->authenticate("alice@example.test", "second password").ok());
}

TEST_F(SubmissionDirectoryTest, NoSecretsLooksLikeNoUser) {
  ok(admin().add_user("alice@example.test", "pw"));
  // Unknown, malformed, without secrets (set before SCRAM existed), disabled: all nullopt.
  EXPECT_FALSE(directory_->scram_secrets("nobody@example.test")->has_value());
  EXPECT_FALSE(directory_->scram_secrets("not an address")->has_value());
  ASSERT_TRUE(store().add_account(NewAccount{"old@example.test", "{hash}"}).ok());
  EXPECT_FALSE(ok(admin().show_user("old@example.test")).scram);
  EXPECT_FALSE(directory_->scram_secrets("old@example.test")->has_value());
  EXPECT_FALSE(scram_login("old@example.test", "pw"));
  ok(admin().set_status("alice@example.test", AccountStatus::disabled));
  EXPECT_FALSE(directory_->scram_secrets("alice@example.test")->has_value());
  EXPECT_FALSE(scram_login("alice@example.test", "pw"));
}

TEST_F(SubmissionDirectoryTest, SendingPolicy) {
  ok(admin().add_user("alice@example.test", "pw"));
  ok(admin().add_user("bob@example.test", "pw"));
  ok(admin().add_alias("team@example.test", {"alice@example.test", "bob@example.test"}));
  ok(admin().add_alias("sales@example.test", {"bob@example.test"}));
  EXPECT_EQ(ok(admin().grant_sender("alice@example.test", "Boss@Example.ORG")),
            "alice@example.test may now send as boss@example.org");
  EXPECT_EQ(ok(admin().grant_sender("alice@example.test", "@Lists.Example.test")),
            "alice@example.test may now send as @lists.example.test");
  EXPECT_EQ(admin().grant_sender("alice@example.test", "not an address").error().code, Errc::invalid_argument);
  EXPECT_EQ(admin().grant_sender("alice@example.test", "@bad..domain").error().code, Errc::invalid_argument);
  EXPECT_EQ(admin().grant_sender("nobody@example.test", "x@example.test").error().code, Errc::not_found);

  auto policy = directory_->sending_policy("ALICE@example.test");
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->account.address, "alice@example.test");
  EXPECT_FALSE(policy->suspended);
  EXPECT_EQ(policy->aliases, (std::vector<std::string>{"team@example.test"}));
  EXPECT_EQ(policy->granted, (std::vector<std::string>{"@lists.example.test", "boss@example.org"}));
  EXPECT_EQ(ok(admin().show_user("alice@example.test")).granted_senders, policy->granted);
  EXPECT_EQ(directory_->sending_policy("nobody@example.test").error().code, Errc::not_found);

  EXPECT_EQ(ok(admin().revoke_sender("alice@example.test", "boss@example.org")),
            "alice@example.test may no longer send as boss@example.org");
  EXPECT_EQ(failure(admin().revoke_sender("alice@example.test", "boss@example.org")),
            "alice@example.test has no grant for boss@example.org");

  EXPECT_EQ(ok(admin().set_sending_suspended("alice@example.test", true)), "sending suspended for alice@example.test");
  EXPECT_TRUE(directory_->sending_policy("alice@example.test")->suspended);
  // Suspended from sending only: logins still work.
  EXPECT_TRUE(directory_->authenticate("alice@example.test", "pw").ok());
  EXPECT_EQ(ok(admin().set_sending_suspended("alice@example.test", false)), "sending resumed for alice@example.test");
  EXPECT_FALSE(directory_->sending_policy("alice@example.test")->suspended);
}

TEST_F(SubmissionDirectoryTest, SendLimits) {
  ok(admin().add_user("alice@example.test", "pw"));
  using Change = DirectoryAdmin::SendLimitChange;
  EXPECT_EQ(ok(admin().set_send_limits("alice@example.test", Change{10, false}, Change{})),
            "send limits of alice@example.test: messages per hour 10, recipients per hour default");
  EXPECT_EQ(ok(admin().set_send_limits("alice@example.test", Change{}, Change{0, false})),
            "send limits of alice@example.test: messages per hour 10, recipients per hour unlimited");
  auto policy = directory_->sending_policy("alice@example.test");
  EXPECT_EQ(policy->messages_per_hour, std::optional<std::uint64_t>(10));
  EXPECT_EQ(policy->recipients_per_hour, std::optional<std::uint64_t>(0));
  auto view = ok(admin().show_user("alice@example.test"));
  EXPECT_EQ(view.messages_per_hour, std::optional<std::uint64_t>(10));
  EXPECT_EQ(ok(admin().set_send_limits("alice@example.test", Change{std::nullopt, true}, Change{std::nullopt, true})),
            "send limits of alice@example.test: messages per hour default, recipients per hour default");
  EXPECT_EQ(directory_->sending_policy("alice@example.test")->messages_per_hour, std::nullopt);
  EXPECT_EQ(admin().set_send_limits("nobody@example.test", Change{1, false}, Change{}).error().code, Errc::not_found);
}

TEST_F(SubmissionDirectoryTest, SecretKeyFileIsCreatedOnceAndKept) {
  auto path = scram_fake_salt_key_path(data_dir_);
  auto first = load_or_create_secret_key(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), kSecretKeyBytes);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = load_or_create_secret_key(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // Another installation gets another key.
  auto other = load_or_create_secret_key(std::filesystem::path(data_dir_) / "other" / "k.key");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
  // A truncated key is an error, never replaced silently.
  std::ofstream(path, std::ios::trunc) << "short";
  auto broken = load_or_create_secret_key(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, Errc::corrupt_data);
}

}  // namespace
}  // namespace postino
