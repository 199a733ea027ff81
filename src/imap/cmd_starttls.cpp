// STARTTLS (RFC 9051 6.2.1): only on the plain port, only before login.
// After the handshake the client must ask for capabilities again.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_starttls(ImapSession& session, const Command& command) {
  runtime::Connection& conn = session.connection();
  if (session.tls_active()) {
    session.bad(command, "TLS is already active");
    co_return;
  }
  if (!conn.stream.tls_available() || conn.tls_mode != TlsMode::starttls) {
    session.no(command, "CANNOT", "STARTTLS is not offered on this port");
    co_return;
  }
  session.out().tagged(command.tag).status("OK", "", "Begin TLS negotiation now");
  co_await session.flush();
  co_await session.start_tls();
}

}  // namespace postino::imap
