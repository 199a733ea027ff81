// SqliteMailboxStore: mailbox administration (CREATE, DELETE, RENAME: RFC
// 9051 6.3.4-6.3.6), subscriptions (6.3.7-6.3.8), STATUS counters (6.3.11)
// and \Recent claims (RFC 3501 2.3.2). Names come from clients and are
// validated (sqlite_mailbox_rows.cpp) before they are stored.
#include <algorithm>

#include "store/sqlite/sqlite_mailbox_rows.hpp"
#include "store/sqlite/sqlite_mailbox_store.hpp"

namespace postino::sqlite {
namespace {

using rows::sql;

Status status_of(Result<bool> done) {
  if (!done) return done.take_error();
  return {};
}

bool is_inbox(const std::string& canonical) { return canonical == kInboxName; }

Status check_account(Connection& db, AccountId account) {
  auto exists = rows::account_exists(db, account);
  if (!exists) return exists.take_error();
  if (!*exists) return rows::no_account(account);
  return {};
}

// Names equal to `name` or under it ("name/..."): the half-open byte range
// [name + "/", name + "0") holds exactly the children, since '0' follows '/'.
struct Subtree {
  std::string first;
  std::string end;
};
Subtree subtree_of(const std::string& name) { return {name + "/", name + "0"}; }

struct Renamed {
  std::int64_t id;
  std::string to;
};

// RFC 9051 6.3.6: renaming INBOX moves its messages into a new mailbox and
// leaves INBOX, empty, in place; INBOX's children are unaffected.
Status rename_inbox(Connection& db, AccountId account, const std::string& to) {
  auto inbox = rows::counters_by_name(db, account, kInboxName);
  if (!inbox) return inbox.take_error();
  if (!*inbox) return make_error(Errc::not_found, "no INBOX for account " + rows::account_text(account));
  auto created = rows::create_mailbox_with_parents(db, account, to, "");
  if (!created) return created.take_error();
  auto moved = rows::copy_rows(db, (*inbox)->id, nullptr, created->id, 0, true);
  if (!moved) return moved.take_error();
  return {};
}

Status rename_subscriptions(Connection& db, AccountId account, const std::string& from, const std::string& to) {
  const Subtree children = subtree_of(from);
  std::vector<std::string> names;
  {
    auto q = db.prepare(
        "SELECT name FROM subscriptions WHERE account_id = ?1 AND (name = ?2 OR (name >= ?3 AND name < ?4))");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(account)).bind_text(2, from).bind_text(3, children.first).bind_text(4, children.end);
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      names.push_back(q->column_text(0));
    }
  }
  for (const std::string& name : names) {
    auto drop = db.prepare("DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
    if (!drop) return drop.take_error();
    drop->bind_int64(1, sql(account)).bind_text(2, name);
    if (auto s = drop->run(); !s) return s;
    auto add = db.prepare("INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?1, ?2)");
    if (!add) return add.take_error();
    add->bind_int64(1, sql(account)).bind_text(2, to + name.substr(from.size()));
    if (auto s = add->run(); !s) return s;
  }
  return {};
}

Status rename(Connection& db, AccountId account, const std::string& from, const std::string& to) {
  if (auto s = check_account(db, account); !s) return s;
  if (is_inbox(to)) return make_error(Errc::already_exists, "INBOX always exists");
  if (is_inbox(from)) return rename_inbox(db, account, to);
  auto source = rows::counters_by_name(db, account, from);
  if (!source) return source.take_error();
  if (!*source) return make_error(Errc::not_found, "no mailbox " + from + " for account " + rows::account_text(account));
  if (to.size() > from.size() && to.compare(0, from.size() + 1, from + "/") == 0) {
    return make_error(Errc::invalid_argument, "a mailbox cannot be renamed under itself");
  }

  // The mailbox and its children, with their new names.
  std::vector<Renamed> renamed{{sql((*source)->id), to}};
  {
    const Subtree children = subtree_of(from);
    auto q = db.prepare("SELECT id, name FROM mailboxes WHERE account_id = ?1 AND name >= ?2 AND name < ?3");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(account)).bind_text(2, children.first).bind_text(3, children.end);
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      renamed.push_back({q->column_int64(0), to + q->column_text(1).substr(from.size())});
    }
  }
  for (const Renamed& r : renamed) {
    if (auto valid = rows::validate_mailbox_name(r.to); !valid) return valid;
    auto taken = rows::counters_by_name(db, account, r.to);
    if (!taken) return taken.take_error();
    if (*taken) return make_error(Errc::already_exists, "mailbox " + r.to + " exists");
  }
  for (const Renamed& r : renamed) {
    auto q = db.prepare("UPDATE mailboxes SET name = ?2 WHERE id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, r.id).bind_text(2, r.to);
    if (auto s = q->run(); !s) return s;
  }
  // RFC 9051 6.3.6: superior names the new name needs are created.
  for (std::size_t slash = to.find('/'); slash != std::string::npos; slash = to.find('/', slash + 1)) {
    std::string parent = to.substr(0, slash);
    auto has = rows::counters_by_name(db, account, parent);
    if (!has) return has.take_error();
    if (*has) continue;
    if (auto created = rows::create_mailbox_with_parents(db, account, parent, ""); !created) {
      return created.take_error();
    }
  }
  // Subscriptions follow the mailboxes they name.
  return rename_subscriptions(db, account, from, to);
}

Result<std::uint32_t> count_where(Connection& db, MailboxId mailbox, const char* sql_text) {
  auto q = db.prepare(sql_text);
  if (!q) return q.take_error();
  q->bind_int64(1, sql(mailbox));
  auto row = q->step();
  if (!row) return row.take_error();
  return static_cast<std::uint32_t>(q->column_int64(0));
}

}  // namespace

Result<MailboxRecord> SqliteMailboxStore::create_mailbox(AccountId account, const std::string& name,
                                                         const std::string& special_use) {
  const std::string canonical = rows::canonical_mailbox_name(name);
  if (auto valid = rows::validate_mailbox_name(canonical); !valid) return valid.take_error();
  if (auto valid = rows::validate_special_use(special_use); !valid) return valid.take_error();
  return writer_.run<MailboxRecord>([&](Connection& db) -> Result<MailboxRecord> {
    auto created = rows::create_mailbox_with_parents(db, account, canonical, special_use);
    if (!created) return created.take_error();
    auto record = rows::read_mailbox(db, account, canonical);
    if (!record) return record.take_error();
    if (!*record) return make_error(Errc::io_error, "mailbox " + canonical + " vanished after its creation");
    return std::move(**record);
  });
}

Status SqliteMailboxStore::delete_mailbox(AccountId account, const std::string& name) {
  const std::string canonical = rows::canonical_mailbox_name(name);
  if (is_inbox(canonical)) return make_error(Errc::invalid_argument, "INBOX cannot be deleted");
  return status_of(writer_.run<bool>([&](Connection& db) -> Result<bool> {
    if (auto s = check_account(db, account); !s) return s.take_error();
    // The cascade deletes the messages; their triggers release blobs, the
    // mailbox's trigger its usage; the expunge log rows cascade away. The
    // children ("name/...") and the subscription stay (RFC 9051 6.3.5, 6.3.9).
    auto q = db.prepare("DELETE FROM mailboxes WHERE account_id = ?1 AND name = ?2");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(account)).bind_text(2, canonical);
    if (auto s = q->run(); !s) return s.take_error();
    if (db.changes() == 0) {
      return make_error(Errc::not_found, "no mailbox " + canonical + " for account " + rows::account_text(account));
    }
    return true;
  }));
}

Status SqliteMailboxStore::rename_mailbox(AccountId account, const std::string& from, const std::string& to) {
  const std::string source = rows::canonical_mailbox_name(from);
  const std::string target = rows::canonical_mailbox_name(to);
  if (auto valid = rows::validate_mailbox_name(target); !valid) return valid;
  return status_of(writer_.run<bool>([&](Connection& db) -> Result<bool> {
    if (auto s = rename(db, account, source, target); !s) return s.take_error();
    return true;
  }));
}

Status SqliteMailboxStore::set_subscribed(AccountId account, const std::string& name, bool subscribed) {
  const std::string canonical = rows::canonical_mailbox_name(name);
  if (auto valid = rows::validate_mailbox_name(canonical); !valid) return valid;
  return status_of(writer_.run<bool>([&](Connection& db) -> Result<bool> {
    if (auto s = check_account(db, account); !s) return s.take_error();
    auto q = db.prepare(subscribed ? "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?1, ?2)"
                                   : "DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(account)).bind_text(2, canonical);
    if (auto s = q->run(); !s) return s.take_error();
    return true;
  }));
}

Result<std::vector<std::string>> SqliteMailboxStore::subscriptions(AccountId account) {
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<std::vector<std::string>> {
      if (auto s = check_account(db, account); !s) return s.take_error();
      auto q = db.prepare("SELECT name FROM subscriptions WHERE account_id = ?1 ORDER BY name");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(account));
      std::vector<std::string> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        out.push_back(q->column_text(0));
      }
    });
  });
}

Result<MailboxStatus> SqliteMailboxStore::status(MailboxId mailbox) {
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<MailboxStatus> {
      auto q = db.prepare(
          "SELECT message_count, size_bytes, uid_next, uid_validity, highest_modseq, recent_uid FROM mailboxes "
          "WHERE id = ?1");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(mailbox));
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return rows::no_mailbox(mailbox);
      MailboxStatus out;
      out.mailbox = mailbox;
      out.messages = static_cast<std::uint32_t>(q->column_int64(0));
      out.size_bytes = static_cast<std::uint64_t>(q->column_int64(1));
      out.uid_next = static_cast<std::uint32_t>(std::min(q->column_int64(2), rows::kUidMax));
      out.uid_validity = static_cast<std::uint32_t>(q->column_int64(3));
      out.highest_modseq = static_cast<std::uint64_t>(q->column_int64(4));
      out.first_recent_uid = static_cast<std::uint32_t>(std::min(q->column_int64(5), rows::kUidMax));
      // The partial indexes messages_unseen and messages_deleted (migration
      // 3) answer these in O(matching messages). INDEXED BY: without
      // statistics the planner would walk the whole mailbox by primary key.
      auto unseen = count_where(db, mailbox,
                                "SELECT count(*) FROM messages INDEXED BY messages_unseen "
                                "WHERE mailbox_id = ?1 AND system_flags & 1 = 0");
      if (!unseen) return unseen.take_error();
      out.unseen = *unseen;
      auto deleted = count_where(db, mailbox,
                                 "SELECT count(*) FROM messages INDEXED BY messages_deleted "
                                 "WHERE mailbox_id = ?1 AND system_flags & 8 <> 0");
      if (!deleted) return deleted.take_error();
      out.deleted = *deleted;
      return out;
    });
  });
}

Result<RecentClaim> SqliteMailboxStore::claim_recent(MailboxId mailbox) {
  return writer_.run<RecentClaim>([&](Connection& db) -> Result<RecentClaim> {
    auto q = db.prepare("SELECT recent_uid, uid_next FROM mailboxes WHERE id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox));
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return rows::no_mailbox(mailbox);
    const std::int64_t first = q->column_int64(0);
    const std::int64_t end = q->column_int64(1);
    // Nothing new since the last claim: no write, so the commit has no
    // page to log and no fsync (every SELECT of an unchanged mailbox).
    if (first < end) {
      auto claim = db.prepare("UPDATE mailboxes SET recent_uid = uid_next WHERE id = ?1");
      if (!claim) return claim.take_error();
      claim->bind_int64(1, sql(mailbox));
      if (auto s = claim->run(); !s) return s.take_error();
    }
    // Writes are serialised by the Writer, so no other claim saw this range.
    // A mailbox that used UID 2^32-1 reports end saturated at 2^32-1.
    return RecentClaim{rows::uid_of(std::min(first, rows::kUidMax)), rows::uid_of(std::min(end, rows::kUidMax))};
  });
}

}  // namespace postino::sqlite
