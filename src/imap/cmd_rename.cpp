// RENAME (RFC 9051 6.3.6): children move with their parent; renaming INBOX
// moves its messages into the new mailbox and leaves INBOX empty.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/mailbox_names.hpp"

namespace postino::imap {

awaitable<void> cmd_rename(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<RenameArgs>();
  auto to = name_to_create(args.to);
  if (!to) {
    session.no(command, "CANNOT", to.error().message);
    co_return;
  }
  if (*to == kInboxName) {
    session.no(command, "ALREADYEXISTS", "INBOX always exists");
    co_return;
  }
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string from = args.from;
  std::string target = *to;
  auto job = [&store, account, from, target]() -> Status {
    for (const auto& parent : parents_of(target)) {
      if (parent == from || parent.starts_with(from + "/")) continue;  // moves along
      auto made = store.create_mailbox(account, parent, "");
      if (!made && made.error().code != Errc::already_exists) return made.take_error();
    }
    return store.rename_mailbox(account, from, target);
  };
  auto renamed = co_await session.blocking(std::move(job));
  if (!renamed) {
    session.store_error(command, renamed.error());
    co_return;
  }
  session.ok(command, "RENAME completed");
}

}  // namespace postino::imap
