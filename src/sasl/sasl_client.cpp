// Client side of PLAIN, LOGIN and SCRAM-SHA-256 for relayhost AUTH.
#include "sasl/sasl_client.hpp"

#include <charconv>

#include "sasl/base64.hpp"
#include "sasl/scram_crypto.hpp"
#include "sasl/scram_secrets.hpp"

namespace postino::sasl {
namespace {

class PlainClient final : public SaslClientMechanism {
 public:
  explicit PlainClient(SaslClientCredentials c) : c_(std::move(c)) {}
  std::string_view name() const override { return "PLAIN"; }
  std::optional<std::string> initial_response() override { return message(); }
  Result<std::string> respond(std::string_view challenge) override {
    // Only the empty challenge of a server that ignores the initial response.
    if (!challenge.empty() || answered_) return make_error(Errc::invalid_argument, "unexpected PLAIN challenge");
    answered_ = true;
    return message();
  }
  Status complete(std::optional<std::string_view>) override { return {}; }

 private:
  std::string message() const {
    std::string m = c_.authzid;
    m += '\0';
    m += c_.authcid;
    m += '\0';
    m += c_.password;
    return m;
  }
  SaslClientCredentials c_;
  bool answered_ = false;
};

class LoginClient final : public SaslClientMechanism {
 public:
  explicit LoginClient(SaslClientCredentials c) : c_(std::move(c)) {}
  std::string_view name() const override { return "LOGIN"; }
  std::optional<std::string> initial_response() override { return std::nullopt; }
  Result<std::string> respond(std::string_view challenge) override {
    // Servers send "Username:" / "Password:" (some "User Name"); go by order.
    ++step_;
    if (step_ == 1) return c_.authcid;
    if (step_ == 2) return c_.password;
    (void)challenge;
    return make_error(Errc::invalid_argument, "unexpected LOGIN challenge");
  }
  Status complete(std::optional<std::string_view>) override { return {}; }

 private:
  SaslClientCredentials c_;
  int step_ = 0;
};

class ScramClient final : public SaslClientMechanism {
 public:
  ScramClient(SaslClientCredentials c, std::string nonce) : c_(std::move(c)), nonce_(std::move(nonce)) {
    if (nonce_.empty()) nonce_ = detail::random_nonce();
  }
  std::string_view name() const override { return "SCRAM-SHA-256"; }

  std::optional<std::string> initial_response() override {
    gs2_header_ = "n,";
    if (!c_.authzid.empty()) gs2_header_ += "a=" + detail::encode_saslname(c_.authzid);
    gs2_header_ += ',';
    client_first_bare_ = "n=" + detail::encode_saslname(c_.authcid) + ",r=" + nonce_;
    state_ = State::wait_server_first;
    return gs2_header_ + client_first_bare_;
  }

  Result<std::string> respond(std::string_view challenge) override {
    if (state_ == State::wait_server_first) return server_first(challenge);
    if (state_ == State::wait_server_final) {
      if (auto st = server_final(challenge); !st) return st.take_error();
      return std::string();
    }
    return make_error(Errc::invalid_argument, "unexpected SCRAM challenge");
  }

  Status complete(std::optional<std::string_view> additional_data) override {
    if (state_ == State::wait_server_final && additional_data) {
      if (auto st = server_final(*additional_data); !st) return st;
    }
    if (state_ != State::verified) return make_error(Errc::permission_denied, "server signature not verified");
    return {};
  }

 private:
  enum class State { initial, wait_server_first, wait_server_final, verified, failed };

  Result<std::string> server_first(std::string_view message) {
    state_ = State::failed;
    if (message.size() > 4096) return make_error(Errc::invalid_argument, "server-first-message too long");
    auto attrs = detail::split_attributes(message);
    if (!attrs || attrs->size() < 3) return make_error(Errc::invalid_argument, "malformed server-first-message");
    const auto& a = *attrs;
    if (a[0].name == 'm') return make_error(Errc::invalid_argument, "unsupported mandatory extension");
    if (a[0].name != 'r' || a[1].name != 's' || a[2].name != 'i') {
      return make_error(Errc::invalid_argument, "server-first-message needs r=, s=, i=");
    }
    std::string_view nonce = a[0].value;
    if (!detail::valid_nonce(nonce) || nonce.size() <= nonce_.size() || nonce.substr(0, nonce_.size()) != nonce_) {
      return make_error(Errc::invalid_argument, "server nonce does not extend ours");
    }
    auto salt = base64_decode(a[1].value);
    if (!salt || salt->empty()) return make_error(Errc::invalid_argument, "bad salt");
    std::uint32_t iterations = 0;
    auto [end, ec] = std::from_chars(a[2].value.data(), a[2].value.data() + a[2].value.size(), iterations);
    if (ec != std::errc() || end != a[2].value.data() + a[2].value.size() || iterations < kScramMinIterations ||
        iterations > kScramMaxIterations) {
      return make_error(Errc::invalid_argument, "iteration count out of range");
    }
    Sha256Digest salted = scram_salted_password(c_.password, *salt, iterations);
    Sha256Digest client_key = detail::hmac_sha256(detail::view(salted), "Client Key");
    Sha256Digest stored_key = detail::sha256(detail::view(client_key));
    server_key_ = detail::hmac_sha256(detail::view(salted), "Server Key");
    std::string without_proof = "c=" + base64_encode(gs2_header_) + ",r=" + std::string(nonce);
    auth_message_ = client_first_bare_ + "," + std::string(message) + "," + without_proof;
    Sha256Digest signature = detail::hmac_sha256(detail::view(stored_key), auth_message_);
    std::string proof(32, '\0');
    for (std::size_t i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
    state_ = State::wait_server_final;
    return without_proof + ",p=" + base64_encode(proof);
  }

  Status server_final(std::string_view message) {
    state_ = State::failed;
    if (message.substr(0, 2) == "e=") return make_error(Errc::permission_denied, "server error: " + std::string(message.substr(2, 64)));
    if (message.substr(0, 2) != "v=") return make_error(Errc::invalid_argument, "malformed server-final-message");
    std::string_view value = message.substr(2);
    if (std::size_t comma = value.find(','); comma != std::string_view::npos) value = value.substr(0, comma);
    auto signature = base64_decode(value);
    Sha256Digest expected = detail::hmac_sha256(detail::view(server_key_), auth_message_);
    if (!signature || !detail::equal_constant_time(*signature, detail::view(expected))) {
      return make_error(Errc::permission_denied, "server signature mismatch");
    }
    state_ = State::verified;
    return {};
  }

  SaslClientCredentials c_;
  std::string nonce_;
  State state_ = State::initial;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string auth_message_;
  Sha256Digest server_key_{};
};

}  // namespace

std::unique_ptr<SaslClientMechanism> make_plain_client(SaslClientCredentials credentials) {
  return std::make_unique<PlainClient>(std::move(credentials));
}
std::unique_ptr<SaslClientMechanism> make_login_client(SaslClientCredentials credentials) {
  return std::make_unique<LoginClient>(std::move(credentials));
}
std::unique_ptr<SaslClientMechanism> make_scram_sha256_client(SaslClientCredentials credentials,
                                                              std::string client_nonce) {
  return std::make_unique<ScramClient>(std::move(credentials), std::move(client_nonce));
}

}  // namespace postino::sasl
