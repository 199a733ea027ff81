// Fixed windows per key: a key's count restarts once `window` has passed
// since its first failure. When a table is full, entries whose window has
// ended go first, then the least recently failed one.
#include "runtime/auth_throttle.hpp"

#include <algorithm>

namespace postino::runtime {

std::uint32_t AuthThrottle::current(Table& table, const std::string& key, Clock::time_point now) {
  auto it = table.find(key);
  if (it == table.end()) return 0;
  if (now - it->second.first >= settings_.window) {
    table.erase(it);
    return 0;
  }
  return it->second.failures;
}

void AuthThrottle::add(Table& table, const std::string& key, Clock::time_point now) {
  if (current(table, key, now) == 0 && table.size() >= settings_.max_entries) {
    for (auto it = table.begin(); it != table.end();) {
      it = now - it->second.first >= settings_.window ? table.erase(it) : std::next(it);
    }
    if (table.size() >= settings_.max_entries) {
      auto stalest = std::min_element(table.begin(), table.end(),
                                      [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
      table.erase(stalest);
    }
  }
  Count& count = table[key];
  if (count.failures == 0) count.first = now;
  ++count.failures;
  count.last = now;
}

bool AuthThrottle::refused(const std::string& client, const std::string& user, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return current(clients_, client, now) >= settings_.max_failures_per_client ||
         (!user.empty() && current(users_, user, now) >= settings_.max_failures_per_user);
}

std::chrono::milliseconds AuthThrottle::record_failure(const std::string& client, const std::string& user,
                                                       Clock::time_point now) {
  std::lock_guard lock(mutex_);
  add(clients_, client, now);
  if (!user.empty()) add(users_, user, now);
  std::uint32_t failures = clients_[client].failures;
  auto delay = settings_.failure_delay;
  for (std::uint32_t i = 1; i < failures && delay < settings_.max_failure_delay; ++i) delay *= 2;
  return std::min(delay, settings_.max_failure_delay);
}

void AuthThrottle::record_success(const std::string& user) {
  std::lock_guard lock(mutex_);
  users_.erase(user);
}

}  // namespace postino::runtime
