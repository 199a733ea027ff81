// DirectoryAdmin: the management operations on the internal directory behind
// `postino domain|user|alias ...` and the admin API. Validates every input and
// returns messages a CLI can print verbatim, on success and on failure.
// Contract: blocking like DirectoryStore; the store must outlive this object.
// Security: passwords are hashed here and never returned or logged; views
// handed out carry no password hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "directory/directory_settings.hpp"
#include "store/directory_store.hpp"

namespace postino {

// An account as shown to administrators: no hash, only its scheme's name.
struct UserView {
  AccountId id{};
  std::string address;
  std::uint64_t quota_bytes = 0;
  AccountStatus status = AccountStatus::active;
  std::int64_t created_at = 0;  // unix seconds
  std::string password_scheme;  // "YESCRYPT", "SHA512-CRYPT", ...
  bool scram = false;           // SCRAM-SHA-256 secrets stored
  bool sending_suspended = false;
  std::optional<std::uint64_t> messages_per_hour;    // nullopt: configured default
  std::optional<std::uint64_t> recipients_per_hour;  // nullopt: configured default
  std::vector<std::string> granted_senders;          // only filled by show_user
};

const char* account_status_name(AccountStatus status);

class DirectoryAdmin {
 public:
  DirectoryAdmin(DirectoryStore& store, DirectorySettings settings);

  Result<std::string> add_domain(std::string_view domain);
  // Refused while the domain still has users or aliases.
  Result<std::string> delete_domain(std::string_view domain);
  Result<std::vector<DomainRecord>> list_domains();

  // Quota defaults to settings.default_quota_bytes.
  Result<std::string> add_user(std::string_view address, std::string_view password,
                               std::optional<std::uint64_t> quota_bytes = std::nullopt);
  Result<std::string> delete_user(std::string_view address);
  Result<std::string> set_password(std::string_view address, std::string_view password);
  Result<std::string> set_quota(std::string_view address, std::uint64_t quota_bytes);
  Result<std::string> set_status(std::string_view address, AccountStatus status);
  // Submission controls (`postino user suspend-sending|resume-sending|
  // set-limits|grant-sender|revoke-sender`). A limit of nullopt is left as
  // it is; SendLimitChange::reset returns it to the configured default.
  Result<std::string> set_sending_suspended(std::string_view address, bool suspended);
  struct SendLimitChange {
    std::optional<std::uint64_t> value;  // new per-hour limit (0 = unlimited)
    bool reset = false;                  // back to the configured default
  };
  Result<std::string> set_send_limits(std::string_view address, SendLimitChange messages_per_hour,
                                      SendLimitChange recipients_per_hour);
  // `sender` is an address or "@domain" (any domain, hosted here or not).
  Result<std::string> grant_sender(std::string_view address, std::string_view sender);
  Result<std::string> revoke_sender(std::string_view address, std::string_view sender);
  Result<UserView> show_user(std::string_view address);
  // All users, or one hosted domain's, by address.
  Result<std::vector<UserView>> list_users(std::optional<std::string_view> domain = std::nullopt);

  // `address` is local@domain or "@domain" (catch-all) in a hosted domain and
  // must not be a user. Targets are addresses, local or external; local ones
  // are stored canonical, external ones keep their local part's case.
  Result<std::string> add_alias(std::string_view address, const std::vector<std::string>& targets);
  Result<std::vector<AliasRecord>> list_aliases(std::optional<std::string_view> domain = std::nullopt);
  // Removes one target, or the whole alias when `target` is not given.
  Result<std::string> delete_alias(std::string_view address, std::optional<std::string_view> target = std::nullopt);

 private:
  Result<std::string> hosted_domain(std::string_view text);  // parsed, and hosted here
  Result<std::string> user_key(std::string_view address);    // canonical, domain hosted
  Result<std::string> alias_key(std::string_view address);  // canonical or "@domain"
  Result<std::string> target_key(std::string_view target);
  Result<std::string> hash_new_password(std::string_view password);
  Result<std::string> scram_for_new_password(std::string_view password);
  Result<std::string> sender_key(std::string_view sender);  // canonical address or "@domain"
  Result<std::string> existing_user(std::string_view address);  // user_key, and the user exists

  DirectoryStore& store_;
  DirectorySettings settings_;
};

}  // namespace postino
