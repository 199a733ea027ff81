// Writer: a failed job rolls back alone inside a shared transaction; queued
// jobs share one commit; many threads' inserts are all durable after reopen.
#include "store/sqlite/writer.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino::sqlite {
namespace {

Status insert(Connection& db, const std::string& value) {
  auto q = db.prepare("INSERT INTO t (v) VALUES (?1)");
  if (!q) return q.take_error();
  q->bind_text(1, value);
  return q->run();
}

std::int64_t count(Connection& db, const std::string& value) {
  auto q = db.prepare("SELECT count(*) FROM t WHERE v = ?1");
  EXPECT_TRUE(q.ok());
  q->bind_text(1, value);
  EXPECT_TRUE(*q->step());
  return q->column_int64(0);
}

// Waits (without sleeping) until `n` jobs wait in the writer's queue.
void wait_queued(Writer& writer, std::uint64_t n) {
  while (writer.stats().queued < n) std::this_thread::yield();
}

TEST(Writer, QueuedJobsShareOneCommitAndAFailedJobRollsBackAlone) {
  testing::TempDir dir;
  std::string path = dir.path() + "/w.sqlite";
  auto db = Connection::open(path, OpenMode::read_write_create, 1000);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT UNIQUE)").ok());
  Writer writer(std::move(*db));

  // Hold the writer thread inside a job until three more jobs are queued.
  std::mutex mutex;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  std::thread holder([&] {
    auto s = writer.run<void>([&](Connection& c) -> Status {
      std::unique_lock lock(mutex);
      started = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return insert(c, "first");
    });
    EXPECT_TRUE(s.ok());
  });
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return started; });  // the holder's batch is running
  }

  Status ok_a, failed, ok_b;
  std::thread a([&] { ok_a = writer.run<void>([](Connection& c) { return insert(c, "a"); }); });
  std::thread f([&] {
    failed = writer.run<void>([](Connection& c) -> Status {
      if (auto s = insert(c, "lost"); !s) return s;
      return insert(c, "first");  // duplicate: the whole job rolls back
    });
  });
  std::thread b([&] { ok_b = writer.run<void>([](Connection& c) { return insert(c, "b"); }); });
  wait_queued(writer, 3);
  auto before = writer.stats();
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  for (auto* t : {&holder, &a, &f, &b}) t->join();

  EXPECT_TRUE(ok_a.ok());
  EXPECT_TRUE(ok_b.ok());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::already_exists);
  auto after = writer.stats();
  EXPECT_EQ(after.jobs - before.jobs, 4u);
  EXPECT_EQ(after.commits - before.commits, 2u);  // the holder's batch, then the three together
  EXPECT_GE(after.largest_batch, 3u);

  auto check = writer.run<bool>([](Connection& c) -> Result<bool> {
    return count(c, "a") == 1 && count(c, "b") == 1 && count(c, "first") == 1 && count(c, "lost") == 0;
  });
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(*check);
}

TEST(Writer, ManyThreadsInsertsAreAllDurableAfterReopen) {
  testing::TempDir dir;
  std::string path = dir.path() + "/postino.sqlite";
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  {
    auto store = SqliteMetadataStore::open(path, 4);
    ASSERT_TRUE(store.ok()) << store.error().message;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          std::string name = "d" + std::to_string(t) + "-" + std::to_string(i) + ".test";
          if (!(*store)->directory().add_domain(name).ok()) ++failures;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto stats = (*store)->writer_stats();
    EXPECT_EQ(stats.jobs, std::uint64_t{kThreads * kPerThread});
    EXPECT_LE(stats.commits, stats.jobs);
    std::printf("group commit: %llu jobs in %llu commits (largest batch %llu)\n",
                static_cast<unsigned long long>(stats.jobs), static_cast<unsigned long long>(stats.commits),
                static_cast<unsigned long long>(stats.largest_batch));
  }
  auto store = SqliteMetadataStore::open(path, 1);
  ASSERT_TRUE(store.ok());
  auto domains = (*store)->directory().list_domains();
  ASSERT_TRUE(domains.ok());
  EXPECT_EQ(domains->size(), std::size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace postino::sqlite
