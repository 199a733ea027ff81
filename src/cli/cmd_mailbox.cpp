// `postino mailbox list -u USER` and `postino fetch -u USER MAILBOX UID`:
// a read path for operators and tests (doveadm mailbox list / doveadm
// fetch). fetch writes the message exactly as IMAP would serve it.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "common/units.hpp"
#include "directory/directory.hpp"
#include "store/metadata_store.hpp"

namespace postino::cli {
namespace {

struct MailboxOptions {
  std::string user;
  std::string mailbox = kInboxName;
  std::uint32_t uid = 0;
};

Result<AccountInfo> find_account(CliContext& context, const std::string& user) {
  auto directory = context.directory();
  if (!directory) return directory.take_error();
  return (*directory)->account(user);
}

Status list_mailboxes(CliContext& context, const MailboxOptions& options) {
  auto account = find_account(context, options.user);
  if (!account) return account.take_error();
  auto store = context.metadata();
  if (!store) return store.take_error();
  auto mailboxes = (*store)->mailboxes().list_mailboxes(account->id);
  if (!mailboxes) return mailboxes.take_error();
  std::vector<Record> rows;
  for (const auto& m : *mailboxes) {
    auto messages = (*store)->mailboxes().list_messages(m.id);
    if (!messages) return messages.take_error();
    std::vector<std::string> uids;
    for (const auto& message : *messages) uids.push_back(std::to_string(static_cast<std::uint32_t>(message.uid)));
    rows.push_back({{"mailbox", m.name},
                    {"messages", static_cast<std::int64_t>(messages->size())},
                    {"uid_validity", static_cast<std::int64_t>(m.uid_validity)},
                    {"uid_next", static_cast<std::int64_t>(m.uid_next)},
                    {"uids", uids}});
  }
  context.out().table({"mailbox", "messages", "uid_validity", "uid_next"}, rows);
  return {};
}

Status fetch_message(CliContext& context, const MailboxOptions& options) {
  auto account = find_account(context, options.user);
  if (!account) return account.take_error();
  auto store = context.metadata();
  if (!store) return store.take_error();
  auto mailbox = (*store)->mailboxes().find_mailbox(account->id, options.mailbox);
  if (!mailbox) return mailbox.take_error();
  auto message = (*store)->mailboxes().find_message(mailbox->id, Uid{options.uid});
  if (!message) return message.take_error();
  auto config = context.config();
  auto blobs = open_blob_store((*config)->storage);
  if (!blobs) return blobs.take_error();
  auto reader = (*blobs)->open(message->blob);
  if (!reader) return reader.take_error();
  std::cout << message->header_prefix;
  constexpr std::size_t kChunk = 256 * 1024;
  for (std::uint64_t offset = 0; offset < (*reader)->size_bytes(); offset += kChunk) {
    auto bytes = (*reader)->read(offset, kChunk);
    if (!bytes) return bytes.take_error();
    std::cout << *bytes;
  }
  std::cout.flush();
  return {};
}

}  // namespace

void register_mailbox(CLI::App& app, CliContext& context, int& exit_code) {
  auto options = std::make_shared<MailboxOptions>();
  auto* cmd = app.add_subcommand("mailbox", "a user's mailboxes");
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "list a user's mailboxes with their messages");
  list->add_option("-u,--user", options->user, "user address")->required();
  list->callback([&context, &exit_code, options] {
    if (auto s = list_mailboxes(context, *options); !s) exit_code = context.out().fail(s.error());
  });

  auto* fetch = app.add_subcommand("fetch", "write one message, raw, to stdout");
  fetch->add_option("-u,--user", options->user, "user address")->required();
  fetch->add_option("MAILBOX", options->mailbox, "mailbox name, e.g. INBOX")->required();
  fetch->add_option("UID", options->uid, "message UID")->required();
  fetch->callback([&context, &exit_code, options] {
    if (auto s = fetch_message(context, *options); !s) exit_code = context.out().fail(s.error());
  });
}

}  // namespace postino::cli
