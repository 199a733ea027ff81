// Settings of the delivery role: local delivery limits, the queue's retry
// schedule, expiry and DSN timing. The outbound SMTP agent's settings are
// smtp_client::SmtpClientSettings ([outbound]).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
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
  // RFC 3461 Action: delayed: one warning per message once it has waited
  // this long (Postfix delay_warning_time); 0 turns warnings off.
  std::chrono::seconds delay_warning_after{std::chrono::hours(4)};
  // The longest the runner sleeps when idle: the latency of `postino queue
  // flush` / `release`, which only change the queue database.
  std::chrono::seconds poll_interval{std::chrono::minutes(1)};
  // Messages whose remote deliveries run at once (the qmgr active queue).
  std::uint32_t max_messages_in_flight = 1000;
  // A returned message (RET=FULL) larger than this comes back as its header
  // only (Postfix bounce_size_limit).
  std::uint64_t bounce_size_limit_bytes = 50000;
  // Test only: a file holding a number of seconds added to the runner's
  // clock (read at each pass), so tests move time forward without waiting.
  std::string clock_offset_file;
};

}  // namespace postino
