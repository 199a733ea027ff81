// The reply a listener gives while its protocol is not served by this node:
// the protocol's own "no service here" greeting, then close. Also the busy
// reply for connections over a cap. Protocol roles replace it as they land.
#pragma once

#include "runtime/connection.hpp"

namespace postino {

class UnavailableHandler : public runtime::ConnectionHandler {
 public:
  explicit UnavailableHandler(std::string hostname) : hostname_(std::move(hostname)) {}
  boost::asio::awaitable<void> serve(runtime::Connection& conn) override;

 private:
  std::string hostname_;
};

}  // namespace postino
