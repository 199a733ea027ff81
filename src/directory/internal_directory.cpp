// InternalDirectory: recipient resolution and password logins over
// DirectoryStore. Order of resolution: account, alias, "@domain" catch-all.
// Security: never logs passwords; unusable stored hashes are logged by scheme
// name only.
#include "directory/internal_directory.hpp"

#include <string_view>
#include <utility>

#include "common/address.hpp"
#include "common/log.hpp"
#include "directory/password_hash.hpp"

namespace postino {
namespace {

// Hashes of a random string nobody knows, at the configured schemes' costs:
// checked against when the user does not exist so timing reveals nothing.
constexpr std::string_view kDummyYescrypt =
    "{YESCRYPT}$y$j9T$UcHJ/ivB4OdKkXtISUH.R/$Q9/ijP7MtY7WCnsPfSGOdiThXj15fCNuZfV7K2DejJ3";
constexpr std::string_view kDummyArgon2id =
    "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$QwmkTuAVAEqmlcORi3pGIg$/uVGGVElwy6eRjWD8GULESwDKwU7MSIHNWs9ZKAHhNk";

Error auth_failed() { return make_error(Errc::permission_denied, "authentication failed"); }

}  // namespace

AccountInfo to_account_info(const AccountRecord& record) {
  return AccountInfo{record.id, record.address, record.quota_bytes, record.status};
}

InternalDirectory::InternalDirectory(DirectoryStore& store, DirectorySettings settings)
    : store_(store), settings_(settings) {}

Result<bool> InternalDirectory::is_local_domain(const std::string& domain) {
  auto name = parse_domain(domain);
  if (!name) return false;
  auto found = store_.find_domain(*name);
  if (found) return true;
  if (found.error().code == Errc::not_found) return false;
  return found.take_error();
}

Result<RecipientResolution> InternalDirectory::resolve(const std::string& address) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.take_error();
  const std::string key = parsed->canonical();

  auto local = is_local_domain(parsed->domain);
  if (!local) return local.take_error();
  if (!*local) return RecipientResolution{RecipientKind::not_local, {}, {}};

  auto account = store_.find_account(key);
  if (account) return RecipientResolution{RecipientKind::account, to_account_info(*account), {}};
  if (account.error().code != Errc::not_found) return account.take_error();

  for (const std::string& alias_key : {key, "@" + parsed->domain}) {
    auto alias = store_.find_alias(alias_key);
    if (alias) return RecipientResolution{RecipientKind::alias, {}, std::move(alias->targets)};
    if (alias.error().code != Errc::not_found) return alias.take_error();
  }
  return RecipientResolution{RecipientKind::unknown_user, {}, {}};
}

Result<AccountInfo> InternalDirectory::authenticate(const std::string& address, const std::string& password) {
  auto parsed = parse_address(address);
  if (!parsed) {
    dummy_verify(password);
    return auth_failed();
  }
  auto account = store_.find_account(parsed->canonical());
  if (!account) {
    if (account.error().code != Errc::not_found) return account.take_error();
    dummy_verify(password);
    return auth_failed();
  }

  PasswordCheck check = check_password(password, account->password_hash);
  if (check != PasswordCheck::match) {
    if (check != PasswordCheck::mismatch) {
      const char* reason = check == PasswordCheck::refused_scheme   ? "cleartext scheme refused"
                           : check == PasswordCheck::unknown_scheme ? "unknown scheme"
                                                                    : "malformed hash";
      log::warn("password_hash_unusable",
                {{"user", account->address}, {"scheme", password_scheme_name(account->password_hash)}, {"reason", reason}});
    }
    return auth_failed();
  }
  if (account->status == AccountStatus::disabled) return make_error(Errc::disabled, "account is disabled");
  return to_account_info(*account);
}

Result<AccountInfo> InternalDirectory::account(const std::string& address) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.take_error();
  auto account = store_.find_account(parsed->canonical());
  if (!account) {
    if (account.error().code == Errc::not_found) return make_error(Errc::not_found, "no account " + parsed->canonical());
    return account.take_error();
  }
  return to_account_info(*account);
}

Result<std::optional<sasl::ScramSecrets>> InternalDirectory::scram_secrets(const std::string& address) {
  auto parsed = parse_address(address);
  if (!parsed) return std::optional<sasl::ScramSecrets>();
  auto account = store_.find_account(parsed->canonical());
  if (!account) {
    if (account.error().code != Errc::not_found) return account.take_error();
    return std::optional<sasl::ScramSecrets>();
  }
  if (account->status == AccountStatus::disabled || account->scram_secrets.empty()) {
    return std::optional<sasl::ScramSecrets>();
  }
  auto secrets = sasl::parse_scram_secrets(account->scram_secrets);
  if (!secrets) {
    log::warn("scram_secrets_unusable", {{"user", account->address}, {"reason", secrets.error().message}});
    return std::optional<sasl::ScramSecrets>();
  }
  return std::optional<sasl::ScramSecrets>(std::move(*secrets));
}

Result<SendingPolicy> InternalDirectory::sending_policy(const std::string& address) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.take_error();
  auto account = store_.find_account(parsed->canonical());
  if (!account) {
    if (account.error().code == Errc::not_found) return make_error(Errc::not_found, "no account " + parsed->canonical());
    return account.take_error();
  }
  SendingPolicy policy;
  policy.account = to_account_info(*account);
  policy.suspended = account->sending_suspended;
  policy.messages_per_hour = account->messages_per_hour;
  policy.recipients_per_hour = account->recipients_per_hour;
  auto aliases = store_.aliases_targeting(account->address);
  if (!aliases) return aliases.take_error();
  policy.aliases = std::move(*aliases);
  auto granted = store_.list_sender_grants(account->address);
  if (!granted) return granted.take_error();
  policy.granted = std::move(*granted);
  return policy;
}

void InternalDirectory::dummy_verify(const std::string& password) const {
  std::string_view dummy = settings_.password_scheme == PasswordScheme::argon2id ? kDummyArgon2id : kDummyYescrypt;
  (void)verify_password(password, dummy);
}

}  // namespace postino
