// SqliteMailboxStore: MailboxStore on the SQLite metadata database (schema:
// migration 2 in migrations.cpp). deliver() is one Writer job for the whole
// call, each delivery in its own savepoint, so N recipients of one message
// cost one commit and one recipient's failure leaves the others stored.
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
  Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) override;
  Result<MessageRecord> find_message(MailboxId mailbox, Uid uid) override;
  Result<QuotaUsage> usage(AccountId account) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace postino::sqlite
