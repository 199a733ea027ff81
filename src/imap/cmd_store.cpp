// STORE and UID STORE (RFC 9051 6.4.6) with UNCHANGEDSINCE and [MODIFIED]
// (RFC 7162 3.1.3). Every named message's flags are reported unless
// .SILENT; with CONDSTORE a silent store still reports the new MODSEQ.
#include <algorithm>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/sequence_resolution.hpp"

namespace postino::imap {

awaitable<void> cmd_store(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<StoreArgs>();
  SelectedMailbox& view = *session.selected();
  if (view.read_only()) {
    session.no(command, "READ-ONLY", "Mailbox is read-only");
    co_return;
  }
  if (args.unchangedsince) session.enabled().condstore = true;
  std::vector<std::uint32_t> seqs = resolve_set(session, args.set, command.uid);
  std::vector<Uid> uids = view.uids_of(seqs);
  FlagOperation operation = args.mode == StoreMode::add      ? FlagOperation::add
                            : args.mode == StoreMode::remove ? FlagOperation::remove
                                                             : FlagOperation::replace;
  MailboxStore& store = session.services().mailboxes;
  MailboxId mailbox = view.id();
  std::vector<std::string> flags = args.flags;
  std::optional<std::uint64_t> unchanged = args.unchangedsince;
  auto job = [&store, mailbox, uids, operation, flags, unchanged] {
    return store.store_flags(mailbox, uids, operation, flags, unchanged);
  };
  auto stored = co_await session.blocking(std::move(job));
  if (!stored) {
    session.store_error(command, stored.error());
    co_return;
  }
  std::vector<std::uint32_t> changed = view.record_flags(stored->changed);
  const bool condstore = session.enabled().condstore;
  std::vector<Uid> modified = stored->modified;
  for (std::uint32_t seq : seqs) {
    Uid uid = view.at(seq).uid;
    if (std::find(modified.begin(), modified.end(), uid) != modified.end()) continue;
    const bool was_changed = std::find(changed.begin(), changed.end(), seq) != changed.end();
    if (!args.silent) {
      session.write_flags_fetch(seq, command.uid);
    } else if (condstore && was_changed) {
      ResponseWriter& out = session.out();
      out.untagged().number(seq).raw(" FETCH (");
      if (command.uid) out.raw("UID ").number(static_cast<std::uint32_t>(uid)).sp();
      out.raw("MODSEQ (").number(view.at(seq).modseq).raw("))").end();
    }
  }
  if (!modified.empty()) {
    std::vector<std::uint32_t> numbers;
    for (Uid uid : modified) {
      if (command.uid) {
        numbers.push_back(static_cast<std::uint32_t>(uid));
      } else if (auto seq = view.seq_of(uid)) {
        numbers.push_back(*seq);
      }
    }
    std::sort(numbers.begin(), numbers.end());
    session.tagged(command, "OK", "MODIFIED " + SequenceSet::format(numbers), "Conditional STORE failed for some");
    co_return;
  }
  session.ok(command, command.uid ? "UID STORE completed" : "STORE completed");
}

}  // namespace postino::imap
