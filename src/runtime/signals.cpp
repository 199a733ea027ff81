// Signals on asio::signal_set: the self-pipe is Asio's, we only map numbers.
#include "runtime/signals.hpp"

#include <csignal>

#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"

namespace postino::runtime {

Signals::Signals(asio::any_io_executor executor) : set_(std::move(executor), SIGTERM, SIGINT, SIGHUP) {}

asio::awaitable<SignalEvent> Signals::next() {
  const int number = co_await set_.async_wait(asio::use_awaitable);
  if (number == SIGHUP) {
    log::info("signal_received", {{"signal", "SIGHUP"}, {"action", "reload"}});
    co_return SignalEvent::reload;
  }
  log::info("signal_received", {{"signal", number == SIGINT ? "SIGINT" : "SIGTERM"}, {"action", "stop"}});
  co_return SignalEvent::stop;
}

asio::awaitable<void> Signals::run(std::function<asio::awaitable<void>()> on_reload) {
  for (;;) {
    const SignalEvent event = co_await next();
    if (event == SignalEvent::stop) co_return;
    try {
      co_await on_reload();
    } catch (const std::exception& e) {
      log::error("reload_failed", {{"error", e.what()}});
    }
  }
}

}  // namespace postino::runtime
