// `postino domain add|list|del`: the mail domains this installation hosts.
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "directory/directory_admin.hpp"
#include "store/metadata_store.hpp"

namespace postino::cli {

void register_domain(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("domain", "hosted mail domains");
  cmd->require_subcommand(1);
  auto name = std::make_shared<std::string>();

  auto* add = cmd->add_subcommand("add", "host a new domain");
  add->add_option("DOMAIN", *name, "domain name")->required();
  add->callback([&context, &exit_code, name] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto done = admin.add_domain(*name);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });

  auto* list = cmd->add_subcommand("list", "list hosted domains");
  list->callback([&context, &exit_code] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto domains = admin.list_domains();
      if (!domains) return domains.take_error();
      std::vector<Record> rows;
      for (const auto& d : *domains) rows.push_back({{"domain", d.name}, {"created", format_unix_time(d.created_at)}});
      context.out().table({"domain", "created"}, rows);
      return {};
    });
  });

  auto* del = cmd->add_subcommand("del", "stop hosting a domain (it must have no users or aliases)");
  del->add_option("DOMAIN", *name, "domain name")->required();
  del->callback([&context, &exit_code, name] {
    exit_code = with_admin(context, [&](DirectoryAdmin& admin) -> Status {
      auto done = admin.delete_domain(*name);
      if (!done) return done.take_error();
      context.out().done(*done);
      return {};
    });
  });
}

}  // namespace postino::cli
