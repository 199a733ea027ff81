// A Waiter is shared by the registry and its Watch: notify() posts to the
// watch's executor with a reference, so it stays valid even if the Watch
// ends before the post runs.
#include "runtime/change_notifier.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace postino::runtime {

struct ChangeNotifier::Waiter {
  explicit Waiter(asio::any_io_executor executor) : timer(executor) {}
  asio::steady_timer timer;
  bool notified = false;  // touched on the timer's executor only
  bool waiting = false;
};

ChangeNotifier::Watch::Watch(ChangeNotifier& notifier, std::int64_t key, asio::any_io_executor executor)
    : notifier_(notifier), key_(key), waiter_(std::make_shared<Waiter>(std::move(executor))) {
  std::lock_guard lock(notifier_.mutex_);
  notifier_.waiters_.emplace(key_, waiter_);
}

ChangeNotifier::Watch::~Watch() {
  std::lock_guard lock(notifier_.mutex_);
  auto [first, last] = notifier_.waiters_.equal_range(key_);
  for (auto it = first; it != last; ++it) {
    if (it->second == waiter_) {
      notifier_.waiters_.erase(it);
      break;
    }
  }
}

asio::awaitable<bool> ChangeNotifier::Watch::wait(std::chrono::milliseconds timeout) {
  if (!waiter_->notified) {
    waiter_->timer.expires_after(timeout);
    waiter_->waiting = true;
    boost::system::error_code ec;
    co_await waiter_->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    waiter_->waiting = false;
  }
  bool notified = waiter_->notified;
  waiter_->notified = false;
  co_return notified;
}

bool ChangeNotifier::Watch::take_pending() {
  bool notified = waiter_->notified;
  waiter_->notified = false;
  return notified;
}

void ChangeNotifier::Watch::cancel() { waiter_->timer.cancel(); }

void ChangeNotifier::notify(std::int64_t key) {
  std::lock_guard lock(mutex_);
  auto [first, last] = waiters_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    std::shared_ptr<Waiter> waiter = it->second;
    asio::post(waiter->timer.get_executor(), [waiter] {
      waiter->notified = true;
      if (waiter->waiting) waiter->timer.cancel();
    });
  }
}

}  // namespace postino::runtime
