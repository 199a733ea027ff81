// Builds the server TLS contexts. The SNI choice is made in OpenSSL's
// servername callback (a C hook, not an async callback): it runs inside the
// handshake and swaps the SSL's context with SSL_set_SSL_CTX.
// Security: options are applied identically to every context, since
// SSL_set_SSL_CTX keeps the protocol options of the initial context.
#include "runtime/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>

namespace postino::runtime {
namespace ssl = boost::asio::ssl;
namespace {

std::string openssl_reason() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("unknown OpenSSL error") : out;
}

std::string normalize_host(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

int servername_callback(SSL* ssl, int* /*alert*/, void* arg) {
  const auto* self = static_cast<const TlsContexts*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;  // no SNI: default cert
  if (ssl::context* chosen = self->select(name)) {
    if (SSL_set_SSL_CTX(ssl, chosen->native_handle()) == nullptr) return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;  // unknown names get the default certificate
}

Result<std::unique_ptr<ssl::context>> make_context(const std::string& cert_file, const std::string& key_file,
                                                   const std::string& ciphers) {
  ERR_clear_error();
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return make_error(Errc::io_error, "tls: cannot set minimum version: " + openssl_reason());
  }
  // SSL_OP_NO_RENEGOTIATION refuses renegotiation in both directions (TLS 1.2).
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Idle IMAP connections are many; drop the read/write buffers between records.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(native, ciphers.c_str()) != 1) {
    return make_error(Errc::invalid_argument, "tls: bad cipher list \"" + ciphers + "\": " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return make_error(Errc::invalid_argument,
                      "tls: cannot load certificate chain " + cert_file + ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const unsigned long code = ERR_peek_last_error();
    if (ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return make_error(Errc::invalid_argument,
                        "tls: private key " + key_file + " does not match certificate " + cert_file);
    }
    return make_error(Errc::invalid_argument, "tls: cannot load private key " + key_file + ": " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return make_error(Errc::invalid_argument, "tls: private key " + key_file + " does not match certificate " +
                                                  cert_file + ": " + openssl_reason());
  }
  return ctx;
}

}  // namespace

TlsContexts::TlsContexts(Key) {}
TlsContexts::~TlsContexts() = default;

Result<std::shared_ptr<const TlsContexts>> TlsContexts::load(const TlsSettings& settings) {
  if (settings.certificate_file.empty() || settings.key_file.empty()) {
    return make_error(Errc::invalid_argument, "tls: certificate_file and key_file are required");
  }
  auto self = std::make_shared<TlsContexts>(Key{});
  auto def = make_context(settings.certificate_file, settings.key_file, settings.ciphers);
  if (!def) return def.take_error();
  self->default_ = std::move(*def);

  for (const auto& entry : settings.sni) {
    std::string host = normalize_host(entry.hostname);
    const bool wildcard = host.starts_with("*.");
    if (wildcard) host.erase(0, 2);
    if (host.empty() || host.find('*') != std::string::npos) {
      return make_error(Errc::invalid_argument, "tls: bad SNI hostname \"" + entry.hostname + "\"");
    }
    auto& index = wildcard ? self->wildcard_ : self->exact_;
    if (index.contains(host)) {
      return make_error(Errc::invalid_argument, "tls: SNI hostname \"" + entry.hostname + "\" listed twice");
    }
    auto ctx = make_context(entry.certificate_file, entry.key_file, settings.ciphers);
    if (!ctx) return ctx.take_error();
    index.emplace(host, self->sni_.size());
    self->sni_.push_back(std::move(*ctx));
  }
  if (!self->sni_.empty()) {
    SSL_CTX* native = self->default_->native_handle();
    SSL_CTX_set_tlsext_servername_callback(native, servername_callback);
    SSL_CTX_set_tlsext_servername_arg(native, self.get());
  }
  return std::shared_ptr<const TlsContexts>(std::move(self));
}

ssl::context* TlsContexts::select(std::string_view server_name) const {
  const std::string host = normalize_host(server_name);
  if (auto it = exact_.find(host); it != exact_.end()) return sni_[it->second].get();
  // RFC 6125 6.4.3: the wildcard stands for exactly one leftmost label.
  if (auto dot = host.find('.'); dot != std::string::npos && dot > 0) {
    if (auto it = wildcard_.find(host.substr(dot + 1)); it != wildcard_.end()) return sni_[it->second].get();
  }
  return nullptr;
}

}  // namespace postino::runtime
