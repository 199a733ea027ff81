// Listener: accept loops and the per-connection session wrapper. Every
// connection-fatal error of a session (EOF, reset, timeout, TLS) is caught
// here, once, and logged as connection_closed with a stable reason.
// Security: a PROXY header is read only from peers in trusted_proxies; any
// other peer on a proxy listener is closed without reading a byte.
#include "runtime/listener.hpp"

#include <openssl/rand.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "runtime/connection.hpp"
#include "runtime/connection_limiter.hpp"
#include "runtime/io_pool.hpp"
#include "runtime/proxy_protocol.hpp"
#include "runtime/stop_signal.hpp"
#include "runtime/stream.hpp"
#include "runtime/task_group.hpp"
#include "runtime/tls_context.hpp"

namespace postino::runtime {
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Bounded wait for the peer's close_notify when a TLS session ends.
constexpr milliseconds kTlsCloseTimeout{1000};
// After the grace period, cancelled sessions get this long to unwind
// (a job on the blocking pool cannot be interrupted).
constexpr milliseconds kCancelWait{5000};
// Back-off when accept fails for lack of descriptors or memory.
constexpr milliseconds kAcceptBackoff{100};

std::string make_session_id() {
  std::array<unsigned char, 6> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto address = unmap_v4(ep.address());
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + std::to_string(ep.port());
}

// The stable reason names of connection_closed.
const char* close_reason(const error_code& ec) {
  namespace err = asio::error;
  if (ec == err::eof || ec == asio::ssl::error::stream_truncated) return "eof";
  if (ec == err::timed_out) return "timeout";
  if (ec == err::operation_aborted) return "shutdown";
  if (ec == err::connection_reset || ec == err::broken_pipe || ec == err::connection_aborted) return "reset";
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category()) {
    return "tls_error";
  }
  return "io_error";
}

// Reads a PROXY header byte-exactly: what follows (a TLS ClientHello, a
// command) stays in the socket for the session.
asio::awaitable<Result<ProxyHeader>> read_proxy_header(Stream& stream, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::array<std::uint8_t, kMaxProxyV2Bytes> buf{};
  std::size_t have = 0;
  std::size_t need = kMinProxyHeaderBytes;
  std::string failure;
  try {
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= milliseconds::zero()) throw boost::system::system_error(asio::error::timed_out);
      co_await stream.read_exact(asio::buffer(buf.data() + have, need - have), left);
      have = need;
      ProxyParseResult parsed = parse_proxy_header(std::span<const std::uint8_t>(buf.data(), have));
      if (parsed.status == ProxyParseStatus::complete) co_return parsed.header;
      if (parsed.status == ProxyParseStatus::invalid) {
        failure = parsed.error;
        break;
      }
      need = std::min(parsed.need_bytes, buf.size());
      if (need <= have) {
        failure = "header exceeds buffer";
        break;
      }
    }
  } catch (const boost::system::system_error& e) {
    failure = close_reason(e.code());
  }
  co_return make_error(Errc::invalid_argument, failure);
}

}  // namespace

struct Listener::Shard {
  explicit Shard(asio::any_io_executor ex) : executor(ex), acceptor(ex), stop(ex), accept(ex), sessions(ex) {}
  asio::any_io_executor executor;
  tcp::acceptor acceptor;
  StopSignal stop;
  TaskGroup accept;    // the accept loop
  TaskGroup sessions;  // live connections
};

Listener::Listener(ListenerSettings settings, ConnectionHandler& handler, ListenerServices services)
    : settings_(std::move(settings)), handler_(handler), services_(std::move(services)) {}

Listener::~Listener() = default;

Status Listener::open() {
  const std::string where = "listener " + settings_.name + ": ";
  error_code ec;
  const auto address = asio::ip::make_address(settings_.address, ec);
  if (ec) return make_error(Errc::invalid_argument, where + "bad address \"" + settings_.address + "\"");
  std::uint16_t port = settings_.port;
  for (std::size_t i = 0; i < services_.io.size(); ++i) {
    auto shard = std::make_unique<Shard>(services_.io.executor(i));
    const tcp::endpoint endpoint(address, port);
    const std::string bind_text = where + "bind " + endpoint_text(endpoint) + ": ";
    tcp::acceptor& acceptor = shard->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (ec) return make_error(Errc::io_error, bind_text + ec.message());
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    // One acceptor per io_context on the same port: the kernel spreads
    // connections over them. Linux lets only the same user share a port.
    const int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      return make_error(Errc::io_error, bind_text + "SO_REUSEPORT: " + std::strerror(errno));
    }
    acceptor.bind(endpoint, ec);
    if (ec) return make_error(Errc::io_error, bind_text + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return make_error(Errc::io_error, bind_text + ec.message());
    if (port == 0) port = acceptor.local_endpoint(ec).port();
    shards_.push_back(std::move(shard));
  }
  port_ = port;
  log::info("listener_opened", {{"listener", settings_.name},
                                {"address", settings_.address},
                                {"port", static_cast<unsigned>(port_)},
                                {"acceptors", static_cast<std::uint64_t>(shards_.size())},
                                {"proxy_protocol", settings_.proxy_protocol}});
  return {};
}

void Listener::start() {
  if (started_) return;
  started_ = true;
  for (auto& shard : shards_) shard->accept.spawn(accept_loop(shard.get()));
}

std::size_t Listener::session_count() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) n += shard->sessions.size();
  return n;
}

asio::awaitable<void> Listener::accept_loop(Shard* shard) {
  asio::steady_timer backoff(shard->executor);
  for (;;) {
    auto result = co_await shard->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    const error_code ec = std::get<0>(result);
    if (shard->stop.requested() || ec == asio::error::operation_aborted) break;
    if (ec) {
      log::warn("accept_failed", {{"listener", settings_.name}, {"error", ec.message()}});
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    shard->sessions.spawn(run_session(shard, std::move(std::get<1>(result))));
  }
}

asio::awaitable<void> Listener::run_session(Shard* shard, tcp::socket socket) {
  const auto started = Clock::now();
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);

  auto tls = services_.tls.get();
  Connection conn(std::move(socket), StreamOptions{tls, services_.limits.tls_handshake_timeout, &shard->stop});
  conn.session_id = make_session_id();
  conn.listener_name = settings_.name;
  conn.protocol = settings_.protocol;
  conn.tls_mode = settings_.tls;
  conn.tls = std::move(tls);
  conn.stop = &shard->stop;
  const tcp::endpoint peer = conn.stream.remote_endpoint();
  conn.log = log::Context({{"session", conn.session_id}, {"listener", settings_.name}});
  conn.log.set("client", endpoint_text(peer));

  if (settings_.proxy_protocol) {
    if (!services_.trusted_proxies.contains(peer.address())) {
      conn.log.warn("proxy_untrusted_peer");
      conn.stream.close();
      co_return;
    }
    auto header = co_await read_proxy_header(conn.stream, services_.limits.proxy_header_timeout);
    if (!header) {
      conn.log.warn("proxy_header_invalid", {{"reason", header.error().message}});
      conn.stream.close();
      co_return;
    }
    if (!header->local) {
      conn.stream.set_proxied_endpoints(header->source, header->destination);
      conn.log.set("client", endpoint_text(header->source));
      conn.log.set("proxy", endpoint_text(peer));
    }
  }
  conn.log.info("connection_opened", {{"local", endpoint_text(conn.stream.local_endpoint())}});

  ConnectionLimiter::Slot slot = services_.limiter.acquire(conn.stream.remote_endpoint().address());
  conn.refused = slot.refused();
  conn.refusal = slot.refusal();
  if (conn.refused) conn.log.info("connection_refused", {{"reason", refusal_name(conn.refusal)}});

  std::string reason = "normal";
  std::string detail;
  const char* phase = "session";
  try {
    if (settings_.tls == TlsMode::implicit) {
      if (!conn.stream.tls_available()) throw std::runtime_error("implicit TLS listener without TLS certificates");
      phase = "tls_handshake";
      co_await conn.stream.start_tls();
      phase = "session";
    }
    co_await handler_.serve(conn);
  } catch (const boost::system::system_error& e) {
    reason = close_reason(e.code());
    detail = e.code().message();
  } catch (const std::exception& e) {
    reason = "error";
    detail = e.what();
  }
  // Once cancelled (grace expired), every co_await would throw: close hard.
  const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) {
    conn.stream.close();
  } else {
    co_await conn.stream.shutdown(kTlsCloseTimeout);
  }

  const auto duration_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
  const log::Level level = reason == "error" ? log::Level::error : log::Level::info;
  if (detail.empty()) {
    conn.log.event(level, "connection_closed",
                   {{"reason", reason}, {"duration_ms", static_cast<std::int64_t>(duration_ms)}});
  } else {
    conn.log.event(level, "connection_closed",
                   {{"reason", reason},
                    {"phase", phase},
                    {"detail", detail},
                    {"duration_ms", static_cast<std::int64_t>(duration_ms)}});
  }
}

namespace {

asio::awaitable<void> shard_stop_accepting(StopSignal* stop, tcp::acceptor* acceptor, TaskGroup* accept) {
  error_code ignored;
  acceptor->close(ignored);
  stop->request();
  co_await accept->wait_until_empty(Clock::now() + kCancelWait);
}

asio::awaitable<void> shard_drain(TaskGroup* sessions, std::string name, Clock::time_point deadline) {
  if (sessions->size() > 0) {
    log::info("shutdown_waiting", {{"listener", name}, {"sessions", static_cast<std::uint64_t>(sessions->size())}});
  }
  const bool drained = co_await sessions->wait_until_empty(deadline);
  if (drained) co_return;
  log::warn("shutdown_cancelling", {{"listener", name}, {"sessions", static_cast<std::uint64_t>(sessions->size())}});
  sessions->cancel_all();
  const bool unwound = co_await sessions->wait_until_empty(Clock::now() + kCancelWait);
  if (unwound) co_return;
  log::error("shutdown_stuck", {{"listener", name}, {"sessions", static_cast<std::uint64_t>(sessions->size())}});
}

}  // namespace

asio::awaitable<void> Listener::stop_accepting() {
  for (auto& shard : shards_) {
    co_await asio::co_spawn(shard->executor, shard_stop_accepting(&shard->stop, &shard->acceptor, &shard->accept),
                            asio::use_awaitable);
  }
  log::info("listener_stopped_accepting", {{"listener", settings_.name}});
}

asio::awaitable<void> Listener::drain(Clock::time_point deadline) {
  for (auto& shard : shards_) {
    co_await asio::co_spawn(shard->executor, shard_drain(&shard->sessions, settings_.name, deadline),
                            asio::use_awaitable);
  }
}

asio::awaitable<void> Listener::stop() {
  const auto deadline = Clock::now() + services_.limits.shutdown_grace;
  co_await stop_accepting();
  co_await drain(deadline);
}

asio::awaitable<void> stop_listeners(std::vector<Listener*> listeners, milliseconds grace) {
  const auto deadline = Clock::now() + grace;
  for (Listener* l : listeners) co_await l->stop_accepting();
  for (Listener* l : listeners) co_await l->drain(deadline);
}

}  // namespace postino::runtime
