// `postino queue list|show|flush|hold|release|delete`: the mail queue of
// this node, in the manner of postqueue -p / postsuper -h/-H/-d.
// flush asks a running server to deliver now by making every deferred
// recipient due; the server picks them up at its next look (at most
// [queue] poll_interval), as `postqueue -f` does through the queue manager.
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "store/metadata_store.hpp"
#include "store/queue_store.hpp"

namespace postino::cli {
namespace {

const char* state_name(RecipientState state) {
  switch (state) {
    case RecipientState::pending: return "pending";
    case RecipientState::delivered: return "delivered";
    case RecipientState::failed: return "failed";
  }
  return "pending";
}

Record message_record(const QueueMessage& m, bool with_recipients) {
  std::vector<std::string> recipients;
  for (const auto& r : m.recipients) {
    std::string line = r.address + " (" + state_name(r.state) + ")";
    if (with_recipients && !r.last_reply.empty()) line += " " + r.last_reply;
    recipients.push_back(line);
  }
  return {{"id", m.id},
          {"arrived", format_unix_time(m.arrived_at)},
          {"size", static_cast<std::int64_t>(m.blob.size_bytes)},
          {"sender", m.sender.empty() ? std::string("<>") : m.sender},
          {"held", m.held},
          {"recipients", recipients}};
}

int with_queue(CliContext& context, const std::function<Status(QueueStore&)>& body) {
  auto config = context.config();
  if (!config) return context.out().fail(config.error());
  auto queue = open_queue_store((*config)->storage);
  if (!queue) return context.out().fail(queue.error());
  auto status = body(**queue);
  if (!status) return context.out().fail(status.error());
  return 0;
}

}  // namespace

void register_queue(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("queue", "this node's mail queue");
  cmd->require_subcommand(1);
  auto id = std::make_shared<std::string>();

  cmd->add_subcommand("list", "list queued messages")->callback([&context, &exit_code] {
    exit_code = with_queue(context, [&](QueueStore& queue) -> Status {
      auto messages = queue.list();
      if (!messages) return messages.take_error();
      std::vector<Record> rows;
      for (const auto& m : *messages) rows.push_back(message_record(m, false));
      context.out().table({"id", "arrived", "size", "sender", "held", "recipients"}, rows);
      return {};
    });
  });

  auto* show = cmd->add_subcommand("show", "show one message's envelope and recipient states");
  show->add_option("ID", *id, "queue id")->required();
  show->callback([&context, &exit_code, id] {
    exit_code = with_queue(context, [&](QueueStore& queue) -> Status {
      auto message = queue.find(*id);
      if (!message) return message.take_error();
      Record record = message_record(*message, true);
      record.push_back({"client", message->client_address});
      record.push_back({"helo", message->client_helo});
      record.push_back({"protocol", message->protocol});
      record.push_back({"blob", message->blob.id.hex()});
      context.out().record(record);
      return {};
    });
  });

  cmd->add_subcommand("flush", "make every deferred message due now")->callback([&context, &exit_code] {
    exit_code = with_queue(context, [&](QueueStore& queue) -> Status {
      auto count = queue.flush();
      if (!count) return count.take_error();
      context.out().done(std::to_string(*count) + " recipient(s) due now");
      return {};
    });
  });

  for (auto [verb, held] : {std::pair{"hold", true}, std::pair{"release", false}}) {
    auto* sub = cmd->add_subcommand(verb, held ? "keep a message from delivery" : "let a held message go");
    sub->add_option("ID", *id, "queue id")->required();
    sub->callback([&context, &exit_code, id, held = held] {
      exit_code = with_queue(context, [&](QueueStore& queue) -> Status {
        if (auto s = queue.set_held(*id, held); !s) return s;
        context.out().done(*id + (held ? ": held" : ": released"));
        return {};
      });
    });
  }

  auto* del = cmd->add_subcommand("delete", "remove a message from the queue (no bounce)");
  del->add_option("ID", *id, "queue id")->required();
  del->callback([&context, &exit_code, id] {
    exit_code = with_queue(context, [&](QueueStore& queue) -> Status {
      auto removed = queue.remove(*id);
      if (!removed) return removed.take_error();
      context.out().done(*id + ": deleted");
      return {};
    });
  });
}

}  // namespace postino::cli
