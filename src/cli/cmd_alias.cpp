// `postino alias add|list|del`: addresses that deliver to one or many
// targets, local or external (R-DIR1).
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "directory/directory_admin.hpp"

namespace postino::cli {
namespace {

struct AliasOptions {
  std::string address;
  std::vector<std::string> targets;
  std::string target;
  std::string domain;
};

}  // namespace

void register_alias(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("alias", "aliases with one or many targets");
  cmd->require_subcommand(1);
  auto options = std::make_shared<AliasOptions>();

  auto* add = cmd->add_subcommand("add", "add targets to an alias (creating it)");
  add->add_option("ADDRESS", options->address, "alias address, or @domain for a catch-all")->required();
  add->add_option("TARGET", options->targets, "target addresses")->required();
  add->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto done = admin.add_alias(options->address, options->targets);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });

  auto* list = cmd->add_subcommand("list", "list aliases, of all domains or one");
  list->add_option("DOMAIN", options->domain, "only this domain");
  list->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      std::optional<std::string_view> domain;
      if (!options->domain.empty()) domain = options->domain;
      auto aliases = admin.list_aliases(domain);
      if (!aliases) return aliases.take_error();
      std::vector<Record> rows;
      for (const auto& alias : *aliases) rows.push_back({{"address", alias.address}, {"targets", alias.targets}});
      context.out().table({"address", "targets"}, rows);
      return {};
    });
  });

  auto* del = cmd->add_subcommand("del", "delete an alias, or one of its targets");
  del->add_option("ADDRESS", options->address, "alias address")->required();
  del->add_option("TARGET", options->target, "only this target");
  del->callback([&context, &exit_code, options] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      std::optional<std::string_view> target;
      if (!options->target.empty()) target = options->target;
      auto done = admin.delete_alias(options->address, target);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });
}

}  // namespace postino::cli
