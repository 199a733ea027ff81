// DirectoryAdmin over the real SQLite store: the messages the CLI prints,
// and every validation (addresses, hosted domains, duplicates, passwords,
// alias shadowing and targets).
#include "directory/directory_admin.hpp"

#include <gtest/gtest.h>

#include "directory/directory_test_support.hpp"
#include "directory/internal_directory.hpp"

namespace postino {
namespace {

class DirectoryAdminTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ok(admin().add_domain("example.test"));
  }

  static std::string failure(const Result<std::string>& r) { return r.ok() ? "unexpected success: " + *r : r.error().message; }
};

TEST_F(DirectoryAdminTest, Domains) {
  EXPECT_EQ(ok(admin().add_domain("Second.TEST")), "domain second.test added");
  EXPECT_EQ(failure(admin().add_domain("example.test")), "domain example.test is already hosted here");
  EXPECT_EQ(admin().add_domain("example.test").error().code, Errc::already_exists);
  EXPECT_EQ(failure(admin().add_domain("bad..test")), "invalid domain 'bad..test': empty label in domain");
  EXPECT_EQ(admin().add_domain("localhost").error().code, Errc::invalid_argument);
  auto domains = ok(admin().list_domains());
  ASSERT_EQ(domains.size(), 2u);
  EXPECT_EQ(ok(admin().delete_domain("second.test")), "domain second.test deleted");
  EXPECT_EQ(failure(admin().delete_domain("second.test")), "domain second.test is not hosted here");
  EXPECT_EQ(admin().delete_domain("second.test").error().code, Errc::not_found);
}

TEST_F(DirectoryAdminTest, DomainWithUsersIsNotDeleted) {
  ok(admin().add_user("alice@example.test", "pw"));
  EXPECT_EQ(failure(admin().delete_domain("example.test")), "domain example.test still has users or aliases; delete them first");
  ok(admin().delete_user("alice@example.test"));
  ok(admin().add_alias("info@example.test", {"someone@example.org"}));
  EXPECT_FALSE(admin().delete_domain("example.test").ok());
  ok(admin().delete_alias("info@example.test"));
  EXPECT_TRUE(admin().delete_domain("example.test").ok());
}

TEST_F(DirectoryAdminTest, AddUserAndShow) {
  EXPECT_EQ(ok(admin().add_user("Alice@Example.Test", "pw")), "user alice@example.test added (quota 500M)");
  EXPECT_EQ(ok(admin().add_user("bob@example.test", "pw", 2ull << 30)), "user bob@example.test added (quota 2G)");
  auto alice = ok(admin().show_user("ALICE@example.test"));
  EXPECT_EQ(alice.address, "alice@example.test");
  EXPECT_EQ(alice.quota_bytes, settings_.default_quota_bytes);
  EXPECT_EQ(alice.status, AccountStatus::active);
  EXPECT_EQ(alice.password_scheme, "YESCRYPT");
  EXPECT_GT(alice.created_at, 0);
  // Stored hashed, never as given.
  auto record = ok(store().find_account("alice@example.test"));
  EXPECT_EQ(record.password_hash.rfind("{YESCRYPT}$y$", 0), 0u);
}

TEST_F(DirectoryAdminTest, AddUserErrors) {
  ok(admin().add_user("alice@example.test", "pw"));
  EXPECT_EQ(failure(admin().add_user("ALICE@example.test", "pw")), "user alice@example.test already exists");
  EXPECT_EQ(admin().add_user("alice@example.test", "pw").error().code, Errc::already_exists);
  EXPECT_EQ(failure(admin().add_user("alice@example.org", "pw")), "domain example.org is not hosted here");
  EXPECT_EQ(admin().add_user("alice@example.org", "pw").error().code, Errc::not_found);
  EXPECT_EQ(failure(admin().add_user("alice", "pw")), "invalid address 'alice': address has no '@'");
  EXPECT_EQ(failure(admin().add_user("a..b@example.test", "pw")), "invalid address 'a..b@example.test': empty atom in local part");
  EXPECT_EQ(failure(admin().add_user("new@example.test", "")), "bad password: password is empty");
  EXPECT_EQ(admin().add_user("new@example.test", std::string(1025, 'x')).error().code, Errc::invalid_argument);
  EXPECT_EQ(admin().add_user("new@example.test", std::string("a\0b", 3)).error().code, Errc::invalid_argument);
  EXPECT_EQ(store().find_account("new@example.test").error().code, Errc::not_found);
}

TEST_F(DirectoryAdminTest, PasswordUpTo1024BytesWithArgon2id) {
  settings_.password_scheme = PasswordScheme::argon2id;
  DirectoryAdmin admin(store(), settings_);
  InternalDirectory directory(store(), settings_);
  std::string longest(1024, 'x');
  ok(admin.add_user("long@example.test", longest));
  EXPECT_TRUE(directory.authenticate("long@example.test", longest).ok());
  EXPECT_EQ(admin.add_user("longer@example.test", longest + "x").error().code, Errc::invalid_argument);
}

TEST_F(DirectoryAdminTest, ChangeUser) {
  InternalDirectory directory(store(), settings_);
  ok(admin().add_user("alice@example.test", "old"));
  EXPECT_EQ(ok(admin().set_password("Alice@example.test", "new")), "password of alice@example.test changed");
  EXPECT_FALSE(directory.authenticate("alice@example.test", "old").ok());
  EXPECT_TRUE(directory.authenticate("alice@example.test", "new").ok());
  EXPECT_EQ(failure(admin().set_password("alice@example.test", "")), "bad password: password is empty");
  EXPECT_TRUE(directory.authenticate("alice@example.test", "new").ok());

  EXPECT_EQ(ok(admin().set_quota("alice@example.test", 1ull << 30)), "quota of alice@example.test set to 1G");
  EXPECT_EQ(ok(admin().show_user("alice@example.test")).quota_bytes, 1ull << 30);
  EXPECT_EQ(ok(admin().set_status("alice@example.test", AccountStatus::disabled)), "user alice@example.test is now disabled");
  EXPECT_EQ(ok(admin().show_user("alice@example.test")).status, AccountStatus::disabled);
  EXPECT_EQ(ok(admin().set_status("alice@example.test", AccountStatus::active)), "user alice@example.test is now active");

  EXPECT_EQ(ok(admin().delete_user("alice@example.test")), "user alice@example.test deleted");
  for (auto r : {admin().delete_user("alice@example.test"), admin().set_password("alice@example.test", "x"),
                 admin().set_quota("alice@example.test", 1), admin().set_status("alice@example.test", AccountStatus::active)}) {
    EXPECT_EQ(failure(r), "user alice@example.test does not exist");
    EXPECT_EQ(r.error().code, Errc::not_found);
  }
  EXPECT_EQ(admin().show_user("alice@example.test").error().message, "user alice@example.test does not exist");
  EXPECT_EQ(failure(admin().delete_user("alice@example.org")), "domain example.org is not hosted here");
}

TEST_F(DirectoryAdminTest, ListUsers) {
  ok(admin().add_domain("second.test"));
  ok(admin().add_user("bob@example.test", "pw"));
  ok(admin().add_user("alice@example.test", "pw"));
  ok(admin().add_user("carol@second.test", "pw"));
  auto all = ok(admin().list_users());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].address, "alice@example.test");
  auto second = ok(admin().list_users("Second.Test"));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].address, "carol@second.test");
  EXPECT_EQ(admin().list_users("other.test").error().message, "domain other.test is not hosted here");
  EXPECT_EQ(admin().list_users("bad..test").error().code, Errc::invalid_argument);
}

TEST_F(DirectoryAdminTest, AddAlias) {
  ok(admin().add_user("alice@example.test", "pw"));
  EXPECT_EQ(ok(admin().add_alias("Info@Example.test", {"ALICE@example.test", "Bob@External.ORG"})),
            "alias info@example.test -> alice@example.test, Bob@external.org");
  // Adding again merges; duplicates are kept once.
  EXPECT_EQ(ok(admin().add_alias("info@example.test", {"alice@example.test", "carol@external.org"})),
            "alias info@example.test -> alice@example.test, Bob@external.org, carol@external.org");
  EXPECT_EQ(ok(admin().add_alias("@example.test", {"alice@example.test"})), "alias @example.test -> alice@example.test");
  auto aliases = ok(admin().list_aliases());
  EXPECT_EQ(aliases.size(), 2u);
  EXPECT_EQ(ok(admin().list_aliases("example.test")).size(), 2u);
}

TEST_F(DirectoryAdminTest, AliasErrors) {
  ok(admin().add_user("alice@example.test", "pw"));
  EXPECT_EQ(failure(admin().add_alias("alice@example.test", {"bob@example.org"})),
            "alice@example.test is a user; an alias may not shadow it");
  EXPECT_EQ(admin().add_alias("ALICE@example.test", {"bob@example.org"}).error().code, Errc::already_exists);
  EXPECT_EQ(failure(admin().add_alias("info@example.org", {"alice@example.test"})), "domain example.org is not hosted here");
  EXPECT_EQ(failure(admin().add_alias("@example.org", {"alice@example.test"})), "domain example.org is not hosted here");
  EXPECT_EQ(failure(admin().add_alias("info@example.test", {"alice@example.test", "not-an-address"})),
            "invalid target 'not-an-address': address has no '@'");
  EXPECT_EQ(failure(admin().add_alias("info@example.test", {"a@[10.0.0.1]"})),
            "invalid target 'a@[10.0.0.1]': address literals are not accepted");
  EXPECT_EQ(failure(admin().add_alias("info@example.test", {})), "alias info@example.test needs at least one target");
  EXPECT_EQ(failure(admin().add_alias("info@example.test", {"INFO@example.test"})), "alias info@example.test cannot point to itself");
  EXPECT_EQ(failure(admin().add_alias("in fo@example.test", {"alice@example.test"})),
            "invalid address 'in fo@example.test': invalid character in local part");
  EXPECT_EQ(admin().add_alias("info@example.test", std::vector<std::string>(1001, "alice@example.test")).error().code,
            Errc::invalid_argument);
  // Nothing was created by the failures.
  EXPECT_TRUE(ok(admin().list_aliases()).empty());
  // And a user may not shadow an alias either.
  ok(admin().add_alias("info@example.test", {"alice@example.test"}));
  EXPECT_EQ(failure(admin().add_user("info@example.test", "pw")), "info@example.test is an alias; delete the alias first");
}

TEST_F(DirectoryAdminTest, DeleteAlias) {
  ok(admin().add_alias("info@example.test", {"a@example.org", "B@Example.ORG"}));
  EXPECT_EQ(ok(admin().delete_alias("info@example.test", "B@example.org")), "target B@example.org removed from alias info@example.test");
  EXPECT_EQ(failure(admin().delete_alias("info@example.test", "zz@example.org")), "alias info@example.test has no target zz@example.org");
  EXPECT_EQ(ok(admin().delete_alias("INFO@example.test")), "alias info@example.test deleted");
  EXPECT_EQ(failure(admin().delete_alias("info@example.test")), "alias info@example.test does not exist");
  EXPECT_EQ(admin().delete_alias("info@example.test").error().code, Errc::not_found);
  EXPECT_EQ(failure(admin().delete_alias("info@example.test", "bad")), "alias info@example.test does not exist");
  ok(admin().add_alias("@example.test", {"a@example.org"}));
  EXPECT_EQ(ok(admin().delete_alias("@Example.test")), "alias @example.test deleted");
}

}  // namespace
}  // namespace postino
