// IoPool: one io_context and one thread per core; concurrency hint 1 tells
// Asio each context is run by a single thread.
#include "runtime/io_pool.hpp"

#include "common/log.hpp"

namespace postino::runtime {

IoPool::IoPool(std::uint32_t threads) {
  std::size_t n = threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < n; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
  }
}

IoPool::~IoPool() {
  stop();
  join();
}

asio::io_context& IoPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::start() {
  if (!threads_.empty()) return;
  for (auto& ctx : contexts_) {
    asio::io_context* raw = ctx.get();
    threads_.emplace_back([raw] { raw->run(); });
  }
  log::info("io_pool_started", {{"threads", static_cast<std::uint64_t>(contexts_.size())}});
}

void IoPool::stop() {
  for (auto& guard : guards_) guard.reset();
  for (auto& ctx : contexts_) ctx->stop();
}

void IoPool::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace postino::runtime
