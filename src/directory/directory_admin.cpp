// DirectoryAdmin: validation and messages for directory management; the
// store below stores what it is given. Each change is logged as one
// `directory_change` event (never with a password or hash).
#include "directory/directory_admin.hpp"

#include <utility>

#include "common/address.hpp"
#include "common/log.hpp"
#include "common/units.hpp"
#include "directory/password_hash.hpp"
#include "sasl/scram_secrets.hpp"

namespace postino {
namespace {

// One alias fanning out further is a mailing list's job.
constexpr std::size_t kMaxAliasTargets = 1000;

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

// Keeps the store's code but replaces its message with one for humans.
Error with_message(const Error& error, std::string message) { return make_error(error.code, std::move(message)); }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

Result<std::string> changed(std::string_view action, const std::string& object, std::string message) {
  log::info("directory_change", {{"action", action}, {"object", object}});
  return message;
}

UserView to_view(const AccountRecord& record) {
  UserView view{record.id, record.address, record.quota_bytes, record.status, record.created_at,
                password_scheme_name(record.password_hash)};
  view.scram = !record.scram_secrets.empty();
  view.sending_suspended = record.sending_suspended;
  view.messages_per_hour = record.messages_per_hour;
  view.recipients_per_hour = record.recipients_per_hour;
  return view;
}

}  // namespace

const char* account_status_name(AccountStatus status) {
  switch (status) {
    case AccountStatus::active: return "active";
    case AccountStatus::disabled: return "disabled";
  }
  return "unknown";
}

DirectoryAdmin::DirectoryAdmin(DirectoryStore& store, DirectorySettings settings) : store_(store), settings_(settings) {}

// ---- validation helpers -------------------------------------------------------

Result<std::string> DirectoryAdmin::hosted_domain(std::string_view text) {
  auto name = parse_domain(text);
  if (!name) return invalid("invalid domain " + quoted(text) + ": " + name.error().message);
  auto found = store_.find_domain(*name);
  if (found) return std::move(*name);
  if (found.error().code == Errc::not_found) return with_message(found.error(), "domain " + *name + " is not hosted here");
  return found.take_error();
}

Result<std::string> DirectoryAdmin::user_key(std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return invalid("invalid address " + quoted(address) + ": " + parsed.error().message);
  auto domain = hosted_domain(parsed->domain);
  if (!domain) return domain.take_error();
  return parsed->canonical();
}

Result<std::string> DirectoryAdmin::existing_user(std::string_view address) {
  auto key = user_key(address);
  if (!key) return key;
  auto found = store_.find_account(*key);
  if (found) return key;
  if (found.error().code == Errc::not_found) return with_message(found.error(), "user " + *key + " does not exist");
  return found.take_error();
}

Result<std::string> DirectoryAdmin::alias_key(std::string_view address) {
  if (address.empty() || address.front() != '@') return user_key(address);
  auto domain = hosted_domain(address.substr(1));  // catch-all
  if (!domain) return domain;
  return "@" + *domain;
}

Result<std::string> DirectoryAdmin::target_key(std::string_view target) {
  auto parsed = parse_address(target);
  if (!parsed) return invalid("invalid target " + quoted(target) + ": " + parsed.error().message);
  auto local = store_.find_domain(parsed->domain);
  if (local) return parsed->canonical();
  // External: the remote server owns its local parts' case (RFC 5321 2.4).
  if (local.error().code == Errc::not_found) return parsed->str();
  return local.take_error();
}

Result<std::string> DirectoryAdmin::hash_new_password(std::string_view password) {
  auto hashed = hash_password(password, settings_.password_scheme);
  if (!hashed && hashed.error().code == Errc::invalid_argument) return invalid("bad password: " + hashed.error().message);
  return hashed;
}

// SCRAM-SHA-256 secrets stored beside the hash, so SCRAM logins work for
// every password set from now on.
Result<std::string> DirectoryAdmin::scram_for_new_password(std::string_view password) {
  auto secrets = sasl::scram_secrets_from_password(password);
  if (!secrets) return invalid("bad password: " + secrets.error().message);
  return sasl::format_scram_secrets(*secrets);
}

// A sender grant: an address (canonical) or "@domain", hosted here or not.
Result<std::string> DirectoryAdmin::sender_key(std::string_view sender) {
  if (!sender.empty() && sender.front() == '@') {
    auto domain = parse_domain(sender.substr(1));
    if (!domain) return invalid("invalid domain " + quoted(sender.substr(1)) + ": " + domain.error().message);
    return "@" + *domain;
  }
  auto parsed = parse_address(sender);
  if (!parsed) return invalid("invalid sender " + quoted(sender) + ": " + parsed.error().message);
  return parsed->canonical();
}

// ---- domains --------------------------------------------------------------------

Result<std::string> DirectoryAdmin::add_domain(std::string_view domain) {
  auto name = parse_domain(domain);
  if (!name) return invalid("invalid domain " + quoted(domain) + ": " + name.error().message);
  auto added = store_.add_domain(*name);
  if (!added) {
    if (added.error().code == Errc::already_exists) return with_message(added.error(), "domain " + *name + " is already hosted here");
    return added.take_error();
  }
  return changed("domain_add", *name, "domain " + *name + " added");
}

Result<std::string> DirectoryAdmin::delete_domain(std::string_view domain) {
  auto name = hosted_domain(domain);
  if (!name) return name;
  auto deleted = store_.delete_domain(*name);
  if (!deleted) {
    const Error& error = deleted.error();
    if (error.code == Errc::not_found) return with_message(error, "domain " + *name + " is not hosted here");
    if (error.code == Errc::invalid_argument) {
      return with_message(error, "domain " + *name + " still has users or aliases; delete them first");
    }
    return deleted.take_error();
  }
  return changed("domain_delete", *name, "domain " + *name + " deleted");
}

Result<std::vector<DomainRecord>> DirectoryAdmin::list_domains() { return store_.list_domains(); }

// ---- users ----------------------------------------------------------------------

Result<std::string> DirectoryAdmin::add_user(std::string_view address, std::string_view password,
                                             std::optional<std::uint64_t> quota_bytes) {
  auto key = user_key(address);
  if (!key) return key;
  // Cheap checks first: hashing costs tens of milliseconds.
  if (auto account = store_.find_account(*key); account) return make_error(Errc::already_exists, "user " + *key + " already exists");
  else if (account.error().code != Errc::not_found) return account.take_error();
  if (auto alias = store_.find_alias(*key); alias) {
    return make_error(Errc::already_exists, *key + " is an alias; delete the alias first");
  } else if (alias.error().code != Errc::not_found) {
    return alias.take_error();
  }
  auto hash = hash_new_password(password);
  if (!hash) return hash;
  auto scram = scram_for_new_password(password);
  if (!scram) return scram;

  NewAccount account{*key, std::move(*hash), quota_bytes.value_or(settings_.default_quota_bytes), AccountStatus::active,
                     std::move(*scram)};
  auto added = store_.add_account(account);
  if (!added) {
    if (added.error().code == Errc::already_exists) return with_message(added.error(), "user " + *key + " already exists");
    return added.take_error();
  }
  return changed("user_add", *key, "user " + *key + " added (quota " + format_size_bytes(added->quota_bytes) + ")");
}

Result<std::string> DirectoryAdmin::delete_user(std::string_view address) {
  auto key = existing_user(address);
  if (!key) return key;
  if (auto deleted = store_.delete_account(*key); !deleted) return deleted.take_error();
  return changed("user_delete", *key, "user " + *key + " deleted");
}

Result<std::string> DirectoryAdmin::set_password(std::string_view address, std::string_view password) {
  auto key = existing_user(address);
  if (!key) return key;
  auto hash = hash_new_password(password);
  if (!hash) return hash;
  auto scram = scram_for_new_password(password);
  if (!scram) return scram;
  if (auto stored = store_.set_credentials(*key, *hash, *scram); !stored) return stored.take_error();
  return changed("user_password", *key, "password of " + *key + " changed");
}

Result<std::string> DirectoryAdmin::set_quota(std::string_view address, std::uint64_t quota_bytes) {
  auto key = existing_user(address);
  if (!key) return key;
  if (auto stored = store_.set_quota(*key, quota_bytes); !stored) return stored.take_error();
  return changed("user_quota", *key, "quota of " + *key + " set to " + format_size_bytes(quota_bytes));
}

Result<std::string> DirectoryAdmin::set_status(std::string_view address, AccountStatus status) {
  auto key = existing_user(address);
  if (!key) return key;
  if (auto stored = store_.set_status(*key, status); !stored) return stored.take_error();
  return changed("user_status", *key, "user " + *key + " is now " + account_status_name(status));
}

Result<std::string> DirectoryAdmin::set_sending_suspended(std::string_view address, bool suspended) {
  auto key = existing_user(address);
  if (!key) return key;
  if (auto stored = store_.set_sending_suspended(*key, suspended); !stored) return stored.take_error();
  return changed(suspended ? "user_suspend_sending" : "user_resume_sending", *key,
                 suspended ? "sending suspended for " + *key : "sending resumed for " + *key);
}

Result<std::string> DirectoryAdmin::set_send_limits(std::string_view address, SendLimitChange messages_per_hour,
                                                    SendLimitChange recipients_per_hour) {
  auto key = existing_user(address);
  if (!key) return key;
  auto found = store_.find_account(*key);
  if (!found) return found.take_error();
  auto apply = [](const SendLimitChange& change, std::optional<std::uint64_t> current) {
    if (change.reset) return std::optional<std::uint64_t>();
    return change.value ? change.value : current;
  };
  auto messages = apply(messages_per_hour, found->messages_per_hour);
  auto recipients = apply(recipients_per_hour, found->recipients_per_hour);
  if (auto stored = store_.set_send_limits(*key, messages, recipients); !stored) return stored.take_error();
  auto describe = [](std::optional<std::uint64_t> limit) {
    if (!limit) return std::string("default");
    return *limit == 0 ? std::string("unlimited") : std::to_string(*limit);
  };
  return changed("user_send_limits", *key,
                 "send limits of " + *key + ": messages per hour " + describe(messages) + ", recipients per hour " +
                     describe(recipients));
}

Result<std::string> DirectoryAdmin::grant_sender(std::string_view address, std::string_view sender) {
  auto key = existing_user(address);
  if (!key) return key;
  auto grant = sender_key(sender);
  if (!grant) return grant;
  if (auto stored = store_.add_sender_grant(*key, *grant); !stored) return stored.take_error();
  return changed("user_grant_sender", *key, *key + " may now send as " + *grant);
}

Result<std::string> DirectoryAdmin::revoke_sender(std::string_view address, std::string_view sender) {
  auto key = existing_user(address);
  if (!key) return key;
  auto grant = sender_key(sender);
  if (!grant) return grant;
  if (auto stored = store_.delete_sender_grant(*key, *grant); !stored) {
    if (stored.error().code == Errc::not_found) return with_message(stored.error(), *key + " has no grant for " + *grant);
    return stored.take_error();
  }
  return changed("user_revoke_sender", *key, *key + " may no longer send as " + *grant);
}

Result<UserView> DirectoryAdmin::show_user(std::string_view address) {
  auto key = user_key(address);
  if (!key) return key.take_error();
  auto found = store_.find_account(*key);
  if (!found) {
    if (found.error().code == Errc::not_found) return with_message(found.error(), "user " + *key + " does not exist");
    return found.take_error();
  }
  UserView view = to_view(*found);
  auto grants = store_.list_sender_grants(*key);
  if (!grants) return grants.take_error();
  view.granted_senders = std::move(*grants);
  return view;
}

Result<std::vector<UserView>> DirectoryAdmin::list_users(std::optional<std::string_view> domain) {
  std::optional<std::string> name;
  if (domain) {
    auto hosted = hosted_domain(*domain);
    if (!hosted) return hosted.take_error();
    name = std::move(*hosted);
  }
  auto accounts = store_.list_accounts(name);
  if (!accounts) return accounts.take_error();
  std::vector<UserView> out;
  out.reserve(accounts->size());
  for (const auto& record : *accounts) out.push_back(to_view(record));
  return out;
}

// ---- aliases --------------------------------------------------------------------

Result<std::string> DirectoryAdmin::add_alias(std::string_view address, const std::vector<std::string>& targets) {
  auto alias = alias_key(address);
  if (!alias) return alias;
  const std::string& key = *alias;
  if (targets.empty()) return invalid("alias " + key + " needs at least one target");
  if (targets.size() > kMaxAliasTargets) {
    return invalid("alias " + key + " has more than " + std::to_string(kMaxAliasTargets) + " targets; use a mailing list");
  }
  if (auto account = store_.find_account(key); account) {
    return make_error(Errc::already_exists, key + " is a user; an alias may not shadow it");
  } else if (account.error().code != Errc::not_found) {
    return account.take_error();
  }

  std::vector<std::string> keys;
  keys.reserve(targets.size());
  for (const auto& target : targets) {
    auto target_canonical = target_key(target);
    if (!target_canonical) return target_canonical;
    if (*target_canonical == key) return invalid("alias " + key + " cannot point to itself");
    keys.push_back(std::move(*target_canonical));
  }
  auto stored = store_.add_alias_targets(key, keys);
  if (!stored) {
    if (stored.error().code == Errc::already_exists) {
      return with_message(stored.error(), key + " is a user; an alias may not shadow it");
    }
    return stored.take_error();
  }
  std::string list;
  for (const auto& target : stored->targets) list += (list.empty() ? "" : ", ") + target;
  return changed("alias_add", key, "alias " + key + " -> " + list);
}

Result<std::vector<AliasRecord>> DirectoryAdmin::list_aliases(std::optional<std::string_view> domain) {
  std::optional<std::string> name;
  if (domain) {
    auto hosted = hosted_domain(*domain);
    if (!hosted) return hosted.take_error();
    name = std::move(*hosted);
  }
  return store_.list_aliases(name);
}

Result<std::string> DirectoryAdmin::delete_alias(std::string_view address, std::optional<std::string_view> target) {
  auto alias = alias_key(address);
  if (!alias) return alias;
  const std::string& key = *alias;
  auto found = store_.find_alias(key);
  if (!found) {
    if (found.error().code == Errc::not_found) return with_message(found.error(), "alias " + key + " does not exist");
    return found.take_error();
  }
  std::optional<std::string> target_canonical;
  if (target) {
    auto parsed = target_key(*target);
    if (!parsed) return parsed;
    target_canonical = std::move(*parsed);
  }
  auto deleted = store_.delete_alias(key, target_canonical);
  if (!deleted) {
    if (deleted.error().code == Errc::not_found && target_canonical) {
      return with_message(deleted.error(), "alias " + key + " has no target " + *target_canonical);
    }
    return deleted.take_error();
  }
  if (target_canonical) return changed("alias_delete_target", key, "target " + *target_canonical + " removed from alias " + key);
  return changed("alias_delete", key, "alias " + key + " deleted");
}

}  // namespace postino
