// Signals: SIGTERM and SIGINT ask for a graceful stop, SIGHUP for a reload
// (certificates, config snapshot), read through asio::signal_set so no code
// runs in signal context. One instance per process.
#pragma once

#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/signal_set.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

enum class SignalEvent { stop, reload };

class Signals {
 public:
  // Installs the handlers now, so a signal that arrives before next() is
  // kept, not lost (and does not kill the process).
  explicit Signals(asio::any_io_executor executor);
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // The next signal, as an event. Straight-line form for the server's
  // control coroutine: `for (;;) switch (co_await signals.next()) ...`.
  asio::awaitable<SignalEvent> next();
  // Awaits on_reload() for each SIGHUP (exceptions logged, not fatal) and
  // returns at the first SIGTERM/SIGINT; the caller then stops listeners.
  asio::awaitable<void> run(std::function<asio::awaitable<void>()> on_reload);

 private:
  asio::signal_set set_;
};

}  // namespace postino::runtime
