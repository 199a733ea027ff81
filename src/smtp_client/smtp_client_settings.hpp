// Settings of the outbound SMTP delivery agent: per-phase timeouts (RFC 5321
// 4.5.3.2), the TLS policy per destination (Postfix's smtp_tls_security_level
// none / may / encrypt / verify), the transport map and relayhost (R-MX8),
// per-destination concurrency and the connection cache. Parsed once by config.
// Security: relay_auth_password is a secret: never log it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace postino::smtp_client {

enum class TlsPolicy : std::uint8_t {
  none,     // never STARTTLS
  may,      // opportunistic: STARTTLS if offered, no verification; after a
            // failed handshake the same address is retried in plaintext
  encrypt,  // STARTTLS required (deferred 4.7.4 if not offered), no verification
  verify,   // required, certificate chain and MX host name verified
};

const char* tls_policy_name(TlsPolicy policy);
bool parse_tls_policy(std::string_view text, TlsPolicy& out);

// Where mail for a destination goes instead of the recipient domain's MX.
// Text forms (Postfix transport(5) nexthop): "[host]:port", "[host]",
// "host:port", "host"; brackets mean "no MX lookup" (connect to host's
// A/AAAA or to the IP literal), without them host's MX records are used.
struct NextHop {
  std::string host;  // lower-case name or IP literal (no brackets)
  std::uint16_t port = 25;
  bool mx_lookup = true;
  std::string str() const;  // back to the text form
  bool operator==(const NextHop&) const = default;
};

// RFC 5321 4.5.3.2: the minimum timeouts per phase. Every read of a reply and
// every connect has one of these as its deadline.
struct PhaseTimeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(30)};     // per address attempt
  std::chrono::milliseconds greeting{std::chrono::minutes(5)};     // 4.5.3.2.1
  std::chrono::milliseconds helo{std::chrono::minutes(5)};         // EHLO/HELO, STARTTLS, AUTH, RSET, QUIT
  std::chrono::milliseconds tls_handshake{std::chrono::minutes(1)};
  std::chrono::milliseconds mail{std::chrono::minutes(5)};         // 4.5.3.2.2
  std::chrono::milliseconds rcpt{std::chrono::minutes(5)};         // 4.5.3.2.3
  std::chrono::milliseconds data_init{std::chrono::minutes(2)};    // 4.5.3.2.4 (354)
  std::chrono::milliseconds data_block{std::chrono::minutes(3)};   // 4.5.3.2.5 (each write, each BDAT reply)
  std::chrono::milliseconds data_done{std::chrono::minutes(10)};   // 4.5.3.2.6 (reply to the final dot / BDAT LAST)
  std::chrono::milliseconds quit{std::chrono::seconds(30)};        // QUIT of an idle or finished connection
};

struct SmtpClientSettings {
  std::string helo_name = "localhost";  // our host name for EHLO/HELO
  std::uint16_t smtp_port = 25;          // port of MX hosts (tests move it)
  PhaseTimeouts timeouts;

  TlsPolicy tls_policy = TlsPolicy::may;
  // Per destination, overriding tls_policy: the recipient domain
  // (lower-case), or for a transport map / relayhost next hop its text form
  // ("[smtp.example.net]:587") or its host.
  std::map<std::string, TlsPolicy> domain_tls_policy;
  // CA bundle (PEM) for TlsPolicy::verify; empty: OpenSSL's default paths.
  std::string tls_ca_file;

  // Transport map: keys are a full address "user@domain" (lower-case), a
  // domain "example.org", or ".example.org" for its subdomains; first match
  // in that order wins. Then relayhost, if set, for everything else.
  std::map<std::string, NextHop> transport_map;
  std::optional<NextHop> relayhost;
  // AUTH PLAIN/LOGIN towards the relayhost (only there). Credentials are
  // sent only over TLS unless relay_auth_allow_plaintext.
  std::string relay_auth_user;
  std::string relay_auth_password;
  bool relay_auth_allow_plaintext = false;

  bool use_pipelining = true;  // RFC 2920, when offered
  bool use_chunking = true;    // RFC 3030 BDAT, when offered
  std::size_t max_recipients_per_transaction = 50;  // Postfix smtp_destination_recipient_limit
  std::size_t max_reply_line_bytes = 4096;          // RFC 5321 says 512; tolerate more
  std::size_t max_reply_lines = 100;
  std::size_t data_chunk_bytes = 64 * 1024;  // bytes per read of the message source / per BDAT

  // OutboundDeliverer: connections in use at once per destination (Postfix
  // default_destination_concurrency_limit is 20), how long a delivery waits
  // for one of them, and how long an idle connection stays cached.
  std::size_t max_connections_per_destination = 20;
  std::chrono::milliseconds destination_wait{std::chrono::minutes(5)};
  std::chrono::milliseconds connection_cache_idle{std::chrono::seconds(5)};
  std::size_t max_cached_connections_per_destination = 4;
  std::size_t max_messages_per_connection = 100;  // then QUIT and reconnect
};

}  // namespace postino::smtp_client
