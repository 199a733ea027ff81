// Directory: who exists and how they log in. Resolves recipients (account,
// alias with one or many targets, unknown), authenticates, and reads account
// attributes. Backends: internal (tables in the metadata store, the default)
// and, later, LDAP; both must pass the same conformance suite.
// Contract: thread-safe and blocking (call from the blocking pool).
// Security: authenticate() is the only place passwords are compared; it never
// tells a caller whether a failed login named an existing user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "sasl/scram_secrets.hpp"
#include "store/directory_store.hpp"

namespace postino {

struct AccountInfo {
  AccountId id{};
  std::string address;  // canonical
  std::uint64_t quota_bytes = 0;
  AccountStatus status = AccountStatus::active;
};

enum class RecipientKind {
  account,         // a local mailbox
  alias,           // expands to `targets` (one level; callers expand further)
  unknown_user,    // the domain is ours, the user is not
  not_local,       // the domain is not ours
};

struct RecipientResolution {
  RecipientKind kind = RecipientKind::not_local;
  AccountInfo account;               // when kind == account
  std::vector<std::string> targets;  // when kind == alias
};

// What an authenticated account may send (submission, R-OUT2/R-OUT3).
struct SendingPolicy {
  AccountInfo account;
  bool suspended = false;
  std::optional<std::uint64_t> messages_per_hour;    // nullopt: configured default
  std::optional<std::uint64_t> recipients_per_hour;  // nullopt: configured default
  std::vector<std::string> aliases;  // canonical alias addresses whose targets include the account
  std::vector<std::string> granted;  // canonical addresses or "@domain", granted explicitly
};

class Directory {
 public:
  virtual ~Directory() = default;
  virtual Result<bool> is_local_domain(const std::string& domain) = 0;
  // `address` may be in any case; it is canonicalised here.
  virtual Result<RecipientResolution> resolve(const std::string& address) = 0;
  // permission_denied for a wrong password or unknown user (indistinguishable
  // to the caller), disabled for a disabled account with a right password.
  virtual Result<AccountInfo> authenticate(const std::string& address, const std::string& password) = 0;
  virtual Result<AccountInfo> account(const std::string& address) = 0;
  // SCRAM-SHA-256 secrets for a SCRAM login: nullopt for an unknown user, an
  // account without stored secrets or a disabled one (all indistinguishable
  // to the client: the exchange then fails like a wrong password). Errors
  // only for the engine.
  virtual Result<std::optional<sasl::ScramSecrets>> scram_secrets(const std::string& address) = 0;
  // not_found when no account has this address.
  virtual Result<SendingPolicy> sending_policy(const std::string& address) = 0;
};

}  // namespace postino
