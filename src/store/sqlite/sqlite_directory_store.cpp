// SqliteDirectoryStore: SQL for domains, accounts and alias_targets (schema
// in migrations.cpp). Every write is one Writer job; every read one lease.
#include "store/sqlite/sqlite_directory_store.hpp"

#include <limits>
#include <string_view>

#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

constexpr const char* kAccountColumns =
    "SELECT id, address, domain_id, password_hash, quota_bytes, status, created_at, scram_secrets, "
    "sending_suspended, messages_per_hour, recipients_per_hour FROM accounts ";

// The domain of a canonical address: what follows the last '@'.
// An alias may be "@domain" (catch-all); an account never.
enum class AddressUse { account, alias };

Result<std::string> domain_of(const std::string& address, AddressUse use = AddressUse::account) {
  auto at = address.rfind('@');
  if (at == std::string::npos || (at == 0 && use == AddressUse::account) || at + 1 == address.size()) {
    return make_error(Errc::invalid_argument, "'" + address + "' is not an address (local@domain)");
  }
  return address.substr(at + 1);
}

const char* status_text(AccountStatus status) {
  switch (status) {
    case AccountStatus::active: return "active";
    case AccountStatus::disabled: return "disabled";
  }
  return "active";
}

Result<AccountStatus> parse_status(const std::string& text) {
  if (text == "active") return AccountStatus::active;
  if (text == "disabled") return AccountStatus::disabled;
  return make_error(Errc::corrupt_data, "unknown account status '" + text + "'");
}

Result<std::int64_t> checked_bytes(std::uint64_t bytes) {
  if (bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return make_error(Errc::invalid_argument, "quota too large");
  }
  return static_cast<std::int64_t>(bytes);
}

Error domain_not_found(const std::string& name) {
  return make_error(Errc::not_found, "domain " + name + " is not hosted here");
}

Result<DomainRecord> read_domain(Connection& db, const std::string& name) {
  auto q = db.prepare("SELECT id, name, created_at FROM domains WHERE name = ?1");
  if (!q) return q.take_error();
  q->bind_text(1, name);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return domain_not_found(name);
  return DomainRecord{DomainId{q->column_int64(0)}, q->column_text(1), q->column_int64(2)};
}

std::optional<std::uint64_t> optional_count(const Statement& q, int column) {
  if (q.column_is_null(column)) return std::nullopt;
  return static_cast<std::uint64_t>(q.column_int64(column));
}

Result<AccountRecord> account_from_row(const Statement& q) {
  auto status = parse_status(q.column_text(5));
  if (!status) return status.take_error();
  AccountRecord record{AccountId{q.column_int64(0)}, q.column_text(1),  DomainId{q.column_int64(2)},
                       q.column_text(3),             static_cast<std::uint64_t>(q.column_int64(4)),
                       *status,                      q.column_int64(6)};
  record.scram_secrets = q.column_text(7);
  record.sending_suspended = q.column_int64(8) != 0;
  record.messages_per_hour = optional_count(q, 9);
  record.recipients_per_hour = optional_count(q, 10);
  return record;
}

Result<AccountRecord> read_account(Connection& db, const std::string& address) {
  auto q = db.prepare(std::string(kAccountColumns) + "WHERE address = ?1");
  if (!q) return q.take_error();
  q->bind_text(1, address);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, "no account " + address);
  return account_from_row(*q);
}

// True when `sql` (one ?1 parameter) returns a row.
Result<bool> exists(Connection& db, const char* sql, const std::string& key) {
  auto q = db.prepare(sql);
  if (!q) return q.take_error();
  q->bind_text(1, key);
  return q->step();
}

Result<bool> is_account(Connection& db, const std::string& address) {
  return exists(db, "SELECT 1 FROM accounts WHERE address = ?1", address);
}

Result<bool> is_alias(Connection& db, const std::string& address) {
  return exists(db, "SELECT 1 FROM alias_targets WHERE address = ?1 LIMIT 1", address);
}

Result<AliasRecord> read_alias(Connection& db, const std::string& address) {
  auto q = db.prepare("SELECT target FROM alias_targets WHERE address = ?1 ORDER BY position");
  if (!q) return q.take_error();
  q->bind_text(1, address);
  AliasRecord alias{address, {}};
  for (;;) {
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) break;
    alias.targets.push_back(q->column_text(0));
  }
  if (alias.targets.empty()) return make_error(Errc::not_found, "no alias " + address);
  return alias;
}

Status expect_changed(Connection& db, const std::string& what) {
  if (db.changes() == 0) return make_error(Errc::not_found, "no " + what);
  return {};
}

// UPDATE accounts SET <column> = ?1 WHERE address = ?2, with ?1 bound by
// bind_value; not_found when no account has that address.
template <class BindValue>
Status update_account(Writer& writer, const char* sql, const std::string& address, BindValue bind_value) {
  return writer.run<void>([&](Connection& db) -> Status {
    auto q = db.prepare(sql);
    if (!q) return q.take_error();
    bind_value(*q);
    q->bind_text(2, address);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, "account " + address);
  });
}

}  // namespace

Result<DomainRecord> SqliteDirectoryStore::add_domain(const std::string& name) {
  if (name.empty()) return make_error(Errc::invalid_argument, "empty domain name");
  return writer_.run<DomainRecord>([&](Connection& db) -> Result<DomainRecord> {
    auto q = db.prepare("INSERT INTO domains (name, created_at) VALUES (?1, ?2)");
    if (!q) return q.take_error();
    DomainRecord record{{}, name, unix_now_seconds()};
    q->bind_text(1, name).bind_int64(2, record.created_at);
    if (auto s = q->run(); !s) {
      if (s.error().code == Errc::already_exists) return make_error(Errc::already_exists, "domain " + name + " exists");
      return s.take_error();
    }
    record.id = DomainId{db.last_insert_rowid()};
    return record;
  });
}

Result<DomainRecord> SqliteDirectoryStore::find_domain(const std::string& name) {
  return readers_.with([&](Connection& db) { return read_domain(db, name); });
}

Result<std::vector<DomainRecord>> SqliteDirectoryStore::list_domains() {
  return readers_.with([&](Connection& db) -> Result<std::vector<DomainRecord>> {
    auto q = db.prepare("SELECT id, name, created_at FROM domains ORDER BY name");
    if (!q) return q.take_error();
    std::vector<DomainRecord> out;
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return out;
      out.push_back(DomainRecord{DomainId{q->column_int64(0)}, q->column_text(1), q->column_int64(2)});
    }
  });
}

Status SqliteDirectoryStore::delete_domain(const std::string& name) {
  return writer_.run<void>([&](Connection& db) -> Status {
    auto domain = read_domain(db, name);
    if (!domain) return domain.take_error();
    auto id = static_cast<std::int64_t>(domain->id);
    struct Use {
      const char* sql;
      const char* what;
    };
    for (Use use : {Use{"SELECT 1 FROM accounts WHERE domain_id = ?1 LIMIT 1", "accounts"},
                    Use{"SELECT 1 FROM alias_targets WHERE domain_id = ?1 LIMIT 1", "aliases"}}) {
      auto q = db.prepare(use.sql);
      if (!q) return q.take_error();
      q->bind_int64(1, id);
      auto used = q->step();
      if (!used) return used.take_error();
      if (*used) return make_error(Errc::invalid_argument, "domain " + name + " still has " + use.what);
    }
    auto q = db.prepare("DELETE FROM domains WHERE id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, id);
    return q->run();
  });
}

Result<AccountRecord> SqliteDirectoryStore::add_account(const NewAccount& account) {
  auto domain_name = domain_of(account.address);
  if (!domain_name) return domain_name.take_error();
  auto quota = checked_bytes(account.quota_bytes);
  if (!quota) return quota.take_error();
  return writer_.run<AccountRecord>([&](Connection& db) -> Result<AccountRecord> {
    auto domain = read_domain(db, *domain_name);
    if (!domain) return domain.take_error();
    auto alias = is_alias(db, account.address);
    if (!alias) return alias.take_error();
    if (*alias) return make_error(Errc::already_exists, account.address + " is an alias");
    auto q = db.prepare(
        "INSERT INTO accounts (address, domain_id, password_hash, quota_bytes, status, created_at, scram_secrets) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!q) return q.take_error();
    AccountRecord record{{},          account.address, domain->id,       account.password_hash,
                         account.quota_bytes, account.status, unix_now_seconds()};
    record.scram_secrets = account.scram_secrets;
    q->bind_text(1, record.address)
        .bind_int64(2, static_cast<std::int64_t>(record.domain_id))
        .bind_text(3, record.password_hash)
        .bind_int64(4, *quota)
        .bind_text(5, status_text(record.status))
        .bind_int64(6, record.created_at)
        .bind_text(7, record.scram_secrets);
    if (auto s = q->run(); !s) {
      if (s.error().code == Errc::already_exists) return make_error(Errc::already_exists, "account " + record.address + " exists");
      return s.take_error();
    }
    record.id = AccountId{db.last_insert_rowid()};
    return record;
  });
}

Result<AccountRecord> SqliteDirectoryStore::find_account(const std::string& address) {
  return readers_.with([&](Connection& db) { return read_account(db, address); });
}

Result<std::vector<AccountRecord>> SqliteDirectoryStore::list_accounts(const std::optional<std::string>& domain) {
  return readers_.with([&](Connection& db) -> Result<std::vector<AccountRecord>> {
    // Two statements must agree (the domain exists, its accounts): one snapshot.
    if (auto s = db.exec("BEGIN"); !s) return s.take_error();
    auto body = [&]() -> Result<std::vector<AccountRecord>> {
      std::optional<std::int64_t> domain_id;
      if (domain) {
        auto record = read_domain(db, *domain);
        if (!record) return record.take_error();
        domain_id = static_cast<std::int64_t>(record->id);
      }
      auto q = domain_id ? db.prepare(std::string(kAccountColumns) + "WHERE domain_id = ?1 ORDER BY address")
                         : db.prepare(std::string(kAccountColumns) + "ORDER BY address");
      if (!q) return q.take_error();
      if (domain_id) q->bind_int64(1, *domain_id);
      std::vector<AccountRecord> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        auto account = account_from_row(*q);
        if (!account) return account.take_error();
        out.push_back(std::move(*account));
      }
    };
    auto out = body();
    (void)db.exec("COMMIT");
    return out;
  });
}

Status SqliteDirectoryStore::delete_account(const std::string& address) {
  return writer_.run<void>([&](Connection& db) -> Status {
    auto q = db.prepare("DELETE FROM accounts WHERE address = ?1");
    if (!q) return q.take_error();
    q->bind_text(1, address);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, "account " + address);
  });
}

Status SqliteDirectoryStore::set_password_hash(const std::string& address, const std::string& password_hash) {
  return update_account(writer_, "UPDATE accounts SET password_hash = ?1 WHERE address = ?2", address,
                        [&](Statement& q) { q.bind_text(1, password_hash); });
}

Status SqliteDirectoryStore::set_quota(const std::string& address, std::uint64_t quota_bytes) {
  auto quota = checked_bytes(quota_bytes);
  if (!quota) return quota.take_error();
  return update_account(writer_, "UPDATE accounts SET quota_bytes = ?1 WHERE address = ?2", address,
                        [&](Statement& q) { q.bind_int64(1, *quota); });
}

Status SqliteDirectoryStore::set_status(const std::string& address, AccountStatus status) {
  return update_account(writer_, "UPDATE accounts SET status = ?1 WHERE address = ?2", address,
                        [&](Statement& q) { q.bind_text(1, status_text(status)); });
}

Status SqliteDirectoryStore::set_credentials(const std::string& address, const std::string& password_hash,
                                             const std::string& scram_secrets) {
  return writer_.run<void>([&](Connection& db) -> Status {
    auto q = db.prepare("UPDATE accounts SET password_hash = ?1, scram_secrets = ?2 WHERE address = ?3");
    if (!q) return q.take_error();
    q->bind_text(1, password_hash).bind_text(2, scram_secrets).bind_text(3, address);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, "account " + address);
  });
}

Status SqliteDirectoryStore::set_sending_suspended(const std::string& address, bool suspended) {
  return update_account(writer_, "UPDATE accounts SET sending_suspended = ?1 WHERE address = ?2", address,
                        [&](Statement& q) { q.bind_int64(1, suspended ? 1 : 0); });
}

Status SqliteDirectoryStore::set_send_limits(const std::string& address, std::optional<std::uint64_t> messages_per_hour,
                                             std::optional<std::uint64_t> recipients_per_hour) {
  std::optional<std::int64_t> messages, recipients;
  if (messages_per_hour) {
    auto checked = checked_bytes(*messages_per_hour);
    if (!checked) return make_error(Errc::invalid_argument, "messages per hour too large");
    messages = *checked;
  }
  if (recipients_per_hour) {
    auto checked = checked_bytes(*recipients_per_hour);
    if (!checked) return make_error(Errc::invalid_argument, "recipients per hour too large");
    recipients = *checked;
  }
  return writer_.run<void>([&](Connection& db) -> Status {
    auto q = db.prepare("UPDATE accounts SET messages_per_hour = ?1, recipients_per_hour = ?2 WHERE address = ?3");
    if (!q) return q.take_error();
    if (messages) q->bind_int64(1, *messages); else q->bind_null(1);
    if (recipients) q->bind_int64(2, *recipients); else q->bind_null(2);
    q->bind_text(3, address);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, "account " + address);
  });
}

Status SqliteDirectoryStore::add_sender_grant(const std::string& account, const std::string& sender) {
  if (sender.empty()) return make_error(Errc::invalid_argument, "empty sender address");
  return writer_.run<void>([&](Connection& db) -> Status {
    auto record = read_account(db, account);
    if (!record) return record.take_error();
    auto q = db.prepare(
        "INSERT INTO sender_grants (account_id, sender, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (account_id, sender) DO NOTHING");
    if (!q) return q.take_error();
    q->bind_int64(1, static_cast<std::int64_t>(record->id)).bind_text(2, sender).bind_int64(3, unix_now_seconds());
    return q->run();
  });
}

Status SqliteDirectoryStore::delete_sender_grant(const std::string& account, const std::string& sender) {
  return writer_.run<void>([&](Connection& db) -> Status {
    auto record = read_account(db, account);
    if (!record) return record.take_error();
    auto q = db.prepare("DELETE FROM sender_grants WHERE account_id = ?1 AND sender = ?2");
    if (!q) return q.take_error();
    q->bind_int64(1, static_cast<std::int64_t>(record->id)).bind_text(2, sender);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, "sender " + sender + " granted to " + account);
  });
}

Result<std::vector<std::string>> SqliteDirectoryStore::list_sender_grants(const std::string& account) {
  return readers_.with([&](Connection& db) -> Result<std::vector<std::string>> {
    if (auto s = db.exec("BEGIN"); !s) return s.take_error();
    auto body = [&]() -> Result<std::vector<std::string>> {
      auto record = read_account(db, account);
      if (!record) return record.take_error();
      auto q = db.prepare("SELECT sender FROM sender_grants WHERE account_id = ?1 ORDER BY sender");
      if (!q) return q.take_error();
      q->bind_int64(1, static_cast<std::int64_t>(record->id));
      std::vector<std::string> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        out.push_back(q->column_text(0));
      }
    };
    auto out = body();
    (void)db.exec("COMMIT");
    return out;
  });
}

Result<std::vector<std::string>> SqliteDirectoryStore::aliases_targeting(const std::string& target) {
  return readers_.with([&](Connection& db) -> Result<std::vector<std::string>> {
    auto q = db.prepare("SELECT address FROM alias_targets WHERE target = ?1 ORDER BY address");
    if (!q) return q.take_error();
    q->bind_text(1, target);
    std::vector<std::string> out;
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return out;
      out.push_back(q->column_text(0));
    }
  });
}

Result<AliasRecord> SqliteDirectoryStore::add_alias_targets(const std::string& address,
                                                            const std::vector<std::string>& targets) {
  auto domain_name = domain_of(address, AddressUse::alias);
  if (!domain_name) return domain_name.take_error();
  if (targets.empty()) return make_error(Errc::invalid_argument, "an alias needs at least one target");
  for (const auto& target : targets) {
    if (target.empty()) return make_error(Errc::invalid_argument, "empty alias target");
    if (target == address) return make_error(Errc::invalid_argument, "alias " + address + " cannot target itself");
  }
  return writer_.run<AliasRecord>([&](Connection& db) -> Result<AliasRecord> {
    auto domain = read_domain(db, *domain_name);
    if (!domain) return domain.take_error();
    auto account = is_account(db, address);
    if (!account) return account.take_error();
    if (*account) return make_error(Errc::already_exists, address + " is an account");
    // Appends after the current last position; a target already present
    // keeps its place (ON CONFLICT DO NOTHING), duplicates in `targets` too.
    auto q = db.prepare(
        "INSERT INTO alias_targets (address, domain_id, target, position) "
        "VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM alias_targets WHERE address = ?1)) "
        "ON CONFLICT (address, target) DO NOTHING");
    if (!q) return q.take_error();
    for (const auto& target : targets) {
      q->bind_text(1, address).bind_int64(2, static_cast<std::int64_t>(domain->id)).bind_text(3, target);
      if (auto s = q->run(); !s) return s.take_error();
    }
    return read_alias(db, address);
  });
}

Result<AliasRecord> SqliteDirectoryStore::find_alias(const std::string& address) {
  return readers_.with([&](Connection& db) { return read_alias(db, address); });
}

Result<std::vector<AliasRecord>> SqliteDirectoryStore::list_aliases(const std::optional<std::string>& domain) {
  return readers_.with([&](Connection& db) -> Result<std::vector<AliasRecord>> {
    if (auto s = db.exec("BEGIN"); !s) return s.take_error();
    auto body = [&]() -> Result<std::vector<AliasRecord>> {
      std::optional<std::int64_t> domain_id;
      if (domain) {
        auto record = read_domain(db, *domain);
        if (!record) return record.take_error();
        domain_id = static_cast<std::int64_t>(record->id);
      }
      auto q = domain_id ? db.prepare("SELECT address, target FROM alias_targets WHERE domain_id = ?1 "
                                      "ORDER BY address, position")
                         : db.prepare("SELECT address, target FROM alias_targets ORDER BY address, position");
      if (!q) return q.take_error();
      if (domain_id) q->bind_int64(1, *domain_id);
      std::vector<AliasRecord> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        std::string address = q->column_text(0);
        if (out.empty() || out.back().address != address) out.push_back(AliasRecord{std::move(address), {}});
        out.back().targets.push_back(q->column_text(1));
      }
    };
    auto out = body();
    (void)db.exec("COMMIT");
    return out;
  });
}

Status SqliteDirectoryStore::delete_alias(const std::string& address, const std::optional<std::string>& target) {
  return writer_.run<void>([&](Connection& db) -> Status {
    auto q = target ? db.prepare("DELETE FROM alias_targets WHERE address = ?1 AND target = ?2")
                    : db.prepare("DELETE FROM alias_targets WHERE address = ?1");
    if (!q) return q.take_error();
    q->bind_text(1, address);
    if (target) q->bind_text(2, *target);
    if (auto s = q->run(); !s) return s;
    return expect_changed(db, target ? "target " + *target + " in alias " + address : "alias " + address);
  });
}

}  // namespace postino::sqlite
