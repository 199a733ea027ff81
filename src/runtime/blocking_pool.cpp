// BlockingPool: asio::thread_pool with a fixed thread count.
#include "runtime/blocking_pool.hpp"

namespace postino::runtime {

BlockingPool::BlockingPool(std::size_t threads) : pool_(threads == 0 ? 1 : threads) {}

BlockingPool::~BlockingPool() {
  stop();
  join();
}

void BlockingPool::stop() { pool_.stop(); }
void BlockingPool::join() { pool_.join(); }

}  // namespace postino::runtime
