// Connection and ConnectionHandler: what a listener hands each protocol
// session (SMTP, IMAP, POP3, ...), and the one interface protocols implement.
// Security: endpoints are the PROXY-header ones only when the TCP peer was
// trusted; `refused` sessions must send their busy reply and return.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/log.hpp"
#include "runtime/connection_limiter.hpp"
#include "runtime/runtime_settings.hpp"
#include "runtime/stop_signal.hpp"
#include "runtime/stream.hpp"

namespace postino::runtime {

struct Connection {
  Connection(Stream::Socket socket, StreamOptions options) : stream(std::move(socket), std::move(options)) {}

  Stream stream;
  std::string session_id;     // short random hex, on every log line
  std::string listener_name;  // ListenerSettings::name
  Protocol protocol = Protocol::smtp;
  TlsMode tls_mode = TlsMode::none;
  // The TLS contexts current at accept (null when TLS is not configured);
  // the session keeps them across a reload.
  std::shared_ptr<const TlsContexts> tls;
  // Over a connection cap: reply busy (SMTP "421 4.7.0", IMAP "* BYE",
  // POP3 "-ERR [SYS/TEMP]") and return.
  bool refused = false;
  ConnectionLimiter::Refusal refusal = ConnectionLimiter::Refusal::none;
  log::Context log;  // session=, listener=, client= already set
  StopSignal* stop = nullptr;

  // The server is stopping: finish the current command, say goodbye, return.
  bool stopping() const { return stop != nullptr && stop->requested(); }
  // STARTTLS with this connection's snapshot and handshake timeout.
  asio::awaitable<void> start_tls() { return stream.start_tls(); }
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Runs one session to its end on the connection's io_context thread. I/O
  // failures (EOF, reset, timeout, TLS) may simply propagate: the listener
  // catches them once, logs connection_closed with a reason, and closes.
  // Must outlive the listener.
  virtual asio::awaitable<void> serve(Connection& conn) = 0;
};

}  // namespace postino::runtime
