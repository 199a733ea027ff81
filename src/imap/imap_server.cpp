// One ImapSession per connection; the per-user connection counts are shared.
#include "imap/imap_server.hpp"

#include "imap/imap_session.hpp"
#include "imap/user_connections.hpp"

namespace postino {

ImapServer::ImapServer(std::string hostname, ImapSettings settings, ImapServices services)
    : hostname_(std::move(hostname)),
      settings_(std::move(settings)),
      services_(services),
      user_connections_(std::make_unique<imap::UserConnections>()) {}

ImapServer::~ImapServer() = default;

boost::asio::awaitable<void> ImapServer::serve(runtime::Connection& conn) {
  imap::ImapSession session(conn, hostname_, settings_, services_, *user_connections_);
  co_await session.run();
}

}  // namespace postino
