// Listener: accepts one ListenerSettings' connections on every io_context
// (one SO_REUSEPORT acceptor per context, so accepts spread over cores) and
// runs each as a session owned by that context's task group: PROXY header
// (trusted peers only), connection caps, implicit TLS (RFC 8314), handler.
// Graceful stop: stop accepting, let sessions finish up to a grace period,
// then cancel the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/result.hpp"
#include "runtime/cidr.hpp"
#include "runtime/runtime_settings.hpp"
#include "runtime/snapshot.hpp"

namespace postino::runtime {
namespace asio = boost::asio;

class ConnectionHandler;
class ConnectionLimiter;
class IoPool;
class TlsContexts;

// Shared by every listener; all must outlive the listeners.
struct ListenerServices {
  IoPool& io;
  ConnectionLimiter& limiter;
  const Snapshot<TlsContexts>& tls;  // read at each accept
  LimitSettings limits;
  CidrList trusted_proxies;          // ProxyProtocolSettings, parsed
};

class Listener {
 public:
  Listener(ListenerSettings settings, ConnectionHandler& handler, ListenerServices services);
  // Call stop() (and let it finish) before destroying a started listener.
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens on every io_context; errors name the listener and the
  // address ("listener smtp: bind 127.0.0.1:25: Address already in use").
  Status open();
  // The bound port (the ephemeral one when settings.port is 0).
  std::uint16_t port() const { return port_; }
  const ListenerSettings& settings() const { return settings_; }
  // Starts the accept loops (once). Any thread, after open() succeeded.
  void start();
  std::size_t session_count() const;

  // Phase 1: close the acceptors and tell sessions the server is stopping.
  asio::awaitable<void> stop_accepting();
  // Phase 2: wait for sessions until `deadline`, then cancel those left.
  asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline);
  // Both, with limits.shutdown_grace.
  asio::awaitable<void> stop();

 private:
  struct Shard;
  asio::awaitable<void> accept_loop(Shard* shard);
  asio::awaitable<void> run_session(Shard* shard, asio::ip::tcp::socket socket);

  ListenerSettings settings_;
  ConnectionHandler& handler_;
  ListenerServices services_;
  std::uint16_t port_ = 0;
  bool started_ = false;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// Stops several listeners together: all stop accepting at once, then share
// one grace period (sequential stops would add the graces up).
asio::awaitable<void> stop_listeners(std::vector<Listener*> listeners, std::chrono::milliseconds grace);

}  // namespace postino::runtime
