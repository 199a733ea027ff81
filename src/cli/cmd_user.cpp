// `postino user add|list|show|del|passwd|set-quota|disable|enable|auth-test`
// and the submission controls `suspend-sending|resume-sending|set-limits|
// grant-sender|revoke-sender`: mail accounts of the internal directory.
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "cli/password_input.hpp"
#include "common/units.hpp"
#include "directory/directory.hpp"
#include "directory/directory_admin.hpp"

namespace postino::cli {
namespace {

struct UserOptions {
  std::string address;
  std::string domain;
  std::string quota;
  std::string sender;
  std::string messages_per_hour;
  std::string recipients_per_hour;
  bool password_stdin = false;
};

std::string limit_text(std::optional<std::uint64_t> limit) {
  if (!limit) return "default";
  return *limit == 0 ? "unlimited" : std::to_string(*limit);
}

Record user_record(const UserView& user) {
  std::string senders;
  for (const auto& sender : user.granted_senders) senders += (senders.empty() ? "" : ", ") + sender;
  return {{"address", user.address},
          {"quota", format_size_bytes(user.quota_bytes)},
          {"quota_bytes", static_cast<std::int64_t>(user.quota_bytes)},
          {"status", std::string(account_status_name(user.status))},
          {"password_scheme", user.password_scheme},
          {"scram", std::string(user.scram ? "yes" : "no")},
          {"sending", std::string(user.sending_suspended ? "suspended" : "allowed")},
          {"messages_per_hour", limit_text(user.messages_per_hour)},
          {"recipients_per_hour", limit_text(user.recipients_per_hour)},
          {"granted_senders", senders},
          {"created", format_unix_time(user.created_at)}};
}

// "--messages-per-hour 100": a number (0 = unlimited) or "default".
Result<DirectoryAdmin::SendLimitChange> parse_limit(const std::string& text, const char* option) {
  DirectoryAdmin::SendLimitChange change;
  if (text.empty()) return change;
  if (text == "default") {
    change.reset = true;
    return change;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || value > 1'000'000'000) {
      return make_error(Errc::invalid_argument, std::string(option) + " takes a number (0 = unlimited) or 'default'");
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  change.value = value;
  return change;
}

// The password from stdin, or a generated one that report() shows.
Result<std::string> obtain_password(bool from_stdin, bool& generated) {
  generated = !from_stdin;
  if (from_stdin) return read_password_stdin();
  return generate_password();
}

// Confirms a change; a generated password is shown once, with it.
void report(CliContext& context, const std::string& message, bool generated, const std::string& password) {
  if (generated) {
    context.out().record({{"message", message}, {"password", password}});
  } else {
    context.out().done(message);
  }
}

void add_password_flag(CLI::App* cmd, UserOptions& options) {
  cmd->add_flag("--password-stdin", options.password_stdin,
                "read the password from stdin (default: generate one and print it)");
}

}  // namespace

void register_user(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("user", "mail accounts");
  cmd->require_subcommand(1);
  auto options = std::make_shared<UserOptions>();

  auto* add = cmd->add_subcommand("add", "create an account");
  add->add_option("ADDRESS", options->address, "user@domain (the domain must be hosted)")->required();
  add->add_option("--quota", options->quota, "mailbox quota, e.g. 500M or 10G (default from the config)");
  add_password_flag(add, *options);
  add->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      std::optional<std::uint64_t> quota;
      if (!options->quota.empty()) {
        auto parsed = parse_size_bytes(options->quota);
        if (!parsed) return parsed.take_error();
        quota = *parsed;
      }
      bool generated = false;
      auto password = obtain_password(options->password_stdin, generated);
      if (!password) return password.take_error();
      auto done = admin.add_user(options->address, *password, quota);
      if (!done) return done.take_error();
      report(context, *done, generated, *password);
      return {};
    });
  });

  auto* list = cmd->add_subcommand("list", "list accounts, of all domains or one");
  list->add_option("DOMAIN", options->domain, "only this domain");
  list->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      std::optional<std::string_view> domain;
      if (!options->domain.empty()) domain = options->domain;
      auto users = admin.list_users(domain);
      if (!users) return users.take_error();
      std::vector<Record> rows;
      for (const auto& user : *users) rows.push_back(user_record(user));
      context.out().table({"address", "quota", "status"}, rows);
      return {};
    });
  });

  auto* show = cmd->add_subcommand("show", "show one account");
  show->add_option("ADDRESS", options->address, "user@domain")->required();
  show->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto user = admin.show_user(options->address);
      if (!user) return user.take_error();
      context.out().record(user_record(*user));
      return {};
    });
  });

  auto* del = cmd->add_subcommand("del", "delete an account");
  del->add_option("ADDRESS", options->address, "user@domain")->required();
  del->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto done = admin.delete_user(options->address);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });

  auto* passwd = cmd->add_subcommand("passwd", "set an account's password");
  passwd->add_option("ADDRESS", options->address, "user@domain")->required();
  add_password_flag(passwd, *options);
  passwd->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      bool generated = false;
      auto password = obtain_password(options->password_stdin, generated);
      if (!password) return password.take_error();
      auto done = admin.set_password(options->address, *password);
      if (!done) return done.take_error();
      report(context, *done, generated, *password);
      return {};
    });
  });

  auto* set_quota = cmd->add_subcommand("set-quota", "set an account's mailbox quota");
  set_quota->add_option("ADDRESS", options->address, "user@domain")->required();
  set_quota->add_option("SIZE", options->quota, "e.g. 500M, 10G")->required();
  set_quota->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto quota = parse_size_bytes(options->quota);
      if (!quota) return quota.take_error();
      auto done = admin.set_quota(options->address, *quota);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });

  for (auto [verb, status, help] : {std::tuple{"disable", AccountStatus::disabled, "refuse logins and mail for an account"},
                                    std::tuple{"enable", AccountStatus::active, "re-activate a disabled account"}}) {
    auto* sub = cmd->add_subcommand(verb, help);
    sub->add_option("ADDRESS", options->address, "user@domain")->required();
    sub->callback([&context, &exit_code, options, status = status] {
      exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
        auto done = admin.set_status(options->address, status);
        if (!done) return done.take_error();
        context.out().done(*done);
        return {};
      });
    });
  }

  for (auto [verb, suspended, help] :
       {std::tuple{"suspend-sending", true, "refuse submission from an account (mailbox access stays)"},
        std::tuple{"resume-sending", false, "allow submission from an account again"}}) {
    auto* sub = cmd->add_subcommand(verb, help);
    sub->add_option("ADDRESS", options->address, "user@domain")->required();
    sub->callback([&context, &exit_code, options, suspended = suspended] {
      exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
        auto done = admin.set_sending_suspended(options->address, suspended);
        if (!done) return done.take_error();
        context.out().done(*done);
        return {};
      });
    });
  }

  auto* set_limits = cmd->add_subcommand("set-limits", "set an account's submission rate limits");
  set_limits->add_option("ADDRESS", options->address, "user@domain")->required();
  set_limits->add_option("--messages-per-hour", options->messages_per_hour, "N (0 = unlimited) or 'default'");
  set_limits->add_option("--recipients-per-hour", options->recipients_per_hour, "N (0 = unlimited) or 'default'");
  set_limits->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      if (options->messages_per_hour.empty() && options->recipients_per_hour.empty()) {
        return make_error(Errc::invalid_argument, "give --messages-per-hour and/or --recipients-per-hour");
      }
      auto messages = parse_limit(options->messages_per_hour, "--messages-per-hour");
      if (!messages) return messages.take_error();
      auto recipients = parse_limit(options->recipients_per_hour, "--recipients-per-hour");
      if (!recipients) return recipients.take_error();
      auto done = admin.set_send_limits(options->address, *messages, *recipients);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });

  for (auto [verb, grant, help] :
       {std::tuple{"grant-sender", true, "let an account send as another address (or @domain)"},
        std::tuple{"revoke-sender", false, "withdraw a sender address granted to an account"}}) {
    auto* sub = cmd->add_subcommand(verb, help);
    sub->add_option("ADDRESS", options->address, "user@domain")->required();
    sub->add_option("SENDER", options->sender, "address or @domain")->required();
    sub->callback([&context, &exit_code, options, grant = grant] {
      exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
        auto done = grant ? admin.grant_sender(options->address, options->sender)
                          : admin.revoke_sender(options->address, options->sender);
        if (!done) return done.take_error();
        context.out().done(*done);
        return {};
      });
    });
  }

  // Like `doveadm auth test`: checks a password through the same path the
  // protocols use. Exit 0 when it authenticates, 1 otherwise.
  auto* auth_test = cmd->add_subcommand("auth-test", "check a password (read from stdin) as a login would");
  auth_test->add_option("ADDRESS", options->address, "user@domain")->required();
  auth_test->callback([&context, &exit_code, options] {
    auto directory = context.directory();
    if (!directory) {
      exit_code = context.out().fail(directory.error());
      return;
    }
    auto password = read_password_stdin();
    if (!password) {
      exit_code = context.out().fail(password.error());
      return;
    }
    auto account = (*directory)->authenticate(options->address, *password);
    if (!account) {
      exit_code = context.out().fail(account.error().code == Errc::disabled
                                         ? make_error(Errc::disabled, "account is disabled")
                                         : make_error(Errc::permission_denied, "authentication failed"));
      return;
    }
    context.out().record({{"result", std::string("authenticated")}, {"address", account->address}});
  });
}

}  // namespace postino::cli
