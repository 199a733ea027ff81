// ReaderPool: checkout of read-only connections under a mutex.
#include "store/sqlite/reader_pool.hpp"

#include <algorithm>

namespace postino::sqlite {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, std::uint32_t count,
                                                     int busy_timeout_ms) {
  std::vector<Connection> connections;
  count = std::max<std::uint32_t>(count, 1);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto connection = Connection::open(path, OpenMode::read_only, busy_timeout_ms);
    if (!connection) return connection.take_error();
    connections.push_back(std::move(*connection));
  }
  return std::make_unique<ReaderPool>(std::move(connections));
}

// connections_ never changes size after this, so idle_ may point into it.
ReaderPool::ReaderPool(std::vector<Connection> connections) : connections_(std::move(connections)) {
  for (auto& connection : connections_) idle_.push_back(&connection);
}

ReaderPool::Lease ReaderPool::lease() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty(); });
  Connection* connection = idle_.back();
  idle_.pop_back();
  return Lease(*this, *connection);
}

void ReaderPool::give_back(Connection& connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(&connection);
  }
  available_.notify_one();
}

}  // namespace postino::sqlite
