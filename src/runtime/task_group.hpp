// TaskGroup: the owner of coroutines spawned on one executor (accept loops,
// sessions). It counts them, can cancel them all, and lets shutdown wait
// until they are gone: the only place allowed to co_spawn without awaiting.
// Threads: spawn() and size() from anywhere; the rest on the group's executor.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/steady_timer.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

class TaskGroup {
 public:
  explicit TaskGroup(asio::any_io_executor executor);
  // The group must be empty (wait_until_empty returned true): tasks refer to it.
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  const asio::any_io_executor& executor() const { return executor_; }

  // Starts `task` on the group's executor. An exception escaping it is
  // logged (task_failed) and swallowed: sessions catch their own.
  void spawn(asio::awaitable<void> task);
  std::size_t size() const { return count_.load(std::memory_order_acquire); }

  // Emits cancellation into every live task: their pending operation
  // completes with operation_aborted and their next co_await throws.
  void cancel_all(asio::cancellation_type type = asio::cancellation_type::terminal);
  // True once every task finished; false if `deadline` came first. Must run
  // in a coroutine on the group's executor.
  asio::awaitable<bool> wait_until_empty(std::chrono::steady_clock::time_point deadline);

 private:
  struct Entry {
    asio::cancellation_signal signal;
    bool done = false;
  };
  using Iterator = std::list<Entry>::iterator;
  struct Start;
  struct Done;
  struct Erase;
  void start(asio::awaitable<void> task);
  void erase(Iterator it);

  asio::any_io_executor executor_;
  std::list<Entry> tasks_;  // stable addresses: the signals are bound to co_spawn
  std::atomic<std::size_t> count_{0};
  std::vector<asio::steady_timer*> waiters_;
};

}  // namespace postino::runtime
