// TLS channel bindings for SCRAM-*-PLUS: tls-exporter (RFC 9266) and
// tls-server-end-point (RFC 5929 4). The bytes are computed from the live TLS
// connection by the session and handed to the mechanism.
// Security: tls-exporter is only safe on TLS 1.3 or with the extended master
// secret (RFC 7627); tls_exporter_binding() refuses other connections.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct ssl_st;   // OpenSSL's SSL
struct x509_st;  // OpenSSL's X509

namespace postino::sasl {

inline constexpr std::string_view kTlsExporter = "tls-exporter";
inline constexpr std::string_view kTlsServerEndPoint = "tls-server-end-point";

// What the connection can bind to; empty optionals mean "not available"
// (plain-text connection, or a TLS version where tls-exporter is unsafe).
struct ChannelBindingData {
  std::optional<std::string> tls_exporter;
  std::optional<std::string> tls_server_end_point;
  // The server advertises SCRAM-SHA-256-PLUS on this connection.
  bool plus_offered = false;

  // The binding bytes for a cb-name, or nullptr when unknown or unavailable.
  const std::string* find(std::string_view cb_name) const;
};

// RFC 9266 2: 32 bytes of SSL_export_keying_material with the label
// "EXPORTER-Channel-Binding" and an empty context. unsupported before the
// handshake ended, or on TLS 1.2 without extended master secret.
Result<std::string> tls_exporter_binding(ssl_st* ssl);

// RFC 5929 4.1: the hash of the server certificate with its signature's hash
// algorithm (SHA-256 when that is MD5 or SHA-1). unsupported when the
// certificate's signature algorithm has no single hash (Ed25519).
Result<std::string> tls_server_end_point_binding(const x509_st* server_certificate);

// Both bindings of a server-side connection, plus_offered as given.
ChannelBindingData channel_binding_data(ssl_st* ssl, bool plus_offered);

}  // namespace postino::sasl
