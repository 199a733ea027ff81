// SASL LOGIN, server side (draft-murchison-sasl-login-00): challenges
// "Username:" then "Password:"; an initial response is the user name. No
// authorization identity. Kept for old clients (Outlook, some printers).
#include <cassert>

#include "common/address.hpp"
#include "sasl/sasl_identity.hpp"
#include "sasl/sasl_mechanism.hpp"

namespace postino::sasl {
namespace {

class LoginServer final : public SaslServerMechanism {
 public:
  std::string_view name() const override { return "LOGIN"; }

  SaslStep start(std::optional<std::string_view> initial_response) override {
    if (state_ != State::initial) return fail("start() called twice");
    if (!initial_response) {
      state_ = State::wait_username;
      return SaslChallenge{"Username:"};
    }
    return take_username(*initial_response);
  }

  SaslStep step(std::string_view client_message) override {
    switch (state_) {
      case State::wait_username: return take_username(client_message);
      case State::wait_password: {
        if (client_message.empty() || client_message.size() > kMaxSaslPasswordBytes ||
            client_message.find('\0') != std::string_view::npos || !is_valid_utf8(client_message)) {
          return fail("invalid password");
        }
        state_ = State::wait_password_check;
        return SaslNeedPasswordCheck{authcid_, std::string(client_message)};
      }
      default: return fail("unexpected client message");
    }
  }

  SaslStep password_checked(bool password_ok) override {
    assert(state_ == State::wait_password_check);
    state_ = State::done;
    if (!password_ok) return SaslFailure{SaslFailureKind::bad_credentials, "password mismatch or unknown user"};
    return SaslSuccess{authcid_, authcid_, std::nullopt};
  }

 private:
  enum class State { initial, wait_username, wait_password, wait_password_check, done };

  SaslStep fail(const char* reason) {
    state_ = State::done;
    return SaslFailure{SaslFailureKind::malformed, reason};
  }

  SaslStep take_username(std::string_view name) {
    if (!detail::valid_identity(name)) return fail("invalid user name");
    authcid_ = std::string(name);
    state_ = State::wait_password;
    return SaslChallenge{"Password:"};
  }

  State state_ = State::initial;
  std::string authcid_;
};

}  // namespace

std::unique_ptr<SaslServerMechanism> make_login_server() { return std::make_unique<LoginServer>(); }

}  // namespace postino::sasl
