// DKIM keys on OpenSSL 3's EVP_PKEY: load, generate, publish, sign.
#include "dkim/dkim_key.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "dkim/dkim_base64.hpp"

namespace postino::dkim {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Never prompt on a terminal for a passphrase: encrypted keys are refused.
int no_passphrase(char*, int, int, void*) { return 0; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace

const char* dkim_algorithm_name(DkimAlgorithm algorithm) {
  return algorithm == DkimAlgorithm::ed25519_sha256 ? "ed25519-sha256" : "rsa-sha256";
}

Result<DkimAlgorithm> parse_dkim_algorithm(std::string_view text) {
  if (iequals(text, "rsa") || iequals(text, "rsa-sha256")) return DkimAlgorithm::rsa_sha256;
  if (iequals(text, "ed25519") || iequals(text, "ed25519-sha256")) return DkimAlgorithm::ed25519_sha256;
  return make_error(Errc::invalid_argument, "unknown DKIM algorithm (rsa or ed25519)");
}

void DkimPrivateKey::Deleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Result<DkimPrivateKey> DkimPrivateKey::adopt(evp_pkey_st* raw) {
  std::unique_ptr<evp_pkey_st, Deleter> key(raw);
  switch (EVP_PKEY_get_base_id(raw)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(raw) < static_cast<int>(kDkimMinRsaBits)) {
        return make_error(Errc::invalid_argument, "RSA key too small for DKIM (RFC 8301)");
      }
      return DkimPrivateKey(std::move(key), DkimAlgorithm::rsa_sha256);
    case EVP_PKEY_ED25519:
      return DkimPrivateKey(std::move(key), DkimAlgorithm::ed25519_sha256);
    default:
      return make_error(Errc::unsupported, "DKIM keys must be RSA or Ed25519");
  }
}

Result<DkimPrivateKey> DkimPrivateKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error(Errc::io_error, "BIO_new_mem_buf failed");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (key == nullptr) return make_error(Errc::invalid_argument, "not an unencrypted PEM private key");
  return adopt(key);
}

Result<DkimPrivateKey> DkimPrivateKey::from_pem_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open DKIM key " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 64 * 1024) return make_error(Errc::invalid_argument, "DKIM key file too large");
  auto key = from_pem(text.str());
  if (!key) return make_error(key.error().code, key.error().message + ": " + path.string());
  return key;
}

Result<DkimPrivateKey> DkimPrivateKey::from_ed25519_seed(std::string_view seed) {
  if (seed.size() != 32) return make_error(Errc::invalid_argument, "Ed25519 private key must be 32 bytes");
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (key == nullptr) return make_error(Errc::invalid_argument, "bad Ed25519 key");
  return adopt(key);
}

unsigned DkimPrivateKey::bits() const { return static_cast<unsigned>(EVP_PKEY_get_bits(key_.get())); }

std::string DkimPrivateKey::dns_txt_record() const {
  std::string public_key;
  if (algorithm_ == DkimAlgorithm::ed25519_sha256) {
    // RFC 8463 4: the raw 32-byte public key, not a SubjectPublicKeyInfo.
    std::size_t len = 32;
    public_key.resize(len);
    EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(public_key.data()), &len);
    public_key.resize(len);
    return "v=DKIM1; k=ed25519; p=" + detail::base64_encode(public_key);
  }
  // RFC 6376 3.6.1: p= is the DER SubjectPublicKeyInfo for k=rsa.
  int len = i2d_PUBKEY(key_.get(), nullptr);
  public_key.resize(static_cast<std::size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(public_key.data());
  i2d_PUBKEY(key_.get(), &out);
  return "v=DKIM1; k=rsa; p=" + detail::base64_encode(public_key);
}

Result<std::string> DkimPrivateKey::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) return make_error(Errc::io_error, "EVP_MD_CTX_new failed");
  std::string input;
  const EVP_MD* md = EVP_sha256();
  if (algorithm_ == DkimAlgorithm::ed25519_sha256) {
    // RFC 8463 3: PureEdDSA over the SHA-256 hash of the data.
    unsigned char hash[32];
    unsigned int hash_len = 0;
    if (EVP_Digest(data.data(), data.size(), hash, &hash_len, EVP_sha256(), nullptr) != 1) {
      return make_error(Errc::io_error, "SHA-256 failed");
    }
    input.assign(reinterpret_cast<char*>(hash), hash_len);
    data = input;
    md = nullptr;  // Ed25519 takes no digest parameter
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) {
    return make_error(Errc::io_error, "EVP_DigestSignInit failed");
  }
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return make_error(Errc::io_error, "sign failed");
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, in, data.size()) != 1) {
    return make_error(Errc::io_error, "sign failed");
  }
  signature.resize(len);
  return signature;
}

Result<GeneratedDkimKey> generate_dkim_key(DkimAlgorithm algorithm, unsigned rsa_bits) {
  EVP_PKEY* raw = nullptr;
  if (algorithm == DkimAlgorithm::ed25519_sha256) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    if (rsa_bits < kDkimMinRsaBits || rsa_bits > 8192) return make_error(Errc::invalid_argument, "RSA size out of range");
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
  }
  if (raw == nullptr) return make_error(Errc::io_error, "key generation failed");
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), raw, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    EVP_PKEY_free(raw);
    return make_error(Errc::io_error, "PEM encoding failed");
  }
  char* pem_data = nullptr;
  long pem_len = BIO_get_mem_data(bio.get(), &pem_data);
  GeneratedDkimKey out;
  out.private_key_pem.assign(pem_data, static_cast<std::size_t>(pem_len));
  EVP_PKEY_free(raw);
  auto key = DkimPrivateKey::from_pem(out.private_key_pem);
  if (!key) return key.take_error();
  out.dns_txt_record = key->dns_txt_record();
  return out;
}

}  // namespace postino::dkim
