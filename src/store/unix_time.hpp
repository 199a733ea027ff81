// Wall-clock time as stored in metadata rows (created_at, zero_since): unix
// seconds. One helper so every table uses the same clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace postino {

inline std::int64_t unix_now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace postino
