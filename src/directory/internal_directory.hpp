// InternalDirectory: the Directory backend over the metadata store's own
// tables (the embedded default). Canonicalises addresses, expands nothing
// beyond one alias level, and resolves "@domain" catch-all aliases.
// Security: authenticate() costs the same hash work for unknown users as for
// known ones, and reports a disabled account only after a correct password.
#pragma once

#include <string>

#include "directory/directory.hpp"
#include "directory/directory_settings.hpp"
#include "store/directory_store.hpp"

namespace postino {

class InternalDirectory : public Directory {
 public:
  // `store` must outlive this object.
  InternalDirectory(DirectoryStore& store, DirectorySettings settings);

  // False (not an error) for a malformed domain: it cannot be ours.
  Result<bool> is_local_domain(const std::string& domain) override;
  // invalid_argument for an unparsable address; engine errors pass through.
  Result<RecipientResolution> resolve(const std::string& address) override;
  Result<AccountInfo> authenticate(const std::string& address, const std::string& password) override;
  // not_found when no account has this address (aliases are not accounts).
  Result<AccountInfo> account(const std::string& address) override;
  Result<std::optional<sasl::ScramSecrets>> scram_secrets(const std::string& address) override;
  Result<SendingPolicy> sending_policy(const std::string& address) override;

 private:
  // Burns the same hash work as a real check, so a miss is not faster.
  void dummy_verify(const std::string& password) const;

  DirectoryStore& store_;
  DirectorySettings settings_;
};

// The AccountInfo view of a stored account (no password hash).
AccountInfo to_account_info(const AccountRecord& record);

}  // namespace postino
