// BlockingPool: a fixed set of threads for work that must not run on an I/O
// thread (SQLite, fsync, LDAP calls, large parses). `co_await pool.run(f)`
// runs f there and resumes the caller on its own executor with f's result;
// an exception thrown by f is rethrown in the caller.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

namespace detail {
// A named coroutine (not a lambda: GCC 12 miscompiles capturing lambda
// coroutines) that owns f in its frame and runs it on the pool thread.
template <class F>
asio::awaitable<std::decay_t<std::invoke_result_t<F&>>> invoke_blocking(F f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    f();
    co_return;
  } else {
    co_return f();
  }
}

// co_spawn passes its result through a default-constructed value; results
// that have none (Result<T>) travel inside an optional and are unwrapped.
template <class F>
asio::awaitable<std::optional<std::decay_t<std::invoke_result_t<F&>>>> invoke_blocking_optional(F f) {
  co_return std::optional<std::decay_t<std::invoke_result_t<F&>>>(f());
}

template <class R>
asio::awaitable<R> unwrap_optional(asio::awaitable<std::optional<R>> job) {
  co_return std::move(*(co_await std::move(job)));
}
}  // namespace detail

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads);
  ~BlockingPool();  // stop() + join()
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs f() on a pool thread. f is moved into the job: whatever it refers to
  // must stay alive until the co_await completes (the caller is suspended
  // meanwhile, so its locals do). Cancelling the caller does not interrupt f.
  template <class F>
  asio::awaitable<std::decay_t<std::invoke_result_t<F&>>> run(F f) {
    using R = std::decay_t<std::invoke_result_t<F&>>;
    if constexpr (std::is_void_v<R> || std::is_default_constructible_v<R>) {
      return asio::co_spawn(pool_.get_executor(), detail::invoke_blocking(std::move(f)), asio::use_awaitable);
    } else {
      return detail::unwrap_optional<R>(
          asio::co_spawn(pool_.get_executor(), detail::invoke_blocking_optional(std::move(f)), asio::use_awaitable));
    }
  }

  asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
  // Stops taking jobs; queued jobs are abandoned. After the listeners drained.
  void stop();
  void join();

 private:
  asio::thread_pool pool_;
};

}  // namespace postino::runtime
