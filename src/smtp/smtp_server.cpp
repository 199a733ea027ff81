// One SmtpSession per connection.
#include "smtp/smtp_server.hpp"

#include <cassert>

#include "smtp/smtp_session.hpp"

namespace postino {

SmtpServer::SmtpServer(SmtpMode mode, std::string hostname, SmtpSettings settings, SmtpServices services,
                       SubmissionSettings submission)
    : mode_(mode),
      hostname_(std::move(hostname)),
      settings_(settings),
      submission_(submission),
      services_(std::move(services)) {
  assert(mode_ != SmtpMode::submission || (services_.auth_throttle != nullptr && services_.rate_limits != nullptr));
}

boost::asio::awaitable<void> SmtpServer::serve(runtime::Connection& conn) {
  SmtpSession session(conn, mode_, hostname_, settings_, services_, submission_);
  co_await session.run();
}

}  // namespace postino
