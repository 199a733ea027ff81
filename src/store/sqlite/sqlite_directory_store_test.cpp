// SqliteDirectoryStore: every method, including its error cases.
#include "store/sqlite/sqlite_directory_store.hpp"

#include <gtest/gtest.h>

#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

class DirectoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_metadata_store(StoreSettings{.data_dir = dir_.path()});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metadata_ = std::move(*opened);
  }
  DirectoryStore& store() { return metadata_->directory(); }
  void add_account(const std::string& address) {
    auto added = store().add_account(NewAccount{address, "{hash}", 0, AccountStatus::active});
    ASSERT_TRUE(added.ok()) << added.error().message;
  }

  postino::testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
};

template <class T>
Errc code_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errc::io_error : r.error().code;
}

TEST_F(DirectoryStoreTest, Domains) {
  auto added = store().add_domain("b.test");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->name, "b.test");
  EXPECT_GT(added->created_at, 0);
  ASSERT_TRUE(store().add_domain("a.test").ok());
  EXPECT_EQ(code_of(store().add_domain("b.test")), Errc::already_exists);
  EXPECT_EQ(code_of(store().add_domain("")), Errc::invalid_argument);

  auto found = store().find_domain("b.test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, added->id);
  EXPECT_EQ(code_of(store().find_domain("c.test")), Errc::not_found);

  auto all = store().list_domains();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a.test");
  EXPECT_EQ((*all)[1].name, "b.test");

  EXPECT_TRUE(store().delete_domain("a.test").ok());
  EXPECT_EQ(code_of(store().delete_domain("a.test")), Errc::not_found);
  EXPECT_EQ(store().list_domains()->size(), 1u);
}

TEST_F(DirectoryStoreTest, Accounts) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  ASSERT_TRUE(store().add_domain("other.test").ok());
  auto added = store().add_account(NewAccount{"bob@example.test", "{hash}", 5u << 20, AccountStatus::disabled});
  ASSERT_TRUE(added.ok()) << added.error().message;
  add_account("alice@example.test");
  add_account("carol@other.test");

  EXPECT_EQ(code_of(store().add_account(NewAccount{"bob@example.test", "x"})), Errc::already_exists);
  EXPECT_EQ(code_of(store().add_account(NewAccount{"bob@unknown.test", "x"})), Errc::not_found);
  EXPECT_EQ(code_of(store().add_account(NewAccount{"no-at-sign", "x"})), Errc::invalid_argument);
  EXPECT_EQ(code_of(store().add_account(NewAccount{"big@example.test", "x", ~std::uint64_t{0}})),
            Errc::invalid_argument);

  auto bob = store().find_account("bob@example.test");
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->id, added->id);
  EXPECT_EQ(bob->domain_id, store().find_domain("example.test")->id);
  EXPECT_EQ(bob->password_hash, "{hash}");
  EXPECT_EQ(bob->quota_bytes, 5u << 20);
  EXPECT_EQ(bob->status, AccountStatus::disabled);
  EXPECT_GT(bob->created_at, 0);
  EXPECT_EQ(code_of(store().find_account("nobody@example.test")), Errc::not_found);

  auto all = store().list_accounts(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].address, "alice@example.test");
  EXPECT_EQ((*all)[2].address, "carol@other.test");
  auto example = store().list_accounts("example.test");
  ASSERT_TRUE(example.ok());
  ASSERT_EQ(example->size(), 2u);
  EXPECT_EQ((*example)[1].address, "bob@example.test");
  EXPECT_EQ(code_of(store().list_accounts("unknown.test")), Errc::not_found);

  EXPECT_TRUE(store().set_password_hash("bob@example.test", "{new}").ok());
  EXPECT_TRUE(store().set_quota("bob@example.test", 42).ok());
  EXPECT_TRUE(store().set_status("bob@example.test", AccountStatus::active).ok());
  bob = store().find_account("bob@example.test");
  EXPECT_EQ(bob->password_hash, "{new}");
  EXPECT_EQ(bob->quota_bytes, 42u);
  EXPECT_EQ(bob->status, AccountStatus::active);
  EXPECT_EQ(code_of(store().set_password_hash("nobody@example.test", "x")), Errc::not_found);
  EXPECT_EQ(code_of(store().set_quota("nobody@example.test", 1)), Errc::not_found);
  EXPECT_EQ(code_of(store().set_status("nobody@example.test", AccountStatus::active)), Errc::not_found);
  EXPECT_EQ(code_of(store().set_quota("bob@example.test", ~std::uint64_t{0})), Errc::invalid_argument);

  EXPECT_TRUE(store().delete_account("bob@example.test").ok());
  EXPECT_EQ(code_of(store().delete_account("bob@example.test")), Errc::not_found);
  EXPECT_EQ(code_of(store().find_account("bob@example.test")), Errc::not_found);
}

TEST_F(DirectoryStoreTest, DeleteDomainRefusedWhileAccountsOrAliasesRemain) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  add_account("bob@example.test");
  EXPECT_EQ(code_of(store().delete_domain("example.test")), Errc::invalid_argument);
  ASSERT_TRUE(store().delete_account("bob@example.test").ok());

  ASSERT_TRUE(store().add_alias_targets("info@example.test", {"x@elsewhere.test"}).ok());
  EXPECT_EQ(code_of(store().delete_domain("example.test")), Errc::invalid_argument);
  ASSERT_TRUE(store().delete_alias("info@example.test", std::nullopt).ok());

  EXPECT_TRUE(store().delete_domain("example.test").ok());
}

TEST_F(DirectoryStoreTest, AliasTargetsKeepOrderAndAreDeduplicated) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  auto alias = store().add_alias_targets("team@example.test", {"c@x.test", "a@x.test", "c@x.test"});
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  EXPECT_EQ(alias->address, "team@example.test");
  EXPECT_EQ(alias->targets, (std::vector<std::string>{"c@x.test", "a@x.test"}));
  alias = store().add_alias_targets("team@example.test", {"a@x.test", "b@x.test"});
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->targets, (std::vector<std::string>{"c@x.test", "a@x.test", "b@x.test"}));

  auto found = store().find_alias("team@example.test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->targets, alias->targets);
  EXPECT_EQ(code_of(store().find_alias("nobody@example.test")), Errc::not_found);

  // Removing one target, then adding it back, puts it last.
  ASSERT_TRUE(store().delete_alias("team@example.test", std::string("c@x.test")).ok());
  EXPECT_EQ(code_of(store().delete_alias("team@example.test", std::string("c@x.test"))), Errc::not_found);
  alias = store().add_alias_targets("team@example.test", {"c@x.test"});
  EXPECT_EQ(alias->targets, (std::vector<std::string>{"a@x.test", "b@x.test", "c@x.test"}));

  EXPECT_TRUE(store().delete_alias("team@example.test", std::nullopt).ok());
  EXPECT_EQ(code_of(store().find_alias("team@example.test")), Errc::not_found);
  EXPECT_EQ(code_of(store().delete_alias("team@example.test", std::nullopt)), Errc::not_found);
}

TEST_F(DirectoryStoreTest, AliasErrorsAndListing) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  ASSERT_TRUE(store().add_domain("other.test").ok());
  EXPECT_EQ(code_of(store().add_alias_targets("x@unknown.test", {"a@x.test"})), Errc::not_found);
  EXPECT_EQ(code_of(store().add_alias_targets("x@example.test", {})), Errc::invalid_argument);
  EXPECT_EQ(code_of(store().add_alias_targets("x@example.test", {""})), Errc::invalid_argument);
  EXPECT_EQ(code_of(store().add_alias_targets("x@example.test", {"x@example.test"})), Errc::invalid_argument);
  EXPECT_EQ(code_of(store().add_alias_targets("not-an-address", {"a@x.test"})), Errc::invalid_argument);

  ASSERT_TRUE(store().add_alias_targets("b@example.test", {"1@x.test", "2@x.test"}).ok());
  ASSERT_TRUE(store().add_alias_targets("a@example.test", {"3@x.test"}).ok());
  ASSERT_TRUE(store().add_alias_targets("z@other.test", {"4@x.test"}).ok());
  auto all = store().list_aliases(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].address, "a@example.test");
  EXPECT_EQ((*all)[1].targets, (std::vector<std::string>{"1@x.test", "2@x.test"}));
  EXPECT_EQ((*all)[2].address, "z@other.test");
  auto other = store().list_aliases("other.test");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].address, "z@other.test");
  EXPECT_EQ(code_of(store().list_aliases("unknown.test")), Errc::not_found);
}

TEST_F(DirectoryStoreTest, AliasAndAccountShareOneAddressSpace) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  add_account("bob@example.test");
  EXPECT_EQ(code_of(store().add_alias_targets("bob@example.test", {"a@x.test"})), Errc::already_exists);
  ASSERT_TRUE(store().add_alias_targets("info@example.test", {"bob@example.test"}).ok());
  EXPECT_EQ(code_of(store().add_account(NewAccount{"info@example.test", "x"})), Errc::already_exists);
}

TEST_F(DirectoryStoreTest, CredentialsAndSendingControls) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  NewAccount account{"bob@example.test", "{hash}"};
  account.scram_secrets = "{SCRAM-SHA-256}4096,c2FsdA==,a2V5,a2V5";
  ASSERT_TRUE(store().add_account(account).ok());
  auto found = store().find_account("bob@example.test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->scram_secrets, account.scram_secrets);
  EXPECT_FALSE(found->sending_suspended);
  EXPECT_EQ(found->messages_per_hour, std::nullopt);
  EXPECT_EQ(found->recipients_per_hour, std::nullopt);

  // Both credentials change in one update.
  ASSERT_TRUE(store().set_credentials("bob@example.test", "{new}", "").ok());
  found = store().find_account("bob@example.test");
  EXPECT_EQ(found->password_hash, "{new}");
  EXPECT_EQ(found->scram_secrets, "");
  auto missing = store().set_credentials("nobody@example.test", "x", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);

  ASSERT_TRUE(store().set_sending_suspended("bob@example.test", true).ok());
  EXPECT_TRUE(store().find_account("bob@example.test")->sending_suspended);
  ASSERT_TRUE(store().set_sending_suspended("bob@example.test", false).ok());
  EXPECT_FALSE(store().find_account("bob@example.test")->sending_suspended);
  EXPECT_FALSE(store().set_sending_suspended("nobody@example.test", true).ok());

  ASSERT_TRUE(store().set_send_limits("bob@example.test", 5, 0).ok());
  found = store().find_account("bob@example.test");
  EXPECT_EQ(found->messages_per_hour, std::optional<std::uint64_t>(5));
  EXPECT_EQ(found->recipients_per_hour, std::optional<std::uint64_t>(0));
  ASSERT_TRUE(store().set_send_limits("bob@example.test", std::nullopt, 7).ok());
  found = store().find_account("bob@example.test");
  EXPECT_EQ(found->messages_per_hour, std::nullopt);
  EXPECT_EQ(found->recipients_per_hour, std::optional<std::uint64_t>(7));
  EXPECT_FALSE(store().set_send_limits("bob@example.test", ~std::uint64_t{0}, std::nullopt).ok());
  // the listing carries the same fields
  auto all = store().list_accounts(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].recipients_per_hour, std::optional<std::uint64_t>(7));
}

TEST_F(DirectoryStoreTest, SenderGrantsAndReverseAliases) {
  ASSERT_TRUE(store().add_domain("example.test").ok());
  add_account("bob@example.test");
  add_account("amy@example.test");
  ASSERT_TRUE(store().add_sender_grant("bob@example.test", "boss@example.test").ok());
  ASSERT_TRUE(store().add_sender_grant("bob@example.test", "@other.test").ok());
  ASSERT_TRUE(store().add_sender_grant("bob@example.test", "boss@example.test").ok());  // again: kept once
  EXPECT_EQ(code_of(store().list_sender_grants("nobody@example.test")), Errc::not_found);
  EXPECT_FALSE(store().add_sender_grant("nobody@example.test", "x@example.test").ok());
  EXPECT_FALSE(store().add_sender_grant("bob@example.test", "").ok());
  auto grants = store().list_sender_grants("bob@example.test");
  ASSERT_TRUE(grants.ok());
  EXPECT_EQ(*grants, (std::vector<std::string>{"@other.test", "boss@example.test"}));
  EXPECT_TRUE(store().list_sender_grants("amy@example.test")->empty());

  auto revoked = store().delete_sender_grant("bob@example.test", "@other.test");
  EXPECT_TRUE(revoked.ok());
  auto again = store().delete_sender_grant("bob@example.test", "@other.test");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
  EXPECT_EQ(*store().list_sender_grants("bob@example.test"), (std::vector<std::string>{"boss@example.test"}));

  ASSERT_TRUE(store().add_alias_targets("team@example.test", {"amy@example.test", "bob@example.test"}).ok());
  ASSERT_TRUE(store().add_alias_targets("info@example.test", {"bob@example.test"}).ok());
  ASSERT_TRUE(store().add_alias_targets("sales@example.test", {"amy@example.test"}).ok());
  auto aliases = store().aliases_targeting("bob@example.test");
  ASSERT_TRUE(aliases.ok());
  EXPECT_EQ(*aliases, (std::vector<std::string>{"info@example.test", "team@example.test"}));
  EXPECT_TRUE(store().aliases_targeting("nobody@example.test")->empty());

  // Grants go with their account.
  ASSERT_TRUE(store().delete_alias("team@example.test", std::nullopt).ok());
  ASSERT_TRUE(store().delete_alias("info@example.test", std::nullopt).ok());
  ASSERT_TRUE(store().delete_account("bob@example.test").ok());
  add_account("bob@example.test");
  EXPECT_TRUE(store().list_sender_grants("bob@example.test")->empty());
}

}  // namespace
}  // namespace postino
