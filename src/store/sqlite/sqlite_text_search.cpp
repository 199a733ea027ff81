// The text index behind MailboxStore::search_text (IMAP SEARCH BODY and
// TEXT, RFC 9051 6.4.4): schema and invariants in migration 5
// (migrations.cpp). Rows are written here inside the caller's Writer job
// (deliver, copy), in the same savepoint as the message row they describe,
// as pending rows (migration 6) that the FTS5 tables do not see; a later
// low-priority job (index_pending_texts) moves them into the indexed
// tables in small batches, so delivery does not pay the trigram indexing.
// A pending message has no message_texts row: search_text reports it
// not_indexed and the caller scans it, so answers are exact meanwhile.
// The schema's triggers remove both kinds of rows with their message or
// blob.
// A query is an FTS5 conjunction of the needle's trigrams (candidates),
// confirmed by instr() on the stored text: exact substring semantics on the
// same text the IMAP scan computes (mime/search_text.hpp).
// Security: the needle comes from an IMAP client; it is bound as a value and
// quoted inside the FTS5 expression (never parsed as FTS5 syntax), and the
// number of trigrams looked up is bounded.
#include <algorithm>

#include "store/sqlite/sqlite_mailbox_rows.hpp"
#include "store/sqlite/sqlite_mailbox_store.hpp"

namespace postino::sqlite {
namespace rows {
namespace {

// message_texts.id = mailbox_id * 2^32 + uid; mailboxes above this id are
// not indexed (the id would overflow).
constexpr std::int64_t kMaxIndexedMailbox = (std::int64_t{1} << 31) - 1;

bool indexable_mailbox(MailboxId mailbox) { return sql(mailbox) > 0 && sql(mailbox) <= kMaxIndexedMailbox; }
std::int64_t text_id(MailboxId mailbox, std::int64_t uid) { return (sql(mailbox) << 32) + uid; }

}  // namespace

Status index_message_text(Connection& db, MailboxId mailbox, std::int64_t uid, const Delivery& delivery) {
  if (!delivery.search_body || !indexable_mailbox(mailbox)) return {};
  const std::string& body = *delivery.search_body;
  // SQLite's text functions stop at NUL: such a message stays unindexed and
  // is scanned, which gives the exact answer.
  if (body.find('\0') != std::string::npos || delivery.search_header.find('\0') != std::string::npos) return {};
  auto known = db.prepare("SELECT 1 FROM blob_texts WHERE sha256 = ?1");
  if (!known) return known.take_error();
  known->bind_blob(1, delivery.blob.id.sha256);
  auto found = known->step();
  if (!found) return found.take_error();
  if (!*found) {
    auto insert = db.prepare("INSERT OR IGNORE INTO pending_blob_texts (sha256, body) VALUES (?1, ?2)");
    if (!insert) return insert.take_error();
    insert->bind_blob(1, delivery.blob.id.sha256).bind_text(2, body);
    if (auto s = insert->run(); !s) return s;
  }
  auto header = db.prepare("INSERT INTO pending_message_texts (id, sha256, header) VALUES (?1, ?2, ?3)");
  if (!header) return header.take_error();
  header->bind_int64(1, text_id(mailbox, uid)).bind_blob(2, delivery.blob.id.sha256).bind_text(3, delivery.search_header);
  return header->run();
}

Status copy_message_text(Connection& db, MailboxId source, Uid source_uid, MailboxId destination,
                         std::int64_t destination_uid) {
  if (!indexable_mailbox(source) || !indexable_mailbox(destination)) return {};
  // The blob's body text (indexed or pending) stays: the copy holds one
  // more reference to it. The source has at most one of the two rows.
  for (const char* sql_text :
       {"INSERT INTO message_texts (id, header) SELECT ?2, header FROM message_texts WHERE id = ?1",
        "INSERT INTO pending_message_texts (id, sha256, header) SELECT ?2, sha256, header "
        "FROM pending_message_texts WHERE id = ?1"}) {
    auto q = db.prepare(sql_text);
    if (!q) return q.take_error();
    q->bind_int64(1, text_id(source, sql(source_uid))).bind_int64(2, text_id(destination, destination_uid));
    if (auto s = q->run(); !s) return s;
  }
  return {};
}

Result<std::size_t> index_pending_texts(Connection& db, std::size_t max_messages, std::size_t max_body_bytes) {
  struct Pending {
    std::int64_t id;
    std::vector<std::uint8_t> sha256;
  };
  std::vector<Pending> batch;
  {
    auto q = db.prepare("SELECT id, sha256 FROM pending_message_texts ORDER BY id LIMIT ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, static_cast<std::int64_t>(max_messages));
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      auto digest = q->column_blob(1);
      batch.push_back(Pending{q->column_int64(0), std::vector<std::uint8_t>(digest.begin(), digest.end())});
    }
  }
  std::size_t done = 0;
  std::size_t body_bytes = 0;
  for (const Pending& p : batch) {
    // Bounded work per transaction (the writer's other jobs wait for it):
    // at least one message, then stop once the body texts indexed reach
    // max_body_bytes.
    if (done > 0 && body_bytes >= max_body_bytes) break;
    ++done;
    // The body first (invariant: a message_texts row implies its blob's
    // blob_texts row); the blob_texts trigger feeds FTS5 here.
    auto body = db.prepare(
        "INSERT INTO blob_texts (sha256, body) SELECT sha256, body FROM pending_blob_texts WHERE sha256 = ?1 "
        "AND NOT EXISTS (SELECT 1 FROM blob_texts WHERE sha256 = ?1) RETURNING length(CAST(body AS BLOB))");
    if (!body) return body.take_error();
    body->bind_blob(1, p.sha256);
    auto moved = body->step();
    if (!moved) return moved.take_error();
    if (*moved) body_bytes += static_cast<std::size_t>(body->column_int64(0));
    if (auto rest = body->step(); !rest) return rest.take_error();  // finish the statement
    auto drop_body = db.prepare("DELETE FROM pending_blob_texts WHERE sha256 = ?1");
    if (!drop_body) return drop_body.take_error();
    drop_body->bind_blob(1, p.sha256);
    if (auto s = drop_body->run(); !s) return s.take_error();
    // Without a body text (not expected) the message stays unindexed and
    // scanned: the header row alone would make search trust a missing body.
    auto header = db.prepare(
        "INSERT INTO message_texts (id, header) SELECT p.id, p.header FROM pending_message_texts p "
        "WHERE p.id = ?1 AND EXISTS (SELECT 1 FROM blob_texts t WHERE t.sha256 = p.sha256)");
    if (!header) return header.take_error();
    header->bind_int64(1, p.id);
    if (auto s = header->run(); !s) return s.take_error();
    auto drop = db.prepare("DELETE FROM pending_message_texts WHERE id = ?1");
    if (!drop) return drop.take_error();
    drop->bind_int64(1, p.id);
    if (auto s = drop->run(); !s) return s.take_error();
  }
  if (done == batch.size() && batch.size() < max_messages) {
    // Caught up: drop body texts no pending message needs any more (their
    // messages went while pending, their blob is still referenced).
    auto orphans = db.prepare(
        "DELETE FROM pending_blob_texts WHERE sha256 NOT IN (SELECT sha256 FROM pending_message_texts)");
    if (!orphans) return orphans.take_error();
    if (auto s = orphans->run(); !s) return s.take_error();
  }
  return done;
}

}  // namespace rows

namespace {

using rows::sql;

// Bound on the trigrams one lookup intersects: more narrow the candidates
// little further, and each costs a doclist read; instr() decides anyway.
constexpr std::size_t kMaxTrigrams = 12;

// Body text indexed per index_pending_text call, about: trigram indexing
// costs ~10 ms per 100 KB on the writer, so ~100 ms of other jobs' wait.
constexpr std::size_t kMaxIndexBatchBodyBytes = std::size_t{1} << 20;

// The needle's code points as byte offsets (the needle is valid UTF-8: the
// caller case-folded it through ICU).
std::vector<std::size_t> code_point_starts(const std::string& text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  return starts;
}

// An FTS5 expression: the AND of distinct trigrams of the needle, each a
// quoted string ("" inside for "), spread over the whole needle.
std::string trigram_query(const std::string& needle, const std::vector<std::size_t>& starts) {
  const std::size_t count = starts.size() - 2;  // trigrams: starts.size() >= 3
  std::vector<std::string> grams;
  const std::size_t step = count <= kMaxTrigrams ? 1 : (count + kMaxTrigrams - 1) / kMaxTrigrams;
  for (std::size_t i = 0; i < count; i += step) {
    const std::size_t end = i + 3 < starts.size() ? starts[i + 3] : needle.size();
    grams.push_back(needle.substr(starts[i], end - starts[i]));
  }
  if ((count - 1) % step != 0) grams.push_back(needle.substr(starts[count - 1]));  // always the last one
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  std::string query;
  for (const std::string& gram : grams) {
    if (!query.empty()) query += " AND ";
    query += '"';
    for (char c : gram) {
      if (c == '"') query += '"';
      query += c;
    }
    query += '"';
  }
  return query;
}

Status collect_uids(Statement& q, std::vector<Uid>& out) {
  for (;;) {
    auto row = q.step();
    if (!row) return row.take_error();
    if (!*row) return {};
    out.push_back(rows::uid_of(q.column_int64(0)));
  }
}

// Keeps the members of `wanted` (sorted, unique) only; sorts and dedups.
std::vector<Uid> restrict_to(std::vector<Uid> found, const std::vector<Uid>& wanted) {
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::erase_if(found, [&](Uid uid) { return !std::binary_search(wanted.begin(), wanted.end(), uid); });
  return found;
}

}  // namespace

Result<std::size_t> SqliteMailboxStore::index_pending_text(std::size_t max_messages) {
  if (max_messages == 0) return std::size_t{0};
  // Low priority: while other writer jobs (deliveries, IMAP changes) are
  // waiting, do nothing now; the caller comes back later.
  if (writer_.stats().queued > 0) return std::size_t{0};
  // A read first, so an idle wake-up costs no write transaction (no fsync).
  auto pending = readers_.with([](Connection& db) -> Result<bool> {
    auto q = db.prepare("SELECT EXISTS (SELECT 1 FROM pending_message_texts) OR EXISTS (SELECT 1 FROM pending_blob_texts)");
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    return *row && q->column_int64(0) != 0;
  });
  if (!pending) return pending.take_error();
  if (!*pending) return std::size_t{0};
  return writer_.run<std::size_t>(
      [&](Connection& db) { return rows::index_pending_texts(db, max_messages, kMaxIndexBatchBodyBytes); });
}

Result<TextSearchResult> SqliteMailboxStore::search_text(MailboxId mailbox, std::span<const Uid> uids,
                                                         TextSearchScope scope, const std::string& needle) {
  const std::vector<std::size_t> starts = code_point_starts(needle);
  if (starts.size() < kMinTextSearchChars) {
    return make_error(Errc::unsupported, "a text index lookup needs at least 3 characters");
  }
  if (needle.find('\0') != std::string::npos) return make_error(Errc::unsupported, "NUL in a search string");
  if (sql(mailbox) <= 0 || sql(mailbox) > (std::int64_t{1} << 31) - 1) {
    return make_error(Errc::unsupported, "mailbox " + rows::mailbox_text(mailbox) + " is not indexed");
  }
  const std::vector<Uid> wanted = rows::sorted_unique(uids);
  const std::string query = trigram_query(needle, starts);
  const std::int64_t first_id = sql(mailbox) << 32;
  const std::int64_t last_id = first_id + rows::kUidMax;
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<TextSearchResult> {
      std::vector<Uid> matched;
      std::vector<Uid> not_indexed;
      // Body text: from the mailbox's messages to their blobs' texts; the
      // FTS5 candidates are computed once (an uncorrelated IN), and the
      // stored text is read only for candidates (the CASE keeps that order).
      auto body = db.prepare(
          "SELECT m.uid FROM messages m JOIN blob_texts t ON t.sha256 = m.blob_sha256 "
          "WHERE m.mailbox_id = ?1 AND CASE WHEN t.id IN "
          "(SELECT rowid FROM blob_text_index WHERE blob_text_index MATCH ?2) "
          "THEN instr(t.body, ?3) > 0 ELSE 0 END");
      if (!body) return body.take_error();
      body->bind_int64(1, sql(mailbox)).bind_text(2, query).bind_text(3, needle);
      if (auto s = collect_uids(*body, matched); !s) return s.take_error();
      if (scope == TextSearchScope::text) {
        auto header = db.prepare(
            "SELECT id - ?1 FROM message_texts WHERE id BETWEEN ?1 AND ?2 AND CASE WHEN id IN "
            "(SELECT rowid FROM message_text_index WHERE message_text_index MATCH ?3 AND rowid BETWEEN ?1 AND ?2) "
            "THEN instr(header, ?4) > 0 ELSE 0 END");
        if (!header) return header.take_error();
        header->bind_int64(1, first_id).bind_int64(2, last_id).bind_text(3, query).bind_text(4, needle);
        if (auto s = collect_uids(*header, matched); !s) return s.take_error();
      }
      auto missing = db.prepare(
          "SELECT m.uid FROM messages m WHERE m.mailbox_id = ?1 "
          "AND NOT EXISTS (SELECT 1 FROM message_texts x WHERE x.id = ?2 + m.uid)");
      if (!missing) return missing.take_error();
      missing->bind_int64(1, sql(mailbox)).bind_int64(2, first_id);
      if (auto s = collect_uids(*missing, not_indexed); !s) return s.take_error();
      // A message without its own text row is unindexed even when its blob's
      // body text is there (another message brought it).
      TextSearchResult result{restrict_to(std::move(matched), wanted), restrict_to(std::move(not_indexed), wanted)};
      std::erase_if(result.matched, [&](Uid uid) {
        return std::binary_search(result.not_indexed.begin(), result.not_indexed.end(), uid);
      });
      return result;
    });
  });
}

}  // namespace postino::sqlite
