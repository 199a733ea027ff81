// `postino init`: creates a node's data directory with a commented
// postino.toml, a self-signed certificate and an empty store holding the
// first domain. Never overwrites an existing configuration.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "cli/self_signed_certificate.hpp"
#include "common/address.hpp"
#include "directory/secret_key_file.hpp"
#include "store/metadata_store.hpp"

namespace postino::cli {
namespace {

struct InitOptions {
  std::string data_dir;
  std::string domain;
  std::string hostname;
  std::string listen = "127.0.0.1";
  std::uint32_t port_offset = 0;
};

Status write_file_durably(const std::filesystem::path& path, const std::string& text) {
  auto temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return make_error(Errc::io_error, "cannot create " + temp.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) return make_error(Errc::io_error, "cannot write " + path.string());
  return {};
}

Status run_init(CliContext& context, const InitOptions& options) {
  auto domain = parse_domain(options.domain, false);
  if (!domain) return make_error(Errc::invalid_argument, "invalid domain '" + options.domain + "': " + domain.error().message);
  std::string hostname = options.hostname.empty() ? "mail." + *domain : options.hostname;
  auto host = parse_domain(hostname, false, true);
  if (!host) return make_error(Errc::invalid_argument, "invalid hostname '" + hostname + "': " + host.error().message);

  std::filesystem::path dir = std::filesystem::absolute(options.data_dir).lexically_normal();
  std::filesystem::path config_file = dir / "postino.toml";
  std::error_code ec;
  if (std::filesystem::exists(config_file, ec)) {
    return make_error(Errc::already_exists, config_file.string() + " already exists; not overwriting it");
  }
  std::filesystem::create_directories(dir / "tls", ec);
  if (ec) return make_error(Errc::io_error, "cannot create " + (dir / "tls").string() + ": " + ec.message());
  std::filesystem::permissions(dir / "tls", std::filesystem::perms::owner_all, ec);

  if (auto s = write_self_signed_certificate({*host, "localhost"}, dir / "tls/cert.pem", dir / "tls/key.pem"); !s) return s;
  InitialConfig initial{.hostname = *host, .listen_address = options.listen, .port_offset = options.port_offset};
  if (auto s = write_file_durably(config_file, render_initial_config(initial)); !s) return s;

  auto load = load_config(config_file);
  if (!load.config) {
    return make_error(Errc::invalid_argument, "generated configuration is invalid: " + load.diagnostics.front().str());
  }
  auto blobs = open_blob_store(load.config->storage);
  if (!blobs) return blobs.take_error();
  auto store = open_metadata_store(load.config->storage);
  if (!store) return store.take_error();
  auto added = (*store)->directory().add_domain(*domain);
  if (!added) return added.take_error();
  // The SCRAM fake-salt key: per installation, so salts answered for
  // unknown users cannot be compared across installations.
  if (auto key = load_or_create_secret_key(scram_fake_salt_key_path(load.config->storage.data_dir)); !key) {
    return key.take_error();
  }

  context.out().record({{"config", config_file.string()},
                        {"hostname", *host},
                        {"domain", *domain},
                        {"certificate", (dir / "tls/cert.pem").string()},
                        {"schema_version", static_cast<std::int64_t>((*store)->schema_version())}});
  return {};
}

}  // namespace

void register_init(CLI::App& app, CliContext& context, int& exit_code) {
  auto options = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "create a data directory with postino.toml, a certificate and a store");
  cmd->add_option("--data", options->data_dir, "data directory to create")->required();
  cmd->add_option("--domain", options->domain, "first mail domain, e.g. example.org")->required();
  cmd->add_option("--hostname", options->hostname, "this node's FQDN (default: mail.DOMAIN)");
  cmd->add_option("--listen", options->listen, "address every listener binds")->capture_default_str();
  cmd->add_option("--port-offset", options->port_offset, "added to every standard port")->capture_default_str();
  cmd->callback([&context, &exit_code, options] {
    if (auto s = run_init(context, *options); !s) exit_code = context.out().fail(s.error());
  });
}

}  // namespace postino::cli
