// SqliteMailboxStore: MailboxStore on the SQLite metadata database (schema:
// migrations 2 and 3 in migrations.cpp). Every write is one Writer job (group
// commit); every multi-statement read runs in one reader snapshot.
// deliver() is one job for the whole call, each delivery in its own
// savepoint, so N recipients of one message cost one commit and one
// recipient's failure leaves the others stored.
// Source files: sqlite_mailbox_store.cpp (deliver, reads),
// sqlite_mailbox_admin.cpp (mailboxes, subscriptions, STATUS, \Recent),
// sqlite_message_flags.cpp (flags, expunge, changes), sqlite_message_copy.cpp,
// sqlite_text_search.cpp (the FTS5 text index: schema migration 5).
#pragma once

#include "store/mailbox_store.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

class SqliteMailboxStore final : public MailboxStore {
 public:
  SqliteMailboxStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  std::vector<Result<DeliveryOutcome>> deliver(const std::vector<Delivery>& deliveries) override;

  Result<std::vector<MailboxRecord>> list_mailboxes(AccountId account) override;
  Result<MailboxRecord> find_mailbox(AccountId account, const std::string& name) override;
  Result<MailboxRecord> create_mailbox(AccountId account, const std::string& name,
                                       const std::string& special_use) override;
  Status delete_mailbox(AccountId account, const std::string& name) override;
  Status rename_mailbox(AccountId account, const std::string& from, const std::string& to) override;
  Status set_subscribed(AccountId account, const std::string& name, bool subscribed) override;
  Result<std::vector<std::string>> subscriptions(AccountId account) override;
  Result<MailboxStatus> status(MailboxId mailbox) override;
  Result<RecentClaim> claim_recent(MailboxId mailbox) override;

  Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) override;
  Result<std::vector<MessageFlags>> list_message_flags(MailboxId mailbox) override;
  Result<MessageRecord> find_message(MailboxId mailbox, Uid uid) override;
  Result<std::vector<MessageRecord>> read_messages(MailboxId mailbox, std::span<const Uid> uids,
                                                   bool with_structure) override;
  Result<StoreFlagsOutcome> store_flags(MailboxId mailbox, std::span<const Uid> uids, FlagOperation operation,
                                        const std::vector<std::string>& flags,
                                        std::optional<std::uint64_t> unchanged_since) override;
  Result<std::vector<Uid>> expunge(MailboxId mailbox, const ExpungeFilter& filter) override;
  Result<CopyOutcome> copy_messages(MailboxId source, std::span<const Uid> uids, MailboxId destination,
                                    std::uint64_t quota_bytes, bool move) override;
  Result<MailboxChanges> changes_since(MailboxId mailbox, std::uint64_t since_modseq) override;

  Result<QuotaUsage> usage(AccountId account) override;
  Result<TextSearchResult> search_text(MailboxId mailbox, std::span<const Uid> uids, TextSearchScope scope,
                                       const std::string& needle) override;
  Result<std::size_t> index_pending_text(std::size_t max_messages) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace postino::sqlite
