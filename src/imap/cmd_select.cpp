// SELECT and EXAMINE (RFC 9051 6.3.2, 6.3.3), with CONDSTORE's
// HIGHESTMODSEQ (RFC 7162 3.1.2), QRESYNC's resynchronisation (RFC 7162
// 3.2.5: VANISHED (EARLIER) and the changed messages' flags) and OBJECTID's
// MAILBOXID (RFC 8474 4.2). The view is built from the store's light
// per-message query (UID, modseq, flags): no message record is read.
#include <algorithm>
#include <set>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "store/object_ids.hpp"

namespace postino::imap {
namespace {

struct Opened {
  MailboxRecord record;
  std::vector<MessageFlags> messages;
  RecentClaim recent;
};

Result<Opened> open_mailbox(MailboxStore& store, AccountId account, const std::string& name, bool claim) {
  auto record = store.find_mailbox(account, name);
  if (!record) return record.take_error();
  RecentClaim recent;
  if (claim) {
    auto claimed = store.claim_recent(record->id);
    if (!claimed) return claimed.take_error();
    recent = *claimed;
  }
  auto messages = store.list_message_flags(record->id);
  if (!messages) return messages.take_error();
  return Opened{std::move(*record), std::move(*messages), recent};
}

const char* const kSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

// RFC 7162 3.2.5.2: what changed since the client's modseq, limited to the
// UIDs it knows about.
void write_qresync(ImapSession& session, const QresyncParams& q, const MailboxChanges& changes) {
  SelectedMailbox& view = *session.selected();
  std::vector<std::uint32_t> vanished;
  for (Uid uid : changes.expunged) {
    auto n = static_cast<std::uint32_t>(uid);
    if (q.known_uids && !q.known_uids->contains(n, static_cast<std::uint32_t>(view.last_uid()))) continue;
    vanished.push_back(n);
  }
  if (!vanished.empty()) session.out().untagged().raw("VANISHED (EARLIER) ").raw(SequenceSet::format(vanished)).end();
  for (const MessageFlags& change : changes.changed) {
    auto seq = view.seq_of(change.uid);
    if (!seq) continue;
    session.write_flags_fetch(*seq, true);
  }
}

}  // namespace

awaitable<void> cmd_select(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<SelectArgs>();
  const bool examine = command.kind == CommandKind::examine;
  const bool had_mailbox = session.selected() != nullptr;
  session.unselect();
  // RFC 7162 3.2.11: with QRESYNC the client learns where one mailbox's
  // responses end.
  if (had_mailbox && session.enabled().qresync) session.out().untagged().status("OK", "CLOSED", "Previous mailbox closed");
  if (args.condstore) session.enabled().condstore = true;

  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  std::string name = args.mailbox;
  auto job = [&store, account, name, examine] {
    return open_mailbox(store, account, name, !examine);
  };
  auto opened = co_await session.blocking(std::move(job));
  if (!opened) {
    if (opened.error().code == Errc::not_found) {
      session.no(command, "NONEXISTENT", "Mailbox doesn't exist: " + name);
    } else {
      session.store_error(command, opened.error());
    }
    co_return;
  }
  std::set<std::string> keywords;
  for (const MessageFlags& m : opened->messages) {
    for (const auto& f : m.flags) {
      if (!f.empty() && f[0] != '\\') keywords.insert(f);
    }
  }
  auto view = std::make_unique<SelectedMailbox>(std::move(opened->record), examine, std::move(opened->messages),
                                                opened->recent);
  std::string keyword_text;
  for (const auto& k : keywords) keyword_text += " " + k;
  session.select(std::move(view));
  SelectedMailbox& selected = *session.selected();
  const bool rev2 = session.enabled().imap4rev2;

  ResponseWriter& out = session.out();
  out.untagged().raw("FLAGS (").raw(kSystemFlags).raw(keyword_text).raw(")").end();
  out.untagged().status("OK", std::string("PERMANENTFLAGS (") + kSystemFlags + keyword_text + " \\*)", "Flags permitted");
  out.untagged().number(selected.exists()).raw(" EXISTS").end();
  if (!rev2) {
    out.untagged().number(selected.recent_count()).raw(" RECENT").end();
    if (std::uint32_t unseen = selected.first_unseen(); unseen != 0) {
      out.untagged().status("OK", "UNSEEN " + std::to_string(unseen), "First unseen");
    }
  }
  out.untagged().status("OK", "UIDVALIDITY " + std::to_string(selected.uid_validity()), "UIDs valid");
  out.untagged().status("OK", "UIDNEXT " + std::to_string(selected.uid_next()), "Predicted next UID");
  out.untagged().status("OK", "HIGHESTMODSEQ " + std::to_string(selected.highest_modseq()), "Highest");
  out.untagged().status("OK", "MAILBOXID (" + mailbox_object_id(selected.id(), selected.uid_validity()) + ")", "Ok");
  if (rev2) out.untagged().raw("LIST () \"/\" ").mailbox(selected.record().name).end();

  if (args.qresync && args.qresync->uidvalidity == selected.uid_validity()) {
    MailboxId id = selected.id();
    std::uint64_t since = args.qresync->modseq;
    auto job2 = [&store, id, since] { return store.changes_since(id, since); };
    auto changes = co_await session.blocking(std::move(job2));
    if (changes) write_qresync(session, *args.qresync, *changes);
  }
  session.log().info("imap_select", {{"mailbox", name}, {"exists", static_cast<std::uint64_t>(selected.exists())}});
  session.tagged(command, "OK", examine ? "READ-ONLY" : "READ-WRITE",
                 examine ? "EXAMINE completed" : "SELECT completed");
}

}  // namespace postino::imap
