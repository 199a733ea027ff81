// QueueRunner: the delivery role's scheduler (Postfix's qmgr). Takes due
// recipients from the queue and routes each one: recipients in our domains
// go to LocalDelivery (in batches: one mailbox transaction, one queue
// transaction); others go to the outbound SMTP agent, one task per message
// with its destinations in parallel (each with its own reader of the queued
// blob), signed once per message with the sender domain's DKIM key. Alias
// targets at other domains become outbound recipients of the same message
// (forwarding keeps the original envelope sender: no SRS). Each outcome is
// recorded per recipient (delivered; deferred on the retry schedule; failed
// or expired after the queue lifetime), with DSNs (RFC 3461/3464) enqueued
// in the same transaction: bounces, one delay warning per message, success
// notices; never to the null sender (a failed bounce goes once to the
// postmaster, if there is one, else is dropped with a log line).
// Rebuilt from disk at every start: the queue database is the only state
// (R-MX1); remote deliveries in flight at a crash are simply retried.
// Threads: run() on one io_context, the outbound agent's; wake() and stop()
// from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery_settings.hpp"
#include "delivery/in_flight_recipients.hpp"
#include "store/queue_store.hpp"

namespace postino {

class BlobStore;
class Directory;
class LocalDelivery;
namespace runtime {
class BlockingPool;
class TaskGroup;
}  // namespace runtime
namespace smtp_client {
class OutboundDeliverer;
}
namespace dkim {
class DkimKeyStore;
}

struct QueueRunnerServices {
  runtime::BlockingPool& blocking;
  QueueStore& queue;
  LocalDelivery& local;
  Directory& directory;  // which domains are local; whether the postmaster exists
  BlobStore& blobs;      // queued messages for the outbound agent; DSNs
  // Null: recipients at other domains stay deferred (4.4.0) until expiry.
  smtp_client::OutboundDeliverer* outbound = nullptr;
  // Null: no DKIM signing.
  dkim::DkimKeyStore* dkim = nullptr;
  // Queue ids for the DSNs the runner enqueues (the SMTP server's generator).
  std::function<std::string()> new_queue_id;
  std::string hostname;    // Reporting-MTA, From: MAILER-DAEMON@hostname
  std::string postmaster;  // where a failed bounce goes; empty: dropped
};

class QueueRunner {
 public:
  QueueRunner(boost::asio::any_io_executor executor, QueueRunnerServices services, QueueRunnerSettings settings);
  ~QueueRunner();

  // Delivers until stop(); then cancels the remote deliveries in flight
  // (their recipients stay pending) and QUITs cached connections.
  boost::asio::awaitable<void> run();
  // New mail was queued: look now rather than at the next retry time.
  void wake();
  void stop();

  // The delay before attempt number `attempts` + 1 (attempts >= 1).
  static std::chrono::seconds retry_delay(const QueueRunnerSettings& settings, std::uint32_t attempts);

 private:
  struct RemoteJob;
  struct MessageResults;
  std::int64_t now() const;  // unix seconds, plus the test clock offset
  boost::asio::awaitable<std::size_t> deliver_due();
  boost::asio::awaitable<void> deliver_remote(std::shared_ptr<RemoteJob> job);
  boost::asio::awaitable<void> deliver_destination(std::shared_ptr<RemoteJob> job, std::size_t group);
  // Decides, builds the DSNs, records in one queue transaction and logs.
  boost::asio::awaitable<void> finish(std::vector<MessageResults> results, const char* component);

  boost::asio::any_io_executor executor_;
  QueueRunnerServices services_;
  QueueRunnerSettings settings_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<runtime::TaskGroup> remote_tasks_;
  InFlightRecipients in_flight_;  // recipients of running remote jobs (executor_ only)
  std::size_t jobs_in_flight_ = 0;
  bool swept_once_ = false;                          // executor_ only
  std::chrono::steady_clock::time_point last_sweep_;  // executor_ only
  std::atomic<std::int64_t> clock_offset_{0};  // from settings_.clock_offset_file, read at each pass
  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{false};
};

}  // namespace postino
