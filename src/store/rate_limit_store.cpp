// The limit rule shared by every RateLimitStore engine.
#include "store/rate_limit_store.hpp"

#include <limits>

namespace postino {

bool within_send_limits(const SendCounts& counts, const SendCounts& charge, const SendLimits& limits) {
  // Counters are stored as signed 64-bit integers: never grow past them.
  constexpr std::uint64_t kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  auto fits = [](std::uint64_t have, std::uint64_t add, std::uint64_t limit) {
    if (have > kMaxCount || add > kMaxCount - have) return false;
    return limit == 0 || have + add <= limit;
  };
  return fits(counts.messages, charge.messages, limits.messages) &&
         fits(counts.recipients, charge.recipients, limits.recipients);
}

}  // namespace postino
