// STATUS (RFC 9051 6.3.11; STATUS=SIZE RFC 8438; HIGHESTMODSEQ RFC 7162;
// APPENDLIMIT RFC 7889).
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/status_response.hpp"

namespace postino::imap {

awaitable<void> cmd_status(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<StatusArgs>();
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string name = args.mailbox;
  auto job = [&store, account, name]() -> Result<MailboxStatus> {
    auto record = store.find_mailbox(account, name);
    if (!record) return record.take_error();
    return store.status(record->id);
  };
  auto status = co_await session.blocking(std::move(job));
  if (!status) {
    if (status.error().code == Errc::not_found) {
      session.no(command, "NONEXISTENT", "Mailbox doesn't exist: " + name);
    } else {
      session.store_error(command, status.error());
    }
    co_return;
  }
  for (StatusItem item : args.items) {
    if (item == StatusItem::highestmodseq) session.enabled().condstore = true;  // RFC 7162 3.1
  }
  write_status(session.out(), name, *status, args.items, session.settings().max_append_bytes);
  session.ok(command, "STATUS completed");
}

}  // namespace postino::imap
