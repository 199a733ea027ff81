// ClientTlsContexts: the OpenSSL 3 client contexts of the outbound agent,
// one verifying peers against a CA bundle (TlsPolicy::verify) and one not
// (may, encrypt). TLS 1.2 minimum, no compression, no renegotiation.
// Immutable once built and shared by every session (shared_ptr<const>).
#pragma once

#include <memory>

#include "common/result.hpp"
#include "smtp_client/smtp_client_settings.hpp"

namespace boost::asio::ssl {
class context;
}

namespace postino::smtp_client {

// The client TLS contexts of a deliverer: one that verifies (CA bundle from
// the settings) and one that does not. Immutable once built; shared.
class ClientTlsContexts {
 public:
  // Errors: io_error naming the CA file and OpenSSL's reason.
  static Result<std::shared_ptr<const ClientTlsContexts>> create(const SmtpClientSettings& settings);
  ClientTlsContexts();
  ~ClientTlsContexts();
  boost::asio::ssl::context& verifying() const { return *verifying_; }
  boost::asio::ssl::context& opportunistic() const { return *opportunistic_; }

 private:
  std::unique_ptr<boost::asio::ssl::context> verifying_;
  std::unique_ptr<boost::asio::ssl::context> opportunistic_;
};

}  // namespace postino::smtp_client
