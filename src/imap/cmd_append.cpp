// APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502: all or nothing),
// UIDPLUS's APPENDUID (RFC 4315), BINARY literals (RFC 3516), APPENDLIMIT
// (RFC 7889, enforced while reading the literal) and quota ([OVERQUOTA],
// RFC 9208). The mailbox must exist: [TRYCREATE] otherwise. Bare LF line
// ends of a plain literal are stored as CRLF (crlf_line_ends).
#include <chrono>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "mime/search_text.hpp"
#include "mime/structure_parser.hpp"
#include "store/blob_store.hpp"
#include "store/unix_time.hpp"

namespace postino::imap {
namespace {

struct Appended {
  std::uint32_t uid_validity = 0;
  std::vector<std::uint32_t> uids;
};

// RFC 5322 2.1 and RFC 9051 2.3.1.1: message lines end in CRLF. Some
// clients APPEND messages with bare LF line ends; those are written as CRLF
// before storing, so BODY[...], RFC822.SIZE, BODYSTRUCTURE sizes and partial
// offsets all describe what IMAP clients get (Dovecot sends such messages
// with CRLF too). Empty when there is nothing to change.
std::string crlf_line_ends(std::string_view data) {
  std::size_t bare = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) ++bare;
  }
  if (bare == 0) return {};
  std::string out;
  out.reserve(data.size() + bare);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) out.push_back('\r');
    out.push_back(data[i]);
  }
  return out;
}

// Stores every message or none: a later failure expunges the earlier ones.
Result<Appended> append_all(MailboxStore& store, BlobStore& blobs, AccountId account, std::uint64_t quota_bytes,
                            const std::string& mailbox, const std::vector<AppendMessage>& messages) {
  std::vector<Delivery> deliveries;
  for (const AppendMessage& m : messages) {
    // A binary literal (RFC 3516) is stored exactly as sent: its LF bytes
    // may be content.
    std::string rewritten = m.binary ? std::string() : crlf_line_ends(m.data);
    std::string_view data = rewritten.empty() ? m.data : std::string_view(rewritten);
    auto blob = blobs.put(data);
    if (!blob) return blob.take_error();
    Delivery d;
    d.account = account;
    d.mailbox = mailbox;
    d.blob = *blob;
    d.internal_date = m.internal_date ? m.internal_date->instant.time_since_epoch().count() : unix_now_seconds();
    d.quota_bytes = quota_bytes;
    d.flags = m.flags;
    // One parse serves FETCH (the stored structure) and SEARCH (the text
    // index): the message is in memory already.
    const mime::MessageStructure structure = mime::StructureParser::parse(data);
    d.mime_structure = structure.serialize();
    mime::SearchText text = mime::message_search_text(data, structure);
    d.search_header = std::move(text.header);
    d.search_body = std::make_shared<const std::string>(std::move(text.body));
    d.create_mailbox = false;
    deliveries.push_back(std::move(d));
  }
  auto outcomes = store.deliver(deliveries);
  Appended appended;
  std::optional<Error> failure;
  std::vector<Uid> stored;
  MailboxId mailbox_id{};
  for (auto& outcome : outcomes) {
    if (!outcome) {
      if (!failure) failure = outcome.error();
      continue;
    }
    stored.push_back(outcome->uid);
    mailbox_id = outcome->mailbox;
    appended.uid_validity = outcome->uid_validity;
    appended.uids.push_back(static_cast<std::uint32_t>(outcome->uid));
  }
  if (failure) {
    if (!stored.empty()) {
      ExpungeFilter undo;
      undo.deleted_only = false;
      undo.uids = stored;
      (void)store.expunge(mailbox_id, undo);
    }
    return *failure;
  }
  return appended;
}

}  // namespace

awaitable<void> cmd_append(ImapSession& session, const Command& command, CommandText& text) {
  (void)text;  // the messages are views into it; it lives until the reply
  const auto& args = command.args_as<AppendArgs>();
  for (const AppendMessage& m : args.messages) {
    if (m.data.size() > session.settings().max_append_bytes) {
      session.no(command, "TOOBIG", "Message too large");
      co_return;
    }
    if (!m.binary && m.data.find('\0') != std::string_view::npos) {
      // RFC 3516 4.2: NUL only in a literal8.
      session.no(command, "UNKNOWN-CTE", "NUL in a message sent without a binary literal");
      co_return;
    }
  }
  MailboxStore& store = session.services().mailboxes;
  BlobStore& blobs = session.services().blobs;
  AccountId account = session.account().id;
  std::uint64_t quota = session.account().quota_bytes;
  std::string mailbox = args.mailbox;
  const std::vector<AppendMessage>& messages = args.messages;
  auto job = [&store, &blobs, account, quota, mailbox, &messages] {
    return append_all(store, blobs, account, quota, mailbox, messages);
  };
  auto appended = co_await session.blocking(std::move(job));
  if (!appended) {
    if (appended.error().code == Errc::not_found) {
      session.no(command, "TRYCREATE", "Mailbox doesn't exist: " + mailbox);
    } else {
      session.store_error(command, appended.error());
    }
    co_return;
  }
  session.log().info("imap_append", {{"mailbox", mailbox}, {"messages", static_cast<std::uint64_t>(messages.size())}});
  session.tagged(command, "OK",
                 "APPENDUID " + std::to_string(appended->uid_validity) + " " + SequenceSet::format(appended->uids),
                 "APPEND completed");
}

}  // namespace postino::imap
