// TaskGroup: each task is co_spawned with its own cancellation signal bound
// to the completion. The completion only marks the entry done and posts its
// removal, so the signal outlives every use co_spawn makes of it.
#include "runtime/task_group.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "common/log.hpp"

namespace postino::runtime {

struct TaskGroup::Start {
  TaskGroup* group;
  asio::awaitable<void> task;
  void operator()() { group->start(std::move(task)); }
};

struct TaskGroup::Erase {
  TaskGroup* group;
  Iterator it;
  void operator()() { group->erase(it); }
};

struct TaskGroup::Done {
  TaskGroup* group;
  Iterator it;
  void operator()(std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log::error("task_failed", {{"error", e.what()}});
      } catch (...) {
        log::error("task_failed", {{"error", "unknown exception"}});
      }
    }
    it->done = true;
    // Still inside co_spawn's frame here: remove the entry (and its signal)
    // only after that frame is gone.
    asio::post(group->executor_, Erase{group, it});
  }
};

TaskGroup::TaskGroup(asio::any_io_executor executor) : executor_(std::move(executor)) {}

TaskGroup::~TaskGroup() {
  if (!tasks_.empty()) {
    log::error("task_group_destroyed_with_tasks", {{"tasks", static_cast<std::uint64_t>(tasks_.size())}});
  }
}

void TaskGroup::spawn(asio::awaitable<void> task) {
  count_.fetch_add(1, std::memory_order_acq_rel);
  asio::dispatch(executor_, Start{this, std::move(task)});
}

void TaskGroup::start(asio::awaitable<void> task) {
  tasks_.emplace_back();
  const Iterator it = std::prev(tasks_.end());
  asio::co_spawn(executor_, std::move(task), asio::bind_cancellation_slot(it->signal.slot(), Done{this, it}));
}

void TaskGroup::erase(Iterator it) {
  tasks_.erase(it);
  count_.fetch_sub(1, std::memory_order_acq_rel);
  if (tasks_.empty()) {
    for (asio::steady_timer* waiter : waiters_) waiter->cancel();
  }
}

void TaskGroup::cancel_all(asio::cancellation_type type) {
  for (Entry& entry : tasks_) {
    if (!entry.done) entry.signal.emit(type);
  }
}

namespace {
// Unregisters a waiter however the wait ends (including by exception).
struct WaiterGuard {
  std::vector<asio::steady_timer*>& waiters;
  asio::steady_timer* timer;
  WaiterGuard(std::vector<asio::steady_timer*>& w, asio::steady_timer* t) : waiters(w), timer(t) { waiters.push_back(t); }
  ~WaiterGuard() { std::erase(waiters, timer); }
  WaiterGuard(const WaiterGuard&) = delete;
  WaiterGuard& operator=(const WaiterGuard&) = delete;
};
}  // namespace

asio::awaitable<bool> TaskGroup::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(executor_);
  while (!tasks_.empty()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_at(deadline);
    WaiterGuard guard(waiters_, &timer);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));  // woken early by erase()
  }
  co_return true;
}

}  // namespace postino::runtime
