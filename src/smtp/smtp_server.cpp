// One SmtpSession per connection.
#include "smtp/smtp_server.hpp"

#include "smtp/smtp_session.hpp"

namespace postino {

SmtpServer::SmtpServer(SmtpMode mode, std::string hostname, SmtpSettings settings, SmtpServices services)
    : mode_(mode), hostname_(std::move(hostname)), settings_(settings), services_(std::move(services)) {}

boost::asio::awaitable<void> SmtpServer::serve(runtime::Connection& conn) {
  SmtpSession session(conn, mode_, hostname_, settings_, services_);
  co_await session.run();
}

}  // namespace postino
