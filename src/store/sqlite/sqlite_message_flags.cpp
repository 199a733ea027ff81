// SqliteMailboxStore: STORE (RFC 9051 6.4.6) with CONDSTORE's modseqs and
// UNCHANGEDSINCE (RFC 7162 3.1.3), EXPUNGE / UID EXPUNGE / POP3 QUIT with
// the expunge log, and the change stream for CONDSTORE/QRESYNC and IDLE.
// Each call that changes anything takes one new modseq above the mailbox's
// highest, so modseqs of a mailbox only rise.
#include <algorithm>

#include "store/sqlite/sqlite_mailbox_rows.hpp"
#include "store/sqlite/sqlite_mailbox_store.hpp"

namespace postino::sqlite {
namespace {

using rows::sql;

bool contains_keyword(const std::vector<std::string>& keywords, const std::string& keyword) {
  return std::any_of(keywords.begin(), keywords.end(),
                     [&](const std::string& k) { return rows::same_keyword(k, keyword); });
}

// A stored message's flags split back into bits and keywords.
rows::FlagSet split_flags(const std::vector<std::string>& names) {
  rows::FlagSet out;
  for (const std::string& name : names) {
    if (!name.empty() && name.front() == '\\') {
      auto one = rows::parse_flags({name});
      if (one) out.bits |= one->bits;
    } else {
      out.keywords.push_back(name);
    }
  }
  return out;
}

// The keywords after the operation, in a stable (sorted) order.
std::vector<std::string> apply_keywords(const std::vector<std::string>& current, const std::vector<std::string>& given,
                                        FlagOperation operation) {
  std::vector<std::string> out;
  switch (operation) {
    case FlagOperation::add:
      out = current;
      for (const std::string& k : given) {
        if (!contains_keyword(out, k)) out.push_back(k);
      }
      break;
    case FlagOperation::remove:
      for (const std::string& k : current) {
        if (!contains_keyword(given, k)) out.push_back(k);
      }
      break;
    case FlagOperation::replace:
      out = given;
      break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t apply_bits(std::int64_t current, std::int64_t given, FlagOperation operation) {
  switch (operation) {
    case FlagOperation::add: return current | given;
    case FlagOperation::remove: return current & ~given;
    case FlagOperation::replace: return given;
  }
  return current;
}

Status write_keywords(Connection& db, MailboxId mailbox, Uid uid, const std::vector<std::string>& before,
                      const std::vector<std::string>& after) {
  for (const std::string& k : before) {
    if (std::find(after.begin(), after.end(), k) != after.end()) continue;
    auto q = db.prepare("DELETE FROM message_keywords WHERE mailbox_id = ?1 AND uid = ?2 AND keyword = ?3");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, sql(uid)).bind_text(3, k);
    if (auto s = q->run(); !s) return s;
  }
  for (const std::string& k : after) {
    if (std::find(before.begin(), before.end(), k) != before.end()) continue;
    auto q = db.prepare("INSERT OR IGNORE INTO message_keywords (mailbox_id, uid, keyword) VALUES (?1, ?2, ?3)");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, sql(uid)).bind_text(3, k);
    if (auto s = q->run(); !s) return s;
  }
  return {};
}

Result<StoreFlagsOutcome> store(Connection& db, MailboxId mailbox, const std::vector<Uid>& wanted,
                                FlagOperation operation, rows::FlagSet given,
                                std::optional<std::uint64_t> unchanged_since) {
  auto counters = rows::counters_by_id(db, mailbox);
  if (!counters) return counters.take_error();
  if (!*counters) return rows::no_mailbox(mailbox);
  if (operation != FlagOperation::remove) {
    if (auto s = rows::adopt_mailbox_spellings(db, mailbox, given.keywords); !s) return s.take_error();
  }
  auto messages = rows::read_message_rows(db, mailbox, rows::uid_runs(wanted), &wanted, false);
  if (!messages) return messages.take_error();

  const std::int64_t modseq = (*counters)->highest_modseq + 1;
  StoreFlagsOutcome out;
  for (const MessageRecord& message : *messages) {
    // RFC 7162 3.1.3: a message changed after UNCHANGEDSINCE is left alone.
    if (unchanged_since && message.modseq > *unchanged_since) {
      out.modified.push_back(message.uid);
      continue;
    }
    rows::FlagSet current = split_flags(message.flags);
    std::sort(current.keywords.begin(), current.keywords.end());
    const std::int64_t bits = apply_bits(current.bits, given.bits, operation);
    std::vector<std::string> keywords = apply_keywords(current.keywords, given.keywords, operation);
    if (bits == current.bits && keywords == current.keywords) continue;
    if (keywords.size() > rows::kMaxKeywordsPerMessage) {
      return make_error(Errc::invalid_argument,
                        "more than " + std::to_string(rows::kMaxKeywordsPerMessage) + " keywords on one message");
    }
    auto q = db.prepare("UPDATE messages SET system_flags = ?3, modseq = ?4 WHERE mailbox_id = ?1 AND uid = ?2");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, sql(message.uid)).bind_int64(3, bits).bind_int64(4, modseq);
    if (auto s = q->run(); !s) return s.take_error();
    if (auto s = write_keywords(db, mailbox, message.uid, current.keywords, keywords); !s) return s.take_error();
    out.changed.push_back(MessageFlags{message.uid, static_cast<std::uint64_t>(modseq), rows::flag_names(bits, keywords)});
  }
  if (!out.changed.empty()) {
    auto q = db.prepare("UPDATE mailboxes SET highest_modseq = ?2 WHERE id = ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, modseq);
    if (auto s = q->run(); !s) return s.take_error();
  }
  return out;
}

Result<std::vector<Uid>> collect_uids(Statement& q) {
  std::vector<Uid> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.take_error();
    if (!*row) return out;
    out.push_back(rows::uid_of(q.column_int64(0)));
  }
}

// The UIDs an expunge removes, ascending.
Result<std::vector<Uid>> expunge_targets(Connection& db, MailboxId mailbox, const ExpungeFilter& filter) {
  std::vector<Uid> wanted;
  if (filter.uids) wanted = rows::sorted_unique(*filter.uids);
  if (filter.deleted_only) {
    // The partial index messages_deleted: O(\Deleted messages).
    auto q = db.prepare(
        "SELECT uid FROM messages INDEXED BY messages_deleted WHERE mailbox_id = ?1 AND system_flags & 8 <> 0 "
        "ORDER BY uid");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox));
    auto deleted = collect_uids(*q);
    if (!deleted || !filter.uids) return deleted;
    std::vector<Uid> out;
    std::set_intersection(deleted->begin(), deleted->end(), wanted.begin(), wanted.end(), std::back_inserter(out));
    return out;
  }
  std::vector<Uid> out;
  for (const rows::UidRun& run : filter.uids ? rows::uid_runs(wanted) : rows::kAllUids) {
    auto q = db.prepare("SELECT uid FROM messages WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3 ORDER BY uid");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, run.first).bind_int64(3, run.last);
    auto found = collect_uids(*q);
    if (!found) return found.take_error();
    for (Uid uid : *found) {
      if (!filter.uids || std::binary_search(wanted.begin(), wanted.end(), uid)) out.push_back(uid);
    }
  }
  return out;
}

}  // namespace

Result<StoreFlagsOutcome> SqliteMailboxStore::store_flags(MailboxId mailbox, std::span<const Uid> uids,
                                                          FlagOperation operation,
                                                          const std::vector<std::string>& flags,
                                                          std::optional<std::uint64_t> unchanged_since) {
  auto given = rows::parse_flags(flags);
  if (!given) return given.take_error();
  const std::vector<Uid> wanted = rows::sorted_unique(uids);
  return writer_.run<StoreFlagsOutcome>([&](Connection& db) {
    return store(db, mailbox, wanted, operation, *given, unchanged_since);
  });
}

Result<std::vector<Uid>> SqliteMailboxStore::expunge(MailboxId mailbox, const ExpungeFilter& filter) {
  return writer_.run<std::vector<Uid>>([&](Connection& db) -> Result<std::vector<Uid>> {
    auto counters = rows::counters_by_id(db, mailbox);
    if (!counters) return counters.take_error();
    if (!*counters) return rows::no_mailbox(mailbox);
    auto targets = expunge_targets(db, mailbox, filter);
    if (!targets) return targets;
    if (auto s = rows::expunge_rows(db, mailbox, *targets); !s) return s.take_error();
    return targets;
  });
}

Result<MailboxChanges> SqliteMailboxStore::changes_since(MailboxId mailbox, std::uint64_t since_modseq) {
  const auto since = static_cast<std::int64_t>(std::min(since_modseq, rows::kInt64Max));
  return readers_.with([&](Connection& db) {
    return rows::in_snapshot(db, [&]() -> Result<MailboxChanges> {
      auto counters = rows::counters_by_id(db, mailbox);
      if (!counters) return counters.take_error();
      if (!*counters) return rows::no_mailbox(mailbox);
      MailboxChanges out;
      out.highest_modseq = static_cast<std::uint64_t>((*counters)->highest_modseq);
      out.uid_next = static_cast<std::uint32_t>(std::min((*counters)->uid_next, rows::kUidMax));
      if (since >= (*counters)->highest_modseq) return out;
      {
        // The index messages_by_modseq: O(changed messages).
        auto q = db.prepare(
            "SELECT uid, modseq, system_flags FROM messages INDEXED BY messages_by_modseq "
            "WHERE mailbox_id = ?1 AND modseq > ?2");
        if (!q) return q.take_error();
        q->bind_int64(1, sql(mailbox)).bind_int64(2, since);
        for (;;) {
          auto row = q->step();
          if (!row) return row.take_error();
          if (!*row) break;
          out.changed.push_back(MessageFlags{rows::uid_of(q->column_int64(0)),
                                             static_cast<std::uint64_t>(q->column_int64(1)),
                                             rows::flag_names(q->column_int64(2), {})});
        }
        std::sort(out.changed.begin(), out.changed.end(),
                  [](const MessageFlags& a, const MessageFlags& b) { return a.uid < b.uid; });
      }
      std::vector<Uid> uids;
      uids.reserve(out.changed.size());
      for (const MessageFlags& m : out.changed) uids.push_back(m.uid);
      auto message = out.changed.begin();
      auto attach = [&](Uid uid, std::string keyword) {
        while (message != out.changed.end() && message->uid < uid) ++message;
        if (message != out.changed.end() && message->uid == uid) message->flags.push_back(std::move(keyword));
      };
      if (auto s = rows::for_each_keyword(db, mailbox, rows::uid_runs(uids), attach); !s) return s.take_error();

      auto q = db.prepare(
          "SELECT uid FROM expunged WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(mailbox)).bind_int64(2, since);
      auto expunged = collect_uids(*q);
      if (!expunged) return expunged.take_error();
      out.expunged = std::move(*expunged);
      return out;
    });
  });
}

}  // namespace postino::sqlite
