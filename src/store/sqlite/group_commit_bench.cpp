// Measures group commit: N threads each doing single-row inserts
// (DirectoryStore::add_domain) against a fresh database on the data disk;
// prints jobs/s, commits/s and the average batch. Not a test: no assertions.
// Usage: store_group_commit_bench [threads=8] [inserts_per_thread=500] [dir=/tmp]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_metadata_store.hpp"

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  int per_thread = argc > 2 ? std::atoi(argv[2]) : 500;
  std::string base = argc > 3 ? argv[3] : "/tmp";
  std::string dir = base + "/postino-group-commit-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  {
    auto store = postino::sqlite::SqliteMetadataStore::open(dir + "/postino.sqlite", 4);
    if (!store) {
      std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
      return 1;
    }
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          auto r = (*store)->directory().add_domain("d" + std::to_string(t) + "-" + std::to_string(i) + ".test");
          if (!r) std::fprintf(stderr, "insert: %s\n", r.error().message.c_str());
        }
      });
    }
    for (auto& w : workers) w.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto stats = (*store)->writer_stats();
    std::printf("threads=%d jobs=%llu commits=%llu seconds=%.3f jobs_per_s=%.0f commits_per_s=%.0f "
                "jobs_per_commit=%.1f largest_batch=%llu\n",
                threads, static_cast<unsigned long long>(stats.jobs), static_cast<unsigned long long>(stats.commits),
                seconds, stats.jobs / seconds, stats.commits / seconds,
                static_cast<double>(stats.jobs) / static_cast<double>(stats.commits),
                static_cast<unsigned long long>(stats.largest_batch));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
