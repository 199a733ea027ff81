// SEARCH and UID SEARCH (RFC 9051 6.4.4) with ESEARCH's RETURN options
// (RFC 4731), SEARCHRES's SAVE and "$" (RFC 5182), CONDSTORE's MODSEQ key
// (RFC 7162 3.1.5) and WITHIN (RFC 5032). IMAP4rev2 clients always get
// ESEARCH. SORT and THREAD are not offered yet.
#include <algorithm>
#include <chrono>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/search_matcher.hpp"

namespace postino::imap {

awaitable<void> cmd_search(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<SearchArgs>();
  SelectedMailbox& view = *session.selected();
  const bool modseq_used = uses_modseq(args.key);
  if (modseq_used) session.enabled().condstore = true;

  SearchInput input;
  input.exists = view.exists();
  input.last_uid = view.last_uid();
  input.saved = session.saved_search();
  input.now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
    const ViewMessage& m = view.at(seq);
    if (m.expunged) continue;
    input.messages.push_back(SearchInput::Message{seq, m, view.is_recent(m.uid)});
  }
  MailboxStore& store = session.services().mailboxes;
  BlobStore& blobs = session.services().blobs;
  MailboxId mailbox = view.id();
  const SearchKey& program = args.key;
  auto job = [&store, &blobs, mailbox, &program, &input] { return run_search(store, blobs, mailbox, program, input); };
  auto matched = co_await session.blocking(std::move(job));
  if (!matched) {
    session.store_error(command, matched.error());
    co_return;
  }
  std::vector<std::uint32_t> numbers;
  std::uint64_t highest_modseq = 0;
  std::vector<Uid> uids;
  for (std::uint32_t seq : *matched) {
    const ViewMessage& m = view.at(seq);
    uids.push_back(m.uid);
    numbers.push_back(command.uid ? static_cast<std::uint32_t>(m.uid) : seq);
    highest_modseq = std::max(highest_modseq, m.modseq);
  }
  std::optional<SearchReturn> returns = args.returns;
  if (!returns && session.enabled().imap4rev2) returns = SearchReturn{false, false, true, false, false};
  ResponseWriter& out = session.out();
  if (!returns) {
    out.untagged().raw("SEARCH");
    for (std::uint32_t n : numbers) out.sp().number(n);
    if (modseq_used && !numbers.empty()) out.raw(" (MODSEQ ").number(highest_modseq).raw(")");
    out.end();
    session.ok(command, command.uid ? "UID SEARCH completed" : "SEARCH completed");
    co_return;
  }
  if (returns->save) session.saved_search() = uids;
  const bool only_save = returns->save && !returns->min && !returns->max && !returns->all && !returns->count;
  if (!only_save) {
    out.untagged().raw("ESEARCH (TAG ").string(command.tag).raw(")");
    if (command.uid) out.raw(" UID");
    if (!numbers.empty()) {
      if (returns->min) out.raw(" MIN ").number(numbers.front());
      if (returns->max) out.raw(" MAX ").number(numbers.back());
      if (returns->all) out.raw(" ALL ").raw(SequenceSet::format(numbers));
    }
    if (returns->count) out.raw(" COUNT ").number(numbers.size());
    if (modseq_used && !numbers.empty()) out.raw(" MODSEQ ").number(highest_modseq);
    out.end();
  }
  session.ok(command, command.uid ? "UID SEARCH completed" : "SEARCH completed");
}

awaitable<void> cmd_sort(ImapSession& session, const Command& command) {
  session.no(command, "CANNOT", "SORT is not offered");
  co_return;
}

awaitable<void> cmd_thread(ImapSession& session, const Command& command) {
  session.no(command, "CANNOT", "THREAD is not offered");
  co_return;
}

}  // namespace postino::imap
