// ReaderPool: a fixed set of read-only connections (WAL lets them read while
// the writer commits). lease() blocks until one is free; the Lease returns it
// when destroyed. Each single statement is its own consistent snapshot; a
// reader needing several statements to agree wraps them in BEGIN..COMMIT.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

namespace postino::sqlite {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool& pool, Connection& connection) : pool_(&pool), connection_(&connection) {}
    Lease(Lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), connection_(other.connection_) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(*connection_);
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    ReaderPool* pool_;
    Connection* connection_;
  };

  // Opens `count` (at least one) read-only connections to an existing database.
  static Result<std::unique_ptr<ReaderPool>> open(const std::string& path, std::uint32_t count, int busy_timeout_ms);

  explicit ReaderPool(std::vector<Connection> connections);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  Lease lease();

  // Runs body(Connection&) on a leased connection and returns its result.
  template <class Body>
  auto with(Body&& body) {
    Lease connection = lease();
    return body(*connection);
  }

 private:
  void give_back(Connection& connection);

  std::vector<Connection> connections_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Connection*> idle_;
};

}  // namespace postino::sqlite
