// The end of every password login (LOGIN, AUTHENTICATE PLAIN): throttling,
// the directory check on the blocking pool, the per-user connection cap,
// and the tagged reply. One place, so both commands answer alike.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "directory/directory.hpp"
#include "imap_proto/imap_command.hpp"

namespace postino::imap {

class ImapSession;

// Checks the password; nullopt when it is wrong, the user unknown, or the
// client or user throttled (indistinguishable to the client).
boost::asio::awaitable<std::optional<AccountInfo>> check_password(ImapSession& session, const std::string& user,
                                                                  const std::string& password);
// Enters the authenticated state and sets the tagged OK, or the NO for a
// disabled account or the per-user cap.
boost::asio::awaitable<void> finish_login(ImapSession& session, const Command& command, AccountInfo account);
// Sets NO [AUTHENTICATIONFAILED] after the failure delay, or ends the
// session after too many failures.
boost::asio::awaitable<void> fail_login(ImapSession& session, const Command& command, const std::string& user);

}  // namespace postino::imap
