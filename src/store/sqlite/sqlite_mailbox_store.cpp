// SqliteMailboxStore: delivery (and APPEND) and the read paths (mailboxes,
// messages, usage) on the SQLite metadata database. The mailbox
// administration, flag/expunge/changes and copy operations live in
// sqlite_mailbox_admin.cpp, sqlite_message_flags.cpp and
// sqlite_message_copy.cpp; shared row helpers in sqlite_mailbox_rows.cpp.
// Storing a message raises every counter that covers it in the same
// savepoint; the delete triggers in the schema lower them.
#include "store/sqlite/sqlite_mailbox_store.hpp"

#include <algorithm>

#include "store/sqlite/sqlite_blob_index.hpp"
#include "store/sqlite/sqlite_mailbox_rows.hpp"
#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

using rows::sql;

// The earlier delivery with this key, if any (uid_validity 0 if its mailbox
// is gone since).
Result<std::optional<DeliveryOutcome>> find_delivery(Connection& db, AccountId account, const std::string& key) {
  auto q = db.prepare(
      "SELECT d.mailbox_id, d.uid, coalesce(m.uid_validity, 0) FROM deliveries d "
      "LEFT JOIN mailboxes m ON m.id = d.mailbox_id WHERE d.account_id = ?1 AND d.delivery_key = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account)).bind_text(2, key);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<DeliveryOutcome>();
  return std::optional<DeliveryOutcome>(DeliveryOutcome{MailboxId{q->column_int64(0)}, rows::uid_of(q->column_int64(1)),
                                                        true, static_cast<std::uint32_t>(q->column_int64(2))});
}

Status insert_keywords(Connection& db, MailboxId mailbox, std::int64_t uid, const std::vector<std::string>& keywords) {
  for (const std::string& keyword : keywords) {
    auto q = db.prepare("INSERT OR IGNORE INTO message_keywords (mailbox_id, uid, keyword) VALUES (?1, ?2, ?3)");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, uid).bind_text(3, keyword);
    if (auto s = q->run(); !s) return s;
  }
  return {};
}

// One delivery, inside the caller's savepoint: on error the caller rolls
// back whatever was written here.
Result<DeliveryOutcome> deliver_one(Connection& db, const Delivery& delivery) {
  const std::string name = rows::canonical_mailbox_name(delivery.mailbox);
  if (name.empty()) return make_error(Errc::invalid_argument, "empty mailbox name");
  if (delivery.blob.size_bytes > rows::kInt64Max - delivery.header_prefix.size()) {
    return make_error(Errc::invalid_argument, "message size out of range");
  }
  const std::uint64_t size_bytes = delivery.header_prefix.size() + delivery.blob.size_bytes;
  auto flags = rows::parse_flags(delivery.flags);
  if (!flags) return flags.take_error();

  // A repeated key is answered before the quota check: the message is
  // already there and costs nothing more.
  if (!delivery.delivery_key.empty()) {
    auto earlier = find_delivery(db, delivery.account, delivery.delivery_key);
    if (!earlier) return earlier.take_error();
    if (*earlier) return **earlier;
  }

  if (delivery.quota_bytes > 0) {
    auto used = rows::used_bytes(db, delivery.account);
    if (!used) return used.take_error();
    if (*used > delivery.quota_bytes || size_bytes > delivery.quota_bytes - *used) {
      return make_error(Errc::over_quota, "account " + rows::account_text(delivery.account) + " is over quota: " +
                                              std::to_string(*used) + " of " + std::to_string(delivery.quota_bytes) +
                                              " bytes used, the message needs " + std::to_string(size_bytes));
    }
  }

  auto found = rows::counters_by_name(db, delivery.account, name);
  if (!found) return found.take_error();
  rows::MailboxCounters mailbox;
  if (*found) {
    mailbox = **found;
  } else if (!delivery.create_mailbox) {
    auto exists = rows::account_exists(db, delivery.account);
    if (!exists) return exists.take_error();
    if (!*exists) return rows::no_account(delivery.account);
    return make_error(Errc::not_found, "no mailbox " + name + " for account " + rows::account_text(delivery.account));
  } else {
    if (auto valid = rows::validate_mailbox_name(name); !valid) return valid.take_error();
    auto created = rows::create_mailbox_with_parents(db, delivery.account, name, "");
    if (!created) return created.take_error();
    mailbox = *created;
  }
  const std::int64_t uid = mailbox.uid_next;
  const std::int64_t modseq = mailbox.highest_modseq + 1;
  if (uid > rows::kUidMax) {
    return make_error(Errc::unsupported, "mailbox " + name + " of account " + rows::account_text(delivery.account) +
                                             " has used every UID; it must be recreated");
  }
  if (auto s = rows::adopt_mailbox_spellings(db, mailbox.id, flags->keywords); !s) return s.take_error();

  auto insert = db.prepare(
      "INSERT INTO messages (mailbox_id, uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq, "
      "system_flags, save_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.take_error();
  insert->bind_int64(1, sql(mailbox.id))
      .bind_int64(2, uid)
      .bind_blob(3, delivery.blob.id.sha256)
      .bind_blob(4, rows::bytes_of(delivery.header_prefix))
      .bind_int64(5, static_cast<std::int64_t>(size_bytes))
      .bind_int64(6, delivery.internal_date)
      .bind_int64(7, modseq)
      .bind_int64(8, flags->bits)
      .bind_int64(9, unix_now_seconds());
  if (auto s = insert->run(); !s) return s.take_error();
  if (auto s = insert_keywords(db, mailbox.id, uid, flags->keywords); !s) return s.take_error();
  if (!delivery.mime_structure.empty()) {
    auto structure = db.prepare("INSERT INTO message_structures (mailbox_id, uid, structure) VALUES (?1, ?2, ?3)");
    if (!structure) return structure.take_error();
    structure->bind_int64(1, sql(mailbox.id)).bind_int64(2, uid).bind_blob(3, rows::bytes_of(delivery.mime_structure));
    if (auto s = structure->run(); !s) return s.take_error();
  }
  if (auto s = rows::index_message_text(db, mailbox.id, uid, delivery); !s) return s.take_error();

  auto advance = db.prepare(
      "UPDATE mailboxes SET uid_next = ?2, highest_modseq = ?3, message_count = message_count + 1, "
      "size_bytes = size_bytes + ?4 WHERE id = ?1");
  if (!advance) return advance.take_error();
  advance->bind_int64(1, sql(mailbox.id))
      .bind_int64(2, uid + 1)
      .bind_int64(3, modseq)
      .bind_int64(4, static_cast<std::int64_t>(size_bytes));
  if (auto s = advance->run(); !s) return s.take_error();

  if (auto s = add_blob_refs(db, delivery.blob, 1); !s) return s.take_error();
  if (auto s = rows::add_usage(db, delivery.account, size_bytes, 1); !s) return s.take_error();

  if (!delivery.delivery_key.empty()) {
    auto key = db.prepare(
        "INSERT INTO deliveries (account_id, delivery_key, mailbox_id, uid, delivered_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!key) return key.take_error();
    key->bind_int64(1, sql(delivery.account))
        .bind_text(2, delivery.delivery_key)
        .bind_int64(3, sql(mailbox.id))
        .bind_int64(4, uid)
        .bind_int64(5, unix_now_seconds());
    if (auto s = key->run(); !s) return s.take_error();
  }
  return DeliveryOutcome{mailbox.id, rows::uid_of(uid), false, mailbox.uid_validity};
}

Result<bool> mailbox_exists(Connection& db, MailboxId mailbox) {
  auto q = db.prepare("SELECT 1 FROM mailboxes WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(mailbox));
  return q->step();
}

}  // namespace

std::vector<Result<DeliveryOutcome>> SqliteMailboxStore::deliver(const std::vector<Delivery>& deliveries) {
  using Outcomes = std::vector<Result<DeliveryOutcome>>;
  if (deliveries.empty()) return {};
  auto stored = writer_.run<Outcomes>([&](Connection& db) -> Result<Outcomes> {
    Outcomes out;
    out.reserve(deliveries.size());
    for (const Delivery& delivery : deliveries) {
      if (auto s = db.exec("SAVEPOINT delivery"); !s) return s.take_error();
      auto outcome = deliver_one(db, delivery);
      if (!db.in_transaction()) {
        // The engine rolled the whole transaction back: nothing of this job
        // survives, so it fails as a whole (the Writer reports it to all).
        return outcome ? make_error(Errc::io_error, "transaction rolled back by the engine") : outcome.take_error();
      }
      if (!outcome) (void)db.exec("ROLLBACK TO delivery");
      if (auto s = db.exec("RELEASE delivery"); !s) return s.take_error();
      out.push_back(std::move(outcome));
    }
    return out;
  });
  if (stored) return std::move(*stored);
  Outcomes failed;
  failed.reserve(deliveries.size());
  for (std::size_t i = 0; i < deliveries.size(); ++i) failed.emplace_back(stored.error());
  return failed;
}

Result<std::vector<MailboxRecord>> SqliteMailboxStore::list_mailboxes(AccountId account) {
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<std::vector<MailboxRecord>> {
      auto exists = rows::account_exists(db, account);
      if (!exists) return exists.take_error();
      if (!*exists) return rows::no_account(account);
      auto q = db.prepare(std::string(rows::kMailboxSelect) + "WHERE m.account_id = ?1 ORDER BY m.name");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(account));
      std::vector<MailboxRecord> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        out.push_back(rows::mailbox_from_row(*q));
      }
    });
  });
}

Result<MailboxRecord> SqliteMailboxStore::find_mailbox(AccountId account, const std::string& name) {
  const std::string canonical = rows::canonical_mailbox_name(name);
  return readers_.with([&](Connection& db) -> Result<MailboxRecord> {
    auto found = rows::read_mailbox(db, account, canonical);
    if (!found) return found.take_error();
    if (!*found) {
      return make_error(Errc::not_found, "no mailbox " + canonical + " for account " + rows::account_text(account));
    }
    return std::move(**found);
  });
}

Result<std::vector<MessageRecord>> SqliteMailboxStore::list_messages(MailboxId mailbox) {
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<std::vector<MessageRecord>> {
      auto exists = mailbox_exists(db, mailbox);
      if (!exists) return exists.take_error();
      if (!*exists) return rows::no_mailbox(mailbox);
      return rows::read_message_rows(db, mailbox, rows::kAllUids, nullptr, false);
    });
  });
}

Result<std::vector<MessageFlags>> SqliteMailboxStore::list_message_flags(MailboxId mailbox) {
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<std::vector<MessageFlags>> {
      auto exists = mailbox_exists(db, mailbox);
      if (!exists) return exists.take_error();
      if (!*exists) return rows::no_mailbox(mailbox);
      // Three columns of the primary-key order: no blob id, prefix or date
      // is read or copied (SELECT of a 100,000-message mailbox).
      auto q = db.prepare("SELECT uid, modseq, system_flags FROM messages WHERE mailbox_id = ?1 ORDER BY uid");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(mailbox));
      std::vector<MessageFlags> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) break;
        out.push_back(MessageFlags{rows::uid_of(q->column_int64(0)), static_cast<std::uint64_t>(q->column_int64(1)),
                                   rows::flag_names(q->column_int64(2), {})});
      }
      auto message = out.begin();
      auto attach = [&](Uid uid, std::string keyword) {
        while (message != out.end() && message->uid < uid) ++message;
        if (message != out.end() && message->uid == uid) message->flags.push_back(std::move(keyword));
      };
      if (auto s = rows::for_each_keyword(db, mailbox, rows::kAllUids, attach); !s) return s.take_error();
      return out;
    });
  });
}

Result<MessageRecord> SqliteMailboxStore::find_message(MailboxId mailbox, Uid uid) {
  const std::vector<Uid> one{uid};
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<MessageRecord> {
      auto found = rows::read_message_rows(db, mailbox, rows::uid_runs(one), &one, true);
      if (!found) return found.take_error();
      if (found->empty()) {
        return make_error(Errc::not_found, "no message with UID " + std::to_string(static_cast<std::uint32_t>(uid)) +
                                               " in mailbox " + rows::mailbox_text(mailbox));
      }
      return std::move(found->front());
    });
  });
}

Result<std::vector<MessageRecord>> SqliteMailboxStore::read_messages(MailboxId mailbox, std::span<const Uid> uids,
                                                                     bool with_structure) {
  const std::vector<Uid> wanted = rows::sorted_unique(uids);
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<std::vector<MessageRecord>> {
      auto exists = mailbox_exists(db, mailbox);
      if (!exists) return exists.take_error();
      if (!*exists) return rows::no_mailbox(mailbox);
      return rows::read_message_rows(db, mailbox, rows::uid_runs(wanted), &wanted, with_structure);
    });
  });
}

Result<QuotaUsage> SqliteMailboxStore::usage(AccountId account) {
  return readers_.with([&](Connection& db) -> Result<QuotaUsage> {
    auto q = db.prepare(
        "SELECT coalesce(u.bytes, 0), coalesce(u.messages, 0) FROM accounts a "
        "LEFT JOIN account_usage u ON u.account_id = a.id WHERE a.id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(account));
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return rows::no_account(account);
    return QuotaUsage{static_cast<std::uint64_t>(q->column_int64(0)), static_cast<std::uint64_t>(q->column_int64(1))};
  });
}

}  // namespace postino::sqlite
