// The TRANSACTION state (RFC 1939 5): STAT, LIST, UIDL (RFC 1939 7), TOP,
// RETR, DELE, RSET, and QUIT with the UPDATE state (RFC 1939 6): the marked
// messages are expunged in one store call, retrieved ones flagged \Seen.
// Messages are read from the blob store in chunks on the blocking pool and
// written as they are read.
#include <boost/asio/use_awaitable.hpp>

#include "pop3/dot_stuffer.hpp"
#include "pop3/pop3_session.hpp"
#include "pop3/top_cutter.hpp"
#include "runtime/blocking_pool.hpp"
#include "store/blob_store.hpp"
#include "store/mailbox_store.hpp"

namespace postino::pop3 {
namespace asio = boost::asio;

namespace {

// The UPDATE state's store calls, run on the blocking pool.
struct UpdateOutcome {
  Status seen;
  Result<std::vector<Uid>> expunged{std::vector<Uid>{}};
};

UpdateOutcome update_maildrop(MailboxStore& store, MailboxId mailbox, const std::vector<Uid>& seen,
                              const std::vector<Uid>& deleted) {
  UpdateOutcome outcome;
  if (!seen.empty()) {
    auto flagged = store.store_flags(mailbox, seen, FlagOperation::add, {"\\Seen"}, std::nullopt);
    if (!flagged) outcome.seen = flagged.take_error();
  }
  if (!deleted.empty()) {
    ExpungeFilter filter;
    filter.deleted_only = false;
    filter.uids = deleted;
    outcome.expunged = store.expunge(mailbox, filter);
  }
  return outcome;
}

}  // namespace

bool Pop3Session::message_usable(std::uint32_t number) {
  switch (maildrop_.lookup(number)) {
    case Maildrop::Lookup::ok:
      return true;
    case Maildrop::Lookup::no_such_message:
      reply("-ERR No such message");
      return false;
    case Maildrop::Lookup::deleted:
      reply("-ERR Message " + std::to_string(number) + " is deleted");
      return false;
  }
  return false;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_stat() {
  reply("+OK " + std::to_string(maildrop_.live_count()) + " " + std::to_string(maildrop_.live_bytes()));
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_list(const Command& command, bool uidl) {
  auto value = [&](std::uint32_t n) {
    return uidl ? maildrop_.unique_id(n) : std::to_string(maildrop_.message(n).size_bytes);
  };
  if (!command.args.empty()) {
    auto number = parse_message_number(command.args[0]);
    if (!number) co_return bad_command("-ERR Invalid message number");
    if (message_usable(*number)) reply("+OK " + std::to_string(*number) + " " + value(*number));
    co_return Next::proceed;
  }
  if (uidl) {
    reply("+OK Unique-ID listing follows");
  } else {
    reply("+OK " + std::to_string(maildrop_.live_count()) + " messages (" + std::to_string(maildrop_.live_bytes()) +
          " octets)");
  }
  for (std::uint32_t n = 1; n <= maildrop_.size(); ++n) {
    if (maildrop_.lookup(n) != Maildrop::Lookup::ok) continue;
    reply(std::to_string(n) + " " + value(n));
    co_await flush_if_large();
  }
  reply(".");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_retr(const Command& command, bool top) {
  auto number = parse_message_number(command.args[0]);
  if (!number) co_return bad_command("-ERR Invalid message number");
  std::optional<std::uint32_t> lines;
  if (top) {
    lines = parse_line_count(command.args[1]);
    if (!lines) co_return bad_command("-ERR Invalid line count");
  }
  if (!message_usable(*number)) co_return Next::proceed;
  const Next next = co_await send_message(*number, lines);
  co_return next;
}

asio::awaitable<Pop3Session::Next> Pop3Session::send_message(std::uint32_t number,
                                                             std::optional<std::uint32_t> top_lines) {
  const MessageRecord& record = maildrop_.message(number);
  BlobStore& blobs = services_.blobs;
  BlobId blob_id = record.blob;
  // GCC 12: blocking jobs are named locals, never lambda temporaries in a co_await.
  auto open_job = [&blobs, blob_id] { return blobs.open(blob_id); };
  auto opened = co_await services_.blocking.run(std::move(open_job));
  if (!opened) {
    conn_.log.warn("pop3_message_unreadable", {{"user", account_.address},
                                               {"uid", static_cast<std::uint64_t>(record.uid)},
                                               {"error", opened.error().message}});
    if (opened.error().code == Errc::not_found) {
      reply("-ERR [SYS/PERM] Message is no longer available");
    } else {
      reply("-ERR [SYS/TEMP] Cannot read the message, try again later");
    }
    co_return Next::proceed;
  }
  std::unique_ptr<BlobReader> reader = std::move(*opened);
  reply(top_lines ? std::string("+OK") : "+OK " + std::to_string(record.size_bytes) + " octets");

  DotStuffer stuffer;
  std::optional<TopCutter> cutter;
  if (top_lines) cutter.emplace(*top_lines);
  auto emit = [&](std::string_view bytes) {
    stuffer.feed(cutter ? cutter->feed(bytes) : bytes, out_);
  };
  emit(record.header_prefix);
  const std::uint64_t blob_bytes = reader->size_bytes();
  const std::size_t chunk_bytes = settings_.retrieve_chunk_bytes;
  BlobReader* blob = reader.get();
  for (std::uint64_t offset = 0; offset < blob_bytes && !(cutter && cutter->done());) {
    co_await flush();
    auto read_job = [blob, offset, chunk_bytes] { return blob->read(offset, chunk_bytes); };
    auto chunk = co_await services_.blocking.run(std::move(read_job));
    if (!chunk || chunk->empty()) {
      // The +OK is sent: no reply can say so; the client sees the connection end.
      conn_.log.warn("pop3_message_read_failed",
                     {{"user", account_.address},
                      {"uid", static_cast<std::uint64_t>(record.uid)},
                      {"offset", offset},
                      {"error", chunk ? std::string("short blob") : chunk.error().message}});
      co_await flush();
      co_return Next::close;
    }
    offset += chunk->size();
    emit(*chunk);
  }
  stuffer.finish(out_);
  if (!top_lines) {
    maildrop_.mark_retrieved(number);
    ++retrieved_;
    retrieved_bytes_ += record.size_bytes;
  }
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_dele(const Command& command) {
  auto number = parse_message_number(command.args[0]);
  if (!number) co_return bad_command("-ERR Invalid message number");
  if (!message_usable(*number)) co_return Next::proceed;
  maildrop_.mark_deleted(*number);
  reply("+OK Message " + std::to_string(*number) + " deleted");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_rset() {
  maildrop_.reset();
  reply("+OK Maildrop has " + std::to_string(maildrop_.live_count()) + " messages (" +
        std::to_string(maildrop_.live_bytes()) + " octets)");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_quit() {
  if (state_ == Pop3State::authorization) {
    reply("+OK Postino POP3 signing off");
    co_return Next::close;
  }
  // RFC 1939 6: the UPDATE state.
  MailboxStore& store = services_.mailboxes;
  MailboxId mailbox = maildrop_.mailbox();
  std::vector<Uid> seen = maildrop_.retrieved_kept_uids();
  std::vector<Uid> deleted = maildrop_.deleted_uids();
  auto job = [&store, mailbox, &seen, &deleted] { return update_maildrop(store, mailbox, seen, deleted); };
  auto outcome = co_await services_.blocking.run(std::move(job));
  if (!outcome.seen) {
    conn_.log.warn("pop3_seen_failed", {{"user", account_.address}, {"error", outcome.seen.error().message}});
  }
  std::uint64_t removed = 0;
  if (outcome.expunged) removed = outcome.expunged->size();
  conn_.log.info("pop3_logout", {{"user", account_.address},
                                 {"retr", static_cast<std::uint64_t>(retrieved_)},
                                 {"retr_bytes", retrieved_bytes_},
                                 {"del", static_cast<std::uint64_t>(deleted.size())},
                                 {"expunged", removed},
                                 {"size", maildrop_.live_bytes()}});
  lock_.release();
  if (!outcome.expunged) {
    conn_.log.warn("pop3_expunge_failed", {{"user", account_.address}, {"error", outcome.expunged.error().message}});
    reply("-ERR [SYS/TEMP] Some deleted messages were not removed");
    co_return Next::close;
  }
  reply("+OK Logging out, " + std::to_string(deleted.size()) + " messages deleted");
  co_return Next::close;
}

}  // namespace postino::pop3
