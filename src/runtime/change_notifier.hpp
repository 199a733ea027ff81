// ChangeNotifier: in-process wakeups keyed by a number (a mailbox id), so an
// IMAP session in IDLE hears at once that another session or the delivery
// agent changed its mailbox, without polling the store.
// Threads: notify() from any thread; a Watch is used on its own executor.
// A notification only says "look again": the store stays the truth, so a
// lost or spurious wakeup costs a query, never correctness.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

class ChangeNotifier {
  struct Waiter;

 public:
  // Interest in one key while it lives. Not thread-safe itself: one owner.
  class Watch {
   public:
    Watch(ChangeNotifier& notifier, std::int64_t key, asio::any_io_executor executor);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // True if the key was notified since the watch began or since the last
    // wait() returned true; otherwise waits until a notification (true),
    // the timeout (false), or cancel() (false).
    asio::awaitable<bool> wait(std::chrono::milliseconds timeout);
    // True (once) if the key was notified since the last wait() or
    // take_pending(): the non-waiting check between commands. On the executor.
    bool take_pending();
    // Ends a pending wait early (e.g. the client sent DONE); on the executor.
    void cancel();

   private:
    ChangeNotifier& notifier_;
    std::int64_t key_;
    std::shared_ptr<Waiter> waiter_;
  };

  void notify(std::int64_t key);

 private:
  std::mutex mutex_;
  std::multimap<std::int64_t, std::shared_ptr<Waiter>> waiters_;
};

}  // namespace postino::runtime
