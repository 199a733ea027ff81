// InternalDirectory over the real SQLite store: resolution of every kind,
// catch-all aliases, and logins (right, wrong, unknown, disabled, imported
// and refused hash schemes).
#include "directory/internal_directory.hpp"

#include <gtest/gtest.h>

#include "directory/directory_test_support.hpp"

namespace postino {
namespace {

class InternalDirectoryTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ok(admin().add_domain("example.test"));
    ok(admin().add_domain("second.test"));
    ok(admin().add_user("alice@example.test", "alice-secret"));
    ok(admin().add_user("carol@example.test", "carol-secret", 1u << 20));
    ok(admin().set_status("carol@example.test", AccountStatus::disabled));
    ok(admin().add_alias("info@example.test", {"alice@example.test", "Bob@External.ORG"}));
    directory_ = std::make_unique<InternalDirectory>(store(), settings_);
  }

  std::unique_ptr<InternalDirectory> directory_;
};

TEST_F(InternalDirectoryTest, ResolvesAccountCaseInsensitively) {
  auto r = ok(directory_->resolve("Alice@EXAMPLE.test"));
  EXPECT_EQ(r.kind, RecipientKind::account);
  EXPECT_EQ(r.account.address, "alice@example.test");
  EXPECT_EQ(r.account.quota_bytes, settings_.default_quota_bytes);
  EXPECT_EQ(r.account.status, AccountStatus::active);
  EXPECT_TRUE(r.targets.empty());
}

TEST_F(InternalDirectoryTest, ResolvesDisabledAccountAsAccount) {
  auto r = ok(directory_->resolve("carol@example.test"));
  EXPECT_EQ(r.kind, RecipientKind::account);
  EXPECT_EQ(r.account.status, AccountStatus::disabled);
  EXPECT_EQ(r.account.quota_bytes, 1u << 20);
}

TEST_F(InternalDirectoryTest, ResolvesAliasTargets) {
  auto r = ok(directory_->resolve("INFO@example.test"));
  EXPECT_EQ(r.kind, RecipientKind::alias);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"alice@example.test", "Bob@external.org"}));
}

TEST_F(InternalDirectoryTest, UnknownUserAndNotLocal) {
  EXPECT_EQ(ok(directory_->resolve("nobody@example.test")).kind, RecipientKind::unknown_user);
  EXPECT_EQ(ok(directory_->resolve("nobody@second.test")).kind, RecipientKind::unknown_user);
  EXPECT_EQ(ok(directory_->resolve("alice@elsewhere.org")).kind, RecipientKind::not_local);
  EXPECT_EQ(ok(directory_->resolve("alice@sub.example.test")).kind, RecipientKind::not_local);
}

TEST_F(InternalDirectoryTest, MalformedAddressIsAnError) {
  for (const char* bad : {"", "alice", "alice@", "@example.test", "a..b@example.test", "alice@[127.0.0.1]"}) {
    auto r = directory_->resolve(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST_F(InternalDirectoryTest, CatchAllTakesOnlyUnknownUsers) {
  ok(admin().add_alias("@example.test", {"alice@example.test"}));
  auto unknown = ok(directory_->resolve("whoever@Example.Test"));
  EXPECT_EQ(unknown.kind, RecipientKind::alias);
  EXPECT_EQ(unknown.targets, std::vector<std::string>{"alice@example.test"});
  EXPECT_EQ(ok(directory_->resolve("alice@example.test")).kind, RecipientKind::account);
  EXPECT_EQ(ok(directory_->resolve("info@example.test")).targets.size(), 2u);
  // Other domains keep their own behaviour.
  EXPECT_EQ(ok(directory_->resolve("whoever@second.test")).kind, RecipientKind::unknown_user);
}

TEST_F(InternalDirectoryTest, IsLocalDomain) {
  EXPECT_TRUE(ok(directory_->is_local_domain("example.test")));
  EXPECT_TRUE(ok(directory_->is_local_domain("EXAMPLE.TEST.")));
  EXPECT_FALSE(ok(directory_->is_local_domain("example.org")));
  EXPECT_FALSE(ok(directory_->is_local_domain("bad..domain")));
  EXPECT_FALSE(ok(directory_->is_local_domain("")));
}

TEST_F(InternalDirectoryTest, AuthenticateRightPassword) {
  auto info = ok(directory_->authenticate("ALICE@example.test", "alice-secret"));
  EXPECT_EQ(info.address, "alice@example.test");
  EXPECT_EQ(info.status, AccountStatus::active);
}

TEST_F(InternalDirectoryTest, WrongPasswordAndUnknownUserLookAlike) {
  auto wrong = directory_->authenticate("alice@example.test", "alice-secreT");
  auto unknown = directory_->authenticate("nobody@example.test", "alice-secret");
  auto foreign = directory_->authenticate("alice@elsewhere.org", "alice-secret");
  auto alias = directory_->authenticate("info@example.test", "alice-secret");
  auto garbage = directory_->authenticate("not an address", "alice-secret");
  for (const auto* r : {&wrong, &unknown, &foreign, &alias, &garbage}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code, Errc::permission_denied);
    EXPECT_EQ(r->error().message, wrong.error().message);
  }
  EXPECT_EQ(directory_->authenticate("alice@example.test", "").error().code, Errc::permission_denied);
}

TEST_F(InternalDirectoryTest, DisabledOnlyAfterRightPassword) {
  EXPECT_EQ(directory_->authenticate("carol@example.test", "carol-secret").error().code, Errc::disabled);
  EXPECT_EQ(directory_->authenticate("carol@example.test", "wrong").error().code, Errc::permission_denied);
  ok(admin().set_status("carol@example.test", AccountStatus::active));
  EXPECT_TRUE(directory_->authenticate("carol@example.test", "carol-secret").ok());
}

TEST_F(InternalDirectoryTest, ImportedDovecotHashesLogIn) {
  // openssl passwd -6 -salt Zp4mQ1wX8rTy 'correct horse battery staple'
  ASSERT_TRUE(store().set_password_hash("alice@example.test",
      "{SHA512-CRYPT}$6$Zp4mQ1wX8rTy$SltUcSYCOgVuE4kGhTVJhD.l5oyLLcSf5XOhCKEpGv1YGve7srSuddRvlkM1Xiasul1JrarJDVRhIk3dArTvx/").ok());
  EXPECT_TRUE(directory_->authenticate("alice@example.test", "correct horse battery staple").ok());
  EXPECT_FALSE(directory_->authenticate("alice@example.test", "alice-secret").ok());
}

TEST_F(InternalDirectoryTest, CleartextAndBrokenHashesNeverLogIn) {
  for (const char* stored : {"{PLAIN}alice-secret", "{CLEARTEXT}alice-secret", "alice-secret", "{NOPE}x", ""}) {
    ASSERT_TRUE(store().set_password_hash("alice@example.test", stored).ok());
    auto r = directory_->authenticate("alice@example.test", "alice-secret");
    ASSERT_FALSE(r.ok()) << stored;
    EXPECT_EQ(r.error().code, Errc::permission_denied) << stored;
  }
}

TEST_F(InternalDirectoryTest, Argon2idScheme) {
  settings_.password_scheme = PasswordScheme::argon2id;
  DirectoryAdmin admin(store(), settings_);
  InternalDirectory directory(store(), settings_);
  ok(admin.add_user("dave@example.test", "dave-secret"));
  EXPECT_EQ(ok(admin.show_user("dave@example.test")).password_scheme, "ARGON2ID");
  EXPECT_TRUE(directory.authenticate("dave@example.test", "dave-secret").ok());
  EXPECT_EQ(directory.authenticate("dave@example.test", "dave-secreT").error().code, Errc::permission_denied);
  EXPECT_EQ(directory.authenticate("nobody@example.test", "dave-secret").error().code, Errc::permission_denied);
}

TEST_F(InternalDirectoryTest, AccountLookup) {
  auto info = ok(directory_->account("Alice@example.test"));
  EXPECT_EQ(info.address, "alice@example.test");
  EXPECT_EQ(directory_->account("info@example.test").error().code, Errc::not_found);
  EXPECT_EQ(directory_->account("nobody@example.test").error().code, Errc::not_found);
  EXPECT_EQ(directory_->account("garbage").error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace postino
