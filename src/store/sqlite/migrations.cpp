// The schema history of the SQLite metadata database and the runner that
// applies it (to this list or another database's, see queue_migrations.cpp).
// Append new steps at the end; never edit a released step.
#include "store/sqlite/migrations.hpp"

#include <array>
#include <cassert>
#include <string>

#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

// Conventions: STRICT tables (types enforced); unix seconds in *_at and
// *_since columns; addresses and domain names stored canonical (lower-case),
// so plain equality is the lookup. Foreign keys RESTRICT deletes: removing a
// domain with accounts is refused by the engine even if code forgets to check.
// accounts.status is TEXT without a CHECK so later states (e.g. 'deleted'
// with retention) need no table rebuild; the code validates it on read.
constexpr const char* kSchema1 = R"sql(
CREATE TABLE domains (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  address       TEXT NOT NULL UNIQUE,
  domain_id     INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,
  password_hash TEXT NOT NULL,
  quota_bytes   INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),
  status        TEXT NOT NULL DEFAULT 'active',
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_by_domain ON accounts(domain_id, address);

-- One row per (alias, target); position keeps insertion order. domain_id is
-- the alias address's domain, so a domain with aliases cannot be deleted.
CREATE TABLE alias_targets (
  address   TEXT NOT NULL,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,
  target    TEXT NOT NULL,
  position  INTEGER NOT NULL,
  PRIMARY KEY (address, target)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX alias_targets_order ON alias_targets(address, position);
CREATE INDEX alias_targets_by_domain ON alias_targets(domain_id, address);
CREATE INDEX alias_targets_by_target ON alias_targets(target);

-- Reference counts of content-addressed blobs (blob_index.hpp). zero_since is
-- when ref_count last reached 0 (NULL while referenced): GC waits a grace
-- period after it.
CREATE TABLE blobs (
  sha256     BLOB PRIMARY KEY CHECK (length(sha256) = 32),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  ref_count  INTEGER NOT NULL CHECK (ref_count >= 0),
  zero_since INTEGER,
  created_at INTEGER NOT NULL,
  CHECK ((ref_count = 0) = (zero_since IS NOT NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX blobs_unreferenced ON blobs(zero_since) WHERE ref_count = 0;
)sql";

// Message store (mailbox_store.hpp). Counters (mailboxes.uid_next,
// highest_modseq, message_count, size_bytes; account_usage; blobs.ref_count)
// rise in code, in the same transaction as the message row they count
// (SqliteMailboxStore), and fall in the triggers below when a message row
// goes, however it goes: an expunge, or a cascade from deleting its mailbox
// or account. So a move is an insert plus a delete, and no code path can
// leak a blob reference or quota.
// System flags are a bit set (kSeen 1, kAnswered 2, kFlagged 4, kDeleted 8,
// kDraft 16; see sqlite_mailbox_store.cpp); keywords have their own table so
// SEARCH KEYWORD is an index lookup. CONDSTORE/QRESYNC add an expunge log later.
constexpr const char* kSchema2 = R"sql(
CREATE TABLE mailboxes (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name           TEXT NOT NULL CHECK (name <> ''),
  uid_validity   INTEGER NOT NULL CHECK (uid_validity BETWEEN 1 AND 4294967295),
  uid_next       INTEGER NOT NULL DEFAULT 1 CHECK (uid_next BETWEEN 1 AND 4294967296),
  highest_modseq INTEGER NOT NULL DEFAULT 0 CHECK (highest_modseq >= 0),
  special_use    TEXT NOT NULL DEFAULT '',
  message_count  INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  size_bytes     INTEGER NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
  created_at     INTEGER NOT NULL,
  UNIQUE (account_id, name)
) STRICT;
-- New UIDVALIDITY values are max + 1 at least (distinct, never reused).
CREATE INDEX mailboxes_by_uid_validity ON mailboxes(uid_validity);

CREATE TABLE messages (
  mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid           INTEGER NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
  blob_sha256   BLOB NOT NULL CHECK (length(blob_sha256) = 32),
  header_prefix BLOB NOT NULL,
  size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
  internal_date INTEGER NOT NULL,
  modseq        INTEGER NOT NULL CHECK (modseq >= 1),
  system_flags  INTEGER NOT NULL DEFAULT 0 CHECK (system_flags BETWEEN 0 AND 31),
  PRIMARY KEY (mailbox_id, uid)
) STRICT, WITHOUT ROWID;

CREATE TABLE message_keywords (
  mailbox_id INTEGER NOT NULL,
  uid        INTEGER NOT NULL,
  keyword    TEXT NOT NULL CHECK (keyword <> ''),
  PRIMARY KEY (mailbox_id, uid, keyword),
  FOREIGN KEY (mailbox_id, uid) REFERENCES messages(mailbox_id, uid) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Created with the account's first message; the quota check reads it.
CREATE TABLE account_usage (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  bytes      INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  messages   INTEGER NOT NULL DEFAULT 0 CHECK (messages >= 0)
) STRICT;

-- Idempotent delivery: one row per (account, queue id + recipient) key.
-- mailbox_id/uid say where it went (informational: no foreign key, the
-- message may be expunged since). delivered_at lets a later job prune rows
-- older than the queue's maximum lifetime.
CREATE TABLE deliveries (
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  delivery_key TEXT NOT NULL,
  mailbox_id   INTEGER NOT NULL,
  uid          INTEGER NOT NULL,
  delivered_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, delivery_key)
) STRICT, WITHOUT ROWID;

-- SQLite deletes the parent row before cascading to its children, so when a
-- mailbox goes its messages no longer find it: the mailbox's own trigger
-- then takes its totals off the account, and the message trigger only
-- releases the blob.
CREATE TRIGGER messages_release AFTER DELETE ON messages BEGIN
  UPDATE blobs SET ref_count = ref_count - 1,
                   zero_since = CASE WHEN ref_count = 1 THEN CAST(strftime('%s', 'now') AS INTEGER) ELSE NULL END
   WHERE sha256 = old.blob_sha256;
  UPDATE account_usage SET bytes = bytes - old.size_bytes, messages = messages - 1
   WHERE account_id = (SELECT account_id FROM mailboxes WHERE id = old.mailbox_id);
  UPDATE mailboxes SET message_count = message_count - 1, size_bytes = size_bytes - old.size_bytes
   WHERE id = old.mailbox_id;
END;

CREATE TRIGGER mailboxes_release AFTER DELETE ON mailboxes BEGIN
  UPDATE account_usage SET bytes = bytes - old.size_bytes, messages = messages - old.message_count
   WHERE account_id = old.account_id;
END;
)sql";

// IMAP and POP3 (mailbox_store.hpp), on top of migration 2's counter
// discipline (counters rise in code, fall in triggers):
// - mailboxes.recent_uid: the first UID no session has claimed as \Recent
//   yet (claim_recent moves it to uid_next).
// - messages.save_date (RFC 8514): when the row entered its mailbox; rows
//   from before this step take their internal date, which delivery set to
//   the arrival time.
// - message_structures: the parsed MIME structure, in its own table so the
//   messages rows stay small and list/flag/changes scans over 100,000
//   messages do not page through kilobytes of structure each.
// - expunged: the expunge log for QRESYNC (RFC 7162 3.2.5.2) and IDLE. The
//   trigger below logs every message row that goes, with its mailbox's
//   highest_modseq, which the code raises in the same transaction before it
//   deletes (expunge, move): so each expunge gets a modseq above every
//   earlier one. When the mailbox itself goes, SQLite deletes the mailbox row
//   before cascading to its messages (see migration 2), the trigger finds no
//   mailbox and logs nothing, and the mailbox's log rows cascade away too.
//   Its key starts with the modseq, so "expunged since" is a range scan and
//   logging appends (a secondary index on the modseq instead made each
//   logged delete several times slower when measured). Nothing prunes it
//   yet: about 20 bytes per expunged message.
// - subscriptions: names, not mailbox ids (RFC 9051 6.3.7: a subscription
//   may name a mailbox that does not exist).
// - indexes: changes since a modseq; \Deleted (EXPUNGE) and unseen (STATUS)
//   as covering partial indexes so they cost O(matching) rather than
//   O(mailbox) (queries name them with INDEXED BY: without statistics the
//   planner prefers the primary key); keywords by name, case-insensitively,
//   for KEYWORD lookups and spelling.
constexpr const char* kSchema3 = R"sql(
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1
  CHECK (recent_uid BETWEEN 1 AND 4294967296);

ALTER TABLE messages ADD COLUMN save_date INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET save_date = internal_date;

CREATE TABLE message_structures (
  mailbox_id INTEGER NOT NULL,
  uid        INTEGER NOT NULL,
  structure  BLOB NOT NULL,
  UNIQUE (mailbox_id, uid),
  FOREIGN KEY (mailbox_id, uid) REFERENCES messages(mailbox_id, uid) ON DELETE CASCADE
) STRICT;

CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid        INTEGER NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
  modseq     INTEGER NOT NULL CHECK (modseq >= 1),
  PRIMARY KEY (mailbox_id, modseq, uid)
) STRICT, WITHOUT ROWID;

CREATE TABLE subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL CHECK (name <> ''),
  PRIMARY KEY (account_id, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX messages_by_modseq ON messages(mailbox_id, modseq);
CREATE INDEX messages_deleted ON messages(mailbox_id, uid, system_flags) WHERE system_flags & 8 <> 0;
CREATE INDEX messages_unseen ON messages(mailbox_id, uid, system_flags) WHERE system_flags & 1 = 0;
CREATE INDEX message_keywords_by_name ON message_keywords(mailbox_id, keyword COLLATE NOCASE);

CREATE TRIGGER messages_log_expunge AFTER DELETE ON messages BEGIN
  INSERT INTO expunged (mailbox_id, uid, modseq)
    SELECT id, old.uid, max(highest_modseq, 1) FROM mailboxes WHERE id = old.mailbox_id;
END;
)sql";

// Submission (R-OUT1..3):
// - accounts.scram_secrets: SCRAM-SHA-256 stored secrets ("" when none: the
//   account logs in with PLAIN/LOGIN only until its password is set again).
// - accounts.sending_suspended, messages_per_hour, recipients_per_hour
//   (NULL: the configured default).
// - sender_grants: addresses (or "@domain") an account may send as beyond
//   its own and its aliases'; they go with the account.
// - send_counters: per key (the account address) and fixed window, so every
//   submission node sharing the database shares the totals. Not tied to the
//   account: a window outlives nothing by more than an hour.
constexpr const char* kSchema4 = R"sql(
ALTER TABLE accounts ADD COLUMN scram_secrets TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN sending_suspended INTEGER NOT NULL DEFAULT 0
  CHECK (sending_suspended IN (0, 1));
ALTER TABLE accounts ADD COLUMN messages_per_hour INTEGER CHECK (messages_per_hour >= 0);
ALTER TABLE accounts ADD COLUMN recipients_per_hour INTEGER CHECK (recipients_per_hour >= 0);

CREATE TABLE sender_grants (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  sender     TEXT NOT NULL CHECK (sender <> ''),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, sender)
) STRICT, WITHOUT ROWID;

CREATE TABLE send_counters (
  key          TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  messages     INTEGER NOT NULL DEFAULT 0 CHECK (messages >= 0),
  recipients   INTEGER NOT NULL DEFAULT 0 CHECK (recipients >= 0),
  PRIMARY KEY (key, window_start)
) STRICT, WITHOUT ROWID;
CREATE INDEX send_counters_by_window ON send_counters(window_start);
)sql";

// Text search (MailboxStore::search_text; IMAP SEARCH BODY and TEXT):
// - blob_texts: the case-folded body text, once per blob however many
//   messages share it (R-ST3); it goes when the blob's reference count
//   reaches 0 (trigger below), i.e. with the last message using it.
// - message_texts: the case-folded header text, per message row (the
//   per-recipient header prefix makes it differ between recipients). Its id
//   is mailbox_id * 2^32 + uid, so a mailbox's rows are one id range and
//   no second index is needed; the code indexes only mailboxes whose id is
//   below 2^31 (larger ids are left unindexed and scanned). It goes with its
//   message row (trigger), however that row goes (expunge, move, cascade
//   from deleting the mailbox or the account). A message is "indexed" iff it
//   has a message_texts row; the code inserts one only together with (or
//   after) its blob's blob_texts row, so its body text is then present too.
// - *_index: FTS5 over those two tables (external content, kept in sync by
//   the triggers, so 'rebuild' can regenerate them) with the trigram
//   tokenizer: any substring of 3+ characters is a conjunction of trigrams.
//   detail=none keeps the index about 3x smaller than detail=full; it only
//   says "contains all these trigrams", and the query then checks the exact
//   substring with instr() on the stored text of those candidates.
constexpr const char* kSchema5 = R"sql(
CREATE TABLE blob_texts (
  id     INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),
  body   TEXT NOT NULL
) STRICT;

CREATE TABLE message_texts (
  id     INTEGER PRIMARY KEY CHECK (id > 0),
  header TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE blob_text_index USING fts5(
  body, content = 'blob_texts', content_rowid = 'id', tokenize = 'trigram case_sensitive 0', detail = none);
CREATE VIRTUAL TABLE message_text_index USING fts5(
  header, content = 'message_texts', content_rowid = 'id', tokenize = 'trigram case_sensitive 0', detail = none);

CREATE TRIGGER blob_texts_index AFTER INSERT ON blob_texts BEGIN
  INSERT INTO blob_text_index (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER blob_texts_unindex AFTER DELETE ON blob_texts BEGIN
  INSERT INTO blob_text_index (blob_text_index, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER message_texts_index AFTER INSERT ON message_texts BEGIN
  INSERT INTO message_text_index (rowid, header) VALUES (new.id, new.header);
END;
CREATE TRIGGER message_texts_unindex AFTER DELETE ON message_texts BEGIN
  INSERT INTO message_text_index (message_text_index, rowid, header) VALUES ('delete', old.id, old.header);
END;

CREATE TRIGGER messages_drop_text AFTER DELETE ON messages BEGIN
  DELETE FROM message_texts WHERE id = old.mailbox_id * 4294967296 + old.uid;
END;
CREATE TRIGGER blobs_drop_text AFTER UPDATE OF ref_count ON blobs WHEN new.ref_count = 0 BEGIN
  DELETE FROM blob_texts WHERE sha256 = new.sha256;
END;
)sql";

// Deferred text indexing (decision 0004, "Consequences"): delivery, APPEND
// and COPY write the search text here, plain rows without FTS5, and a
// background job (MailboxStore::index_pending_text) moves them into
// blob_texts / message_texts in small batches, which is where the trigram
// indexing is paid. Until then the message has no message_texts row, so
// search_text reports it not_indexed and the caller scans it: answers are
// exact at every moment.
// - pending_blob_texts: a blob's body text, once per blob, only while
//   blob_texts has none for it; it goes when the blob's reference count
//   reaches 0 (trigger) or when the job moves it.
// - pending_message_texts: a message's header text (same id as
//   message_texts) and its blob; it goes with its message row (trigger).
constexpr const char* kSchema6 = R"sql(
CREATE TABLE pending_blob_texts (
  sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
  body   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE pending_message_texts (
  id     INTEGER PRIMARY KEY CHECK (id > 0),
  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
  header TEXT NOT NULL
) STRICT;

CREATE TRIGGER messages_drop_pending_text AFTER DELETE ON messages BEGIN
  DELETE FROM pending_message_texts WHERE id = old.mailbox_id * 4294967296 + old.uid;
END;
CREATE TRIGGER blobs_drop_pending_text AFTER UPDATE OF ref_count ON blobs WHEN new.ref_count = 0 BEGIN
  DELETE FROM pending_blob_texts WHERE sha256 = new.sha256;
END;
)sql";

constexpr std::array kMigrations{
    Migration{1, "directory tables and blob reference counts", kSchema1},
    Migration{2, "mailboxes, messages, quota usage and delivery keys", kSchema2},
    Migration{3, "IMAP: recent marks, save dates, MIME structures, expunge log, subscriptions", kSchema3},
    Migration{4, "submission: SCRAM secrets, sending controls, sender grants, send counters", kSchema4},
    Migration{5, "text search: body text per blob, header text per message, FTS5 trigram indexes", kSchema5},
    Migration{6, "text search: pending texts, indexed later by a background job", kSchema6},
};

constexpr const char* kCreateVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  INTEGER NOT NULL
) STRICT;
)sql";

Error with_context(const Migration& step, Error error) {
  error.message = "migration " + std::to_string(step.version) + " (" + step.description + "): " + error.message;
  return error;
}

// One step in one transaction; re-reads the version inside it so a step
// another process applied meanwhile is skipped. Returns the version after.
Result<int> apply_one(Connection& db, const Migration& step) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s.take_error();
  auto body = [&]() -> Result<int> {
    if (auto s = db.exec(kCreateVersionTable); !s) return s.take_error();
    auto current = read_schema_version(db);
    if (!current || *current >= step.version) return current;
    if (auto s = db.exec(step.sql); !s) return with_context(step, s.take_error());
    auto insert = db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?1, ?2, ?3)");
    if (!insert) return insert.take_error();
    insert->bind_int64(1, step.version).bind_text(2, step.description).bind_int64(3, unix_now_seconds());
    if (auto s = insert->run(); !s) return s.take_error();
    return step.version;
  };
  auto version = body();
  if (!version) {
    (void)db.exec("ROLLBACK");
    return version;
  }
  if (auto s = db.exec("COMMIT"); !s) {
    (void)db.exec("ROLLBACK");
    return s.take_error();
  }
  return version;
}

}  // namespace

std::span<const Migration> builtin_migrations() { return kMigrations; }

Result<int> read_schema_version(Connection& db) {
  auto exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return exists.take_error();
  auto row = exists->step();
  if (!row) return row.take_error();
  if (!*row) return 0;
  auto max = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!max) return max.take_error();
  auto has = max->step();
  if (!has) return has.take_error();
  return static_cast<int>(max->column_int64(0));
}

Result<int> apply_migrations(Connection& db, std::span<const Migration> steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) assert(steps[i].version == static_cast<int>(i) + 1);
  auto current = read_schema_version(db);
  if (!current) return current;
  int newest = static_cast<int>(steps.size());
  if (*current > newest) {
    return make_error(Errc::unsupported, "schema version " + std::to_string(*current) +
                                             " is newer than this build supports (" + std::to_string(newest) + ")");
  }
  int version = *current;
  for (const Migration& step : steps) {
    if (step.version <= version) continue;
    auto applied = apply_one(db, step);
    if (!applied) return applied;
    version = *applied;
  }
  return version;
}

}  // namespace postino::sqlite
