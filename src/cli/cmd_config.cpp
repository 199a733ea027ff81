// `postino config check`: validates a configuration without starting, and
// prints every problem as file:line: message.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"

namespace postino::cli {

void register_config(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("config", "configuration tools");
  cmd->require_subcommand(1);
  auto* check = cmd->add_subcommand("check", "validate the configuration (exit 1 on any problem)");
  check->callback([&context, &exit_code] {
    auto config = context.config();
    if (!config) {
      exit_code = context.out().fail(config.error());
      return;
    }
    const Config& c = **config;
    context.out().record({{"config", c.file.string()},
                          {"status", std::string("ok")},
                          {"hostname", c.server.hostname},
                          {"listeners", static_cast<std::int64_t>(c.listeners.size())}});
  });
}

}  // namespace postino::cli
