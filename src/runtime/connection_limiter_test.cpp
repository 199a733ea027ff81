// Tests for the total and per-client connection caps and slot release.
#include "runtime/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace postino;
using namespace postino::runtime;
namespace ip = boost::asio::ip;

namespace {
LimitSettings caps(std::uint32_t total, std::uint32_t per_ip) {
  LimitSettings s;
  s.max_connections = total;
  s.max_connections_per_ip = per_ip;
  return s;
}
}  // namespace

TEST(ConnectionLimiter, PerIpCap) {
  ConnectionLimiter limiter(caps(100, 2));
  const auto a = ip::make_address("192.0.2.1");
  const auto b = ip::make_address("192.0.2.2");
  auto s1 = limiter.acquire(a);
  auto s2 = limiter.acquire(a);
  auto s3 = limiter.acquire(a);
  EXPECT_FALSE(s1.refused());
  EXPECT_FALSE(s2.refused());
  EXPECT_TRUE(s3.refused());
  EXPECT_EQ(s3.refusal(), ConnectionLimiter::Refusal::per_ip);
  EXPECT_FALSE(limiter.acquire(b).refused());
  EXPECT_EQ(limiter.count_for(a), 2u);
  EXPECT_EQ(limiter.total(), 2u);  // b's slot was a temporary, already released
}

TEST(ConnectionLimiter, TotalCapAndRelease) {
  ConnectionLimiter limiter(caps(2, 10));
  std::vector<ConnectionLimiter::Slot> slots;
  slots.push_back(limiter.acquire(ip::make_address("192.0.2.1")));
  slots.push_back(limiter.acquire(ip::make_address("192.0.2.2")));
  auto over = limiter.acquire(ip::make_address("192.0.2.3"));
  EXPECT_TRUE(over.refused());
  EXPECT_EQ(over.refusal(), ConnectionLimiter::Refusal::total);
  EXPECT_EQ(limiter.total(), 2u);
  slots.pop_back();
  EXPECT_EQ(limiter.total(), 1u);
  EXPECT_EQ(limiter.count_for(ip::make_address("192.0.2.2")), 0u);
  EXPECT_FALSE(limiter.acquire(ip::make_address("192.0.2.3")).refused());
}

TEST(ConnectionLimiter, RefusedSlotCountsNothing) {
  ConnectionLimiter limiter(caps(1, 1));
  auto first = limiter.acquire(ip::make_address("192.0.2.1"));
  {
    auto refused = limiter.acquire(ip::make_address("192.0.2.1"));
    EXPECT_TRUE(refused.refused());
  }
  EXPECT_EQ(limiter.total(), 1u);
  EXPECT_EQ(limiter.count_for(ip::make_address("192.0.2.1")), 1u);
}

TEST(ConnectionLimiter, MoveTransfersOwnership) {
  ConnectionLimiter limiter(caps(10, 10));
  auto a = limiter.acquire(ip::make_address("192.0.2.1"));
  ConnectionLimiter::Slot b = std::move(a);
  EXPECT_EQ(limiter.total(), 1u);
  ConnectionLimiter::Slot c;
  c = std::move(b);
  EXPECT_EQ(limiter.total(), 1u);
  c = ConnectionLimiter::Slot();
  EXPECT_EQ(limiter.total(), 0u);
}

TEST(ConnectionLimiter, Ipv6CountedPerSlash64AndMappedAsV4) {
  ConnectionLimiter limiter(caps(100, 1));
  auto s1 = limiter.acquire(ip::make_address("2001:db8:1:2::1"));
  EXPECT_FALSE(s1.refused());
  EXPECT_TRUE(limiter.acquire(ip::make_address("2001:db8:1:2::ffff")).refused());
  EXPECT_FALSE(limiter.acquire(ip::make_address("2001:db8:1:3::1")).refused());
  auto v4 = limiter.acquire(ip::make_address("192.0.2.9"));
  EXPECT_TRUE(limiter.acquire(ip::make_address("::ffff:192.0.2.9")).refused());
}

TEST(ConnectionLimiter, ZeroMeansUnlimitedAndUpdateApplies) {
  ConnectionLimiter limiter(caps(0, 0));
  std::vector<ConnectionLimiter::Slot> slots;
  for (int i = 0; i < 50; ++i) slots.push_back(limiter.acquire(ip::make_address("192.0.2.1")));
  EXPECT_EQ(limiter.total(), 50u);
  limiter.update(caps(10, 0));
  EXPECT_TRUE(limiter.acquire(ip::make_address("192.0.2.2")).refused());
  slots.clear();
  EXPECT_FALSE(limiter.acquire(ip::make_address("192.0.2.2")).refused());
}
