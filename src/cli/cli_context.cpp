// Lazily opened services for administrative commands.
#include "cli/cli_context.hpp"

#include <cstdlib>

#include "directory/directory_admin.hpp"
#include "directory/internal_directory.hpp"
#include "store/metadata_store.hpp"

namespace postino::cli {

CliContext::CliContext(const GlobalOptions& options) : options_(options) {}

Output& CliContext::out() {
  if (!output_) output_ = std::make_unique<Output>(options_.format == "json" ? OutputFormat::json : OutputFormat::human);
  return *output_;
}

CliContext::~CliContext() = default;

Result<std::shared_ptr<const Config>> CliContext::config() {
  if (config_) return config_;
  std::string path = options_.config_path;
  if (path.empty()) {
    if (const char* env = std::getenv("POSTINO_CONFIG")) path = env;
  }
  if (path.empty()) {
    return make_error(Errc::invalid_argument, "no configuration: pass --config FILE or set POSTINO_CONFIG");
  }
  auto load = load_config(path);
  if (!load.config) {
    std::string message = "invalid configuration:";
    for (const auto& d : load.diagnostics) message += "\n  " + d.str();
    return make_error(Errc::invalid_argument, message);
  }
  config_ = load.config;
  return config_;
}

Result<MetadataStore*> CliContext::metadata() {
  if (metadata_) return metadata_.get();
  auto config = this->config();
  if (!config) return config.take_error();
  auto store = open_metadata_store((*config)->storage);
  if (!store) return store.take_error();
  metadata_ = std::move(*store);
  return metadata_.get();
}

Result<DirectoryAdmin*> CliContext::admin() {
  if (admin_) return admin_.get();
  auto store = metadata();
  if (!store) return store.take_error();
  admin_ = std::make_unique<DirectoryAdmin>((*store)->directory(), config_->directory);
  return admin_.get();
}

Result<Directory*> CliContext::directory() {
  if (directory_) return directory_.get();
  auto store = metadata();
  if (!store) return store.take_error();
  directory_ = std::make_unique<InternalDirectory>((*store)->directory(), config_->directory);
  return directory_.get();
}

int with_admin(CliContext& context, const std::function<Status(DirectoryAdmin&)>& body) {
  auto admin = context.admin();
  if (!admin) return context.out().fail(admin.error());
  auto status = body(**admin);
  if (!status) return context.out().fail(status.error());
  return 0;
}

}  // namespace postino::cli
