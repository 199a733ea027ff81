// SqliteMailboxStore: SQL for mailboxes, messages, message_keywords,
// account_usage and deliveries (migration 2). Storing a message raises every
// counter that covers it in the same savepoint; the delete triggers in the
// schema lower them, so expunge code only deletes rows.
#include "store/sqlite/sqlite_mailbox_store.hpp"

#include <strings.h>

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>

#include "store/sqlite/sqlite_blob_index.hpp"
#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

// RFC 9051 4.1: UIDs and UIDVALIDITY are 32-bit non-zero numbers.
constexpr std::int64_t kUidMax = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// messages.system_flags bits, in the order they are reported.
struct SystemFlag {
  std::int64_t bit;
  const char* name;
};
constexpr SystemFlag kSystemFlags[] = {
    {1, "\\Seen"}, {2, "\\Answered"}, {4, "\\Flagged"}, {8, "\\Deleted"}, {16, "\\Draft"},
};

constexpr const char* kMailboxColumns =
    "SELECT id, account_id, name, uid_validity, uid_next, highest_modseq, special_use, message_count FROM mailboxes ";
constexpr const char* kMessageColumns =
    "SELECT mailbox_id, uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq, system_flags "
    "FROM messages ";

// RFC 9051 5.1: "INBOX" in any case means INBOX; other names are exact.
std::string canonical_mailbox_name(const std::string& name) {
  if (name.size() == 5 && ::strncasecmp(name.c_str(), kInboxName, 5) == 0) return kInboxName;
  return name;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string string_of(std::span<const std::uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string account_text(AccountId account) { return std::to_string(static_cast<std::int64_t>(account)); }

// Runs body() inside BEGIN..COMMIT on a reader, so its statements agree.
template <class Body>
auto in_snapshot(Connection& db, Body body) -> decltype(body()) {
  if (auto s = db.exec("BEGIN"); !s) return s.take_error();
  auto out = body();
  (void)db.exec("COMMIT");
  return out;
}

MailboxRecord mailbox_from_row(const Statement& q) {
  MailboxRecord record;
  record.id = MailboxId{q.column_int64(0)};
  record.account = AccountId{q.column_int64(1)};
  record.name = q.column_text(2);
  record.uid_validity = static_cast<std::uint32_t>(q.column_int64(3));
  // uid_next is 2^32 once the last UID is used; report it saturated.
  record.uid_next = static_cast<std::uint32_t>(std::min(q.column_int64(4), kUidMax));
  record.highest_modseq = static_cast<std::uint64_t>(q.column_int64(5));
  record.special_use = q.column_text(6);
  record.messages = static_cast<std::uint32_t>(q.column_int64(7));
  return record;
}

Result<MessageRecord> message_from_row(const Statement& q) {
  MessageRecord record;
  record.mailbox = MailboxId{q.column_int64(0)};
  record.uid = Uid{static_cast<std::uint32_t>(q.column_int64(1))};
  auto sha = q.column_blob(2);
  if (sha.size() != record.blob.sha256.size()) return make_error(Errc::corrupt_data, "message with a malformed sha256");
  std::copy(sha.begin(), sha.end(), record.blob.sha256.begin());
  record.header_prefix = string_of(q.column_blob(3));
  record.size_bytes = static_cast<std::uint64_t>(q.column_int64(4));
  record.internal_date = q.column_int64(5);
  record.modseq = static_cast<std::uint64_t>(q.column_int64(6));
  std::int64_t bits = q.column_int64(7);
  for (const SystemFlag& flag : kSystemFlags) {
    if ((bits & flag.bit) != 0) record.flags.emplace_back(flag.name);
  }
  return record;
}

Result<bool> account_exists(Connection& db, AccountId account) {
  auto q = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(account));
  return q->step();
}

Error no_account(AccountId account) {
  return make_error(Errc::not_found, "no account with id " + account_text(account));
}

Result<std::optional<MailboxRecord>> read_mailbox(Connection& db, AccountId account, const std::string& name) {
  auto q = db.prepare(std::string(kMailboxColumns) + "WHERE account_id = ?1 AND name = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(account)).bind_text(2, name);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<MailboxRecord>();
  return std::optional<MailboxRecord>(mailbox_from_row(*q));
}

Result<bool> mailbox_exists(Connection& db, MailboxId mailbox) {
  auto q = db.prepare("SELECT 1 FROM mailboxes WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(mailbox));
  return q->step();
}

Error no_mailbox(MailboxId mailbox) {
  return make_error(Errc::not_found, "no mailbox with id " + std::to_string(static_cast<std::int64_t>(mailbox)));
}

// Creates a mailbox. UIDVALIDITY is the current time, or one more than the
// highest ever given if that is later, so it is distinct per mailbox and a
// recreated name never sees an old value again (RFC 9051 2.3.1.1).
Result<MailboxRecord> create_mailbox(Connection& db, AccountId account, const std::string& name) {
  auto exists = account_exists(db, account);
  if (!exists) return exists.take_error();
  if (!*exists) return no_account(account);
  auto next = db.prepare("SELECT max(?1, coalesce((SELECT max(uid_validity) FROM mailboxes), 0) + 1)");
  if (!next) return next.take_error();
  next->bind_int64(1, unix_now_seconds());
  auto row = next->step();
  if (!row) return row.take_error();
  std::int64_t uid_validity = next->column_int64(0);
  if (uid_validity > kUidMax) return make_error(Errc::unsupported, "no UIDVALIDITY value left for a new mailbox");

  auto insert =
      db.prepare("INSERT INTO mailboxes (account_id, name, uid_validity, created_at) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return insert.take_error();
  insert->bind_int64(1, static_cast<std::int64_t>(account))
      .bind_text(2, name)
      .bind_int64(3, uid_validity)
      .bind_int64(4, unix_now_seconds());
  if (auto s = insert->run(); !s) return s.take_error();
  MailboxRecord record;
  record.id = MailboxId{db.last_insert_rowid()};
  record.account = account;
  record.name = name;
  record.uid_validity = static_cast<std::uint32_t>(uid_validity);
  return record;
}

// What a delivery needs of its mailbox, read exactly (uid_next may be 2^32).
struct MailboxCounters {
  MailboxId id{};
  std::int64_t uid_next = 1;
  std::int64_t highest_modseq = 0;
};

Result<std::optional<MailboxCounters>> find_counters(Connection& db, AccountId account, const std::string& name) {
  auto q = db.prepare("SELECT id, uid_next, highest_modseq FROM mailboxes WHERE account_id = ?1 AND name = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(account)).bind_text(2, name);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<MailboxCounters>();
  return std::optional<MailboxCounters>(
      MailboxCounters{MailboxId{q->column_int64(0)}, q->column_int64(1), q->column_int64(2)});
}

// The earlier delivery with this key, if any.
Result<std::optional<DeliveryOutcome>> find_delivery(Connection& db, AccountId account, const std::string& key) {
  auto q = db.prepare("SELECT mailbox_id, uid FROM deliveries WHERE account_id = ?1 AND delivery_key = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(account)).bind_text(2, key);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<DeliveryOutcome>();
  return std::optional<DeliveryOutcome>(
      DeliveryOutcome{MailboxId{q->column_int64(0)}, Uid{static_cast<std::uint32_t>(q->column_int64(1))}, true});
}

Result<std::uint64_t> used_bytes(Connection& db, AccountId account) {
  auto q = db.prepare("SELECT bytes FROM account_usage WHERE account_id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, static_cast<std::int64_t>(account));
  auto row = q->step();
  if (!row) return row.take_error();
  return *row ? static_cast<std::uint64_t>(q->column_int64(0)) : std::uint64_t{0};
}

// One delivery, inside the caller's savepoint: on error the caller rolls
// back whatever was written here.
Result<DeliveryOutcome> deliver_one(Connection& db, const Delivery& delivery) {
  const std::string name = canonical_mailbox_name(delivery.mailbox);
  if (name.empty()) return make_error(Errc::invalid_argument, "empty mailbox name");
  if (delivery.blob.size_bytes > kInt64Max - delivery.header_prefix.size()) {
    return make_error(Errc::invalid_argument, "message size out of range");
  }
  const std::uint64_t size_bytes = delivery.header_prefix.size() + delivery.blob.size_bytes;

  // A repeated key is answered before the quota check: the message is
  // already there and costs nothing more.
  if (!delivery.delivery_key.empty()) {
    auto earlier = find_delivery(db, delivery.account, delivery.delivery_key);
    if (!earlier) return earlier.take_error();
    if (*earlier) return **earlier;
  }

  if (delivery.quota_bytes > 0) {
    auto used = used_bytes(db, delivery.account);
    if (!used) return used.take_error();
    if (*used > delivery.quota_bytes || size_bytes > delivery.quota_bytes - *used) {
      return make_error(Errc::over_quota, "account " + account_text(delivery.account) + " is over quota: " +
                                              std::to_string(*used) + " of " + std::to_string(delivery.quota_bytes) +
                                              " bytes used, the message needs " + std::to_string(size_bytes));
    }
  }

  auto found = find_counters(db, delivery.account, name);
  if (!found) return found.take_error();
  MailboxCounters mailbox;
  if (*found) {
    mailbox = **found;
  } else {
    auto created = create_mailbox(db, delivery.account, name);
    if (!created) return created.take_error();
    mailbox = MailboxCounters{created->id, 1, 0};
  }
  const std::int64_t uid = mailbox.uid_next;
  const std::int64_t modseq = mailbox.highest_modseq + 1;
  if (uid > kUidMax) {
    return make_error(Errc::unsupported, "mailbox " + name + " of account " + account_text(delivery.account) +
                                             " has used every UID; it must be recreated");
  }

  auto insert = db.prepare(
      "INSERT INTO messages (mailbox_id, uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert) return insert.take_error();
  insert->bind_int64(1, static_cast<std::int64_t>(mailbox.id))
      .bind_int64(2, uid)
      .bind_blob(3, delivery.blob.id.sha256)
      .bind_blob(4, bytes_of(delivery.header_prefix))
      .bind_int64(5, static_cast<std::int64_t>(size_bytes))
      .bind_int64(6, delivery.internal_date)
      .bind_int64(7, modseq);
  if (auto s = insert->run(); !s) return s.take_error();

  auto advance = db.prepare(
      "UPDATE mailboxes SET uid_next = ?2, highest_modseq = ?3, message_count = message_count + 1, "
      "size_bytes = size_bytes + ?4 WHERE id = ?1");
  if (!advance) return advance.take_error();
  advance->bind_int64(1, static_cast<std::int64_t>(mailbox.id))
      .bind_int64(2, uid + 1)
      .bind_int64(3, modseq)
      .bind_int64(4, static_cast<std::int64_t>(size_bytes));
  if (auto s = advance->run(); !s) return s.take_error();

  if (auto s = add_blob_refs(db, delivery.blob, 1); !s) return s.take_error();

  auto usage = db.prepare(
      "INSERT INTO account_usage (account_id, bytes, messages) VALUES (?1, ?2, 1) "
      "ON CONFLICT (account_id) DO UPDATE SET bytes = bytes + excluded.bytes, messages = messages + 1");
  if (!usage) return usage.take_error();
  usage->bind_int64(1, static_cast<std::int64_t>(delivery.account))
      .bind_int64(2, static_cast<std::int64_t>(size_bytes));
  if (auto s = usage->run(); !s) return s.take_error();

  if (!delivery.delivery_key.empty()) {
    auto key = db.prepare(
        "INSERT INTO deliveries (account_id, delivery_key, mailbox_id, uid, delivered_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!key) return key.take_error();
    key->bind_int64(1, static_cast<std::int64_t>(delivery.account))
        .bind_text(2, delivery.delivery_key)
        .bind_int64(3, static_cast<std::int64_t>(mailbox.id))
        .bind_int64(4, uid)
        .bind_int64(5, unix_now_seconds());
    if (auto s = key->run(); !s) return s.take_error();
  }
  return DeliveryOutcome{mailbox.id, Uid{static_cast<std::uint32_t>(uid)}, false};
}

// Adds each keyword row (uid, keyword), ordered by uid, to its message in
// `messages` (ordered by uid too).
Status attach_keywords(Statement& q, std::vector<MessageRecord>& messages) {
  auto message = messages.begin();
  for (;;) {
    auto row = q.step();
    if (!row) return row.take_error();
    if (!*row) return {};
    auto uid = Uid{static_cast<std::uint32_t>(q.column_int64(0))};
    while (message != messages.end() && message->uid < uid) ++message;
    if (message != messages.end() && message->uid == uid) message->flags.push_back(q.column_text(1));
  }
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
    return in_snapshot(db, [&]() -> Result<std::vector<MailboxRecord>> {
      auto exists = account_exists(db, account);
      if (!exists) return exists.take_error();
      if (!*exists) return no_account(account);
      auto q = db.prepare(std::string(kMailboxColumns) + "WHERE account_id = ?1 ORDER BY name");
      if (!q) return q.take_error();
      q->bind_int64(1, static_cast<std::int64_t>(account));
      std::vector<MailboxRecord> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return out;
        out.push_back(mailbox_from_row(*q));
      }
    });
  });
}

Result<MailboxRecord> SqliteMailboxStore::find_mailbox(AccountId account, const std::string& name) {
  const std::string canonical = canonical_mailbox_name(name);
  return readers_.with([&](Connection& db) -> Result<MailboxRecord> {
    auto found = read_mailbox(db, account, canonical);
    if (!found) return found.take_error();
    if (!*found) {
      return make_error(Errc::not_found, "no mailbox " + canonical + " for account " + account_text(account));
    }
    return std::move(**found);
  });
}

Result<std::vector<MessageRecord>> SqliteMailboxStore::list_messages(MailboxId mailbox) {
  return readers_.with([&](Connection& db) {
    return in_snapshot(db, [&]() -> Result<std::vector<MessageRecord>> {
      auto exists = mailbox_exists(db, mailbox);
      if (!exists) return exists.take_error();
      if (!*exists) return no_mailbox(mailbox);
      auto q = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ?1 ORDER BY uid");
      if (!q) return q.take_error();
      q->bind_int64(1, static_cast<std::int64_t>(mailbox));
      std::vector<MessageRecord> out;
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) break;
        auto message = message_from_row(*q);
        if (!message) return message.take_error();
        out.push_back(std::move(*message));
      }
      auto keywords =
          db.prepare("SELECT uid, keyword FROM message_keywords WHERE mailbox_id = ?1 ORDER BY uid, keyword");
      if (!keywords) return keywords.take_error();
      keywords->bind_int64(1, static_cast<std::int64_t>(mailbox));
      if (auto s = attach_keywords(*keywords, out); !s) return s.take_error();
      return out;
    });
  });
}

Result<MessageRecord> SqliteMailboxStore::find_message(MailboxId mailbox, Uid uid) {
  return readers_.with([&](Connection& db) {
    return in_snapshot(db, [&]() -> Result<MessageRecord> {
      auto q = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ?1 AND uid = ?2");
      if (!q) return q.take_error();
      q->bind_int64(1, static_cast<std::int64_t>(mailbox)).bind_int64(2, static_cast<std::int64_t>(uid));
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) {
        return make_error(Errc::not_found, "no message with UID " + std::to_string(static_cast<std::uint32_t>(uid)) +
                                               " in mailbox " + std::to_string(static_cast<std::int64_t>(mailbox)));
      }
      auto message = message_from_row(*q);
      if (!message) return message.take_error();
      std::vector<MessageRecord> one;
      one.push_back(std::move(*message));
      auto keywords = db.prepare(
          "SELECT uid, keyword FROM message_keywords WHERE mailbox_id = ?1 AND uid = ?2 "
          "ORDER BY keyword");
      if (!keywords) return keywords.take_error();
      keywords->bind_int64(1, static_cast<std::int64_t>(mailbox)).bind_int64(2, static_cast<std::int64_t>(uid));
      if (auto s = attach_keywords(*keywords, one); !s) return s.take_error();
      return std::move(one.front());
    });
  });
}

Result<QuotaUsage> SqliteMailboxStore::usage(AccountId account) {
  return readers_.with([&](Connection& db) -> Result<QuotaUsage> {
    auto q = db.prepare(
        "SELECT coalesce(u.bytes, 0), coalesce(u.messages, 0) FROM accounts a "
        "LEFT JOIN account_usage u ON u.account_id = a.id WHERE a.id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, static_cast<std::int64_t>(account));
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return no_account(account);
    return QuotaUsage{static_cast<std::uint64_t>(q->column_int64(0)), static_cast<std::uint64_t>(q->column_int64(1))};
  });
}

}  // namespace postino::sqlite
