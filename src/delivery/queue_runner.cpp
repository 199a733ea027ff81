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

struct DeliverJob {
  LocalDelivery* local;
  const DeliveryRequest* request;
  std::vector<RecipientOutcome> operator()() const { return local->deliver(*request); }
};

struct RecordOutcomesJob {
  QueueStore* queue;
  const QueueMessage* message;
  const std::vector<RecipientOutcome>* outcomes;
  const QueueRunnerSettings* settings;

  // Records each recipient's outcome; returns whether the message is done.
  void operator()() const {
    const std::int64_t now = unix_now();
    for (std::size_t i = 0; i < outcomes->size(); ++i) {
      const QueueRecipient& r = message->recipients[i];
      const RecipientOutcome& o = (*outcomes)[i];
      const std::string reply = o.reply();
      const std::int64_t delay = now - message->arrived_at;
      std::string status;
      Status saved;
      if (o.status == DeliveryStatus::delivered) {
        saved = queue->mark_delivered(r.id, reply);
        status = "sent";
      } else if (o.status == DeliveryStatus::failed) {
        saved = queue->mark_failed(r.id, reply);
        status = "bounced";
      } else if (now - message->arrived_at >= settings->max_queue_lifetime.count()) {
        saved = queue->mark_failed(r.id, reply + " (message expired in queue)");
        status = "expired";
      } else {
        auto wait = QueueRunner::retry_delay(*settings, r.attempts + 1);
        saved = queue->defer(r.id, now + wait.count(), reply);
        status = "deferred";
      }
      if (!saved) {
        log::error("queue_update_failed", {{"queue_id", message->id}, {"error", saved.error().message}});
        continue;
      }
      log::line(log::Level::info, "postino/local",
                message->id + ": to=<" + r.address + ">, relay=local, delay=" + std::to_string(delay) +
                    ", dsn=" + o.enhanced + ", status=" + status + " (" + o.text + ")");
    }
    auto removed = queue->remove_if_done(message->id);
    if (removed && removed->has_value()) log::line(log::Level::info, "postino/qmgr", message->id + ": removed");
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

asio::awaitable<void> QueueRunner::deliver_message(const QueueMessage& message) {
  DeliveryRequest request;
  request.queue_id = message.id;
  request.sender = message.sender;
  request.blob = message.blob;
  request.arrived_at = message.arrived_at;
  for (const auto& r : message.recipients) request.recipients.push_back(r.address);
  auto outcomes = co_await blocking_.run(DeliverJob{&local_, &request});
  co_await blocking_.run(RecordOutcomesJob{&queue_, &message, &outcomes, &settings_});
}

asio::awaitable<std::size_t> QueueRunner::deliver_due() {
  auto due = co_await blocking_.run(DueJob{&queue_, settings_.batch_messages});
  if (!due) {
    log::error("queue_read_failed", {{"error", due.error().message}});
    co_return 0;
  }
  for (const auto& message : *due) {
    if (stopping_.load(std::memory_order_acquire)) break;
    co_await deliver_message(message);
  }
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
