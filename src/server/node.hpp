// `postino serve`: one node running every role its configuration enables,
// in the foreground, until SIGTERM (graceful) or SIGINT; SIGHUP reloads.
#pragma once

#include <filesystem>

namespace postino {

// Prints "ready" on stdout once every listener accepts; returns the process
// exit code (0 after a graceful stop, 1 when it cannot start).
int serve(const std::filesystem::path& config_file);

}  // namespace postino
