// LOGIN (RFC 9051 6.2.3): refused without TLS (LOGINDISABLED), delayed on
// failure, never saying whether the user exists.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/password_login.hpp"

namespace postino::imap {

awaitable<void> cmd_login(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<LoginArgs>();
  if (session.logindisabled()) {
    session.no(command, "PRIVACYREQUIRED", "Login requires TLS (use STARTTLS or port 993)");
    co_return;
  }
  std::optional<AccountInfo> account = co_await check_password(session, args.username, args.password);
  if (account) {
    co_await finish_login(session, command, std::move(*account));
  } else {
    co_await fail_login(session, command, args.username);
  }
}

}  // namespace postino::imap
