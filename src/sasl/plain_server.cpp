// SASL PLAIN, server side (RFC 4616): one message
// "[authzid] NUL authcid NUL passwd". Only meant for TLS-protected sessions;
// the caller decides where it is offered.
#include <cassert>

#include "common/address.hpp"
#include "sasl/sasl_identity.hpp"
#include "sasl/sasl_mechanism.hpp"

namespace postino::sasl {
namespace {

class PlainServer final : public SaslServerMechanism {
 public:
  explicit PlainServer(AuthzPolicy authz) : authz_(std::move(authz)) {}

  std::string_view name() const override { return "PLAIN"; }

  SaslStep start(std::optional<std::string_view> initial_response) override {
    if (state_ != State::initial) return fail("start() called twice");
    if (!initial_response) {
      state_ = State::wait_message;
      return SaslChallenge{};
    }
    return parse(*initial_response);
  }

  SaslStep step(std::string_view client_message) override {
    if (state_ != State::wait_message) return fail("unexpected client message");
    return parse(client_message);
  }

  SaslStep password_checked(bool password_ok) override {
    assert(state_ == State::wait_password_check);
    state_ = State::done;
    if (!password_ok) return SaslFailure{SaslFailureKind::bad_credentials, "password mismatch or unknown user"};
    if (authzid_.empty() || authzid_ == authcid_) return SaslSuccess{authcid_, authcid_, std::nullopt};
    if (authz_ && authz_(authcid_, authzid_)) return SaslSuccess{authcid_, authzid_, std::nullopt};
    return SaslFailure{SaslFailureKind::authz_not_allowed, "authzid not allowed"};
  }

 private:
  enum class State { initial, wait_message, wait_password_check, done };

  SaslStep fail(const char* reason) {
    state_ = State::done;
    return SaslFailure{SaslFailureKind::malformed, reason};
  }

  SaslStep parse(std::string_view message) {
    if (message.size() > kMaxSaslMessageBytes) return fail("message too long");
    std::size_t first = message.find('\0');
    if (first == std::string_view::npos) return fail("missing NUL separators");
    std::size_t second = message.find('\0', first + 1);
    if (second == std::string_view::npos) return fail("missing second NUL separator");
    if (message.find('\0', second + 1) != std::string_view::npos) return fail("extra NUL in message");
    std::string_view authzid = message.substr(0, first);
    std::string_view authcid = message.substr(first + 1, second - first - 1);
    std::string_view password = message.substr(second + 1);
    if (!authzid.empty() && !detail::valid_identity(authzid)) return fail("invalid authzid");
    if (!detail::valid_identity(authcid)) return fail("invalid authcid");
    // RFC 4616 2: passwd is 1*SAFE (UTF-8 without NUL).
    if (password.empty() || password.size() > kMaxSaslPasswordBytes || !is_valid_utf8(password)) {
      return fail("invalid password field");
    }
    authzid_ = std::string(authzid);
    authcid_ = std::string(authcid);
    state_ = State::wait_password_check;
    return SaslNeedPasswordCheck{authcid_, std::string(password)};
  }

  AuthzPolicy authz_;
  State state_ = State::initial;
  std::string authcid_;
  std::string authzid_;
};

}  // namespace

std::unique_ptr<SaslServerMechanism> make_plain_server(AuthzPolicy authz) {
  return std::make_unique<PlainServer>(std::move(authz));
}

}  // namespace postino::sasl
