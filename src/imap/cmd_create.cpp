// CREATE (RFC 9051 6.3.4) with CREATE-SPECIAL-USE (RFC 6154 3): missing
// parents are created too; INBOX and existing names are refused. The OK
// carries the new mailbox's MAILBOXID (RFC 8474 4.1).
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/mailbox_names.hpp"
#include "store/object_ids.hpp"

namespace postino::imap {

awaitable<void> cmd_create(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<CreateArgs>();
  auto name = name_to_create(args.mailbox);
  if (!name) {
    session.no(command, "CANNOT", name.error().message);
    co_return;
  }
  if (*name == kInboxName) {
    session.no(command, "ALREADYEXISTS", "INBOX always exists");
    co_return;
  }
  std::string use;
  if (args.special_use.size() > 1) {
    session.no(command, "USEATTR", "Only one special-use attribute per mailbox");
    co_return;
  }
  if (!args.special_use.empty()) {
    if (!is_special_use(args.special_use.front())) {
      session.no(command, "USEATTR", "Unsupported special-use attribute");
      co_return;
    }
    use = args.special_use.front();
  }
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string target = *name;
  auto job = [&store, account, target, use]() -> Result<MailboxRecord> {
    for (const auto& parent : parents_of(target)) {
      auto made = store.create_mailbox(account, parent, "");
      if (!made && made.error().code != Errc::already_exists) return made.take_error();
    }
    return store.create_mailbox(account, target, use);
  };
  auto created = co_await session.blocking(std::move(job));
  if (!created) {
    session.store_error(command, created.error());
    co_return;
  }
  session.tagged(command, "OK", "MAILBOXID (" + mailbox_object_id(created->id, created->uid_validity) + ")",
                 "CREATE completed");
}

}  // namespace postino::imap
