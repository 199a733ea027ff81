// Settings of the delivery role: local delivery limits and the queue's
// retry schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace postino {

struct LocalDeliverySettings {
  std::uint32_t max_alias_depth = 20;
  std::uint32_t max_expanded_recipients = 1000;
  bool over_quota_is_permanent = false;  // 552 5.2.2 instead of 452 4.2.2
};

struct QueueRunnerSettings {
  // Postfix-like: 5m, 10m, 20m, 40m, then hourly; give up after 5 days.
  std::vector<std::chrono::seconds> retry_schedule{std::chrono::minutes(5), std::chrono::minutes(10),
                                                   std::chrono::minutes(20), std::chrono::minutes(40),
                                                   std::chrono::hours(1)};
  std::chrono::seconds max_queue_lifetime{std::chrono::hours(24 * 5)};
  std::uint32_t batch_messages = 64;
};

}  // namespace postino
