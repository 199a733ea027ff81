// SqliteMailboxStore::copy_messages (COPY, MOVE: RFC 9051 6.4.7, RFC 6851,
// COPYUID RFC 4315) and the row copy that RENAME INBOX reuses. A copy is
// new message rows sharing the source's blob (one more reference each); a
// move also deletes the sources, and the delete triggers release them and
// log the expunge. The copy gets the source's header text (the body text is
// per blob, already shared).
#include <map>

#include "store/sqlite/sqlite_blob_index.hpp"
#include "store/sqlite/sqlite_mailbox_rows.hpp"
#include "store/sqlite/sqlite_mailbox_store.hpp"
#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace rows {

Result<CopyOutcome> copy_rows(Connection& db, MailboxId source, const std::vector<Uid>* wanted,
                              MailboxId destination, std::uint64_t quota_bytes, bool move) {
  auto from = counters_by_id(db, source);
  if (!from) return from.take_error();
  if (!*from) return no_mailbox(source);
  auto to = counters_by_id(db, destination);
  if (!to) return to.take_error();
  if (!*to) return no_mailbox(destination);

  const std::vector<UidRun> runs = wanted == nullptr ? kAllUids : uid_runs(*wanted);
  auto messages = read_message_rows(db, source, runs, wanted, false);
  if (!messages) return messages.take_error();
  CopyOutcome outcome;
  outcome.uid_validity = (*to)->uid_validity;
  if (messages->empty()) return outcome;

  std::uint64_t total_bytes = 0;
  std::map<BlobId, BlobInfo> blobs;
  std::map<BlobId, std::uint32_t> new_refs;
  for (const MessageRecord& m : *messages) {
    total_bytes += m.size_bytes;
    blobs[m.blob] = BlobInfo{m.blob, m.size_bytes - m.header_prefix.size()};
    ++new_refs[m.blob];
  }
  // A move inside one account leaves its usage unchanged, so it is never
  // refused (moving to Trash must work for an account at its quota).
  const bool same_account = (*from)->account == (*to)->account;
  if (quota_bytes > 0 && !(move && same_account)) {
    auto used = used_bytes(db, (*to)->account);
    if (!used) return used.take_error();
    if (*used > quota_bytes || total_bytes > quota_bytes - *used) {
      return make_error(Errc::over_quota, "account " + account_text((*to)->account) + " is over quota: " +
                                              std::to_string(*used) + " of " + std::to_string(quota_bytes) +
                                              " bytes used, the copy needs " + std::to_string(total_bytes));
    }
  }
  const auto count = static_cast<std::int64_t>(messages->size());
  if ((*to)->uid_next + count - 1 > kUidMax) {
    return make_error(Errc::unsupported, "mailbox " + mailbox_text(destination) + " has too few UIDs left");
  }

  const std::int64_t modseq = (*to)->highest_modseq + 1;
  const std::int64_t now = unix_now_seconds();
  for (std::int64_t i = 0; i < count; ++i) {
    const MessageRecord& m = (*messages)[static_cast<std::size_t>(i)];
    const std::int64_t uid = (*to)->uid_next + i;
    // RFC 4315 COPYUID: destination UIDs in the order of the source UIDs.
    outcome.source_uids.push_back(m.uid);
    outcome.destination_uids.push_back(uid_of(uid));
    auto row = db.prepare(
        "INSERT INTO messages (mailbox_id, uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq, "
        "system_flags, save_date) SELECT ?3, ?4, blob_sha256, header_prefix, size_bytes, internal_date, ?5, "
        "system_flags, ?6 FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
    if (!row) return row.take_error();
    row->bind_int64(1, sql(source)).bind_int64(2, sql(m.uid)).bind_int64(3, sql(destination)).bind_int64(4, uid);
    row->bind_int64(5, modseq).bind_int64(6, now);
    if (auto s = row->run(); !s) return s.take_error();
    auto keywords = db.prepare(
        "INSERT INTO message_keywords (mailbox_id, uid, keyword) SELECT ?3, ?4, keyword FROM message_keywords "
        "WHERE mailbox_id = ?1 AND uid = ?2");
    if (!keywords) return keywords.take_error();
    keywords->bind_int64(1, sql(source)).bind_int64(2, sql(m.uid)).bind_int64(3, sql(destination)).bind_int64(4, uid);
    if (auto s = keywords->run(); !s) return s.take_error();
    auto structure = db.prepare(
        "INSERT INTO message_structures (mailbox_id, uid, structure) SELECT ?3, ?4, structure "
        "FROM message_structures WHERE mailbox_id = ?1 AND uid = ?2");
    if (!structure) return structure.take_error();
    structure->bind_int64(1, sql(source)).bind_int64(2, sql(m.uid)).bind_int64(3, sql(destination)).bind_int64(4, uid);
    if (auto s = structure->run(); !s) return s.take_error();
    if (auto s = copy_message_text(db, source, m.uid, destination, uid); !s) return s.take_error();
  }
  for (const auto& [id, refs] : new_refs) {
    if (auto s = add_blob_refs(db, blobs[id], refs); !s) return s.take_error();
  }
  auto advance = db.prepare(
      "UPDATE mailboxes SET uid_next = uid_next + ?2, highest_modseq = ?3, message_count = message_count + ?2, "
      "size_bytes = size_bytes + ?4 WHERE id = ?1");
  if (!advance) return advance.take_error();
  advance->bind_int64(1, sql(destination))
      .bind_int64(2, count)
      .bind_int64(3, modseq)
      .bind_int64(4, static_cast<std::int64_t>(total_bytes));
  if (auto s = advance->run(); !s) return s.take_error();
  if (auto s = add_usage(db, (*to)->account, total_bytes, static_cast<std::uint64_t>(count)); !s) {
    return s.take_error();
  }
  if (move) {
    // RFC 6851 3.3: the sources are expunged in the same transaction.
    if (auto s = expunge_rows(db, source, outcome.source_uids); !s) return s.take_error();
    outcome.expunged = outcome.source_uids;
  }
  return outcome;
}

}  // namespace rows

Result<CopyOutcome> SqliteMailboxStore::copy_messages(MailboxId source, std::span<const Uid> uids,
                                                      MailboxId destination, std::uint64_t quota_bytes, bool move) {
  const std::vector<Uid> wanted = rows::sorted_unique(uids);
  return writer_.run<CopyOutcome>([&](Connection& db) -> Result<CopyOutcome> {
    return rows::copy_rows(db, source, &wanted, destination, quota_bytes, move);
  });
}

}  // namespace postino::sqlite
