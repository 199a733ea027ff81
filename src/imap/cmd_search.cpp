// SEARCH and UID SEARCH (RFC 9051 6.4.4) with ESEARCH's RETURN options
// (RFC 4731), SEARCHRES's SAVE and "$" (RFC 5182), CONDSTORE's MODSEQ key
// (RFC 7162 3.1.5) and WITHIN (RFC 5032). IMAP4rev2 clients always get
// ESEARCH. SORT and THREAD (RFC 5256) share the search, then order.
#include <algorithm>
#include <chrono>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/search_matcher.hpp"

namespace postino::imap {

namespace {

SearchInput search_input(ImapSession& session) {
  SelectedMailbox& view = *session.selected();
  SearchInput input;
  input.exists = view.exists();
  input.last_uid = view.last_uid();
  input.saved = session.saved_search();
  input.account = session.account().id;
  input.now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
    const ViewMessage& m = view.at(seq);
    if (m.expunged) continue;
    input.messages.push_back(SearchInput::Message{seq, m, view.is_recent(m.uid)});
  }
  return input;
}

struct SortJob {
  MailboxStore* store;
  BlobStore* blobs;
  MailboxId mailbox;
  const SearchKey* program;
  const SearchInput* input;
  bool uid;
  Result<std::vector<SortFacts>> operator()() const {
    auto matched = run_search(*store, *blobs, mailbox, *program, *input);
    if (!matched) return matched.take_error();
    std::vector<SearchInput::Message> messages;
    std::vector<std::uint32_t> numbers;
    std::size_t i = 0;
    for (std::uint32_t seq : *matched) {
      while (i < input->messages.size() && input->messages[i].seq < seq) ++i;
      if (i >= input->messages.size()) break;
      messages.push_back(input->messages[i]);
      numbers.push_back(uid ? static_cast<std::uint32_t>(input->messages[i].view.uid) : seq);
    }
    return read_sort_facts(*store, *blobs, mailbox, messages, numbers);
  }
};

// SORT and THREAD: the matching messages' facts, or the tagged error set.
awaitable<std::optional<std::vector<SortFacts>>> sort_facts(ImapSession& session, const Command& command,
                                                           const SearchKey& program) {
  SearchInput input = search_input(session);
  SortJob job{&session.services().mailboxes, &session.services().blobs, session.selected()->id(), &program, &input,
              command.uid};
  auto facts = co_await session.blocking(std::move(job));
  if (!facts) {
    session.store_error(command, facts.error());
    co_return std::nullopt;
  }
  co_return std::move(*facts);
}

}  // namespace

awaitable<void> cmd_search(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<SearchArgs>();
  SelectedMailbox& view = *session.selected();
  const bool modseq_used = uses_modseq(args.key);
  if (modseq_used) session.enabled().condstore = true;

  SearchInput input = search_input(session);
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
  const auto& args = command.args_as<SortArgs>();
  auto facts = co_await sort_facts(session, command, args.key);
  if (!facts) co_return;
  ResponseWriter& out = session.out();
  out.untagged().raw("SORT");
  for (std::uint32_t n : sort_messages(std::move(*facts), args.criteria)) out.sp().number(n);
  out.end();
  session.ok(command, command.uid ? "UID SORT completed" : "SORT completed");
}

awaitable<void> cmd_thread(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<ThreadArgs>();
  auto facts = co_await sort_facts(session, command, args.key);
  if (!facts) co_return;
  session.out().untagged().raw("THREAD ").raw(thread_messages(*facts, args.algorithm)).end();
  session.ok(command, command.uid ? "UID THREAD completed" : "THREAD completed");
}

}  // namespace postino::imap
