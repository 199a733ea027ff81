// StopSignal: a one-shot broadcast on one executor telling that executor's
// sessions the server is stopping, so a session waiting for its next
// command can say goodbye (421, * BYE) instead of being cut off.
// Built on a timer that never expires: request() cancels every pending wait.
#pragma once

#include <atomic>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

class StopSignal {
 public:
  explicit StopSignal(asio::any_io_executor executor);

  // On the signal's executor only. Idempotent.
  void request();
  // Any thread.
  bool requested() const { return requested_.load(std::memory_order_acquire); }

  // A deferred wait that completes (with operation_aborted) at request().
  // Check requested() first: a wait started after request() never completes
  // on its own. On the signal's executor only.
  auto async_wait() { return timer_.async_wait(asio::deferred); }

 private:
  asio::steady_timer timer_;
  std::atomic<bool> requested_{false};
};

}  // namespace postino::runtime
