// The typed, immutable configuration of one node: postino.toml plus the
// drop-ins in conf.d/*.toml next to it (merged in name order). Each module
// declares its own Settings struct; this file assembles them.
// Loading never half-succeeds: every problem comes back as file:line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "delivery/delivery_settings.hpp"
#include "directory/directory_settings.hpp"
#include "dns/dns_settings.hpp"
#include "imap/imap_settings.hpp"
#include "pop3/pop3_settings.hpp"
#include "runtime/runtime_settings.hpp"
#include "smtp_client/smtp_client_settings.hpp"
#include "smtp/smtp_settings.hpp"
#include "smtp/submission_settings.hpp"
#include "store/store_settings.hpp"

namespace postino {

struct ServerSettings {
  std::string hostname;  // our FQDN: greetings, Received headers, certificates
  std::string pid_file;  // absolute, or empty for none
};

struct Config {
  std::filesystem::path file;  // the main file it was loaded from
  ServerSettings server;
  RuntimeSettings runtime;
  log::Settings log;
  TlsSettings tls;
  LimitSettings limits;
  ProxyProtocolSettings proxy_protocol;
  StoreSettings storage;
  DirectorySettings directory;
  SmtpSettings smtp;
  SubmissionSettings submission;
  ImapSettings imap;
  Pop3Settings pop3;
  dns::DnsSettings dns;
  QueueRunnerSettings queue;
  smtp_client::SmtpClientSettings outbound;  // [outbound]; helo_name defaults to server.hostname
  LocalDeliverySettings delivery;
  std::vector<ListenerSettings> listeners;  // enabled ones only

  const ListenerSettings* listener(const std::string& name) const;
};

struct ConfigDiagnostic {
  std::string file;
  std::uint32_t line = 0;  // 0 when the problem has no single line
  std::string message;
  std::string str() const;  // "file:line: message"
};

struct ConfigLoad {
  std::shared_ptr<const Config> config;  // null when diagnostics is non-empty
  std::vector<ConfigDiagnostic> diagnostics;
};

ConfigLoad load_config(const std::filesystem::path& file);

// The standard port of each listener name (SMTP 25, IMAPS 993, ...).
struct StandardListener {
  const char* name;
  Protocol protocol;
  std::uint16_t port;
  TlsMode tls;
};
const std::vector<StandardListener>& standard_listeners();

struct InitialConfig {
  std::string hostname;
  std::string listen_address = "127.0.0.1";
  std::uint32_t port_offset = 0;
};
// The postino.toml that `postino init` writes: every setting with its default,
// commented, so the file documents itself.
std::string render_initial_config(const InitialConfig& initial);

}  // namespace postino
