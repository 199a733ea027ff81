// SqliteRateLimitStore: counting, limits, windows, pruning, and the
// atomicity of charge() under threads and under two store handles on one
// database file (two submission nodes sharing it).
#include "store/sqlite/sqlite_rate_limit_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

class RateLimitStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_metadata_store(StoreSettings{.data_dir = dir_.path()});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metadata_ = std::move(*opened);
  }
  RateLimitStore& store() { return metadata_->rate_limits(); }

  postino::testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
};

TEST(SendLimits, WithinLimits) {
  EXPECT_TRUE(within_send_limits({0, 0}, {1, 5}, {1, 5}));
  EXPECT_FALSE(within_send_limits({1, 0}, {1, 1}, {1, 5}));
  EXPECT_FALSE(within_send_limits({0, 4}, {1, 2}, {1, 5}));
  EXPECT_TRUE(within_send_limits({1000, 1000}, {1, 1}, {0, 0}));  // 0: unlimited
  EXPECT_TRUE(within_send_limits({3, 0}, {1, 9}, {4, 0}));
  EXPECT_FALSE(within_send_limits({~std::uint64_t{0} >> 1, 0}, {1, 0}, {0, 0}));  // would overflow
}

TEST_F(RateLimitStoreTest, ChargesUpToTheLimitThenRefuses) {
  const SendLimits limits{3, 10};
  auto empty = store().counts("bob@example.test", 3600);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(*empty, (SendCounts{0, 0}));

  auto first = store().charge("bob@example.test", 3600, {1, 4}, limits);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->charged);
  EXPECT_EQ(first->counts, (SendCounts{1, 4}));
  auto second = store().charge("bob@example.test", 3600, {1, 6}, limits);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->charged);
  EXPECT_EQ(second->counts, (SendCounts{2, 10}));
  // One more recipient would pass 10: refused, nothing added.
  auto third = store().charge("bob@example.test", 3600, {1, 1}, limits);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->charged);
  EXPECT_EQ(third->counts, (SendCounts{2, 10}));
  EXPECT_EQ(*store().counts("bob@example.test", 3600), (SendCounts{2, 10}));
  // Other keys are independent.
  EXPECT_TRUE(store().charge("amy@example.test", 3600, {1, 1}, limits)->charged);
  EXPECT_EQ(*store().counts("amy@example.test", 3600), (SendCounts{1, 1}));
  EXPECT_FALSE(store().charge("", 3600, {1, 1}, limits).ok());
}

TEST_F(RateLimitStoreTest, NewWindowStartsFromZeroAndForgetsOldOnes) {
  const SendLimits limits{1, 0};
  EXPECT_TRUE(store().charge("bob@example.test", 3600, {1, 1}, limits)->charged);
  EXPECT_FALSE(store().charge("bob@example.test", 3600, {1, 1}, limits)->charged);
  EXPECT_TRUE(store().charge("amy@example.test", 3600, {1, 1}, limits)->charged);
  auto next = store().charge("bob@example.test", 7200, {1, 1}, limits);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->charged);
  EXPECT_EQ(next->counts, (SendCounts{1, 1}));
  // bob's old window went with the charge; amy's stays until pruned.
  EXPECT_EQ(*store().counts("bob@example.test", 3600), (SendCounts{0, 0}));
  EXPECT_EQ(*store().counts("amy@example.test", 3600), (SendCounts{1, 1}));
  auto pruned = store().prune(7200);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1u);
  EXPECT_EQ(*store().counts("amy@example.test", 3600), (SendCounts{0, 0}));
  EXPECT_EQ(*store().counts("bob@example.test", 7200), (SendCounts{1, 1}));
}

TEST_F(RateLimitStoreTest, ConcurrentChargesNeverPassTheLimit) {
  // Two handles on one file: as two submission nodes sharing the database.
  auto other = open_metadata_store(StoreSettings{.data_dir = dir_.path()});
  ASSERT_TRUE(other.ok()) << other.error().message;
  RateLimitStore* stores[] = {&store(), &(*other)->rate_limits()};
  constexpr int kThreads = 8;
  constexpr int kAttempts = 25;
  constexpr std::uint64_t kLimit = 60;
  std::atomic<int> charged{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttempts; ++i) {
        auto outcome = stores[t % 2]->charge("bob@example.test", 3600, {1, 2}, SendLimits{kLimit, 0});
        if (!outcome) {
          ++errors;
        } else if (outcome->charged) {
          ++charged;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(charged.load(), static_cast<int>(kLimit));
  EXPECT_EQ(*store().counts("bob@example.test", 3600), (SendCounts{kLimit, 2 * kLimit}));
}

}  // namespace
}  // namespace postino
