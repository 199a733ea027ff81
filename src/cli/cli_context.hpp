// What every administrative command shares: the global options (--config,
// -f json) and the opened services, created on demand so that `init` and
// `config check` work without a store.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/output.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

namespace postino {
class MetadataStore;
class DirectoryAdmin;
class Directory;
}

namespace postino::cli {

struct GlobalOptions {
  std::string config_path;  // --config, else $POSTINO_CONFIG
  std::string format = "human";
};

class CliContext {
 public:
  // `options` is filled by the command-line parser before any command runs.
  explicit CliContext(const GlobalOptions& options);
  ~CliContext();
  Output& out();
  // Loads the config named by --config or POSTINO_CONFIG; errors are printed.
  Result<std::shared_ptr<const Config>> config();
  Result<MetadataStore*> metadata();
  Result<DirectoryAdmin*> admin();
  Result<Directory*> directory();

 private:
  const GlobalOptions& options_;
  std::unique_ptr<Output> output_;
  std::shared_ptr<const Config> config_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<DirectoryAdmin> admin_;
  std::unique_ptr<Directory> directory_;
};

// Runs `body` with the directory admin; on failure prints the error and
// returns the exit code, else 0.
int with_admin(CliContext& context, const std::function<Status(DirectoryAdmin&)>& body);

}  // namespace postino::cli
