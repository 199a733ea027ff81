// Channel bindings over a real in-memory TLS handshake (OpenSSL BIO pair).
#include "sasl/channel_binding.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace postino::sasl {
namespace {

struct Tls {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{X509_new(), X509_free};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> server_ctx{SSL_CTX_new(TLS_server_method()), SSL_CTX_free};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> client_ctx{SSL_CTX_new(TLS_client_method()), SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> server{nullptr, SSL_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> client{nullptr, SSL_free};

  explicit Tls(int max_version, bool ems = true) {
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    X509_sign(cert.get(), key.get(), EVP_sha384());
    SSL_CTX_use_certificate(server_ctx.get(), cert.get());
    SSL_CTX_use_PrivateKey(server_ctx.get(), key.get());
    SSL_CTX_set_max_proto_version(server_ctx.get(), max_version);
    if (!ems) SSL_CTX_set_options(server_ctx.get(), SSL_OP_NO_EXTENDED_MASTER_SECRET);
    server.reset(SSL_new(server_ctx.get()));
    client.reset(SSL_new(client_ctx.get()));
    BIO* a = nullptr;
    BIO* b = nullptr;
    BIO_new_bio_pair(&a, 0, &b, 0);
    SSL_set_bio(server.get(), a, a);
    SSL_set_bio(client.get(), b, b);
    SSL_set_accept_state(server.get());
    SSL_set_connect_state(client.get());
    for (int i = 0; i < 20 && !(SSL_is_init_finished(server.get()) && SSL_is_init_finished(client.get())); ++i) {
      SSL_do_handshake(client.get());
      SSL_do_handshake(server.get());
    }
  }
};

TEST(ChannelBinding, TlsExporterMatchesThePeerOnTls13) {
  Tls tls(TLS1_3_VERSION);
  ASSERT_TRUE(SSL_is_init_finished(tls.server.get()));
  auto server_side = tls_exporter_binding(tls.server.get());
  ASSERT_TRUE(server_side);
  EXPECT_EQ(server_side->size(), 32u);
  // The client computes it with the RFC 9266 label and no context.
  unsigned char client_side[32];
  const char label[] = "EXPORTER-Channel-Binding";
  ASSERT_EQ(SSL_export_keying_material(tls.client.get(), client_side, 32, label, sizeof(label) - 1, nullptr, 0, 0), 1);
  EXPECT_EQ(*server_side, std::string(reinterpret_cast<char*>(client_side), 32));
}

TEST(ChannelBinding, TlsExporterNeedsExtendedMasterSecretOnTls12) {
  Tls with_ems(TLS1_2_VERSION, true);
  ASSERT_TRUE(SSL_is_init_finished(with_ems.server.get()));
  EXPECT_TRUE(tls_exporter_binding(with_ems.server.get()));
  Tls without_ems(TLS1_2_VERSION, false);
  ASSERT_TRUE(SSL_is_init_finished(without_ems.server.get()));
  EXPECT_FALSE(tls_exporter_binding(without_ems.server.get()));
  EXPECT_FALSE(tls_exporter_binding(nullptr));
}

TEST(ChannelBinding, ServerEndPointIsTheCertificateHashWithItsSignatureDigest) {
  Tls tls(TLS1_3_VERSION);
  auto binding = tls_server_end_point_binding(SSL_get_certificate(tls.server.get()));
  ASSERT_TRUE(binding);
  // Signed with SHA-384, so RFC 5929 4.1 uses SHA-384 of the DER certificate.
  unsigned char* der = nullptr;
  int len = i2d_X509(tls.cert.get(), &der);
  unsigned char digest[48];
  unsigned int digest_len = 0;
  EVP_Digest(der, static_cast<std::size_t>(len), digest, &digest_len, EVP_sha384(), nullptr);
  OPENSSL_free(der);
  EXPECT_EQ(*binding, std::string(reinterpret_cast<char*>(digest), digest_len));

  ChannelBindingData data = channel_binding_data(tls.server.get(), true);
  EXPECT_TRUE(data.plus_offered);
  ASSERT_NE(data.find(kTlsExporter), nullptr);
  ASSERT_NE(data.find(kTlsServerEndPoint), nullptr);
  EXPECT_EQ(*data.find(kTlsServerEndPoint), *binding);
  EXPECT_EQ(data.find("tls-unique"), nullptr);
}

}  // namespace
}  // namespace postino::sasl
