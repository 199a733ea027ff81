// Loads postino.toml and conf.d/*.toml into a Config. Relative paths in the
// file resolve against the folder of the main file, so a data directory can
// be moved as a whole.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/address.hpp"
#include "common/units.hpp"
#include "config/config.hpp"
#include "config/toml_reader.hpp"
#include "smtp_client/route_resolver.hpp"

namespace postino {

using config_detail::Diagnostics;
using config_detail::TableReader;

namespace {

const std::vector<StandardListener> kStandardListeners = {
    {"smtp", Protocol::smtp, 25, TlsMode::starttls},
    {"lmtp", Protocol::lmtp, 24, TlsMode::none},
    {"submission", Protocol::submission, 587, TlsMode::starttls},
    {"submissions", Protocol::submission, 465, TlsMode::implicit},
    {"pop3", Protocol::pop3, 110, TlsMode::starttls},
    {"pop3s", Protocol::pop3, 995, TlsMode::implicit},
    {"imap", Protocol::imap, 143, TlsMode::starttls},
    {"imaps", Protocol::imap, 993, TlsMode::implicit},
    {"managesieve", Protocol::managesieve, 4190, TlsMode::starttls},
    {"https", Protocol::https, 443, TlsMode::implicit},
};

// Later files override earlier ones key by key; tables merge recursively.
void merge_into(toml::table& base, toml::table& overlay) {
  for (auto& [key, node] : overlay) {
    toml::node* existing = base.get(key);
    if (existing && existing->is_table() && node.is_table()) {
      merge_into(*existing->as_table(), *node.as_table());
    } else {
      base.insert_or_assign(key, std::move(node));
    }
  }
}

std::optional<toml::table> parse_file(const std::filesystem::path& file, Diagnostics& diagnostics) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.add(file.string(), "cannot read configuration file");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& error) {
    diagnostics.add(error.source(), std::string(error.description()));
    return std::nullopt;
  }
}

std::string resolve_path(const std::filesystem::path& base_dir, const std::string& value) {
  if (value.empty()) return value;
  std::filesystem::path path(value);
  if (path.is_relative()) path = base_dir / path;
  path = path.lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "dir/." -> "dir"
  return path.string();
}

void read_server(TableReader& t, Config& c, const std::filesystem::path& base_dir) {
  t.string("hostname", c.server.hostname);
  if (c.server.hostname.empty()) {
    t.bad_value("hostname", "is required (the fully qualified name of this node)");
  } else if (auto host = parse_domain(c.server.hostname, false, true); !host) {
    t.bad_value("hostname", host.error().message);
  } else {
    c.server.hostname = *host;
  }
  std::string data_dir = ".";
  t.string("data_dir", data_dir);
  c.storage.data_dir = resolve_path(base_dir, data_dir);
  t.string("pid_file", c.server.pid_file);
  c.server.pid_file = resolve_path(base_dir, c.server.pid_file);
  t.integer("io_threads", c.runtime.io_threads, 0, 256);
  t.integer("blocking_threads", c.runtime.blocking_threads, 1, 256);
  t.integer("password_threads", c.runtime.password_threads, 1, 64);
  t.finish();
}

void read_log(TableReader& t, Config& c) {
  t.enumeration("level", c.log.level, {{"debug", log::Level::debug}, {"info", log::Level::info},
                                       {"warn", log::Level::warn}, {"error", log::Level::error}});
  t.enumeration("target", c.log.target, {{"stderr", log::Target::stderr_stream}, {"syslog", log::Target::syslog_mail}});
  t.enumeration("format", c.log.format, {{"text", log::Format::text}, {"json", log::Format::json}});
  t.finish();
}

void read_tls(TableReader& t, Config& c, const std::filesystem::path& base_dir) {
  t.string("certificate", c.tls.certificate_file);
  t.string("key", c.tls.key_file);
  t.string("ciphers", c.tls.ciphers);
  c.tls.certificate_file = resolve_path(base_dir, c.tls.certificate_file);
  c.tls.key_file = resolve_path(base_dir, c.tls.key_file);
  for (auto& sni : t.table_array("sni")) {
    SniCertificate cert;
    sni.string("hostname", cert.hostname);
    sni.string("certificate", cert.certificate_file);
    sni.string("key", cert.key_file);
    if (cert.hostname.empty() || cert.certificate_file.empty() || cert.key_file.empty()) {
      sni.bad_value("hostname", "each [[tls.sni]] needs hostname, certificate and key");
    }
    cert.certificate_file = resolve_path(base_dir, cert.certificate_file);
    cert.key_file = resolve_path(base_dir, cert.key_file);
    sni.finish();
    c.tls.sni.push_back(std::move(cert));
  }
  t.finish();
}

void read_limits(TableReader& t, Config& c) {
  t.integer("max_connections", c.limits.max_connections, 1, 10'000'000);
  t.integer("max_connections_per_ip", c.limits.max_connections_per_ip, 1, 10'000'000);
  t.duration("tls_handshake_timeout", c.limits.tls_handshake_timeout);
  t.duration("proxy_header_timeout", c.limits.proxy_header_timeout);
  t.duration("shutdown_grace", c.limits.shutdown_grace);
  t.finish();
}

void read_proxy_protocol(TableReader& t, Config& c) {
  t.string_list("trusted", c.proxy_protocol.trusted_networks);
  t.finish();
}

void read_storage(TableReader& t, Config& c) {
  t.enumeration("metadata", c.storage.metadata, {{"sqlite", MetadataEngine::sqlite}});
  t.enumeration("blob_compression", c.storage.blob_compression,
                {{"none", BlobCompression::none}, {"zstd", BlobCompression::zstd}});
  t.integer("zstd_level", c.storage.zstd_level, 1, 19);
  t.integer("sqlite_readers", c.storage.sqlite_readers, 1, 64);
  t.duration("gc_interval", c.storage.gc_interval);
  t.duration("gc_min_age", c.storage.gc_min_age);
  if (c.storage.gc_interval.count() < 1000) t.bad_value("gc_interval", "must be at least 1s");
  t.finish();
}

void read_directory(TableReader& t, Config& c) {
  t.enumeration("backend", c.directory.backend, {{"internal", DirectoryBackend::internal}});
  t.enumeration("password_scheme", c.directory.password_scheme,
                {{"yescrypt", PasswordScheme::yescrypt}, {"argon2id", PasswordScheme::argon2id}});
  t.size_bytes("default_quota", c.directory.default_quota_bytes);
  t.finish();
}

void read_smtp(TableReader& t, Config& c) {
  t.size_bytes("max_message_size", c.smtp.max_message_bytes);
  t.integer("max_recipients", c.smtp.max_recipients, 1, 100000);
  t.integer("max_line_length", c.smtp.max_line_bytes, 512, 65536);
  t.integer("max_errors", c.smtp.max_errors, 1, 1000);
  t.integer("max_hops", c.smtp.max_hops, 1, 1000);
  t.boolean("reject_bare_newlines", c.smtp.reject_bare_newlines);
  t.boolean("over_quota_is_permanent", c.smtp.over_quota_is_permanent);
  t.boolean("check_sender_domain", c.smtp.check_sender_domain);
  t.duration("greet_pause", c.smtp.greet_pause);
  t.duration("command_timeout", c.smtp.command_timeout);
  t.duration("data_timeout", c.smtp.data_block_timeout);
  c.delivery.over_quota_is_permanent = c.smtp.over_quota_is_permanent;
  t.finish();
}

void read_submission(TableReader& t, Config& c) {
  t.integer("messages_per_hour", c.submission.messages_per_hour, 0, 100'000'000);
  t.integer("recipients_per_hour", c.submission.recipients_per_hour, 0, 100'000'000);
  t.integer("max_auth_failures", c.submission.max_auth_failures, 1, 100);
  std::uint64_t header_bytes = c.submission.max_header_bytes;
  t.size_bytes("max_header_size", header_bytes);
  if (header_bytes < 1024 || header_bytes > (16u << 20)) {
    t.bad_value("max_header_size", "must be between 1K and 16M");
  } else {
    c.submission.max_header_bytes = static_cast<std::uint32_t>(header_bytes);
  }
  t.boolean("add_missing_headers", c.submission.add_missing_headers);
  if (auto domains = t.table("domain_limits")) {
    for (const auto& key : domains->keys()) {
      auto domain = parse_domain(key);
      if (!domain) {
        domains->bad_value(key, "is not a domain name");
        continue;
      }
      auto table = domains->table(key);
      if (!table) continue;
      DomainSendLimits limits;
      std::uint64_t value = 0;
      if (table->has("messages_per_hour")) {
        table->integer("messages_per_hour", value, 0, 100'000'000);
        limits.messages_per_hour = value;
      }
      if (table->has("recipients_per_hour")) {
        table->integer("recipients_per_hour", value, 0, 100'000'000);
        limits.recipients_per_hour = value;
      }
      table->finish();
      c.submission.domain_limits[*domain] = limits;
    }
    domains->finish();
  }
  t.finish();
}

void read_imap(TableReader& t, Config& c) {
  t.integer("max_line_length", c.imap.max_line_bytes, 1024, 16u << 20);
  t.size_bytes("max_command_size", c.imap.max_command_bytes);
  t.size_bytes("max_append_size", c.imap.max_append_bytes);
  t.boolean("literal_plus", c.imap.literal_plus);
  t.integer("max_bad_commands", c.imap.max_bad_commands, 1, 1000);
  t.integer("max_auth_failures", c.imap.max_auth_failures, 1, 100);
  t.integer("max_connections_per_user", c.imap.max_connections_per_user, 0, 100000);
  t.duration("login_timeout", c.imap.login_timeout);
  t.duration("command_timeout", c.imap.command_timeout);
  t.duration("idle_timeout", c.imap.idle_timeout);
  t.finish();
}

void read_pop3(TableReader& t, Config& c) {
  t.integer("max_line_length", c.pop3.max_line_bytes, 512, 65536);
  t.integer("max_bad_commands", c.pop3.max_bad_commands, 1, 1000);
  t.integer("max_auth_failures", c.pop3.max_auth_failures, 1, 100);
  t.duration("login_timeout", c.pop3.login_timeout);
  t.duration("command_timeout", c.pop3.command_timeout);
  t.finish();
}

void read_dns(TableReader& t, Config& c) {
  t.string_list("forwarders", c.dns.forwarders);
  t.duration("timeout", c.dns.timeout);
  t.boolean("dnssec", c.dns.dnssec);
  t.string("trust_anchor_file", c.dns.trust_anchor_file);
  if (c.dns.dnssec && c.dns.trust_anchor_file.empty()) {
    t.bad_value("dnssec", "needs trust_anchor_file (e.g. /usr/share/dns/root.key)");
  }
  t.finish();
}

void read_queue(TableReader& t, Config& c, const std::filesystem::path& base_dir) {
  std::vector<std::string> schedule;
  t.string_list("retry_schedule", schedule);
  if (!schedule.empty()) {
    c.queue.retry_schedule.clear();
    for (const auto& step : schedule) {
      auto parsed = parse_duration(step);
      if (!parsed || parsed->count() < 1000) {
        t.bad_value("retry_schedule", "entries must be durations of at least 1s, such as \"5m\"");
        break;
      }
      c.queue.retry_schedule.push_back(std::chrono::duration_cast<std::chrono::seconds>(*parsed));
    }
  }
  auto seconds = [&t](const char* key, std::chrono::seconds& out) {
    std::chrono::milliseconds value = out;
    t.duration(key, value);
    out = std::chrono::duration_cast<std::chrono::seconds>(value);
  };
  seconds("max_lifetime", c.queue.max_queue_lifetime);
  seconds("delay_warning_after", c.queue.delay_warning_after);  // 0s: no delay warnings
  seconds("poll_interval", c.queue.poll_interval);
  if (c.queue.poll_interval.count() < 1) t.bad_value("poll_interval", "must be at least 1s");
  t.integer("max_alias_depth", c.delivery.max_alias_depth, 1, 100);
  t.integer("batch_messages", c.queue.batch_messages, 1, 10000);
  t.integer("max_messages_in_flight", c.queue.max_messages_in_flight, 1, 1000000);
  t.size_bytes("bounce_size_limit", c.queue.bounce_size_limit_bytes);
  t.string("test_clock_offset_file", c.queue.clock_offset_file);
  c.queue.clock_offset_file = resolve_path(base_dir, c.queue.clock_offset_file);
  t.finish();
}

void read_tls_policy(TableReader& t, const char* key, smtp_client::TlsPolicy& out) {
  t.enumeration(key, out, {{"none", smtp_client::TlsPolicy::none}, {"may", smtp_client::TlsPolicy::may},
                           {"encrypt", smtp_client::TlsPolicy::encrypt}, {"verify", smtp_client::TlsPolicy::verify}});
}

// A transport map or TLS policy key: "user@domain", "domain" or ".domain",
// lower-cased; empty if invalid.
std::string destination_key(const std::string& key) {
  if (key.find('@') != std::string::npos) {
    auto address = parse_address(key, {.allow_utf8 = false});
    return address ? address->canonical() : std::string();
  }
  const bool parent = !key.empty() && key.front() == '.';
  auto domain = parse_domain(parent ? std::string_view(key).substr(1) : std::string_view(key), false, true);
  return domain ? (parent ? "." : "") + *domain : std::string();
}

// [outbound]: the SMTP client (smtp_client::SmtpClientSettings).
void read_outbound(TableReader& t, Config& c, const std::filesystem::path& base_dir) {
  smtp_client::SmtpClientSettings& o = c.outbound;
  t.string("helo_name", o.helo_name);
  if (!o.helo_name.empty()) {
    if (auto host = parse_domain(o.helo_name, false, true); host) {
      o.helo_name = *host;
    } else {
      t.bad_value("helo_name", host.error().message);
    }
  }
  t.integer("smtp_port", o.smtp_port, 1, 65535);
  read_tls_policy(t, "tls_policy", o.tls_policy);
  t.string("tls_ca_file", o.tls_ca_file);
  o.tls_ca_file = resolve_path(base_dir, o.tls_ca_file);
  std::string relayhost;
  t.string("relayhost", relayhost);
  if (!relayhost.empty()) {
    if (auto hop = smtp_client::parse_next_hop(relayhost); hop) {
      o.relayhost = *hop;
    } else {
      t.bad_value("relayhost", hop.error().message);
    }
  }
  t.string("relay_auth_user", o.relay_auth_user);
  std::string password_file;
  t.string("relay_auth_password_file", password_file);
  if (!password_file.empty()) {
    std::ifstream in(resolve_path(base_dir, password_file), std::ios::binary);
    if (!in || !std::getline(in, o.relay_auth_password)) {
      t.bad_value("relay_auth_password_file", "cannot be read");
    }
    if (!o.relay_auth_password.empty() && o.relay_auth_password.back() == '\r') o.relay_auth_password.pop_back();
  }
  if (!o.relay_auth_user.empty() && (o.relay_auth_password.empty() || !o.relayhost)) {
    t.bad_value("relay_auth_user", "needs relayhost and a non-empty relay_auth_password_file");
  }
  t.boolean("relay_auth_allow_plaintext", o.relay_auth_allow_plaintext);
  t.boolean("use_pipelining", o.use_pipelining);
  t.boolean("use_chunking", o.use_chunking);
  t.integer("max_recipients_per_transaction", o.max_recipients_per_transaction, 1, 100000);
  t.integer("max_connections_per_destination", o.max_connections_per_destination, 1, 10000);
  t.integer("max_cached_connections_per_destination", o.max_cached_connections_per_destination, 0, 10000);
  t.integer("max_messages_per_connection", o.max_messages_per_connection, 1, 1000000);
  t.duration("destination_wait", o.destination_wait);
  t.duration("connection_cache_idle", o.connection_cache_idle);
  smtp_client::PhaseTimeouts& timeouts = o.timeouts;
  t.duration("connect_timeout", timeouts.connect);
  t.duration("greeting_timeout", timeouts.greeting);
  t.duration("helo_timeout", timeouts.helo);
  t.duration("tls_handshake_timeout", timeouts.tls_handshake);
  t.duration("mail_timeout", timeouts.mail);
  t.duration("rcpt_timeout", timeouts.rcpt);
  t.duration("data_init_timeout", timeouts.data_init);
  t.duration("data_block_timeout", timeouts.data_block);
  t.duration("data_done_timeout", timeouts.data_done);
  t.duration("quit_timeout", timeouts.quit);
  if (auto policies = t.table("tls_policies")) {
    for (const auto& key : policies->keys()) {
      smtp_client::TlsPolicy policy = o.tls_policy;
      read_tls_policy(*policies, key.c_str(), policy);
      // Next-hop forms ("[smtp.example.net]:587") are kept as written.
      const std::string normal = key.find_first_of("[]:") != std::string::npos ? key : destination_key(key);
      if (normal.empty()) {
        policies->bad_value(key, "is not a domain, address or next hop");
        continue;
      }
      o.domain_tls_policy[normal] = policy;
    }
    policies->finish();
  }
  if (auto map = t.table("transport_map")) {
    for (const auto& key : map->keys()) {
      std::string text;
      map->string(key, text);
      const std::string normal = destination_key(key);
      if (normal.empty()) {
        map->bad_value(key, "is not a domain, \".domain\" or address");
        continue;
      }
      auto hop = smtp_client::parse_next_hop(text);
      if (!hop) {
        map->bad_value(key, hop.error().message);
        continue;
      }
      o.transport_map[normal] = *hop;
    }
    map->finish();
  }
  t.finish();
}

void read_listeners(TableReader& t, Config& c) {
  for (const auto& name : t.keys()) {
    auto standard = std::find_if(kStandardListeners.begin(), kStandardListeners.end(),
                                 [&](const StandardListener& s) { return name == s.name; });
    auto table = t.table(name);
    if (standard == kStandardListeners.end()) {
      t.bad_value(name, "is not a listener name (smtp, lmtp, submission, submissions, pop3, pop3s, imap, imaps, "
                        "managesieve, https)");
      continue;
    }
    if (!table) continue;
    ListenerSettings listener;
    listener.name = name;
    listener.protocol = standard->protocol;
    listener.port = standard->port;
    listener.tls = standard->tls;
    bool enabled = true;
    table->boolean("enabled", enabled);
    table->string("address", listener.address);
    table->integer("port", listener.port, 1, 65535);
    table->enumeration("tls", listener.tls,
                       {{"none", TlsMode::none}, {"starttls", TlsMode::starttls}, {"implicit", TlsMode::implicit}});
    table->boolean("proxy_protocol", listener.proxy_protocol);
    table->finish();
    if (enabled) c.listeners.push_back(std::move(listener));
  }
  t.finish();
}

void check_consistency(Config& c, Diagnostics& diagnostics) {
  const std::string file = c.file.string();
  bool needs_tls = std::any_of(c.listeners.begin(), c.listeners.end(),
                               [](const ListenerSettings& l) { return l.tls != TlsMode::none; });
  if (needs_tls && (c.tls.certificate_file.empty() || c.tls.key_file.empty())) {
    diagnostics.add(file, "[tls] certificate and key are required when a listener uses TLS");
  }
  for (std::size_t i = 0; i < c.listeners.size(); ++i) {
    for (std::size_t j = i + 1; j < c.listeners.size(); ++j) {
      const auto& a = c.listeners[i];
      const auto& b = c.listeners[j];
      if (a.port == b.port && a.address == b.address) {
        diagnostics.add(file, "listeners '" + a.name + "' and '" + b.name + "' both use " + a.address + ":" +
                                  std::to_string(a.port));
      }
    }
  }
}

}  // namespace

std::string ConfigDiagnostic::str() const {
  return line ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

const ListenerSettings* Config::listener(const std::string& name) const {
  for (const auto& l : listeners) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

const std::vector<StandardListener>& standard_listeners() { return kStandardListeners; }

ConfigLoad load_config(const std::filesystem::path& file) {
  Diagnostics diagnostics;
  std::filesystem::path main_file = std::filesystem::absolute(file).lexically_normal();
  auto root = parse_file(main_file, diagnostics);
  if (!root) return {nullptr, diagnostics.take()};

  // conf.d drop-ins, merged in name order, each keeping its own file:line.
  std::filesystem::path drop_in_dir = main_file.parent_path() / "conf.d";
  std::error_code ec;
  if (std::filesystem::is_directory(drop_in_dir, ec)) {
    std::vector<std::filesystem::path> drop_ins;
    for (const auto& entry : std::filesystem::directory_iterator(drop_in_dir, ec)) {
      if (entry.path().extension() == ".toml") drop_ins.push_back(entry.path());
    }
    std::sort(drop_ins.begin(), drop_ins.end());
    for (const auto& path : drop_ins) {
      auto overlay = parse_file(path, diagnostics);
      if (overlay) merge_into(*root, *overlay);
    }
  }
  if (!diagnostics.empty()) return {nullptr, diagnostics.take()};

  auto config = std::make_shared<Config>();
  config->file = main_file;
  const auto base_dir = main_file.parent_path();
  TableReader top(*root, "", diagnostics);
  if (auto t = top.table("server")) {
    read_server(*t, *config, base_dir);
  } else {
    diagnostics.add(main_file.string(), "missing [server] section");
  }
  if (auto t = top.table("log")) read_log(*t, *config);
  if (auto t = top.table("tls")) read_tls(*t, *config, base_dir);
  if (auto t = top.table("limits")) read_limits(*t, *config);
  if (auto t = top.table("proxy_protocol")) read_proxy_protocol(*t, *config);
  if (auto t = top.table("storage")) read_storage(*t, *config);
  if (auto t = top.table("directory")) read_directory(*t, *config);
  if (auto t = top.table("smtp")) read_smtp(*t, *config);
  if (auto t = top.table("submission")) read_submission(*t, *config);
  if (auto t = top.table("imap")) read_imap(*t, *config);
  if (auto t = top.table("pop3")) read_pop3(*t, *config);
  if (auto t = top.table("queue")) read_queue(*t, *config, base_dir);
  if (auto t = top.table("dns")) read_dns(*t, *config);
  config->outbound.helo_name.clear();  // default: server.hostname
  if (auto t = top.table("outbound")) read_outbound(*t, *config, base_dir);
  if (config->outbound.helo_name.empty()) config->outbound.helo_name = config->server.hostname;
  if (auto t = top.table("listeners")) read_listeners(*t, *config);
  top.finish();
  if (config->runtime.io_threads == 0) {
    config->runtime.io_threads = std::max(1u, std::thread::hardware_concurrency());
  }
  check_consistency(*config, diagnostics);
  if (!diagnostics.empty()) return {nullptr, diagnostics.take()};
  return {std::move(config), {}};
}

}  // namespace postino
