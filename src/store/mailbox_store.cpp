// MailboxStore's default for list_message_flags: the full records, trimmed.
// Engines override it with a query that reads only the view's columns.
#include "store/mailbox_store.hpp"

namespace postino {

Result<std::vector<MessageFlags>> MailboxStore::list_message_flags(MailboxId mailbox) {
  auto records = list_messages(mailbox);
  if (!records) return records.take_error();
  std::vector<MessageFlags> out;
  out.reserve(records->size());
  for (MessageRecord& r : *records) out.push_back(MessageFlags{r.uid, r.modseq, std::move(r.flags)});
  return out;
}

Result<std::size_t> MailboxStore::index_pending_text(std::size_t /*max_messages*/) { return std::size_t{0}; }

}  // namespace postino
