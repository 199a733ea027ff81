// ClientTlsContexts. See client_tls_contexts.hpp.
#include "smtp_client/client_tls_contexts.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace postino::smtp_client {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

ClientTlsContexts::ClientTlsContexts() = default;
ClientTlsContexts::~ClientTlsContexts() = default;

Result<std::shared_ptr<const ClientTlsContexts>> ClientTlsContexts::create(const SmtpClientSettings& settings) {
  auto contexts = std::make_shared<ClientTlsContexts>();
  for (int verify = 0; verify < 2; ++verify) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (verify == 1) {
      error_code ec;
      if (settings.tls_ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
      } else {
        ctx->load_verify_file(settings.tls_ca_file, ec);
      }
      if (ec) {
        return make_error(Errc::io_error, "TLS CA file '" + settings.tls_ca_file + "': " + ec.message());
      }
      // The host name check itself is set per connection (Stream sets
      // SSL_set1_host from the server name: the MX host name).
      ctx->set_verify_mode(ssl::verify_peer);
      contexts->verifying_ = std::move(ctx);
    } else {
      ctx->set_verify_mode(ssl::verify_none);
      contexts->opportunistic_ = std::move(ctx);
    }
  }
  return std::shared_ptr<const ClientTlsContexts>(std::move(contexts));
}

}  // namespace postino::smtp_client
