// `postino serve`: runs the node in the foreground (see server/node.hpp).
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "server/node.hpp"

namespace postino::cli {

void register_serve(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "run the roles the configuration enables, in the foreground");
  cmd->callback([&context, &exit_code] {
    auto config = context.config();
    if (!config) {
      exit_code = context.out().fail(config.error());
      return;
    }
    exit_code = serve((*config)->file);
  });
}

}  // namespace postino::cli
