// Writer: group commit loop. See writer.hpp for the contract.
#include "store/sqlite/writer.hpp"

#include <cassert>

namespace postino::sqlite {

Writer::Writer(Connection connection) : connection_(std::move(connection)), thread_([this] { loop(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

WriterStats Writer::stats() {
  std::lock_guard lock(mutex_);
  return WriterStats{commits_.load(), jobs_.load(), largest_batch_.load(), queue_.size()};
}

Status Writer::submit(std::function<Status(Connection&)> body) {
  assert(std::this_thread::get_id() != thread_.get_id());
  Job job{std::move(body), {}};
  auto done = job.done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return make_error(Errc::temporary_failure, "metadata writer is shutting down");
    queue_.push_back(&job);
  }
  wake_.notify_one();
  return done.get();
}

void Writer::loop() {
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      while (!queue_.empty() && batch.size() < kMaxBatchJobs) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run_batch(batch);
    batch.clear();
  }
}

Status Writer::begin() { return connection_.exec("BEGIN IMMEDIATE"); }

void Writer::run_batch(const std::vector<Job*>& batch) {
  std::vector<Status> results(batch.size());
  Status open = begin();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!open) {
      results[i] = open;
      continue;
    }
    if (auto s = connection_.exec("SAVEPOINT job"); !s) {
      results[i] = std::move(s);
      continue;
    }
    results[i] = batch[i]->body(connection_);
    if (!connection_.in_transaction()) {
      // The engine rolled the whole transaction back (e.g. disk full): the
      // jobs before this one are lost too. Fail them; start afresh.
      Error lost = results[i] ? make_error(Errc::io_error, "transaction rolled back by the engine") : results[i].error();
      for (std::size_t k = 0; k <= i; ++k) {
        if (results[k]) results[k] = Error{lost.code, "batch rolled back: " + lost.message};
      }
      open = begin();
      continue;
    }
    if (!results[i]) (void)connection_.exec("ROLLBACK TO job");
    if (auto s = connection_.exec("RELEASE job"); !s && results[i]) results[i] = std::move(s);
  }
  if (open) {
    if (auto s = connection_.exec("COMMIT"); !s) {
      (void)connection_.exec("ROLLBACK");
      for (auto& r : results) {
        if (r) r = s;
      }
    } else {
      commits_.fetch_add(1);
    }
  }
  jobs_.fetch_add(batch.size());
  if (batch.size() > largest_batch_.load()) largest_batch_.store(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
}

}  // namespace postino::sqlite
