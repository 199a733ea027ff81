// Tests for ChangeNotifier: a notification wakes a waiting watch of the same
// key only, one that came before the wait is not lost, and a timeout or
// cancel() ends the wait with false.
#include "runtime/change_notifier.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include "runtime/test_tls.hpp"

using namespace postino::runtime;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

asio::awaitable<bool> notified_before_wait() {
  ChangeNotifier notifier;
  ChangeNotifier::Watch watch(notifier, 7, co_await asio::this_coro::executor);
  notifier.notify(7);
  co_return co_await watch.wait(10s);
}

asio::awaitable<bool> other_key_times_out() {
  ChangeNotifier notifier;
  ChangeNotifier::Watch watch(notifier, 7, co_await asio::this_coro::executor);
  notifier.notify(8);
  co_return co_await watch.wait(20ms);
}

asio::awaitable<std::pair<bool, bool>> notified_from_another_thread() {
  ChangeNotifier notifier;
  ChangeNotifier::Watch watch(notifier, 1, co_await asio::this_coro::executor);
  ChangeNotifier::Watch second(notifier, 1, co_await asio::this_coro::executor);
  std::thread other([&notifier] {
    std::this_thread::sleep_for(10ms);
    notifier.notify(1);
  });
  bool first_woke = co_await watch.wait(60s);
  bool second_woke = co_await second.wait(60s);  // its notification is kept until waited for
  other.join();
  co_return std::pair{first_woke, second_woke};
}

asio::awaitable<bool> cancelled() {
  ChangeNotifier notifier;
  ChangeNotifier::Watch watch(notifier, 3, co_await asio::this_coro::executor);
  asio::post(co_await asio::this_coro::executor, [&watch] { watch.cancel(); });
  co_return co_await watch.wait(60s);
}

asio::awaitable<bool> consumed_once() {
  ChangeNotifier notifier;
  ChangeNotifier::Watch watch(notifier, 5, co_await asio::this_coro::executor);
  notifier.notify(5);
  notifier.notify(5);
  (void)co_await watch.wait(10s);
  co_return co_await watch.wait(20ms);
}

}  // namespace

TEST(ChangeNotifier, NotificationBeforeWaitIsKept) { EXPECT_TRUE(test::run(notified_before_wait())); }
TEST(ChangeNotifier, OtherKeyDoesNotWake) { EXPECT_FALSE(test::run(other_key_times_out())); }
TEST(ChangeNotifier, WakesEveryWatchFromAnotherThread) {
  auto [first, second] = test::run(notified_from_another_thread());
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
}
TEST(ChangeNotifier, CancelEndsWaitWithFalse) { EXPECT_FALSE(test::run(cancelled())); }
TEST(ChangeNotifier, NotificationsCoalesce) { EXPECT_FALSE(test::run(consumed_once())); }
