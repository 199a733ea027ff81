// SqliteQueueStore: SQL for queue_messages and queue_recipients. Every write
// is one Writer job; reads that join messages to recipients are one
// statement, hence one snapshot.
#include "store/sqlite/sqlite_queue_store.hpp"

#include <algorithm>
#include <limits>

#include "store/sqlite/database.hpp"
#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Columns 0-13 describe the message, 14-24 one recipient (NULL when a
// message has none, which enqueue() never allows).
constexpr const char* kJoinedColumns =
    "SELECT m.id, m.sender, m.blob_sha256, m.blob_size_bytes, m.arrived_at, m.client_address, m.client_helo, "
    "m.protocol, m.envid, m.ret, m.body_type, m.smtputf8, m.held, m.delay_warned, "
    "r.id, r.address, r.orcpt, r.notify, r.state, r.attempts, r.next_attempt_at, r.last_reply, "
    "r.last_status, r.last_relay, r.last_diagnostic "
    "FROM queue_messages m LEFT JOIN queue_recipients r ON r.message_id = m.id ";

Result<RecipientState> parse_state(const std::string& text) {
  if (text == "pending") return RecipientState::pending;
  if (text == "delivered") return RecipientState::delivered;
  if (text == "failed") return RecipientState::failed;
  return make_error(Errc::corrupt_data, "unknown queue recipient state '" + text + "'");
}

Status check_id(const std::string& id) {
  bool valid =
      !id.empty() && id.size() <= SqliteQueueStore::kMaxIdLength &&
      std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
  if (valid) return {};
  return make_error(Errc::invalid_argument, "'" + id + "' is not a queue id (1 to " +
                                                std::to_string(SqliteQueueStore::kMaxIdLength) +
                                                " characters of 0-9 and A-Z)");
}

Status check_message(const QueueMessage& message) {
  if (auto s = check_id(message.id); !s) return s;
  if (message.recipients.empty()) {
    return make_error(Errc::invalid_argument, "queue entry " + message.id + " has no recipients");
  }
  for (const QueueRecipient& recipient : message.recipients) {
    if (recipient.address.empty()) {
      return make_error(Errc::invalid_argument, "queue entry " + message.id + " has an empty recipient");
    }
    if (recipient.notify > (kNotifyNever | kNotifySuccess | kNotifyFailure | kNotifyDelay)) {
      return make_error(Errc::invalid_argument, "queue entry " + message.id + ": unknown NOTIFY bits");
    }
  }
  if (message.blob.size_bytes > kInt64Max) return make_error(Errc::invalid_argument, "blob size out of range");
  return {};
}

Error not_queued(const std::string& id) { return make_error(Errc::not_found, "no queue entry " + id); }

Result<BlobId> blob_id_from_column(const Statement& q, int column) {
  auto bytes = q.column_blob(column);
  BlobId id;
  if (bytes.size() != id.sha256.size()) return make_error(Errc::corrupt_data, "queue entry with a malformed sha256");
  std::copy(bytes.begin(), bytes.end(), id.sha256.begin());
  return id;
}

// Rows of kJoinedColumns, ordered by message then recipient, grouped into
// messages.
Result<std::vector<QueueMessage>> read_joined(Statement& q) {
  std::vector<QueueMessage> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.take_error();
    if (!*row) return out;
    std::string id = q.column_text(0);
    if (out.empty() || out.back().id != id) {
      QueueMessage message;
      message.id = std::move(id);
      message.sender = q.column_text(1);
      auto blob = blob_id_from_column(q, 2);
      if (!blob) return blob.take_error();
      message.blob = BlobInfo{*blob, static_cast<std::uint64_t>(q.column_int64(3))};
      message.arrived_at = q.column_int64(4);
      message.client_address = q.column_text(5);
      message.client_helo = q.column_text(6);
      message.protocol = q.column_text(7);
      message.envid = q.column_text(8);
      message.ret = q.column_text(9);
      message.body_type = q.column_text(10);
      message.smtputf8 = q.column_int64(11) != 0;
      message.held = q.column_int64(12) != 0;
      message.delay_warned = q.column_int64(13) != 0;
      out.push_back(std::move(message));
    }
    if (q.column_is_null(14)) continue;
    auto state = parse_state(q.column_text(18));
    if (!state) return state.take_error();
    QueueRecipient r;
    r.id = RecipientRowId{q.column_int64(14)};
    r.address = q.column_text(15);
    r.orcpt = q.column_text(16);
    r.notify = static_cast<std::uint8_t>(q.column_int64(17));
    r.state = *state;
    r.attempts = static_cast<std::uint32_t>(q.column_int64(19));
    r.next_attempt_at = q.column_int64(20);
    r.last_reply = q.column_text(21);
    r.last_status = q.column_text(22);
    r.last_relay = q.column_text(23);
    r.last_diagnostic = q.column_text(24);
    out.back().recipients.push_back(std::move(r));
  }
}

// The blob of a queued message, or not_found.
Result<BlobInfo> read_blob(Connection& db, const std::string& id) {
  auto q = db.prepare("SELECT blob_sha256, blob_size_bytes FROM queue_messages WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_text(1, id);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return not_queued(id);
  auto blob = blob_id_from_column(*q, 0);
  if (!blob) return blob.take_error();
  return BlobInfo{*blob, static_cast<std::uint64_t>(q->column_int64(1))};
}

Result<bool> has_pending(Connection& db, const std::string& id) {
  auto q = db.prepare("SELECT 1 FROM queue_recipients WHERE message_id = ?1 AND state = 'pending' LIMIT 1");
  if (!q) return q.take_error();
  q->bind_text(1, id);
  return q->step();
}

Status delete_message(Connection& db, const std::string& id) {
  auto q = db.prepare("DELETE FROM queue_messages WHERE id = ?1");  // recipients cascade
  if (!q) return q.take_error();
  q->bind_text(1, id);
  return q->run();
}

Status insert_recipient(Connection& db, const std::string& message_id, const QueueRecipient& recipient,
                        std::int64_t now) {
  auto r = db.prepare(
      "INSERT INTO queue_recipients (message_id, address, orcpt, notify, state, attempts, next_attempt_at) "
      "VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5)");
  if (!r) return r.take_error();
  r->bind_text(1, message_id)
      .bind_text(2, recipient.address)
      .bind_text(3, recipient.orcpt)
      .bind_int64(4, recipient.notify)
      .bind_int64(5, now);
  return r->run();
}

// One message and its recipients (all pending, due at `now`), inside the
// caller's transaction.
Status insert_message(Connection& db, const QueueMessage& message, std::int64_t now) {
  auto q = db.prepare(
      "INSERT INTO queue_messages (id, sender, blob_sha256, blob_size_bytes, arrived_at, client_address, "
      "client_helo, protocol, envid, ret, body_type, smtputf8, held) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!q) return q.take_error();
  q->bind_text(1, message.id)
      .bind_text(2, message.sender)
      .bind_blob(3, message.blob.id.sha256)
      .bind_int64(4, static_cast<std::int64_t>(message.blob.size_bytes))
      .bind_int64(5, message.arrived_at)
      .bind_text(6, message.client_address)
      .bind_text(7, message.client_helo)
      .bind_text(8, message.protocol)
      .bind_text(9, message.envid)
      .bind_text(10, message.ret)
      .bind_text(11, message.body_type)
      .bind_int64(12, message.smtputf8 ? 1 : 0)
      .bind_int64(13, message.held ? 1 : 0);
  if (auto s = q->run(); !s) {
    if (s.error().code == Errc::already_exists) {
      return make_error(Errc::already_exists, "queue id " + message.id + " is in use");
    }
    return s;
  }
  for (const QueueRecipient& recipient : message.recipients) {
    if (auto s = insert_recipient(db, message.id, recipient, now); !s) return s;
  }
  return {};
}

// Runs an UPDATE of one pending recipient (?1 is its id; bind_rest binds
// the others). A recipient that is gone or no longer pending is an error:
// its outcome was already recorded, or its message removed meanwhile.
template <class BindRest>
Status update_pending(Writer& writer, const char* sql, RecipientRowId recipient, BindRest bind_rest) {
  return writer.run<void>([&](Connection& db) -> Status {
    auto q = db.prepare(sql);
    if (!q) return q.take_error();
    q->bind_int64(1, static_cast<std::int64_t>(recipient));
    bind_rest(*q);
    if (auto s = q->run(); !s) return s;
    if (db.changes() > 0) return {};
    auto state = db.prepare("SELECT state FROM queue_recipients WHERE id = ?1");
    if (!state) return state.take_error();
    state->bind_int64(1, static_cast<std::int64_t>(recipient));
    auto row = state->step();
    if (!row) return row.take_error();
    std::string name = "queue recipient " + std::to_string(static_cast<std::int64_t>(recipient));
    if (!*row) return make_error(Errc::not_found, "no " + name);
    return make_error(Errc::invalid_argument, name + " is already " + state->column_text(0));
  });
}

}  // namespace

Result<std::unique_ptr<SqliteQueueStore>> SqliteQueueStore::open(const std::string& path, std::uint32_t readers) {
  auto db = open_database(path, queue_migrations(), readers, kBusyTimeoutMs);
  if (!db) return db.take_error();
  return std::make_unique<SqliteQueueStore>(std::move(db->readers), std::move(db->writer));
}

SqliteQueueStore::SqliteQueueStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer)
    : readers_(std::move(readers)), writer_(std::move(writer)) {}

int SqliteQueueStore::schema_version() {
  auto version = readers_->with([](Connection& db) { return read_schema_version(db); });
  return version ? *version : -1;
}

Status SqliteQueueStore::enqueue(const QueueMessage& message) {
  if (auto s = check_message(message); !s) return s;
  const std::int64_t now = unix_now_seconds();
  return writer_->run<void>([&](Connection& db) -> Status { return insert_message(db, message, now); });
}

Result<std::vector<QueueMessage>> SqliteQueueStore::due(std::int64_t now, std::size_t limit) {
  if (limit == 0) return std::vector<QueueMessage>();
  auto max_messages = static_cast<std::int64_t>(std::min<std::uint64_t>(limit, kInt64Max));
  return readers_->with([&](Connection& db) -> Result<std::vector<QueueMessage>> {
    // The inner query picks the oldest `limit` messages with a due recipient
    // (through the partial index of pending recipients); the outer one
    // returns those messages with only their due recipients.
    auto q = db.prepare(std::string(kJoinedColumns) +
                        "WHERE m.id IN (SELECT d.id FROM queue_messages d WHERE d.held = 0 AND d.id IN "
                        "(SELECT message_id FROM queue_recipients WHERE state = 'pending' AND next_attempt_at <= ?1) "
                        "ORDER BY d.arrived_at, d.id LIMIT ?2) "
                        "AND r.state = 'pending' AND r.next_attempt_at <= ?1 "
                        "ORDER BY m.arrived_at, m.id, r.id");
    if (!q) return q.take_error();
    q->bind_int64(1, now).bind_int64(2, max_messages);
    return read_joined(*q);
  });
}

Result<std::optional<std::int64_t>> SqliteQueueStore::next_due() {
  return readers_->with([&](Connection& db) -> Result<std::optional<std::int64_t>> {
    auto q = db.prepare(
        "SELECT r.next_attempt_at FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id "
        "WHERE r.state = 'pending' AND m.held = 0 ORDER BY r.next_attempt_at LIMIT 1");
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(q->column_int64(0));
  });
}

Status SqliteQueueStore::mark_delivered(RecipientRowId recipient, const std::string& reply) {
  return update_pending(*writer_,
                        "UPDATE queue_recipients SET state = 'delivered', attempts = attempts + 1, last_reply = ?2 "
                        "WHERE id = ?1 AND state = 'pending'",
                        recipient, [&](Statement& q) { q.bind_text(2, reply); });
}

Status SqliteQueueStore::mark_failed(RecipientRowId recipient, const std::string& reply) {
  return update_pending(*writer_,
                        "UPDATE queue_recipients SET state = 'failed', attempts = attempts + 1, last_reply = ?2 "
                        "WHERE id = ?1 AND state = 'pending'",
                        recipient, [&](Statement& q) { q.bind_text(2, reply); });
}

Status SqliteQueueStore::defer(RecipientRowId recipient, std::int64_t next_attempt_at, const std::string& reply) {
  return update_pending(*writer_,
                        "UPDATE queue_recipients SET attempts = attempts + 1, last_reply = ?2, next_attempt_at = ?3 "
                        "WHERE id = ?1 AND state = 'pending'",
                        recipient, [&](Statement& q) { q.bind_text(2, reply).bind_int64(3, next_attempt_at); });
}

Result<std::optional<BlobInfo>> SqliteQueueStore::remove_if_done(const std::string& id) {
  if (auto s = check_id(id); !s) return s.take_error();
  return writer_->run<std::optional<BlobInfo>>([&](Connection& db) -> Result<std::optional<BlobInfo>> {
    auto blob = read_blob(db, id);
    if (!blob) return blob.take_error();
    auto pending = has_pending(db, id);
    if (!pending) return pending.take_error();
    if (*pending) return std::optional<BlobInfo>();
    if (auto s = delete_message(db, id); !s) return s.take_error();
    return std::optional<BlobInfo>(*blob);
  });
}

Result<QueueBatchResult> SqliteQueueStore::record(const QueueBatch& batch) {
  for (const QueueNotice& notice : batch.notices) {
    if (auto s = check_message(notice.message); !s) return s.take_error();
  }
  for (const RecipientUpdate& u : batch.updates) {
    for (const QueueRecipient& r : u.forward) {
      if (r.address.empty() || r.notify > (kNotifyNever | kNotifySuccess | kNotifyFailure | kNotifyDelay)) {
        return make_error(Errc::invalid_argument, "bad forwarded recipient");
      }
    }
  }
  const std::int64_t now = unix_now_seconds();
  return writer_->run<QueueBatchResult>([&](Connection& db) -> Result<QueueBatchResult> {
    QueueBatchResult result;
    std::vector<std::string> touched;
    std::vector<RecipientRowId> applied;
    for (const auto& u : batch.updates) {
      const char* state = u.state == RecipientState::delivered ? "delivered"
                          : u.state == RecipientState::failed  ? "failed"
                                                               : "pending";
      auto q = db.prepare(
          "UPDATE queue_recipients SET state = ?2, attempts = attempts + 1, last_reply = ?3, "
          "next_attempt_at = CASE WHEN ?2 = 'pending' THEN ?4 ELSE next_attempt_at END, "
          "last_status = ?5, last_relay = ?6, last_diagnostic = ?7 "
          "WHERE id = ?1 AND state = 'pending' RETURNING message_id");
      if (!q) return q.take_error();
      q->bind_int64(1, static_cast<std::int64_t>(u.recipient)).bind_text(2, state).bind_text(3, u.reply);
      q->bind_int64(4, u.next_attempt_at).bind_text(5, u.status).bind_text(6, u.relay).bind_text(7, u.diagnostic);
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) continue;  // no longer pending: recorded before
      std::string id = q->column_text(0);
      // Finish the statement so its cached form can be reused.
      while (true) {
        auto more = q->step();
        if (!more) return more.take_error();
        if (!*more) break;
      }
      applied.push_back(u.recipient);
      for (const QueueRecipient& r : u.forward) {
        if (auto s = insert_recipient(db, id, r, now); !s) return s.take_error();
      }
      if (std::find(touched.begin(), touched.end(), id) == touched.end()) touched.push_back(std::move(id));
    }
    for (const QueueNotice& notice : batch.notices) {
      const bool about_applied = std::any_of(notice.about.begin(), notice.about.end(), [&](RecipientRowId r) {
        return std::find(applied.begin(), applied.end(), r) != applied.end();
      });
      if (!about_applied) continue;
      if (notice.delay_warning) {
        auto q = db.prepare("UPDATE queue_messages SET delay_warned = 1 WHERE id = ?1 AND delay_warned = 0");
        if (!q) return q.take_error();
        q->bind_text(1, notice.about_message);
        if (auto s = q->run(); !s) return s.take_error();
        if (db.changes() == 0) continue;  // warned before (or gone)
      }
      if (auto s = insert_message(db, notice.message, now); !s) return s.take_error();
      result.enqueued.push_back(notice.message.id);
    }
    for (const auto& id : touched) {
      auto pending = has_pending(db, id);
      if (!pending) return pending.take_error();
      if (*pending) continue;
      if (auto s = delete_message(db, id); !s) return s.take_error();
      result.removed.push_back(id);
    }
    return result;
  });
}

Result<std::vector<std::string>> SqliteQueueStore::remove_all_done() {
  return writer_->run<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
    // Recipients go with their message (ON DELETE CASCADE).
    auto q = db.prepare(
        "DELETE FROM queue_messages WHERE NOT EXISTS (SELECT 1 FROM queue_recipients r "
        "WHERE r.message_id = queue_messages.id AND r.state = 'pending') RETURNING id");
    if (!q) return q.take_error();
    std::vector<std::string> removed;
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      removed.push_back(q->column_text(0));
    }
    return removed;
  });
}

Result<std::vector<QueueMessage>> SqliteQueueStore::list() {
  return readers_->with([&](Connection& db) -> Result<std::vector<QueueMessage>> {
    auto q = db.prepare(std::string(kJoinedColumns) + "ORDER BY m.arrived_at, m.id, r.id");
    if (!q) return q.take_error();
    return read_joined(*q);
  });
}

Result<QueueMessage> SqliteQueueStore::find(const std::string& id) {
  if (auto s = check_id(id); !s) return s.take_error();
  return readers_->with([&](Connection& db) -> Result<QueueMessage> {
    auto q = db.prepare(std::string(kJoinedColumns) + "WHERE m.id = ?1 ORDER BY r.id");
    if (!q) return q.take_error();
    q->bind_text(1, id);
    auto messages = read_joined(*q);
    if (!messages) return messages.take_error();
    if (messages->empty()) return not_queued(id);
    return std::move(messages->front());
  });
}

Status SqliteQueueStore::set_held(const std::string& id, bool held) {
  if (auto s = check_id(id); !s) return s;
  return writer_->run<void>([&](Connection& db) -> Status {
    auto q = db.prepare("UPDATE queue_messages SET held = ?2 WHERE id = ?1");
    if (!q) return q.take_error();
    q->bind_text(1, id).bind_int64(2, held ? 1 : 0);
    if (auto s = q->run(); !s) return s;
    if (db.changes() == 0) return not_queued(id);
    return {};
  });
}

Result<BlobInfo> SqliteQueueStore::remove(const std::string& id) {
  if (auto s = check_id(id); !s) return s.take_error();
  return writer_->run<BlobInfo>([&](Connection& db) -> Result<BlobInfo> {
    auto blob = read_blob(db, id);
    if (!blob) return blob.take_error();
    if (auto s = delete_message(db, id); !s) return s.take_error();
    return *blob;
  });
}

Result<std::uint64_t> SqliteQueueStore::flush() {
  return writer_->run<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
    auto q =
        db.prepare("UPDATE queue_recipients SET next_attempt_at = min(next_attempt_at, ?1) WHERE state = 'pending'");
    if (!q) return q.take_error();
    q->bind_int64(1, unix_now_seconds());
    if (auto s = q->run(); !s) return s.take_error();
    return static_cast<std::uint64_t>(db.changes());
  });
}

Result<std::vector<BlobId>> SqliteQueueStore::referenced_blobs() {
  return readers_->with([&](Connection& db) -> Result<std::vector<BlobId>> {
    auto q = db.prepare("SELECT DISTINCT blob_sha256 FROM queue_messages ORDER BY blob_sha256");
    if (!q) return q.take_error();
    std::vector<BlobId> out;
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return out;
      auto id = blob_id_from_column(*q, 0);
      if (!id) return id.take_error();
      out.push_back(*id);
    }
  });
}

}  // namespace postino::sqlite
