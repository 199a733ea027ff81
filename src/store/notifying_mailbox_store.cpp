// Each write forwards to the engine, then names the mailboxes it changed.
// Mailboxes removed or renamed are named by the id they had, found first:
// a session that has one selected then sees it gone.
#include "store/notifying_mailbox_store.hpp"

namespace postino {

std::vector<Result<DeliveryOutcome>> NotifyingMailboxStore::deliver(const std::vector<Delivery>& deliveries) {
  auto outcomes = inner_.deliver(deliveries);
  std::vector<MailboxId> notified;
  for (const auto& outcome : outcomes) {
    if (!outcome || outcome->duplicate) continue;
    bool seen = false;
    for (MailboxId id : notified) seen = seen || id == outcome->mailbox;
    if (seen) continue;
    notified.push_back(outcome->mailbox);
    changed_(outcome->mailbox);
  }
  return outcomes;
}

Status NotifyingMailboxStore::delete_mailbox(AccountId account, const std::string& name) {
  auto before = inner_.find_mailbox(account, name);
  auto deleted = inner_.delete_mailbox(account, name);
  if (deleted && before) changed_(before->id);
  return deleted;
}

Status NotifyingMailboxStore::rename_mailbox(AccountId account, const std::string& from, const std::string& to) {
  auto before = inner_.find_mailbox(account, from);
  auto renamed = inner_.rename_mailbox(account, from, to);
  if (renamed && before) changed_(before->id);
  return renamed;
}

Result<StoreFlagsOutcome> NotifyingMailboxStore::store_flags(MailboxId mailbox, std::span<const Uid> uids,
                                                             FlagOperation operation,
                                                             const std::vector<std::string>& flags,
                                                             std::optional<std::uint64_t> unchanged_since) {
  auto outcome = inner_.store_flags(mailbox, uids, operation, flags, unchanged_since);
  if (outcome && !outcome->changed.empty()) changed_(mailbox);
  return outcome;
}

Result<std::vector<Uid>> NotifyingMailboxStore::expunge(MailboxId mailbox, const ExpungeFilter& filter) {
  auto expunged = inner_.expunge(mailbox, filter);
  if (expunged && !expunged->empty()) changed_(mailbox);
  return expunged;
}

Result<CopyOutcome> NotifyingMailboxStore::copy_messages(MailboxId source, std::span<const Uid> uids,
                                                         MailboxId destination, std::uint64_t quota_bytes,
                                                         bool move) {
  auto copied = inner_.copy_messages(source, uids, destination, quota_bytes, move);
  if (copied && !copied->destination_uids.empty()) {
    changed_(destination);
    if (move) changed_(source);
  }
  return copied;
}

}  // namespace postino
