// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, server side (RFC 5802, RFC 7677),
// with channel bindings tls-exporter (RFC 9266) and tls-server-end-point
// (RFC 5929).
// Security: unknown users get a deterministic fake salt and the exchange runs
// to the proof check, so the answer does not reveal whether a user exists;
// proofs are compared in constant time; "y" when -PLUS is offered is treated
// as a downgrade (RFC 5802 6); mandatory extensions ("m=") are refused.
#include <cassert>
#include <charconv>

#include "common/address.hpp"
#include "sasl/base64.hpp"
#include "sasl/sasl_identity.hpp"
#include "sasl/sasl_mechanism.hpp"
#include "sasl/scram_crypto.hpp"

namespace postino::sasl {
namespace {

// A cb-name (RFC 5056 7): 1*(ALPHA / DIGIT / "." / "-").
bool valid_cb_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

class ScramServer final : public SaslServerMechanism {
 public:
  ScramServer(bool plus, ScramServerOptions options, ChannelBindingData binding, AuthzPolicy authz)
      : plus_(plus), options_(std::move(options)), binding_(std::move(binding)), authz_(std::move(authz)) {}

  std::string_view name() const override { return plus_ ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256"; }

  SaslStep start(std::optional<std::string_view> initial_response) override {
    if (state_ != State::initial) return fail(SaslFailureKind::malformed, "start() called twice");
    if (!initial_response) {
      state_ = State::wait_client_first;
      return SaslChallenge{};
    }
    return client_first(*initial_response);
  }

  SaslStep step(std::string_view message) override {
    switch (state_) {
      case State::wait_client_first: return client_first(message);
      case State::wait_client_final: return client_final(message);
      default: return fail(SaslFailureKind::malformed, "unexpected client message");
    }
  }

  SaslStep scram_credentials_found(std::optional<ScramSecrets> secrets) override {
    assert(state_ == State::wait_credentials);
    if (secrets && secrets->iterations >= kScramMinIterations && secrets->iterations <= kScramMaxIterations &&
        !secrets->salt.empty()) {
      secrets_ = std::move(*secrets);
    } else {
      // RFC 5802 9: a fake exchange for unknown users. The salt is a keyed
      // hash of the name, so repeated probes see a stable salt.
      known_user_ = false;
      std::string input = "postino-scram-fake-salt:" + authcid_;
      Sha256Digest mac = detail::hmac_sha256(options_.fake_salt_secret, input);
      secrets_.salt = std::string(detail::view(mac).substr(0, kScramSaltBytes));
      secrets_.iterations = options_.fake_iterations;
      std::string junk = detail::random_bytes(64);
      for (std::size_t i = 0; i < 32; ++i) {
        secrets_.stored_key[i] = static_cast<std::uint8_t>(junk[i]);
        secrets_.server_key[i] = static_cast<std::uint8_t>(junk[32 + i]);
      }
    }
    std::string server_part = options_.fixed_server_nonce.empty() ? detail::random_nonce() : options_.fixed_server_nonce;
    nonce_ = client_nonce_ + server_part;
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(secrets_.salt) + ",i=" + std::to_string(secrets_.iterations);
    state_ = State::wait_client_final;
    return SaslChallenge{server_first_};
  }

 private:
  enum class State { initial, wait_client_first, wait_credentials, wait_client_final, done };

  SaslStep fail(SaslFailureKind kind, const char* reason) {
    state_ = State::done;
    return SaslFailure{kind, reason};
  }

  // client-first-message = gs2-header client-first-message-bare (RFC 5802 7).
  SaslStep client_first(std::string_view message) {
    if (message.size() > kMaxSaslMessageBytes) return fail(SaslFailureKind::malformed, "message too long");
    if (message.find('\0') != std::string_view::npos) return fail(SaslFailureKind::malformed, "NUL in message");
    std::size_t c1 = message.find(',');
    if (c1 == std::string_view::npos) return fail(SaslFailureKind::malformed, "missing gs2 header");
    std::size_t c2 = message.find(',', c1 + 1);
    if (c2 == std::string_view::npos) return fail(SaslFailureKind::malformed, "missing gs2 header");
    std::string_view flag = message.substr(0, c1);
    std::string_view authz = message.substr(c1 + 1, c2 - c1 - 1);
    gs2_header_ = std::string(message.substr(0, c2 + 1));
    std::string_view bare = message.substr(c2 + 1);

    if (flag == "n" || flag == "y") {
      if (plus_) return fail(SaslFailureKind::channel_binding, "-PLUS mechanism without channel binding");
      // RFC 5802 6: "y" means the client thinks we cannot bind; if we offered
      // -PLUS someone removed it from the list.
      if (flag == "y" && binding_.plus_offered) {
        return fail(SaslFailureKind::channel_binding, "channel binding downgrade (y while -PLUS offered)");
      }
    } else if (flag.substr(0, 2) == "p=") {
      std::string_view cb_name = flag.substr(2);
      if (!valid_cb_name(cb_name)) return fail(SaslFailureKind::malformed, "bad cb-name");
      if (!plus_) return fail(SaslFailureKind::channel_binding, "channel binding requested with a non-PLUS mechanism");
      const std::string* data = binding_.find(cb_name);
      if (data == nullptr) return fail(SaslFailureKind::channel_binding, "unsupported channel binding type");
      cb_data_ = *data;
    } else {
      return fail(SaslFailureKind::malformed, "bad gs2 channel binding flag");
    }

    if (!authz.empty()) {
      if (authz.substr(0, 2) != "a=") return fail(SaslFailureKind::malformed, "bad gs2 authzid");
      auto decoded = detail::decode_saslname(authz.substr(2));
      if (!decoded || !detail::valid_identity(*decoded)) return fail(SaslFailureKind::malformed, "invalid authzid");
      authzid_ = std::move(*decoded);
    }

    auto attrs = detail::split_attributes(bare);
    if (!attrs) return fail(SaslFailureKind::malformed, "malformed client-first-message");
    const auto& a = *attrs;
    if (a[0].name == 'm') return fail(SaslFailureKind::malformed, "unsupported mandatory extension");
    if (a.size() < 2 || a[0].name != 'n' || a[1].name != 'r') {
      return fail(SaslFailureKind::malformed, "client-first-message needs n= then r=");
    }
    auto user = detail::decode_saslname(a[0].value);
    if (!user || !detail::valid_identity(*user)) return fail(SaslFailureKind::malformed, "invalid user name");
    if (!detail::valid_nonce(a[1].value) || a[1].value.size() > 255) {
      return fail(SaslFailureKind::malformed, "invalid client nonce");
    }
    authcid_ = std::move(*user);
    client_nonce_ = std::string(a[1].value);
    client_first_bare_ = std::string(bare);
    state_ = State::wait_credentials;
    return SaslNeedScramCredentials{authcid_};
  }

  // client-final-message = c= "," r= ["," extensions] "," p= (RFC 5802 7).
  SaslStep client_final(std::string_view message) {
    if (message.size() > kMaxSaslMessageBytes) return fail(SaslFailureKind::malformed, "message too long");
    if (message.find('\0') != std::string_view::npos) return fail(SaslFailureKind::malformed, "NUL in message");
    std::size_t proof_at = message.rfind(",p=");
    if (proof_at == std::string_view::npos) return fail(SaslFailureKind::malformed, "missing proof");
    std::string_view without_proof = message.substr(0, proof_at);
    auto attrs = detail::split_attributes(message);
    if (!attrs) return fail(SaslFailureKind::malformed, "malformed client-final-message");
    const auto& a = *attrs;
    if (a.size() < 3 || a[0].name != 'c' || a[1].name != 'r' || a.back().name != 'p') {
      return fail(SaslFailureKind::malformed, "client-final-message needs c=, r=, ..., p=");
    }
    for (std::size_t i = 2; i + 1 < a.size(); ++i) {
      if (a[i].name == 'p') return fail(SaslFailureKind::malformed, "proof must be last");
    }
    auto cbind = base64_decode(a[0].value);
    if (!cbind) return fail(SaslFailureKind::malformed, "bad base64 in c=");
    if (!detail::equal_constant_time(*cbind, gs2_header_ + cb_data_)) {
      return fail(SaslFailureKind::channel_binding, "channel binding mismatch");
    }
    if (a[1].value != nonce_) return fail(SaslFailureKind::malformed, "nonce mismatch");
    auto proof = base64_decode(a.back().value);
    if (!proof || proof->size() != 32) return fail(SaslFailureKind::malformed, "bad proof");

    // RFC 5802 3: AuthMessage; ClientKey = ClientProof XOR ClientSignature.
    std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
    Sha256Digest signature = detail::hmac_sha256(detail::view(secrets_.stored_key), auth_message);
    std::string client_key(32, '\0');
    for (std::size_t i = 0; i < 32; ++i) client_key[i] = static_cast<char>((*proof)[i] ^ signature[i]);
    Sha256Digest computed_stored = detail::sha256(client_key);
    bool proof_ok = detail::equal_constant_time(detail::view(computed_stored), detail::view(secrets_.stored_key));
    if (!proof_ok || !known_user_) {
      return fail(SaslFailureKind::bad_credentials, "invalid proof or unknown user");
    }
    state_ = State::done;
    std::string authzid = authcid_;
    if (!authzid_.empty() && authzid_ != authcid_) {
      if (!authz_ || !authz_(authcid_, authzid_)) return fail(SaslFailureKind::authz_not_allowed, "authzid not allowed");
      authzid = authzid_;
    }
    Sha256Digest server_signature = detail::hmac_sha256(detail::view(secrets_.server_key), auth_message);
    return SaslSuccess{authcid_, std::move(authzid), "v=" + base64_encode(detail::view(server_signature))};
  }

  bool plus_;
  ScramServerOptions options_;
  ChannelBindingData binding_;
  AuthzPolicy authz_;
  State state_ = State::initial;
  std::string gs2_header_;
  std::string cb_data_;
  std::string authcid_;
  std::string authzid_;
  std::string client_nonce_;
  std::string client_first_bare_;
  std::string nonce_;
  std::string server_first_;
  ScramSecrets secrets_;
  bool known_user_ = true;
};

}  // namespace

std::unique_ptr<SaslServerMechanism> make_scram_sha256_server(ScramServerOptions options, ChannelBindingData binding,
                                                              AuthzPolicy authz) {
  return std::make_unique<ScramServer>(false, std::move(options), std::move(binding), std::move(authz));
}

std::unique_ptr<SaslServerMechanism> make_scram_sha256_plus_server(ScramServerOptions options,
                                                                   ChannelBindingData binding, AuthzPolicy authz) {
  return std::make_unique<ScramServer>(true, std::move(options), std::move(binding), std::move(authz));
}

}  // namespace postino::sasl
