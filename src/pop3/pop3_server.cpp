// One Pop3Session per connection; the maildrop locks are shared.
#include "pop3/pop3_server.hpp"

#include "pop3/maildrop_locks.hpp"
#include "pop3/pop3_session.hpp"

namespace postino {

Pop3Server::Pop3Server(std::string hostname, Pop3Settings settings, Pop3Services services)
    : hostname_(std::move(hostname)),
      settings_(settings),
      services_(services),
      locks_(std::make_unique<pop3::MaildropLocks>()) {}

Pop3Server::~Pop3Server() = default;

boost::asio::awaitable<void> Pop3Server::serve(runtime::Connection& conn) {
  pop3::Pop3Session session(conn, hostname_, settings_, services_, *locks_);
  co_await session.run();
}

}  // namespace postino
