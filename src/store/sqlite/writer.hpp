// Writer: the one thread that owns the database's only write connection and
// commits in groups. Callers on any thread submit a job (a function run
// against the write connection) and block until it is durable. The thread
// takes every queued job, runs them in one BEGIN IMMEDIATE..COMMIT, each in
// its own SAVEPOINT (a failed job rolls back alone), and commits once: one
// WAL fsync (synchronous=FULL) serves the whole batch.
// Contract: jobs must not call run() themselves (deadlock; asserted), and
// must read through the connection they are given, not the reader pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

namespace postino::sqlite {

struct WriterStats {
  std::uint64_t commits = 0;  // transactions committed (one fsync each)
  std::uint64_t jobs = 0;     // jobs run, committed or rolled back
  std::uint64_t largest_batch = 0;
  std::uint64_t queued = 0;   // jobs waiting for the next group now
};

class Writer {
 public:
  // Upper bound on jobs per transaction, so one commit's latency stays bounded.
  static constexpr std::size_t kMaxBatchJobs = 1024;

  explicit Writer(Connection connection);
  ~Writer();  // runs the jobs already queued, then stops the thread
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs body(Connection&) -> Result<T> in the next group; returns its result
  // once committed, or the commit's error if the group failed to commit.
  template <class T, class Body>
  Result<T> run(Body&& body);

  WriterStats stats();

 private:
  struct Job {
    std::function<Status(Connection&)> body;
    std::promise<Status> done;
  };

  Status submit(std::function<Status(Connection&)> body);
  void loop();
  void run_batch(const std::vector<Job*>& batch);
  Status begin();

  Connection connection_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;  // jobs live on their callers' stacks until done
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::atomic<std::uint64_t> largest_batch_{0};
  std::thread thread_;  // declared last: starts once the rest is built
};

template <class T, class Body>
Result<T> Writer::run(Body&& body) {
  // The caller blocks until the job completes, so the job may refer to
  // this frame.
  std::optional<Result<T>> out;
  Status committed = submit([&](Connection& db) -> Status {
    out.emplace(body(db));
    if (!out->ok()) return out->error();
    return {};
  });
  if (!committed) return committed.take_error();
  return std::move(*out);
}

}  // namespace postino::sqlite
