// Tests for AuthThrottle: growing delays, refusal per client and per user,
// windows that end, success forgetting the user, bounded memory.
#include "runtime/auth_throttle.hpp"

#include <gtest/gtest.h>

using namespace postino::runtime;
using namespace std::chrono_literals;

namespace {
AuthThrottleSettings small() {
  AuthThrottleSettings s;
  s.failure_delay = 1s;
  s.max_failure_delay = 5s;
  s.max_failures_per_client = 4;
  s.max_failures_per_user = 3;
  s.window = 60s;
  s.max_entries = 3;
  return s;
}
}  // namespace

TEST(AuthThrottle, DelayDoublesPerClientFailureUpToTheCap) {
  AuthThrottle t(small());
  auto now = AuthThrottle::Clock::now();
  EXPECT_EQ(t.record_failure("192.0.2.1", "a", now), 1s);
  EXPECT_EQ(t.record_failure("192.0.2.1", "b", now), 2s);
  EXPECT_EQ(t.record_failure("192.0.2.1", "c", now), 4s);
  EXPECT_EQ(t.record_failure("192.0.2.1", "d", now), 5s);
  EXPECT_EQ(t.record_failure("192.0.2.9", "a", now), 1s);  // another client starts over
}

TEST(AuthThrottle, RefusesAClientAfterTooManyFailuresUntilTheWindowEnds) {
  AuthThrottle t(small());
  auto now = AuthThrottle::Clock::now();
  for (int i = 0; i < 4; ++i) (void)t.record_failure("192.0.2.1", "u" + std::to_string(i), now);
  EXPECT_TRUE(t.refused("192.0.2.1", "someone", now));
  EXPECT_FALSE(t.refused("192.0.2.2", "someone", now));
  EXPECT_FALSE(t.refused("192.0.2.1", "someone", now + 61s));
}

TEST(AuthThrottle, RefusesAUserGuessedFromManyClients) {
  AuthThrottle t(small());
  auto now = AuthThrottle::Clock::now();
  (void)t.record_failure("192.0.2.1", "victim", now);
  (void)t.record_failure("192.0.2.2", "victim", now);
  EXPECT_FALSE(t.refused("192.0.2.3", "victim", now));
  (void)t.record_failure("192.0.2.3", "victim", now);
  EXPECT_TRUE(t.refused("192.0.2.4", "victim", now));
  t.record_success("victim");
  EXPECT_FALSE(t.refused("192.0.2.4", "victim", now));
}

TEST(AuthThrottle, MemoryIsBoundedByEvictingTheStalest) {
  AuthThrottle t(small());
  auto now = AuthThrottle::Clock::now();
  for (int i = 0; i < 4; ++i) (void)t.record_failure("192.0.2.1", "x", now);  // refused client
  (void)t.record_failure("192.0.2.2", "", now + 1s);
  (void)t.record_failure("192.0.2.3", "", now + 2s);
  (void)t.record_failure("192.0.2.4", "", now + 3s);  // table full: 192.0.2.1 is stalest
  EXPECT_FALSE(t.refused("192.0.2.1", "", now + 3s));
}
