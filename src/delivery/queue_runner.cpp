// The queue runner loop and per-recipient bookkeeping. Log lines follow
// Postfix's delivery agents: "ID: to=<r>, relay=local, delay=.., dsn=..,
// status=sent (...)", and "ID: removed" when a message leaves the queue.
#include "delivery/queue_runner.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "delivery/local_delivery.hpp"
#include "runtime/blocking_pool.hpp"

namespace postino {

namespace asio = boost::asio;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct DueJob {
  QueueStore* queue;
  std::size_t limit;
  Result<std::vector<QueueMessage>> operator()() const { return queue->due(unix_now(), limit); }
};

struct SweepJob {
  QueueStore* queue;
  void operator()() const {
    auto removed = queue->remove_all_done();
    if (!removed) {
      log::error("queue_sweep_failed", {{"error", removed.error().message}});
      return;
    }
    for (const auto& id : *removed) log::line(log::Level::info, "postino/qmgr", id + ": removed");
  }
};

struct NextDueJob {
  QueueStore* queue;
  Result<std::optional<std::int64_t>> operator()() const { return queue->next_due(); }
};

struct DeliverBatchJob {
  LocalDelivery* local;
  const std::vector<DeliveryRequest>* requests;
  std::vector<std::vector<RecipientOutcome>> operator()() const { return local->deliver_many(*requests); }
};

// Turns each recipient's outcome into a queue update (retry schedule,
// expiry), records the whole batch in one transaction and logs each result
// in Postfix's shape.
struct RecordBatchJob {
  QueueStore* queue;
  const std::vector<QueueMessage>* messages;
  const std::vector<std::vector<RecipientOutcome>>* outcomes;
  const QueueRunnerSettings* settings;

  void operator()() const {
    const std::int64_t now = unix_now();
    std::vector<RecipientUpdate> updates;
    std::vector<std::string> lines;
    for (std::size_t m = 0; m < messages->size(); ++m) {
      const QueueMessage& message = (*messages)[m];
      for (std::size_t i = 0; i < message.recipients.size(); ++i) {
        const QueueRecipient& r = message.recipients[i];
        const RecipientOutcome& o = (*outcomes)[m][i];
        RecipientUpdate u{r.id, RecipientState::pending, 0, o.reply()};
        std::string status;
        if (o.status == DeliveryStatus::delivered) {
          u.state = RecipientState::delivered;
          status = "sent";
        } else if (o.status == DeliveryStatus::failed) {
          u.state = RecipientState::failed;
          status = "bounced";
        } else if (now - message.arrived_at >= settings->max_queue_lifetime.count()) {
          u.state = RecipientState::failed;
          u.reply += " (message expired in queue)";
          status = "expired";
        } else {
          u.next_attempt_at = now + QueueRunner::retry_delay(*settings, r.attempts + 1).count();
          status = "deferred";
        }
        lines.push_back(message.id + ": to=<" + r.address + ">, relay=local, delay=" +
                        std::to_string(now - message.arrived_at) + ", dsn=" + o.enhanced + ", status=" + status +
                        " (" + o.text + ")");
        updates.push_back(std::move(u));
      }
    }
    auto removed = queue->record(updates);
    if (!removed) {
      // Nothing recorded: the recipients stay pending and are retried; the
      // delivery keys keep the stored copies from repeating.
      log::error("queue_update_failed", {{"error", removed.error().message}});
      return;
    }
    for (const auto& line : lines) log::line(log::Level::info, "postino/local", line);
    for (const auto& id : *removed) log::line(log::Level::info, "postino/qmgr", id + ": removed");
  }
};

}  // namespace

QueueRunner::QueueRunner(asio::any_io_executor executor, runtime::BlockingPool& blocking, QueueStore& queue,
                         LocalDelivery& local, QueueRunnerSettings settings)
    : executor_(executor),
      blocking_(blocking),
      queue_(queue),
      local_(local),
      settings_(std::move(settings)),
      timer_(executor) {}

std::chrono::seconds QueueRunner::retry_delay(const QueueRunnerSettings& settings, std::uint32_t attempts) {
  if (settings.retry_schedule.empty()) return std::chrono::minutes(5);
  std::size_t index = attempts == 0 ? 0 : attempts - 1;
  if (index >= settings.retry_schedule.size()) index = settings.retry_schedule.size() - 1;
  return settings.retry_schedule[index];
}

void QueueRunner::wake() {
  woken_.store(true, std::memory_order_release);
  asio::post(executor_, [this] { timer_.cancel(); });
}

void QueueRunner::stop() {
  stopping_.store(true, std::memory_order_release);
  asio::post(executor_, [this] { timer_.cancel(); });
}

asio::awaitable<std::size_t> QueueRunner::deliver_due() {
  auto due = co_await blocking_.run(DueJob{&queue_, settings_.batch_messages});
  if (!due) {
    log::error("queue_read_failed", {{"error", due.error().message}});
    co_return 0;
  }
  if (due->empty() || stopping_.load(std::memory_order_acquire)) co_return 0;
  // The whole batch: one mailbox transaction, then one queue transaction.
  std::vector<DeliveryRequest> requests;
  requests.reserve(due->size());
  for (const auto& message : *due) {
    DeliveryRequest request;
    request.queue_id = message.id;
    request.sender = message.sender;
    request.blob = message.blob;
    request.arrived_at = message.arrived_at;
    for (const auto& r : message.recipients) request.recipients.push_back(r.address);
    requests.push_back(std::move(request));
  }
  auto outcomes = co_await blocking_.run(DeliverBatchJob{&local_, &requests});
  co_await blocking_.run(RecordBatchJob{&queue_, &*due, &outcomes, &settings_});
  co_return due->size();
}

asio::awaitable<void> QueueRunner::run() {
  log::info("queue_runner_started");
  while (!stopping_.load(std::memory_order_acquire)) {
    woken_.store(false, std::memory_order_release);
    std::size_t delivered = co_await deliver_due();
    if (delivered >= settings_.batch_messages) continue;  // more may be due
    if (woken_.load(std::memory_order_acquire)) continue;
    // Idle: remove messages finished before a crash cut their removal short.
    co_await blocking_.run(SweepJob{&queue_});
    auto next = co_await blocking_.run(NextDueJob{&queue_});
    auto wait = std::chrono::seconds(60);
    if (next && next->has_value()) {
      wait = std::chrono::seconds(std::max<std::int64_t>(0, **next - unix_now()));
      if (wait.count() == 0) continue;
      wait = std::min(wait, std::chrono::seconds(60));  // see CLI flush/release within a minute
    }
    // A wake() or stop() during the lookups above already ran its cancel
    // (on this executor, while we were suspended): check before waiting.
    // Between here and async_wait nothing suspends, so a later cancel hits.
    if (stopping_.load(std::memory_order_acquire)) break;
    if (woken_.load(std::memory_order_acquire)) continue;
    timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  log::info("queue_runner_stopped");
}

}  // namespace postino
