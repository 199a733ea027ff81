// QueueRunner: the delivery role's scheduler. Takes due recipients from the
// queue, delivers them (local mailboxes now; LMTP and SMTP next), records
// each outcome, retries temporary failures on the configured schedule and
// gives up after the queue lifetime. Rebuilt from disk at every start: the
// queue database is the only state (R-MX1).
// Threads: run() on one io_context; wake() from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "delivery/delivery_settings.hpp"
#include "store/queue_store.hpp"

namespace postino {

class LocalDelivery;
namespace runtime {
class BlockingPool;
}

class QueueRunner {
 public:
  QueueRunner(boost::asio::any_io_executor executor, runtime::BlockingPool& blocking, QueueStore& queue,
              LocalDelivery& local, QueueRunnerSettings settings);

  // Delivers until stop(); returns after the message in progress.
  boost::asio::awaitable<void> run();
  // New mail was queued: look now rather than at the next retry time.
  void wake();
  void stop();

  // The delay before attempt number `attempts` + 1 (attempts >= 1).
  static std::chrono::seconds retry_delay(const QueueRunnerSettings& settings, std::uint32_t attempts);

 private:
  boost::asio::awaitable<std::size_t> deliver_due();

  boost::asio::any_io_executor executor_;
  runtime::BlockingPool& blocking_;
  QueueStore& queue_;
  LocalDelivery& local_;
  QueueRunnerSettings settings_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{false};
};

}  // namespace postino
