// CLOSE (RFC 9051 6.4.1: silently expunges \Deleted messages when the
// mailbox is read-write) and UNSELECT (RFC 3691: leaves them).
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_close(ImapSession& session, const Command& command) {
  SelectedMailbox* selected = session.selected();
  if (command.kind == CommandKind::close && !selected->read_only()) {
    MailboxStore& store = session.services().mailboxes;
    MailboxId id = selected->id();
    auto job = [&store, id] { return store.expunge(id, ExpungeFilter{}); };
    auto expunged = co_await session.blocking(std::move(job));
    if (!expunged && expunged.error().code != Errc::not_found) {
      session.store_error(command, expunged.error());
      co_return;
    }
  }
  session.unselect();
  session.ok(command, command.kind == CommandKind::close ? "CLOSE completed" : "UNSELECT completed");
}

}  // namespace postino::imap
