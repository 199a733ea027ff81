// Maildrop: the TRANSACTION state's view of the INBOX (RFC 1939 5): the
// messages listed at login, numbered from 1, with the marks DELE sets and
// RSET clears, and the messages RETR read (flagged \Seen at QUIT, as
// Dovecot's POP3 does). Pure: no I/O; the session loads and updates it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/mailbox_store.hpp"

namespace postino::pop3 {

class Maildrop {
 public:
  Maildrop() = default;
  Maildrop(MailboxId mailbox, std::uint32_t uid_validity, std::vector<MessageRecord> messages);

  enum class Lookup { ok, no_such_message, deleted };
  // Message `number` (1-based), refused when out of range or marked.
  Lookup lookup(std::uint32_t number) const;
  const MessageRecord& message(std::uint32_t number) const { return messages_[number - 1]; }

  MailboxId mailbox() const { return mailbox_; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(messages_.size()); }
  // STAT: messages not marked deleted, and their total size in octets.
  std::uint32_t live_count() const;
  std::uint64_t live_bytes() const;
  // UIDL: "<uidvalidity>.<uid>", stable across sessions (Dovecot's %v.%u).
  std::string unique_id(std::uint32_t number) const;

  void mark_deleted(std::uint32_t number) { deleted_[number - 1] = true; }
  void mark_retrieved(std::uint32_t number) { retrieved_[number - 1] = true; }
  void reset() { deleted_.assign(deleted_.size(), false); }

  // For the UPDATE state.
  std::vector<Uid> deleted_uids() const;
  std::vector<Uid> retrieved_kept_uids() const;  // retrieved and not deleted
  std::uint32_t deleted_count() const;

 private:
  MailboxId mailbox_{};
  std::uint32_t uid_validity_ = 0;
  std::vector<MessageRecord> messages_;
  std::vector<bool> deleted_;
  std::vector<bool> retrieved_;
};

}  // namespace postino::pop3
