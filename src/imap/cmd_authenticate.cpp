// AUTHENTICATE (RFC 9051 6.2.2) with SASL-IR (RFC 4959): the exchange runs
// the sasl module's step machine; challenges go out as "+ <base64>", the
// client's "*" cancels. Only PLAIN is offered: the directory keeps password
// hashes, not SCRAM secrets. Refused without TLS like LOGIN.
#include <variant>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/password_login.hpp"
#include "sasl/base64.hpp"
#include "sasl/sasl_mechanism.hpp"

namespace postino::imap {

awaitable<void> cmd_authenticate(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<AuthenticateArgs>();
  if (session.logindisabled()) {
    session.no(command, "PRIVACYREQUIRED", "Authentication requires TLS (use STARTTLS or port 993)");
    co_return;
  }
  if (args.mechanism != "PLAIN") {
    session.no(command, "CANNOT", "Unsupported authentication mechanism");
    co_return;
  }
  auto mechanism = sasl::make_plain_server();
  std::optional<std::string> initial;
  if (args.initial_response) {
    if (*args.initial_response != "=") {
      auto decoded = sasl::base64_decode(*args.initial_response);
      if (!decoded) {
        session.bad(command, "Invalid base64 in the initial response");
        co_return;
      }
      initial = std::move(*decoded);
    } else {
      initial = std::string();
    }
  }
  sasl::SaslStep step = mechanism->start(initial);
  std::optional<AccountInfo> account;
  std::string user;
  for (;;) {
    if (auto* challenge = std::get_if<sasl::SaslChallenge>(&step)) {
      session.out().continuation().raw(sasl::base64_encode(challenge->data)).end();
      runtime::Line line = co_await session.read_line(session.settings().login_timeout);
      if (line.status != runtime::LineStatus::ok) {
        session.bad(command, "Authentication exchange line too long");
        co_return;
      }
      if (line.text == "*") {
        session.bad(command, "Authentication canceled");
        co_return;
      }
      auto decoded = sasl::base64_decode(line.text);
      if (!decoded) {
        session.bad(command, "Invalid base64 in the authentication exchange");
        co_return;
      }
      step = mechanism->step(*decoded);
    } else if (auto* check = std::get_if<sasl::SaslNeedPasswordCheck>(&step)) {
      user = check->authcid;
      account = co_await check_password(session, check->authcid, check->password);
      step = mechanism->password_checked(account.has_value());
    } else if (std::get_if<sasl::SaslSuccess>(&step) != nullptr && account) {
      co_await finish_login(session, command, std::move(*account));
      co_return;
    } else if (auto* failure = std::get_if<sasl::SaslFailure>(&step);
               failure != nullptr && failure->kind == sasl::SaslFailureKind::malformed) {
      session.bad(command, "Malformed authentication exchange");
      co_return;
    } else {
      co_await fail_login(session, command, user);
      co_return;
    }
  }
}

}  // namespace postino::imap
