// Tests for BlockingPool: work runs off the I/O thread, the caller resumes
// on its own executor with the value, exceptions cross back.
#include "runtime/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
#include <thread>

#include "runtime/test_tls.hpp"

using namespace postino::runtime;
namespace asio = boost::asio;

namespace {

struct Threads {
  std::thread::id caller_before;
  std::thread::id worker;
  std::thread::id caller_after;
  int value = 0;
};

int compute(std::thread::id* worker) {
  *worker = std::this_thread::get_id();
  return 42;
}

asio::awaitable<Threads> hop(BlockingPool* pool) {
  Threads t;
  t.caller_before = std::this_thread::get_id();
  t.value = co_await pool->run(std::bind(compute, &t.worker));
  t.caller_after = std::this_thread::get_id();
  co_return t;
}

void fail() { throw std::runtime_error("disk on fire"); }

asio::awaitable<std::string> failing(BlockingPool* pool) {
  try {
    co_await pool->run(fail);
  } catch (const std::runtime_error& e) {
    co_return e.what();
  }
  co_return "no exception";
}

void touch(int* n) { ++*n; }

asio::awaitable<int> void_job(BlockingPool* pool) {
  int n = 0;
  co_await pool->run(std::bind(touch, &n));
  co_await pool->run(std::bind(touch, &n));
  co_return n;
}

}  // namespace

TEST(BlockingPool, RunsOffThreadAndResumesOnCaller) {
  BlockingPool pool(2);
  const Threads t = test::run(hop(&pool));
  EXPECT_EQ(t.value, 42);
  EXPECT_NE(t.worker, t.caller_before);
  EXPECT_EQ(t.caller_after, t.caller_before);
}

TEST(BlockingPool, ExceptionPropagates) {
  BlockingPool pool(1);
  EXPECT_EQ(test::run(failing(&pool)), "disk on fire");
}

TEST(BlockingPool, VoidJobs) {
  BlockingPool pool(1);
  EXPECT_EQ(test::run(void_job(&pool)), 2);
}
