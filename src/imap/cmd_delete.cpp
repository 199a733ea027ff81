// DELETE (RFC 9051 6.3.5): the mailbox and its messages go; its children
// stay. INBOX cannot be deleted.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_delete(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<MailboxArgs>();
  if (args.mailbox == kInboxName) {
    session.no(command, "CANNOT", "INBOX cannot be deleted");
    co_return;
  }
  if (session.selected() != nullptr && session.selected()->record().name == args.mailbox) session.unselect();
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string name = args.mailbox;
  auto job = [&store, account, name] { return store.delete_mailbox(account, name); };
  auto deleted = co_await session.blocking(std::move(job));
  if (!deleted) {
    session.store_error(command, deleted.error());
    co_return;
  }
  session.ok(command, "DELETE completed");
}

}  // namespace postino::imap
