// NotifyingMailboxStore: a MailboxStore that tells a listener which mailbox
// changed after each successful write, so sessions watching it (IMAP IDLE,
// NOOP) look again at once. Wraps any engine; adds no state of its own.
#pragma once

#include <functional>

#include "store/mailbox_store.hpp"

namespace postino {

class NotifyingMailboxStore final : public MailboxStore {
 public:
  // `changed` is called on the writing thread after the write committed; it
  // must be cheap and thread-safe (runtime::ChangeNotifier::notify).
  NotifyingMailboxStore(MailboxStore& inner, std::function<void(MailboxId)> changed)
      : inner_(inner), changed_(std::move(changed)) {}

  std::vector<Result<DeliveryOutcome>> deliver(const std::vector<Delivery>& deliveries) override;
  Result<std::vector<MailboxRecord>> list_mailboxes(AccountId account) override {
    return inner_.list_mailboxes(account);
  }
  Result<MailboxRecord> find_mailbox(AccountId account, const std::string& name) override {
    return inner_.find_mailbox(account, name);
  }
  Result<MailboxRecord> create_mailbox(AccountId account, const std::string& name,
                                       const std::string& special_use) override {
    return inner_.create_mailbox(account, name, special_use);
  }
  Status delete_mailbox(AccountId account, const std::string& name) override;
  Status rename_mailbox(AccountId account, const std::string& from, const std::string& to) override;
  Status set_subscribed(AccountId account, const std::string& name, bool subscribed) override {
    return inner_.set_subscribed(account, name, subscribed);
  }
  Result<std::vector<std::string>> subscriptions(AccountId account) override { return inner_.subscriptions(account); }
  Result<MailboxStatus> status(MailboxId mailbox) override { return inner_.status(mailbox); }
  Result<RecentClaim> claim_recent(MailboxId mailbox) override { return inner_.claim_recent(mailbox); }
  Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) override {
    return inner_.list_messages(mailbox);
  }
  Result<std::vector<MessageFlags>> list_message_flags(MailboxId mailbox) override {
    return inner_.list_message_flags(mailbox);
  }
  Result<MessageRecord> find_message(MailboxId mailbox, Uid uid) override { return inner_.find_message(mailbox, uid); }
  Result<std::vector<MessageRecord>> read_messages(MailboxId mailbox, std::span<const Uid> uids,
                                                   bool with_structure) override {
    return inner_.read_messages(mailbox, uids, with_structure);
  }
  Result<StoreFlagsOutcome> store_flags(MailboxId mailbox, std::span<const Uid> uids, FlagOperation operation,
                                        const std::vector<std::string>& flags,
                                        std::optional<std::uint64_t> unchanged_since) override;
  Result<std::vector<Uid>> expunge(MailboxId mailbox, const ExpungeFilter& filter) override;
  Result<CopyOutcome> copy_messages(MailboxId source, std::span<const Uid> uids, MailboxId destination,
                                    std::uint64_t quota_bytes, bool move) override;
  Result<MailboxChanges> changes_since(MailboxId mailbox, std::uint64_t since_modseq) override {
    return inner_.changes_since(mailbox, since_modseq);
  }
  Result<QuotaUsage> usage(AccountId account) override { return inner_.usage(account); }
  Result<TextSearchResult> search_text(MailboxId mailbox, std::span<const Uid> uids, TextSearchScope scope,
                                       const std::string& needle) override {
    return inner_.search_text(mailbox, uids, scope, needle);
  }
  Result<std::size_t> index_pending_text(std::size_t max_messages) override {
    return inner_.index_pending_text(max_messages);
  }

 private:
  MailboxStore& inner_;
  std::function<void(MailboxId)> changed_;
};

}  // namespace postino
