// MailboxStore: the message store's metadata (mailboxes, messages, UIDs,
// MODSEQs, flags, subscriptions, the expunge log, quota usage): everything
// IMAP (RFC 9051, CONDSTORE/QRESYNC RFC 7162) and POP3 need of the store. Message bytes live in the BlobStore; a message row
// references its blob (counted in the same transaction) plus a small
// per-recipient header prefix (Return-Path, Delivered-To), so one message
// delivered to N recipients is stored once (R-ST3).
// Contract: thread-safe and blocking; writes go through the engine's group
// commit, so a returned success is durable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/blob_store.hpp"
#include "store/ids.hpp"

namespace postino {

inline constexpr const char* kInboxName = "INBOX";

struct MailboxRecord {
  MailboxId id{};
  AccountId account{};
  std::string name;  // UTF-8, hierarchy separator '/'; "INBOX" is special
  std::uint32_t uid_validity = 0;
  std::uint32_t uid_next = 1;
  std::uint64_t highest_modseq = 0;
  std::string special_use;  // "\\Sent", "\\Trash", ... or empty
  std::uint32_t messages = 0;
  bool subscribed = false;
};

// Counters for STATUS (RFC 9051 6.3.11) and SELECT, read in one snapshot.
struct MailboxStatus {
  MailboxId mailbox{};        // whose counters these are (STATUS MAILBOXID, RFC 8474 4.3)
  std::uint32_t messages = 0;
  std::uint32_t unseen = 0;   // without \Seen
  std::uint32_t deleted = 0;  // with \Deleted
  std::uint64_t size_bytes = 0;
  std::uint32_t uid_next = 1;
  std::uint32_t uid_validity = 0;
  std::uint64_t highest_modseq = 0;
  std::uint32_t first_recent_uid = 0;  // messages with uid >= this are not yet claimed as \Recent
};

struct MessageRecord {
  MailboxId mailbox{};
  Uid uid{};
  BlobId blob;
  std::string header_prefix;     // prepended to the blob's bytes when read
  std::uint64_t size_bytes = 0;  // prefix + blob
  std::int64_t internal_date = 0;  // unix seconds
  std::uint64_t modseq = 0;
  std::vector<std::string> flags;  // "\\Seen", keywords
  std::int64_t save_date = 0;      // unix seconds the message entered this mailbox (RFC 8514)
  // The parsed MIME structure (mime module's serialised form) of the whole
  // message (header_prefix + blob). Filled only where asked for (read_messages
  // with_structure, find_message); empty if none was stored.
  std::string mime_structure;
};

// A message's current flags and modseq: what FETCH FLAGS and the change
// stream report.
struct MessageFlags {
  Uid uid{};
  std::uint64_t modseq = 0;
  std::vector<std::string> flags;
};

// What a text search looks in: SEARCH BODY (body text) or TEXT (header
// text or body text; a match never spans the two).
enum class TextSearchScope { body, text };

// The index's answer for one needle in one mailbox. A message that has no
// indexed text (stored before the index existed, or without search text) is
// in not_indexed, never in matched: "not indexed" is not "no match".
struct TextSearchResult {
  std::vector<Uid> matched;      // ascending
  std::vector<Uid> not_indexed;  // ascending; the caller scans these
};

// Trigram index: a needle shorter than this (in code points) cannot be
// looked up; search_text answers unsupported and the caller scans.
inline constexpr std::size_t kMinTextSearchChars = 3;

// One local delivery: a message for one account's mailbox.
struct Delivery {
  AccountId account{};
  std::string mailbox = kInboxName;  // created on first delivery if missing
  BlobInfo blob;
  std::string header_prefix;
  std::int64_t internal_date = 0;
  std::uint64_t quota_bytes = 0;  // the account's quota; 0: unlimited
  // Identifies this delivery (queue id + recipient): a second delivery with
  // the same key to the same account is a no-op, so a crash between storing
  // and marking the queue entry done never stores a message twice. Empty:
  // not deduplicated (nothing to retry, e.g. an IMAP APPEND).
  std::string delivery_key;
  std::vector<std::string> flags;   // initial flags (APPEND); system flags and keywords
  std::string mime_structure;       // serialised structure of header_prefix + blob, or empty
  bool create_mailbox = true;       // false: a missing mailbox is not_found (APPEND's [TRYCREATE])
  // What SEARCH TEXT and BODY match (MailboxStore::search_text), decoded
  // and case-folded by mime/search_text.hpp: the header text of
  // header_prefix + blob (per recipient: Delivered-To differs), and the body
  // text, which depends on the blob alone, so the deliveries of one message
  // share one immutable copy and the store indexes it once per blob (R-ST3).
  // Null search_body: stored without text; SEARCH reads that message.
  std::string search_header;
  std::shared_ptr<const std::string> search_body;
};

struct DeliveryOutcome {
  MailboxId mailbox{};
  Uid uid{};
  bool duplicate = false;  // the key was already delivered; nothing stored
  std::uint32_t uid_validity = 0;
};

enum class FlagOperation { add, remove, replace };

struct StoreFlagsOutcome {
  std::vector<MessageFlags> changed;  // messages whose flags changed, with their new modseq
  std::vector<Uid> modified;          // failed UNCHANGEDSINCE (RFC 7162 3.1.3)
};

// Which messages an expunge removes.
struct ExpungeFilter {
  bool deleted_only = true;              // IMAP EXPUNGE: only \Deleted; POP3 QUIT: false
  std::optional<std::vector<Uid>> uids;  // restrict to these (UID EXPUNGE, POP3 DELE); nullopt: all
};

struct CopyOutcome {
  std::uint32_t uid_validity = 0;   // of the destination (COPYUID, RFC 4315)
  std::vector<Uid> source_uids;     // in ascending order
  std::vector<Uid> destination_uids;  // the same order
  std::vector<Uid> expunged;        // move only: source UIDs removed
};

// What changed in a mailbox after a modseq: flags of changed or new messages
// (modseq > since) and UIDs expunged after it. The session tells new from
// changed by comparing with the uid_next it knew.
struct MailboxChanges {
  std::uint64_t highest_modseq = 0;
  std::uint32_t uid_next = 1;
  std::vector<MessageFlags> changed;  // ascending UID
  std::vector<Uid> expunged;          // ascending UID
};

// The half-open UID range that is \Recent for the session that claimed it
// (RFC 3501 2.3.2: recent for exactly one session).
struct RecentClaim {
  Uid first{};
  Uid end{};
};

struct QuotaUsage {
  std::uint64_t bytes = 0;
  std::uint64_t messages = 0;
};

class MailboxStore {
 public:
  virtual ~MailboxStore() = default;

  // Stores each delivery in one transaction, with its blob reference; each
  // outcome is independent: over_quota (the account's usage plus this
  // message would exceed quota_bytes) fails only that delivery. Also IMAP
  // APPEND (flags, create_mailbox = false).
  virtual std::vector<Result<DeliveryOutcome>> deliver(const std::vector<Delivery>& deliveries) = 0;

  // --- mailboxes (names are UTF-8, '/' separated; "INBOX" in any case is INBOX)
  virtual Result<std::vector<MailboxRecord>> list_mailboxes(AccountId account) = 0;
  virtual Result<MailboxRecord> find_mailbox(AccountId account, const std::string& name) = 0;
  // already_exists if the name is taken; special_use "" or "\\Sent" etc.
  virtual Result<MailboxRecord> create_mailbox(AccountId account, const std::string& name,
                                               const std::string& special_use) = 0;
  // Deletes the mailbox and its messages (children stay). INBOX:
  // invalid_argument; missing: not_found.
  virtual Status delete_mailbox(AccountId account, const std::string& name) = 0;
  // Renames the mailbox and every child ("a/b" -> "c/b" when "a" -> "c").
  // Renaming INBOX moves its messages to the new mailbox and leaves INBOX
  // empty (RFC 9051 6.3.6). Target taken: already_exists.
  virtual Status rename_mailbox(AccountId account, const std::string& from, const std::string& to) = 0;
  // Subscriptions are names, kept even if the mailbox does not exist.
  virtual Status set_subscribed(AccountId account, const std::string& name, bool subscribed) = 0;
  virtual Result<std::vector<std::string>> subscriptions(AccountId account) = 0;
  virtual Result<MailboxStatus> status(MailboxId mailbox) = 0;
  // Moves the mailbox's \Recent mark to uid_next and returns the range that
  // was recent, for the caller alone.
  virtual Result<RecentClaim> claim_recent(MailboxId mailbox) = 0;

  // --- messages
  // Messages of a mailbox in UID order, without mime_structure.
  virtual Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) = 0;
  // The same messages with only what an IMAP session's view keeps (UID,
  // modseq, flags): SELECT of a large mailbox reads no blob ids, header
  // prefixes or dates. The default builds it from list_messages(); engines
  // answer it with a lighter query.
  virtual Result<std::vector<MessageFlags>> list_message_flags(MailboxId mailbox);
  virtual Result<MessageRecord> find_message(MailboxId mailbox, Uid uid) = 0;
  // The messages among `uids` that exist, in UID order.
  virtual Result<std::vector<MessageRecord>> read_messages(MailboxId mailbox, std::span<const Uid> uids,
                                                           bool with_structure) = 0;
  // Changes the flags of the messages among `uids` that exist; each message
  // whose flags change gets the new modseq (one per call). With
  // unchanged_since, messages whose modseq is above it are left alone and
  // listed in `modified`.
  virtual Result<StoreFlagsOutcome> store_flags(MailboxId mailbox, std::span<const Uid> uids, FlagOperation operation,
                                                const std::vector<std::string>& flags,
                                                std::optional<std::uint64_t> unchanged_since) = 0;
  // Removes messages atomically, records them in the expunge log with a new
  // modseq, and returns their UIDs in ascending order.
  virtual Result<std::vector<Uid>> expunge(MailboxId mailbox, const ExpungeFilter& filter) = 0;
  // Copies (or moves) the messages among `uids` to `destination`, keeping
  // flags and internal date, new UIDs in the same order; quota_bytes (0:
  // unlimited) is checked against the destination account's usage for the
  // whole set (over_quota: nothing copied). A move expunges the sources in
  // the same transaction.
  virtual Result<CopyOutcome> copy_messages(MailboxId source, std::span<const Uid> uids, MailboxId destination,
                                            std::uint64_t quota_bytes, bool move) = 0;
  // Changes after `since_modseq` (see MailboxChanges). The expunge log is
  // kept for QRESYNC; an expunge older than its retention is reported as
  // nothing expunged.
  virtual Result<MailboxChanges> changes_since(MailboxId mailbox, std::uint64_t since_modseq) = 0;

  virtual Result<QuotaUsage> usage(AccountId account) = 0;

  // --- text search (the search interface of DESIGN.md 6). It is part of the
  // mailbox store, not a separate interface, because the index must change
  // in the same transaction as the message rows (deliver, copy, expunge,
  // delete) and only the engine that owns those rows can do that; a
  // separate SearchIndex would need a shared transaction handle.
  // The messages among `uids` of `mailbox` whose text in `scope` contains
  // `needle` (UTF-8, already case-folded like Delivery::search_*: the caller folds
  // both sides with the same function). Exact substring semantics on the
  // stored text, so the answer equals a scan of that text. Errors:
  // unsupported when the needle has fewer than kMinTextSearchChars code
  // points (or the engine has no index): the caller scans instead.
  virtual Result<TextSearchResult> search_text(MailboxId mailbox, std::span<const Uid> uids, TextSearchScope scope,
                                               const std::string& needle) = 0;
  // Background text indexing: an engine may store a delivered (appended,
  // copied) message's search text without indexing it, so delivery stays
  // fast; search_text reports such messages not_indexed until this has run.
  // Indexes up to `max_messages` of them (fewer if their text is large) in
  // one low-priority write and returns how many it indexed; 0 means nothing
  // to do now (caught up, or the engine is busy with other writes): call
  // again later. The default, for engines that index inline, has nothing
  // to do.
  virtual Result<std::size_t> index_pending_text(std::size_t max_messages);
};

}  // namespace postino
