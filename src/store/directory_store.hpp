// DirectoryStore: the persistent tables of the internal directory (domains,
// accounts, aliases). It stores what it is given: validation of addresses and
// hashing of passwords happen above it, in directory/.
// Contract: every method is thread-safe and blocking (call it from the
// blocking pool, never from an I/O thread). Addresses and domains are passed
// in canonical (lower-case) form. Expected failures come back as Errc values:
// not_found, already_exists, invalid_argument (e.g. deleting a domain that
// still has accounts), io_error/temporary_failure for the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/ids.hpp"

namespace postino {

enum class AccountStatus { active, disabled };

struct DomainRecord {
  DomainId id{};
  std::string name;
  std::int64_t created_at = 0;  // unix seconds
};

struct NewAccount {
  std::string address;  // canonical local@domain; the domain must exist
  std::string password_hash;
  std::uint64_t quota_bytes = 0;
  AccountStatus status = AccountStatus::active;
};

struct AccountRecord {
  AccountId id{};
  std::string address;
  DomainId domain_id{};
  std::string password_hash;
  std::uint64_t quota_bytes = 0;
  AccountStatus status = AccountStatus::active;
  std::int64_t created_at = 0;
};

// An alias maps one address to one or many targets (local or external).
struct AliasRecord {
  std::string address;
  std::vector<std::string> targets;  // in insertion order
};

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  virtual Result<DomainRecord> add_domain(const std::string& name) = 0;
  virtual Result<DomainRecord> find_domain(const std::string& name) = 0;
  virtual Result<std::vector<DomainRecord>> list_domains() = 0;
  // Fails with invalid_argument while accounts or aliases remain in it.
  virtual Status delete_domain(const std::string& name) = 0;

  virtual Result<AccountRecord> add_account(const NewAccount& account) = 0;
  virtual Result<AccountRecord> find_account(const std::string& address) = 0;
  // All accounts, or those of one domain when `domain` is set; by address.
  virtual Result<std::vector<AccountRecord>> list_accounts(const std::optional<std::string>& domain) = 0;
  virtual Status delete_account(const std::string& address) = 0;
  virtual Status set_password_hash(const std::string& address, const std::string& password_hash) = 0;
  virtual Status set_quota(const std::string& address, std::uint64_t quota_bytes) = 0;
  virtual Status set_status(const std::string& address, AccountStatus status) = 0;

  // Adds targets to the alias (creating it); already-present targets are kept
  // once. Fails with already_exists if `address` is an account.
  virtual Result<AliasRecord> add_alias_targets(const std::string& address, const std::vector<std::string>& targets) = 0;
  virtual Result<AliasRecord> find_alias(const std::string& address) = 0;
  virtual Result<std::vector<AliasRecord>> list_aliases(const std::optional<std::string>& domain) = 0;
  // Removes one target, or the whole alias when `target` is empty.
  virtual Status delete_alias(const std::string& address, const std::optional<std::string>& target) = 0;
};

}  // namespace postino
