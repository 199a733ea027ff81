// IoPool: N io_contexts, each run by its own thread (one per core by
// default), so every connection lives on one thread from accept to close
// and needs no locks. Listeners put one SO_REUSEPORT acceptor on each.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

class IoPool {
 public:
  // threads == 0: std::thread::hardware_concurrency() (at least 1).
  explicit IoPool(std::uint32_t threads);
  ~IoPool();  // stop() + join()
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  std::size_t size() const { return contexts_.size(); }
  asio::io_context& context(std::size_t index) { return *contexts_.at(index); }
  asio::any_io_executor executor(std::size_t index) { return contexts_.at(index)->get_executor(); }
  // Round robin, for work that starts outside a connection (outbound SMTP). Any thread.
  asio::io_context& next();

  // Starts one thread per context; contexts keep running with no work until
  // stop(). Not restartable.
  void start();
  // Lets run() return at once; pending handlers are abandoned. Call after
  // the listeners drained. Any thread.
  void stop();
  void join();

 private:
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::optional<WorkGuard>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace postino::runtime
