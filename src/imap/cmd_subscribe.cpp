// SUBSCRIBE and UNSUBSCRIBE (RFC 9051 6.3.7, 6.3.8): names are kept even
// for mailboxes that do not (yet) exist, as Dovecot does.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_subscribe(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<MailboxArgs>();
  const bool subscribe = command.kind == CommandKind::subscribe;
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string name = args.mailbox;
  auto job = [&store, account, name, subscribe] { return store.set_subscribed(account, name, subscribe); };
  auto done = co_await session.blocking(std::move(job));
  if (!done) {
    session.store_error(command, done.error());
    co_return;
  }
  session.ok(command, subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

}  // namespace postino::imap
