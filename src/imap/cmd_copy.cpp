// COPY and MOVE (RFC 9051 6.4.7, 6.4.8; RFC 6851) with COPYUID (RFC 4315)
// and quota ([OVERQUOTA], RFC 9208): all messages or none. MOVE reports
// COPYUID untagged, then the expunges (or VANISHED), then the tagged OK.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/sequence_resolution.hpp"

namespace postino::imap {
namespace {

std::string copyuid(const CopyOutcome& outcome) {
  std::vector<std::uint32_t> from, to;
  for (Uid uid : outcome.source_uids) from.push_back(static_cast<std::uint32_t>(uid));
  for (Uid uid : outcome.destination_uids) to.push_back(static_cast<std::uint32_t>(uid));
  // Both lists in the same order; the source is ascending, so is the
  // destination (new UIDs are given in that order): format keeps pairing.
  return "COPYUID " + std::to_string(outcome.uid_validity) + " " + SequenceSet::format(from) + " " +
         SequenceSet::format(to);
}

}  // namespace

awaitable<void> cmd_copy(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<CopyArgs>();
  const bool move = command.kind == CommandKind::move;
  SelectedMailbox& view = *session.selected();
  if (move && view.read_only()) {
    session.no(command, "READ-ONLY", "Mailbox is read-only");
    co_return;
  }
  std::vector<Uid> uids = view.uids_of(resolve_set(session, args.set, command.uid));
  MailboxStore& store = session.services().mailboxes;
  MailboxId source = view.id();
  AccountId account = session.account().id;
  std::uint64_t quota = session.account().quota_bytes;
  std::string target = args.mailbox;
  auto job = [&store, account, source, uids, target, quota, move]() -> Result<CopyOutcome> {
    auto destination = store.find_mailbox(account, target);
    if (!destination) return destination.take_error();
    return store.copy_messages(source, uids, destination->id, quota, move);
  };
  auto copied = co_await session.blocking(std::move(job));
  if (!copied) {
    if (copied.error().code == Errc::not_found) {
      session.no(command, "TRYCREATE", "Mailbox doesn't exist: " + target);
    } else {
      session.store_error(command, copied.error());
    }
    co_return;
  }
  if (copied->source_uids.empty()) {
    session.ok(command, move ? "No messages moved" : "No messages copied");
    co_return;
  }
  if (!move) {
    session.tagged(command, "OK", copyuid(*copied), "COPY completed");
    co_return;
  }
  session.out().untagged().status("OK", copyuid(*copied), "Moved");
  if (session.watch() != nullptr) (void)session.watch()->take_pending();
  co_await session.report_changes(true);
  session.ok(command, "MOVE completed");
}

}  // namespace postino::imap
