// Tests for Signals: SIGHUP runs the reload hook, SIGTERM ends run().
#include "runtime/signals.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <functional>

#include "runtime/test_tls.hpp"

using namespace postino::runtime;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> count_reload(int* reloads) {
  ++*reloads;
  co_return;
}

asio::awaitable<int> watch(int* reloads) {
  Signals signals(co_await asio::this_coro::executor);
  // Delivered before run() waits: signal_set queues them, in order.
  std::raise(SIGHUP);
  std::raise(SIGHUP);
  std::raise(SIGTERM);
  co_await signals.run(std::bind(count_reload, reloads));
  co_return *reloads;
}

asio::awaitable<SignalEvent> next_event() {
  Signals signals(co_await asio::this_coro::executor);
  std::raise(SIGINT);
  co_return co_await signals.next();
}

}  // namespace

TEST(Signals, HupReloadsTermStops) {
  int reloads = 0;
  EXPECT_EQ(test::run(watch(&reloads)), 2);
}

TEST(Signals, IntStops) { EXPECT_EQ(test::run(next_event()), SignalEvent::stop); }
