// Channel binding data from a live OpenSSL connection (RFC 9266, RFC 5929).
#include "sasl/channel_binding.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace postino::sasl {

const std::string* ChannelBindingData::find(std::string_view cb_name) const {
  if (cb_name == kTlsExporter && tls_exporter) return &*tls_exporter;
  if (cb_name == kTlsServerEndPoint && tls_server_end_point) return &*tls_server_end_point;
  return nullptr;
}

Result<std::string> tls_exporter_binding(ssl_st* ssl) {
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1) {
    return make_error(Errc::unsupported, "TLS handshake not finished");
  }
  // RFC 9266 3: only with TLS 1.3, or TLS 1.2 with extended master secret.
  if (SSL_version(ssl) != TLS1_3_VERSION && SSL_get_extms_support(ssl) != 1) {
    return make_error(Errc::unsupported, "tls-exporter needs TLS 1.3 or extended master secret");
  }
  static constexpr char kLabel[] = "EXPORTER-Channel-Binding";
  std::string out(32, '\0');
  if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), out.size(), kLabel,
                                 sizeof(kLabel) - 1, nullptr, 0, 0) != 1) {
    return make_error(Errc::unsupported, "SSL_export_keying_material failed");
  }
  return out;
}

Result<std::string> tls_server_end_point_binding(const x509_st* server_certificate) {
  if (server_certificate == nullptr) return make_error(Errc::unsupported, "no server certificate");
  // X509_get_signature_info only caches into the object; it does not change the certificate.
  X509* cert = const_cast<X509*>(server_certificate);
  int md_nid = NID_undef;
  if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) != 1 || md_nid == NID_undef) {
    return make_error(Errc::unsupported, "certificate signature has no single hash algorithm");
  }
  // RFC 5929 4.1: MD5 and SHA-1 are replaced by SHA-256.
  if (md_nid == NID_md5 || md_nid == NID_sha1) md_nid = NID_sha256;
  const EVP_MD* md = EVP_get_digestbynid(md_nid);
  if (md == nullptr) return make_error(Errc::unsupported, "unknown certificate hash algorithm");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, md, digest, &len) != 1) return make_error(Errc::unsupported, "X509_digest failed");
  return std::string(reinterpret_cast<const char*>(digest), len);
}

ChannelBindingData channel_binding_data(ssl_st* ssl, bool plus_offered) {
  ChannelBindingData data;
  data.plus_offered = plus_offered;
  if (ssl == nullptr) return data;
  if (auto exporter = tls_exporter_binding(ssl)) data.tls_exporter = std::move(*exporter);
  if (auto endpoint = tls_server_end_point_binding(SSL_get_certificate(ssl))) {
    data.tls_server_end_point = std::move(*endpoint);
  }
  return data;
}

}  // namespace postino::sasl
