// FETCH and UID FETCH (RFC 9051 6.4.5), with CONDSTORE's CHANGEDSINCE and
// MODSEQ (RFC 7162 3.1.4) and QRESYNC's VANISHED (RFC 7162 3.2.6). Messages
// go in batches: one store read per batch, one blocking job renders it,
// large bodies stream in chunks; items the session's view holds (UID,
// FLAGS, MODSEQ) alone are written from the view without a store read. Fetching a body without .PEEK sets \Seen
// (RFC 9051 6.4.5), reported with FLAGS.
#include <algorithm>

#include "imap/commands.hpp"
#include "imap/fetch_response.hpp"
#include "imap/imap_session.hpp"
#include "imap/message_access.hpp"
#include "imap/sequence_resolution.hpp"

namespace postino::imap {
namespace {

constexpr std::size_t kBatchMessages = 200;
constexpr std::uint64_t kChunkBytes = 256 * 1024;

struct RenderedBatch {
  std::vector<std::vector<FetchPiece>> messages;
  std::vector<std::uint32_t> seqs;
};

}  // namespace

awaitable<void> cmd_fetch(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<FetchArgs>();
  SelectedMailbox& view = *session.selected();
  Enabled& enabled = session.enabled();
  std::vector<FetchAttribute> attributes = args.attributes;
  const bool asks_modseq = std::any_of(attributes.begin(), attributes.end(),
                                       [](const FetchAttribute& a) { return a.item == FetchItem::modseq; });
  if (args.changedsince || asks_modseq) enabled.condstore = true;  // RFC 7162 3.1

  std::vector<std::uint32_t> seqs = resolve_set(session, args.set, command.uid);
  if (args.changedsince) {
    std::erase_if(seqs, [&](std::uint32_t seq) { return view.at(seq).modseq <= *args.changedsince; });
  }
  MailboxStore& store = session.services().mailboxes;
  BlobStore& blobs = session.services().blobs;
  const MailboxId mailbox = view.id();

  // RFC 7162 3.2.6: UID FETCH ... (CHANGEDSINCE m VANISHED) first reports
  // the UIDs of the set expunged since m.
  if (args.vanished && args.changedsince) {
    std::uint64_t since = *args.changedsince;
    auto job = [&store, mailbox, since] { return store.changes_since(mailbox, since); };
    auto changes = co_await session.blocking(std::move(job));
    if (changes) {
      std::vector<std::uint32_t> gone;
      for (Uid uid : changes->expunged) {
        auto n = static_cast<std::uint32_t>(uid);
        if (args.set.contains(n, static_cast<std::uint32_t>(view.last_uid()))) gone.push_back(n);
      }
      if (!gone.empty()) session.out().untagged().raw("VANISHED (EARLIER) ").raw(SequenceSet::format(gone)).end();
    }
  }

  const bool set_seen = !view.read_only() && std::any_of(attributes.begin(), attributes.end(), sets_seen);
  const bool with_structure = needs_structure(attributes);
  const bool with_record = needs_record(attributes) || with_structure;
  const bool has_flags = std::any_of(attributes.begin(), attributes.end(),
                                     [](const FetchAttribute& a) { return a.item == FetchItem::flags; });
  bool expunged_seen = false;

  if (!with_record && !set_seen) {
    // Only UID, FLAGS, MODSEQ (THREADID): the view has them all, so the
    // responses are written here, without a store read or a pool hop.
    FetchFacts options;
    options.include_modseq = enabled.condstore;
    options.include_uid = command.uid;
    std::string line;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const ViewMessage& m = view.at(seqs[i]);
      line.clear();
      append_view_fetch(line, seqs[i], m, !enabled.imap4rev2 && view.is_recent(m.uid), options, attributes);
      session.out().raw(line);
      if (i % 256 == 255) co_await session.flush_if_large();
    }
    session.ok(command, command.uid ? "UID FETCH completed" : "FETCH completed");
    co_return;
  }

  for (std::size_t start = 0; start < seqs.size(); start += kBatchMessages) {
    std::vector<std::uint32_t> batch(seqs.begin() + static_cast<std::ptrdiff_t>(start),
                                     seqs.begin() + static_cast<std::ptrdiff_t>(std::min(seqs.size(), start + kBatchMessages)));
    std::vector<Uid> uids = view.uids_of(batch);
    std::vector<bool> seen_set(batch.size(), false);
    if (set_seen) {
      std::vector<Uid> unseen;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& flags = view.at(batch[i]).flags;
        if (std::find(flags.begin(), flags.end(), "\\Seen") == flags.end()) unseen.push_back(uids[i]);
      }
      if (!unseen.empty()) {
        auto job2 = [&store, mailbox, unseen] {
          return store.store_flags(mailbox, unseen, FlagOperation::add, {"\\Seen"}, std::nullopt);
        };
        auto stored = co_await session.blocking(std::move(job2));
        if (stored) {
          for (std::uint32_t seq : view.record_flags(stored->changed)) {
            auto it = std::find(batch.begin(), batch.end(), seq);
            if (it != batch.end()) seen_set[static_cast<std::size_t>(it - batch.begin())] = true;
          }
        }
      }
    }
    auto job3 = [&store, mailbox, uids, with_structure] { return store.read_messages(mailbox, uids, with_structure); };
    auto read = co_await session.blocking(std::move(job3));
    if (!read) {
      session.store_error(command, read.error());
      co_return;
    }
    std::vector<MessageRecord> records = std::move(*read);
    // Facts per message from the view; records matched by UID (an expunged
    // one is missing: skipped, and the command ends NO [EXPUNGEISSUED]).
    std::vector<FetchFacts> facts;
    std::vector<const MessageRecord*> matched;
    std::vector<std::vector<FetchAttribute>> per_message;
    std::size_t r = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const ViewMessage& m = view.at(batch[i]);
      const MessageRecord* record = nullptr;
      while (r < records.size() && records[r].uid < m.uid) ++r;
      if (r < records.size() && records[r].uid == m.uid) record = &records[r];
      if (record == nullptr) {
        expunged_seen = true;
        continue;
      }
      FetchFacts f;
      f.seq = batch[i];
      f.flags = m.flags;
      if (!enabled.imap4rev2 && view.is_recent(m.uid)) f.flags.emplace_back("\\Recent");
      f.modseq = m.modseq;
      f.include_modseq = enabled.condstore;
      f.include_uid = command.uid;
      f.utf8 = session.utf8();
      f.account = session.account().id;
      facts.push_back(std::move(f));
      matched.push_back(record);
      std::vector<FetchAttribute> own = attributes;
      if (seen_set[i] && !has_flags) own.push_back(FetchAttribute{FetchItem::flags, false, {}, std::nullopt});
      per_message.push_back(std::move(own));
    }
    auto job4 = [&blobs, &matched, &facts, &per_message]() -> Result<RenderedBatch> {
      RenderedBatch out;
      for (std::size_t i = 0; i < matched.size(); ++i) {
        auto pieces = render_fetch(blobs, *matched[i], facts[i], per_message[i]);
        if (!pieces) return pieces.take_error();
        out.messages.push_back(std::move(*pieces));
      }
      return out;
    };
    auto rendered = co_await session.blocking(std::move(job4));
    if (!rendered) {
      if (rendered.error().message == "UNKNOWN-CTE") {
        session.no(command, "UNKNOWN-CTE", "Cannot decode the part's content transfer encoding");
      } else {
        session.store_error(command, rendered.error());
      }
      co_return;
    }
    for (std::size_t i = 0; i < rendered->messages.size(); ++i) {
      for (const FetchPiece& piece : rendered->messages[i]) {
        session.out().raw(piece.text);
        if (piece.stream_length == 0) continue;
        // A large body: read and send it in chunks.
        co_await session.flush();
        const MessageRecord* record = matched[i];
        for (std::uint64_t done = 0; done < piece.stream_length; done += kChunkBytes) {
          std::uint64_t offset = piece.stream_offset + done;
          std::uint64_t length = std::min(kChunkBytes, piece.stream_length - done);
          auto job5 = [&blobs, record, offset, length]() -> Result<std::string> {
            auto content = MessageContent::open(blobs, *record);
            if (!content) return content.take_error();
            return content->read(offset, length);
          };
          auto chunk = co_await session.blocking(std::move(job5));
          if (!chunk || chunk->size() != length) {
            // The literal's length is promised: the connection cannot continue.
            session.log().warn("imap_fetch_stream_failed", {{"error", chunk ? "short read" : chunk.error().message}});
            throw boost::system::system_error(boost::asio::error::broken_pipe);
          }
          replace_nul_for_literal(*chunk);
          co_await session.write_raw(*chunk);
        }
      }
      co_await session.flush_if_large();
    }
  }
  if (expunged_seen) {
    session.no(command, "EXPUNGEISSUED", "Some messages were expunged meanwhile");
    co_return;
  }
  session.ok(command, command.uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace postino::imap
