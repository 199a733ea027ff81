// postino: the one executable. `postino serve` runs the roles a config
// enables; the other verbs administer, in the manner of postqueue and doveadm.
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace postino::cli;
  CLI::App app{"Postino: one mail platform (SMTP, IMAP, POP3, directory, queue)", "postino"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `postino serve --config F`
  app.set_version_flag("--version", std::string("postino ") + POSTINO_VERSION);
  GlobalOptions options;
  app.add_option("-c,--config", options.config_path, "configuration file (default: $POSTINO_CONFIG)");
  app.add_option("-f,--format", options.format, "output format")->check(CLI::IsMember({"human", "json"}));

  CliContext context(options);
  int exit_code = 0;
  register_init(app, context, exit_code);
  register_config(app, context, exit_code);
  register_serve(app, context, exit_code);
  register_domain(app, context, exit_code);
  register_user(app, context, exit_code);
  register_alias(app, context, exit_code);
  register_queue(app, context, exit_code);
  register_mailbox(app, context, exit_code);
  register_dkim(app, context, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}
