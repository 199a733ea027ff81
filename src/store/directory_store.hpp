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
  std::string scram_secrets;  // sasl/scram_secrets.hpp format; "" when none
};

struct AccountRecord {
  AccountId id{};
  std::string address;
  DomainId domain_id{};
  std::string password_hash;
  std::uint64_t quota_bytes = 0;
  AccountStatus status = AccountStatus::active;
  std::int64_t created_at = 0;
  // SCRAM-SHA-256 stored secrets (sasl/scram_secrets.hpp); "" when the
  // password was set before they existed or imported without them.
  std::string scram_secrets;
  // Submission: refused at MAIL while set; mailbox access is unaffected.
  bool sending_suspended = false;
  // Per-account overrides of the [submission] rate limits (0 = unlimited);
  // nullopt: the configured default.
  std::optional<std::uint64_t> messages_per_hour;
  std::optional<std::uint64_t> recipients_per_hour;
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
  // Replaces the password hash and the SCRAM secrets together, so a new
  // password never leaves the old one usable through SCRAM.
  virtual Status set_credentials(const std::string& address, const std::string& password_hash,
                                 const std::string& scram_secrets) = 0;
  virtual Status set_sending_suspended(const std::string& address, bool suspended) = 0;
  // nullopt resets a limit to the configured default.
  virtual Status set_send_limits(const std::string& address, std::optional<std::uint64_t> messages_per_hour,
                                 std::optional<std::uint64_t> recipients_per_hour) = 0;

  // Sender addresses an account may use beyond its own and its aliases':
  // canonical addresses, or "@domain" for a whole domain. Adding one present
  // already is not an error; removing one absent is not_found.
  virtual Status add_sender_grant(const std::string& account, const std::string& sender) = 0;
  virtual Status delete_sender_grant(const std::string& account, const std::string& sender) = 0;
  virtual Result<std::vector<std::string>> list_sender_grants(const std::string& account) = 0;
  // Alias addresses having `target` among their targets (one level), sorted.
  virtual Result<std::vector<std::string>> aliases_targeting(const std::string& target) = 0;

  // Adds targets to the alias (creating it); already-present targets are kept
  // once. Fails with already_exists if `address` is an account.
  virtual Result<AliasRecord> add_alias_targets(const std::string& address, const std::vector<std::string>& targets) = 0;
  virtual Result<AliasRecord> find_alias(const std::string& address) = 0;
  virtual Result<std::vector<AliasRecord>> list_aliases(const std::optional<std::string>& domain) = 0;
  // Removes one target, or the whole alias when `target` is empty.
  virtual Status delete_alias(const std::string& address, const std::optional<std::string>& target) = 0;
};

}  // namespace postino
