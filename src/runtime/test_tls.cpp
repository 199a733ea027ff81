// Test certificates built with the OpenSSL 3 API (EVP_PKEY + X509), so the
// tests need no fixture files and no openssl binary.
#include "runtime/test_tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace postino::runtime::test {

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = std::filesystem::temp_directory_path() / ("postino-runtime-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void require(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error("requirement failed: " + what);
}

TestCert make_cert(const TempDir& dir, const std::string& common_name, const std::vector<std::string>& dns_names) {
  static std::atomic<long> serial{1};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  require(key != nullptr, "EC key generation");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!dns_names.empty()) {
    std::string san;
    for (const auto& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    require(ext != nullptr, "SAN extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  require(X509_sign(cert, key, EVP_sha256()) > 0, "certificate signature");

  std::string stem = common_name;
  for (char& c : stem) {
    if (c == '*') c = '_';
  }
  TestCert out{(dir.path() / (stem + ".crt")).string(), (dir.path() / (stem + ".key")).string()};
  FILE* f = std::fopen(out.cert_file.c_str(), "w");
  require(f != nullptr, "open " + out.cert_file);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(out.key_file.c_str(), "w");
  require(f != nullptr, "open " + out.key_file);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace postino::runtime::test
