// SqliteDirectoryStore: DirectoryStore on the SQLite metadata database.
// Writes go through the group-commit Writer (checks and insert run in one
// job, so "alias vs account" and "domain still used" checks cannot race);
// reads use the ReaderPool.
#pragma once

#include "store/directory_store.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

class SqliteDirectoryStore final : public DirectoryStore {
 public:
  SqliteDirectoryStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<DomainRecord> add_domain(const std::string& name) override;
  Result<DomainRecord> find_domain(const std::string& name) override;
  Result<std::vector<DomainRecord>> list_domains() override;
  Status delete_domain(const std::string& name) override;

  Result<AccountRecord> add_account(const NewAccount& account) override;
  Result<AccountRecord> find_account(const std::string& address) override;
  Result<std::vector<AccountRecord>> list_accounts(const std::optional<std::string>& domain) override;
  Status delete_account(const std::string& address) override;
  Status set_password_hash(const std::string& address, const std::string& password_hash) override;
  Status set_quota(const std::string& address, std::uint64_t quota_bytes) override;
  Status set_status(const std::string& address, AccountStatus status) override;
  Status set_credentials(const std::string& address, const std::string& password_hash,
                         const std::string& scram_secrets) override;
  Status set_sending_suspended(const std::string& address, bool suspended) override;
  Status set_send_limits(const std::string& address, std::optional<std::uint64_t> messages_per_hour,
                         std::optional<std::uint64_t> recipients_per_hour) override;
  Status add_sender_grant(const std::string& account, const std::string& sender) override;
  Status delete_sender_grant(const std::string& account, const std::string& sender) override;
  Result<std::vector<std::string>> list_sender_grants(const std::string& account) override;
  Result<std::vector<std::string>> aliases_targeting(const std::string& target) override;

  Result<AliasRecord> add_alias_targets(const std::string& address, const std::vector<std::string>& targets) override;
  Result<AliasRecord> find_alias(const std::string& address) override;
  Result<std::vector<AliasRecord>> list_aliases(const std::optional<std::string>& domain) override;
  Status delete_alias(const std::string& address, const std::optional<std::string>& target) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace postino::sqlite
