#include "imap/password_login.hpp"

#include "imap/imap_session.hpp"
#include "runtime/auth_throttle.hpp"

namespace postino::imap {

boost::asio::awaitable<std::optional<AccountInfo>> check_password(ImapSession& session, const std::string& user,
                                                                  const std::string& password) {
  std::string client = session.connection().stream.remote_endpoint().address().to_string();
  if (session.services().auth_throttle.refused(client, user)) {
    session.log().info("imap_login_throttled", {{"user", user}});
    co_return std::nullopt;
  }
  Directory& directory = session.services().directory;
  auto job = [&directory, user, password] { return directory.authenticate(user, password); };
  // On the password pool, not the store's: see ImapServices::passwords.
  auto result = co_await session.services().passwords.run(std::move(job));
  if (result) {
    session.services().auth_throttle.record_success(user);
    co_return std::move(*result);
  }
  if (result.error().code == Errc::disabled) {
    // The password was right: say why, as Dovecot does for a disabled user.
    AccountInfo disabled;
    disabled.address = user;
    disabled.status = AccountStatus::disabled;
    co_return disabled;
  }
  if (result.error().code != Errc::permission_denied) {
    session.log().warn("imap_auth_error", {{"user", user}, {"error", result.error().message}});
  }
  co_return std::nullopt;
}

boost::asio::awaitable<void> finish_login(ImapSession& session, const Command& command, AccountInfo account) {
  if (account.status != AccountStatus::active) {
    session.log().info("imap_login_disabled", {{"user", account.address}});
    session.no(command, "CONTACTADMIN", "Account is disabled");
    co_return;
  }
  const bool entered = co_await session.begin_authenticated(std::move(account));
  if (!entered) {
    session.no(command, "LIMIT", "Too many connections for this user");
    co_return;
  }
  std::string caps;
  for (const auto& c : session.capabilities()) caps += (caps.empty() ? "" : " ") + c;
  session.tagged(command, "OK", "CAPABILITY " + caps, "Logged in");
}

boost::asio::awaitable<void> fail_login(ImapSession& session, const Command& command, const std::string& user) {
  const bool may_continue = co_await session.authentication_failed(user);
  if (!may_continue) {
    session.out().untagged().status("BYE", "", "Too many authentication failures");
    session.end_after_command();
  }
  session.no(command, "AUTHENTICATIONFAILED", "Authentication failed.");
}

}  // namespace postino::imap
