// Registration of the `postino` subcommands; each lives in its own cmd_*.cpp.
#pragma once

namespace CLI {
class App;
}

namespace postino::cli {

class CliContext;

// Each adds its subcommand(s) to `app`. The callback runs with the context and
// stores its exit code in `exit_code`.
void register_init(CLI::App& app, CliContext& context, int& exit_code);
void register_config(CLI::App& app, CliContext& context, int& exit_code);
void register_serve(CLI::App& app, CliContext& context, int& exit_code);
void register_domain(CLI::App& app, CliContext& context, int& exit_code);
void register_user(CLI::App& app, CliContext& context, int& exit_code);
void register_alias(CLI::App& app, CliContext& context, int& exit_code);
void register_queue(CLI::App& app, CliContext& context, int& exit_code);
void register_mailbox(CLI::App& app, CliContext& context, int& exit_code);
void register_dkim(CLI::App& app, CliContext& context, int& exit_code);

}  // namespace postino::cli
