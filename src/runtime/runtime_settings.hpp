// Settings of the network runtime: listeners, TLS, connection limits,
// PROXY protocol trust and shutdown. Filled by the config loader; immutable
// once loaded (a reload swaps the whole snapshot).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace postino {

enum class TlsMode { none, starttls, implicit };

// The protocol a listener speaks; the server maps each to its handler.
enum class Protocol { smtp, lmtp, submission, pop3, imap, managesieve, https };

struct ListenerSettings {
  std::string name;  // config key: "smtp", "imaps", ...
  Protocol protocol = Protocol::smtp;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  TlsMode tls = TlsMode::none;
  bool proxy_protocol = false;  // expect a PROXY v2 header from trusted peers
};

struct SniCertificate {
  std::string hostname;  // exact name or "*.example.org"
  std::string certificate_file;
  std::string key_file;
};

struct TlsSettings {
  std::string certificate_file;  // default certificate (PEM chain)
  std::string key_file;
  std::vector<SniCertificate> sni;
  std::string ciphers;  // OpenSSL cipher list for TLS 1.2; empty: OpenSSL default
};

struct LimitSettings {
  std::uint32_t max_connections = 10000;
  std::uint32_t max_connections_per_ip = 100;
  std::chrono::milliseconds tls_handshake_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds proxy_header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(30)};
};

struct ProxyProtocolSettings {
  std::vector<std::string> trusted_networks;  // CIDR: "10.0.0.0/8", "::1/128"
};

struct RuntimeSettings {
  std::uint32_t io_threads = 0;        // 0: one per core
  // SQLite, fsync, LDAP, large parses. Threads mostly wait on fsync and the
  // group-commit writer, so more of them means more work per commit.
  std::uint32_t blocking_threads = 16;
  // Password verification (yescrypt, bcrypt...: CPU-bound by design) on a
  // pool of its own, so login bursts do not delay store work.
  std::uint32_t password_threads = 2;
};

}  // namespace postino
