// Row-level helpers shared by the SqliteMailboxStore source files
// (sqlite_mailbox_store.cpp, sqlite_mailbox_admin.cpp,
// sqlite_message_flags.cpp, sqlite_message_copy.cpp): column lists and row
// mapping, name and flag validation, UID runs, and the mailbox/message
// writes more than one operation needs. Internal to the SQLite backend.
// Security: mailbox names, flags and keywords come from IMAP clients; they
// are validated here (bounded length and count, atom characters, UTF-8)
// before they reach a table.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/mailbox_store.hpp"
#include "store/sqlite/connection.hpp"

namespace postino::sqlite::rows {

// RFC 9051 4.1: UIDs and UIDVALIDITY are 32-bit non-zero numbers.
inline constexpr std::int64_t kUidMax = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Input bounds (STYLE.md habit 7).
inline constexpr std::size_t kMaxMailboxNameBytes = 512;
inline constexpr std::size_t kMaxKeywordBytes = 128;
inline constexpr std::size_t kMaxKeywordsPerMessage = 100;

// messages.system_flags bits.
inline constexpr std::int64_t kSeenBit = 1;
inline constexpr std::int64_t kDeletedBit = 8;

inline std::int64_t sql(MailboxId id) { return static_cast<std::int64_t>(id); }
inline std::int64_t sql(AccountId id) { return static_cast<std::int64_t>(id); }
inline std::int64_t sql(Uid uid) { return static_cast<std::int64_t>(uid); }
inline Uid uid_of(std::int64_t value) { return Uid{static_cast<std::uint32_t>(value)}; }

std::span<const std::uint8_t> bytes_of(std::string_view text);
std::string string_of(std::span<const std::uint8_t> bytes);
std::string account_text(AccountId account);
std::string mailbox_text(MailboxId mailbox);
Error no_account(AccountId account);
Error no_mailbox(MailboxId mailbox);

// Runs body() inside BEGIN..COMMIT on a reader, so its statements agree.
template <class Body>
auto in_snapshot(Connection& db, Body body) -> decltype(body()) {
  if (auto s = db.exec("BEGIN"); !s) return s.take_error();
  auto out = body();
  (void)db.exec("COMMIT");
  return out;
}

// --- names
// RFC 9051 5.1: "INBOX" in any case means INBOX; so does the first level of
// its children ("inbox/x" is "INBOX/x"). Other names are exact.
std::string canonical_mailbox_name(std::string_view name);
// A name a mailbox or subscription may have: 1..kMaxMailboxNameBytes of
// UTF-8 without controls or the LIST wildcards '%' and '*', levels separated
// by single '/' (none empty).
Status validate_mailbox_name(std::string_view name);
// RFC 6154 / RFC 8457 attributes, or empty.
Status validate_special_use(std::string_view special_use);

// --- flags
// Client flags parsed: system flags as bits, keywords validated (RFC 9051
// flag-keyword: atom characters) and deduplicated ignoring ASCII case.
// \Recent is dropped (it is a session property, never stored).
struct FlagSet {
  std::int64_t bits = 0;
  std::vector<std::string> keywords;
};
Result<FlagSet> parse_flags(const std::vector<std::string>& flags);
// The stored names: system flags in a fixed order, then keywords as given.
std::vector<std::string> flag_names(std::int64_t bits, const std::vector<std::string>& keywords);
bool same_keyword(std::string_view a, std::string_view b);  // ASCII case-insensitive
// Replaces each keyword by the spelling already used in the mailbox, if any,
// so "$junk" and "$Junk" never coexist on a message.
Status adopt_mailbox_spellings(Connection& db, MailboxId mailbox, std::vector<std::string>& keywords);

// --- UID sets
// Inclusive ranges covering a sorted, unique UID list; neighbours closer
// than a small gap share one range (reading a few extra rows is cheaper than
// another statement), so callers filter rows by membership.
struct UidRun {
  std::int64_t first = 0;
  std::int64_t last = 0;
};
std::vector<Uid> sorted_unique(std::span<const Uid> uids);
std::vector<UidRun> uid_runs(const std::vector<Uid>& sorted);
inline const std::vector<UidRun> kAllUids{UidRun{1, kUidMax}};

// --- mailboxes
MailboxRecord mailbox_from_row(const Statement& q);
// Columns for mailbox_from_row, aliased m (mailboxes) joined with s
// (subscriptions); append a WHERE on m.
extern const char* const kMailboxSelect;
Result<bool> account_exists(Connection& db, AccountId account);
Result<std::optional<MailboxRecord>> read_mailbox(Connection& db, AccountId account, const std::string& name);

// The counters a write needs, read exactly (uid_next may be 2^32).
struct MailboxCounters {
  MailboxId id{};
  AccountId account{};
  std::uint32_t uid_validity = 0;
  std::int64_t uid_next = 1;
  std::int64_t highest_modseq = 0;
};
Result<std::optional<MailboxCounters>> counters_by_name(Connection& db, AccountId account, const std::string& name);
Result<std::optional<MailboxCounters>> counters_by_id(Connection& db, MailboxId mailbox);

// Creates `name` (already canonical and valid) and any missing superior
// levels (RFC 9051 6.3.4). already_exists if `name` itself exists.
Result<MailboxCounters> create_mailbox_with_parents(Connection& db, AccountId account, const std::string& name,
                                                    const std::string& special_use);

Result<std::uint64_t> used_bytes(Connection& db, AccountId account);
Status add_usage(Connection& db, AccountId account, std::uint64_t bytes, std::uint64_t messages);

// --- messages
// Messages of `mailbox` within `runs`, those in `wanted` only (nullptr: all),
// in UID order, with flags and optionally mime_structure.
Result<std::vector<MessageRecord>> read_message_rows(Connection& db, MailboxId mailbox,
                                                     const std::vector<UidRun>& runs, const std::vector<Uid>* wanted,
                                                     bool with_structure);
// Keywords of the messages in `runs`, by UID then keyword: fn(uid, keyword).
template <class Fn>
Status for_each_keyword(Connection& db, MailboxId mailbox, const std::vector<UidRun>& runs, Fn fn);

// Copies (or moves) the messages among `wanted` (sorted; nullptr: all) of
// `source` to `destination`: CopyOutcome semantics of MailboxStore.
Result<CopyOutcome> copy_rows(Connection& db, MailboxId source, const std::vector<Uid>* wanted,
                              MailboxId destination, std::uint64_t quota_bytes, bool move);
// Raises the mailbox's highest_modseq by one and deletes the given messages
// (which exist): the log trigger records them with that modseq.
Status expunge_rows(Connection& db, MailboxId mailbox, const std::vector<Uid>& uids);

// --- text index (sqlite_text_search.cpp, schema migrations 5 and 6)
// Queues a just-stored message's search text (a no-op without one) in the
// caller's transaction, as plain pending rows (no FTS5 work): the blob's
// body text if neither indexed nor pending yet, the header text.
Status index_message_text(Connection& db, MailboxId mailbox, std::int64_t uid, const Delivery& delivery);
// Gives a copied message its source's header text, indexed or pending.
Status copy_message_text(Connection& db, MailboxId source, Uid source_uid, MailboxId destination,
                         std::int64_t destination_uid);
// Moves up to `max_messages` pending texts into the FTS5-indexed tables,
// stopping early once about `max_body_bytes` of body text were indexed;
// returns how many messages it indexed (0: none pending).
Result<std::size_t> index_pending_texts(Connection& db, std::size_t max_messages, std::size_t max_body_bytes);

template <class Fn>
Status for_each_keyword(Connection& db, MailboxId mailbox, const std::vector<UidRun>& runs, Fn fn) {
  for (const UidRun& run : runs) {
    auto q = db.prepare(
        "SELECT uid, keyword FROM message_keywords WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3 "
        "ORDER BY uid, keyword");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, run.first).bind_int64(3, run.last);
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      fn(uid_of(q->column_int64(0)), q->column_text(1));
    }
  }
  return {};
}

}  // namespace postino::sqlite::rows
