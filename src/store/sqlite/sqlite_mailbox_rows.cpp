// Row-level helpers of SqliteMailboxStore (see sqlite_mailbox_rows.hpp).
// Counter discipline (migration 2): whatever stores a message row raises the
// counters covering it here, in the same transaction; the delete triggers
// lower them, so removing a message is only a DELETE.
#include "store/sqlite/sqlite_mailbox_rows.hpp"

#include <strings.h>

#include <algorithm>

#include "store/unix_time.hpp"

namespace postino::sqlite::rows {
namespace {

struct SystemFlag {
  std::int64_t bit;
  const char* name;
};
// In the order they are reported.
constexpr SystemFlag kSystemFlags[] = {
    {1, "\\Seen"}, {2, "\\Answered"}, {4, "\\Flagged"}, {8, "\\Deleted"}, {16, "\\Draft"},
};

constexpr const char* kSpecialUses[] = {"\\All",  "\\Archive", "\\Drafts",   "\\Flagged",
                                        "\\Junk", "\\Sent",    "\\Trash",     "\\Important"};

// Neighbouring UIDs at most this far apart are read by one range query.
constexpr std::int64_t kRunGap = 64;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 9051 ATOM-CHAR: CHAR except atom-specials ( ) { SP CTL % * " \ ].
bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}

// Well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t value = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, value = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, value = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, value = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      value = (value << 6) | (next & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace

const char* const kMailboxSelect =
    "SELECT m.id, m.account_id, m.name, m.uid_validity, m.uid_next, m.highest_modseq, m.special_use, "
    "m.message_count, s.name IS NOT NULL FROM mailboxes m "
    "LEFT JOIN subscriptions s ON s.account_id = m.account_id AND s.name = m.name ";

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string string_of(std::span<const std::uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string account_text(AccountId account) { return std::to_string(sql(account)); }
std::string mailbox_text(MailboxId mailbox) { return std::to_string(sql(mailbox)); }

Error no_account(AccountId account) {
  return make_error(Errc::not_found, "no account with id " + account_text(account));
}

Error no_mailbox(MailboxId mailbox) {
  return make_error(Errc::not_found, "no mailbox with id " + mailbox_text(mailbox));
}

std::string canonical_mailbox_name(std::string_view name) {
  if (name.size() >= 5 && equals_ignoring_case(name.substr(0, 5), kInboxName) &&
      (name.size() == 5 || name[5] == '/')) {
    return std::string(kInboxName) + std::string(name.substr(5));
  }
  return std::string(name);
}

Status validate_mailbox_name(std::string_view name) {
  if (name.empty()) return make_error(Errc::invalid_argument, "empty mailbox name");
  if (name.size() > kMaxMailboxNameBytes) {
    return make_error(Errc::invalid_argument,
                      "mailbox name longer than " + std::to_string(kMaxMailboxNameBytes) + " bytes");
  }
  if (!is_utf8(name)) return make_error(Errc::invalid_argument, "mailbox name is not UTF-8");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return make_error(Errc::invalid_argument, "control character in mailbox name");
    if (c == '%' || c == '*') return make_error(Errc::invalid_argument, "wildcard in mailbox name");
  }
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "empty hierarchy level in mailbox name");
  }
  return {};
}

Status validate_special_use(std::string_view special_use) {
  if (special_use.empty()) return {};
  for (const char* known : kSpecialUses) {
    if (special_use == known) return {};
  }
  return make_error(Errc::invalid_argument, "unknown special-use attribute");
}

bool same_keyword(std::string_view a, std::string_view b) { return equals_ignoring_case(a, b); }

Result<FlagSet> parse_flags(const std::vector<std::string>& flags) {
  FlagSet out;
  for (const std::string& flag : flags) {
    if (!flag.empty() && flag.front() == '\\') {
      // RFC 9051 2.3.2: \Recent is not settable; ignore it.
      if (equals_ignoring_case(flag, "\\Recent")) continue;
      auto known = std::find_if(std::begin(kSystemFlags), std::end(kSystemFlags),
                                [&](const SystemFlag& f) { return equals_ignoring_case(flag, f.name); });
      if (known == std::end(kSystemFlags)) return make_error(Errc::invalid_argument, "unknown system flag");
      out.bits |= known->bit;
      continue;
    }
    if (flag.empty() || flag.size() > kMaxKeywordBytes) {
      return make_error(Errc::invalid_argument,
                        "keywords are 1 to " + std::to_string(kMaxKeywordBytes) + " characters long");
    }
    for (char c : flag) {
      if (!is_atom_char(static_cast<unsigned char>(c))) {
        return make_error(Errc::invalid_argument, "keyword with a character outside atom characters");
      }
    }
    bool seen = std::any_of(out.keywords.begin(), out.keywords.end(),
                            [&](const std::string& k) { return same_keyword(k, flag); });
    if (seen) continue;
    if (out.keywords.size() == kMaxKeywordsPerMessage) {
      return make_error(Errc::invalid_argument,
                        "more than " + std::to_string(kMaxKeywordsPerMessage) + " keywords on one message");
    }
    out.keywords.push_back(flag);
  }
  return out;
}

std::vector<std::string> flag_names(std::int64_t bits, const std::vector<std::string>& keywords) {
  std::vector<std::string> out;
  for (const SystemFlag& flag : kSystemFlags) {
    if ((bits & flag.bit) != 0) out.emplace_back(flag.name);
  }
  out.insert(out.end(), keywords.begin(), keywords.end());
  return out;
}

Status adopt_mailbox_spellings(Connection& db, MailboxId mailbox, std::vector<std::string>& keywords) {
  for (std::string& keyword : keywords) {
    auto q = db.prepare(
        "SELECT keyword FROM message_keywords WHERE mailbox_id = ?1 AND keyword = ?2 COLLATE NOCASE LIMIT 1");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_text(2, keyword);
    auto row = q->step();
    if (!row) return row.take_error();
    if (*row) keyword = q->column_text(0);
  }
  return {};
}

std::vector<Uid> sorted_unique(std::span<const Uid> uids) {
  std::vector<Uid> out(uids.begin(), uids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove(out.begin(), out.end(), Uid{0}), out.end());
  return out;
}

std::vector<UidRun> uid_runs(const std::vector<Uid>& sorted) {
  std::vector<UidRun> out;
  for (Uid uid : sorted) {
    std::int64_t value = sql(uid);
    if (!out.empty() && value - out.back().last <= kRunGap) {
      out.back().last = value;
    } else {
      out.push_back(UidRun{value, value});
    }
  }
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
  record.subscribed = q.column_int64(8) != 0;
  return record;
}

Result<bool> account_exists(Connection& db, AccountId account) {
  auto q = db.prepare("SELECT 1 FROM accounts WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account));
  return q->step();
}

Result<std::optional<MailboxRecord>> read_mailbox(Connection& db, AccountId account, const std::string& name) {
  auto q = db.prepare(std::string(kMailboxSelect) + "WHERE m.account_id = ?1 AND m.name = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account)).bind_text(2, name);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<MailboxRecord>();
  return std::optional<MailboxRecord>(mailbox_from_row(*q));
}

namespace {

Result<std::optional<MailboxCounters>> counters_from(Statement& q) {
  auto row = q.step();
  if (!row) return row.take_error();
  if (!*row) return std::optional<MailboxCounters>();
  return std::optional<MailboxCounters>(MailboxCounters{MailboxId{q.column_int64(0)}, AccountId{q.column_int64(1)},
                                                        static_cast<std::uint32_t>(q.column_int64(2)),
                                                        q.column_int64(3), q.column_int64(4)});
}

// One mailbox row. UIDVALIDITY is the current time, or one more than the
// highest ever given if that is later, so it is distinct per mailbox and a
// recreated name never sees an old value again (RFC 9051 2.3.1.1).
Result<MailboxCounters> insert_mailbox(Connection& db, AccountId account, const std::string& name,
                                       const std::string& special_use) {
  auto next = db.prepare("SELECT max(?1, coalesce((SELECT max(uid_validity) FROM mailboxes), 0) + 1)");
  if (!next) return next.take_error();
  next->bind_int64(1, unix_now_seconds());
  auto row = next->step();
  if (!row) return row.take_error();
  std::int64_t uid_validity = next->column_int64(0);
  if (uid_validity > kUidMax) return make_error(Errc::unsupported, "no UIDVALIDITY value left for a new mailbox");

  // highest_modseq starts at 1: RFC 7162 3.1.2 has HIGHESTMODSEQ >= 1 even
  // for a mailbox never changed, and the first change must then get 2 so a
  // client that cached 1 still sees it.
  auto insert = db.prepare(
      "INSERT INTO mailboxes (account_id, name, uid_validity, special_use, created_at, highest_modseq) "
      "VALUES (?1, ?2, ?3, ?4, ?5, 1)");
  if (!insert) return insert.take_error();
  insert->bind_int64(1, sql(account))
      .bind_text(2, name)
      .bind_int64(3, uid_validity)
      .bind_text(4, special_use)
      .bind_int64(5, unix_now_seconds());
  if (auto s = insert->run(); !s) return s.take_error();
  return MailboxCounters{MailboxId{db.last_insert_rowid()}, account, static_cast<std::uint32_t>(uid_validity), 1, 1};
}

}  // namespace

Result<std::optional<MailboxCounters>> counters_by_name(Connection& db, AccountId account, const std::string& name) {
  auto q = db.prepare(
      "SELECT id, account_id, uid_validity, uid_next, highest_modseq FROM mailboxes "
      "WHERE account_id = ?1 AND name = ?2");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account)).bind_text(2, name);
  return counters_from(*q);
}

Result<std::optional<MailboxCounters>> counters_by_id(Connection& db, MailboxId mailbox) {
  auto q = db.prepare("SELECT id, account_id, uid_validity, uid_next, highest_modseq FROM mailboxes WHERE id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(mailbox));
  return counters_from(*q);
}

Result<MailboxCounters> create_mailbox_with_parents(Connection& db, AccountId account, const std::string& name,
                                                    const std::string& special_use) {
  auto exists = account_exists(db, account);
  if (!exists) return exists.take_error();
  if (!*exists) return no_account(account);
  auto found = counters_by_name(db, account, name);
  if (!found) return found.take_error();
  if (*found) return make_error(Errc::already_exists, "mailbox " + name + " exists");
  for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    std::string parent = name.substr(0, slash);
    auto has = counters_by_name(db, account, parent);
    if (!has) return has.take_error();
    if (*has) continue;
    if (auto created = insert_mailbox(db, account, parent, ""); !created) return created.take_error();
  }
  return insert_mailbox(db, account, name, special_use);
}

Result<std::uint64_t> used_bytes(Connection& db, AccountId account) {
  auto q = db.prepare("SELECT bytes FROM account_usage WHERE account_id = ?1");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account));
  auto row = q->step();
  if (!row) return row.take_error();
  return *row ? static_cast<std::uint64_t>(q->column_int64(0)) : std::uint64_t{0};
}

Status add_usage(Connection& db, AccountId account, std::uint64_t bytes, std::uint64_t messages) {
  auto q = db.prepare(
      "INSERT INTO account_usage (account_id, bytes, messages) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (account_id) DO UPDATE SET bytes = bytes + excluded.bytes, messages = messages + excluded.messages");
  if (!q) return q.take_error();
  q->bind_int64(1, sql(account))
      .bind_int64(2, static_cast<std::int64_t>(bytes))
      .bind_int64(3, static_cast<std::int64_t>(messages));
  return q->run();
}

Result<std::vector<MessageRecord>> read_message_rows(Connection& db, MailboxId mailbox,
                                                     const std::vector<UidRun>& runs, const std::vector<Uid>* wanted,
                                                     bool with_structure) {
  auto is_wanted = [&](Uid uid) { return wanted == nullptr || std::binary_search(wanted->begin(), wanted->end(), uid); };
  std::vector<MessageRecord> out;
  std::vector<std::int64_t> bits;
  for (const UidRun& run : runs) {
    auto q = db.prepare(
        "SELECT uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq, system_flags, save_date "
        "FROM messages WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3 ORDER BY uid");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, run.first).bind_int64(3, run.last);
    for (;;) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      Uid uid = uid_of(q->column_int64(0));
      if (!is_wanted(uid)) continue;
      MessageRecord record;
      record.mailbox = mailbox;
      record.uid = uid;
      auto sha = q->column_blob(1);
      if (sha.size() != record.blob.sha256.size()) {
        return make_error(Errc::corrupt_data, "message with a malformed sha256");
      }
      std::copy(sha.begin(), sha.end(), record.blob.sha256.begin());
      record.header_prefix = string_of(q->column_blob(2));
      record.size_bytes = static_cast<std::uint64_t>(q->column_int64(3));
      record.internal_date = q->column_int64(4);
      record.modseq = static_cast<std::uint64_t>(q->column_int64(5));
      bits.push_back(q->column_int64(6));
      record.save_date = q->column_int64(7);
      out.push_back(std::move(record));
    }
  }
  // System flags first, then keywords (ordered by the query).
  for (std::size_t i = 0; i < out.size(); ++i) out[i].flags = flag_names(bits[i], {});
  auto message = out.begin();
  auto attach = [&](Uid uid, std::string keyword) {
    while (message != out.end() && message->uid < uid) ++message;
    if (message != out.end() && message->uid == uid) message->flags.push_back(std::move(keyword));
  };
  if (auto s = for_each_keyword(db, mailbox, runs, attach); !s) return s.take_error();
  if (with_structure) {
    message = out.begin();
    for (const UidRun& run : runs) {
      auto q = db.prepare(
          "SELECT uid, structure FROM message_structures WHERE mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3 "
          "ORDER BY uid");
      if (!q) return q.take_error();
      q->bind_int64(1, sql(mailbox)).bind_int64(2, run.first).bind_int64(3, run.last);
      for (;;) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) break;
        Uid uid = uid_of(q->column_int64(0));
        while (message != out.end() && message->uid < uid) ++message;
        if (message != out.end() && message->uid == uid) message->mime_structure = string_of(q->column_blob(1));
      }
    }
  }
  return out;
}

Status expunge_rows(Connection& db, MailboxId mailbox, const std::vector<Uid>& uids) {
  if (uids.empty()) return {};
  auto bump = db.prepare("UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ?1");
  if (!bump) return bump.take_error();
  bump->bind_int64(1, sql(mailbox));
  if (auto s = bump->run(); !s) return s;
  for (Uid uid : uids) {
    auto q = db.prepare("DELETE FROM messages WHERE mailbox_id = ?1 AND uid = ?2");
    if (!q) return q.take_error();
    q->bind_int64(1, sql(mailbox)).bind_int64(2, sql(uid));
    if (auto s = q->run(); !s) return s;
  }
  return {};
}

}  // namespace postino::sqlite::rows
