// SelectedMailbox: one session's view of its selected mailbox (RFC 9051
// 2.3.1): the message sequence numbers, each message's UID, flags and
// modseq as last reported, and which messages are \Recent for this session.
// The store is the truth; apply() folds a MailboxChanges into the view and
// says what the client must be told, keeping RFC 9051 7.5.1's rule that
// EXPUNGE may not be sent while a sequence-number FETCH/STORE/SEARCH runs.
// Not thread-safe: owned by one session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imap_proto/sequence_set.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {

struct ViewMessage {
  Uid uid{};
  std::uint64_t modseq = 0;
  std::vector<std::string> flags;  // as the store reports them (no \Recent)
  bool expunged = false;           // gone in the store, not yet reported
};

// What to tell the client after apply(), in this order: EXPUNGE (or
// VANISHED), EXISTS, RECENT, FETCH (FLAGS).
struct ViewUpdate {
  std::vector<std::uint32_t> expunged_seqs;  // descending: each can be sent as is
  std::vector<Uid> expunged_uids;            // ascending, for VANISHED (QRESYNC)
  std::optional<std::uint32_t> exists;       // new EXISTS count, if it changed
  std::optional<std::uint32_t> recent;       // new RECENT count, if it changed
  std::vector<std::uint32_t> flag_changes;   // sequence numbers (after expunges), ascending
  bool empty() const {
    return expunged_seqs.empty() && !exists && !recent && flag_changes.empty();
  }
};

class SelectedMailbox {
 public:
  // `messages` in ascending UID order (MailboxStore::list_message_flags).
  SelectedMailbox(MailboxRecord record, bool read_only, std::vector<MessageFlags> messages, RecentClaim recent);

  const MailboxRecord& record() const { return record_; }
  MailboxId id() const { return record_.id; }
  bool read_only() const { return read_only_; }
  std::uint32_t uid_validity() const { return record_.uid_validity; }
  std::uint32_t uid_next() const { return uid_next_; }
  // Every change up to this modseq is in the view: the next changes_since().
  std::uint64_t highest_modseq() const { return highest_modseq_; }

  std::uint32_t exists() const { return static_cast<std::uint32_t>(messages_.size()); }
  std::uint32_t recent_count() const;
  bool is_recent(Uid uid) const;
  // 1-based sequence number -> message; seq must be in 1..exists().
  const ViewMessage& at(std::uint32_t seq) const { return messages_[seq - 1]; }
  ViewMessage& at(std::uint32_t seq) { return messages_[seq - 1]; }
  std::optional<std::uint32_t> seq_of(Uid uid) const;
  Uid last_uid() const { return messages_.empty() ? Uid{0} : messages_.back().uid; }
  // First message without \Seen (SELECT's [UNSEEN n] for rev1), or 0.
  std::uint32_t first_unseen() const;

  // The sequence numbers a set names, ascending, each once; uid_mode reads
  // the set as UIDs ("*" = the last UID). "$" must be resolved by the caller.
  std::vector<std::uint32_t> resolve(const SequenceSet& set, bool uid_mode) const;
  std::vector<Uid> uids_of(const std::vector<std::uint32_t>& seqs) const;

  // Folds store changes in. With allow_expunges false, expunged messages stay
  // (marked) and are reported by a later apply() that allows them. New
  // messages get `recent` if this session claimed them.
  ViewUpdate apply(const MailboxChanges& changes, bool allow_expunges, std::optional<RecentClaim> recent);
  // Records flags the session itself just stored (the store's answer), and
  // returns their sequence numbers.
  std::vector<std::uint32_t> record_flags(const std::vector<MessageFlags>& changed);
  bool has_pending_expunges() const { return pending_expunges_ > 0; }

 private:
  ViewUpdate flush_expunges();

  MailboxRecord record_;
  bool read_only_;
  std::vector<ViewMessage> messages_;  // ascending UID = sequence order
  std::vector<RecentClaim> recent_;
  std::uint32_t uid_next_;
  std::uint64_t highest_modseq_;
  std::uint32_t pending_expunges_ = 0;
};

}  // namespace postino::imap
