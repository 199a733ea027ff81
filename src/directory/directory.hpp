// Directory: who exists and how they log in. Resolves recipients (account,
// alias with one or many targets, unknown), authenticates, and reads account
// attributes. Backends: internal (tables in the metadata store, the default)
// and, later, LDAP; both must pass the same conformance suite.
// Contract: thread-safe and blocking (call from the blocking pool).
// Security: authenticate() is the only place passwords are compared; it never
// tells a caller whether a failed login named an existing user.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
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
};

}  // namespace postino
