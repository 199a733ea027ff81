// AuthThrottle: counts failed logins per client address and per user name,
// shared by every protocol that authenticates (IMAP, POP3, submission), so
// password guessing is slowed (a delay that grows with recent failures) and
// then refused for a while, whichever protocol or connection it comes by.
// Thread-safe. Memory is bounded: past max_entries the stalest entries go.
// Security: a refusal must be answered exactly like a wrong password, so it
// reveals nothing about the account.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace postino::runtime {

struct AuthThrottleSettings {
  std::chrono::milliseconds failure_delay{std::chrono::seconds(2)};  // Dovecot auth_failure_delay
  std::chrono::milliseconds max_failure_delay{std::chrono::seconds(15)};
  std::uint32_t max_failures_per_client = 30;  // in `window`, then refused
  std::uint32_t max_failures_per_user = 15;
  std::chrono::seconds window{std::chrono::minutes(15)};
  std::size_t max_entries = 100000;
};

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AuthThrottle(AuthThrottleSettings settings = {}) : settings_(settings) {}

  // True while the client or the user has too many recent failures: the
  // caller answers as for a wrong password without checking it.
  bool refused(const std::string& client, const std::string& user, Clock::time_point now = Clock::now());
  // Records a failure and returns how long to wait before answering: the
  // base delay, doubled per recent failure of this client, capped.
  std::chrono::milliseconds record_failure(const std::string& client, const std::string& user,
                                           Clock::time_point now = Clock::now());
  // A success forgets the user's failures (not the client's).
  void record_success(const std::string& user);

 private:
  struct Count {
    std::uint32_t failures = 0;
    Clock::time_point first{};
    Clock::time_point last{};
  };
  using Table = std::unordered_map<std::string, Count>;
  std::uint32_t current(Table& table, const std::string& key, Clock::time_point now);
  void add(Table& table, const std::string& key, Clock::time_point now);

  AuthThrottleSettings settings_;
  std::mutex mutex_;
  Table clients_;
  Table users_;
};

}  // namespace postino::runtime
