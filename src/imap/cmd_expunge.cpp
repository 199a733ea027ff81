// EXPUNGE and UID EXPUNGE (RFC 9051 6.4.3, 6.4.9; RFC 4315): removes the
// \Deleted messages (of the set, for UID EXPUNGE) and reports every
// expunge now pending, ours and other sessions'.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_expunge(ImapSession& session, const Command& command) {
  SelectedMailbox& view = *session.selected();
  if (view.read_only()) {
    session.no(command, "READ-ONLY", "Mailbox is read-only");
    co_return;
  }
  ExpungeFilter filter;
  if (command.uid) {
    const auto& args = command.args_as<ExpungeArgs>();
    filter.uids = view.uids_of(view.resolve(args.uids, true));
  }
  MailboxStore& store = session.services().mailboxes;
  MailboxId mailbox = view.id();
  auto job = [&store, mailbox, filter] { return store.expunge(mailbox, filter); };
  auto expunged = co_await session.blocking(std::move(job));
  if (!expunged) {
    session.store_error(command, expunged.error());
    co_return;
  }
  if (session.watch() != nullptr) (void)session.watch()->take_pending();
  co_await session.report_changes(true);
  session.ok(command, command.uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

}  // namespace postino::imap
