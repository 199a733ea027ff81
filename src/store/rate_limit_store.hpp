// RateLimitStore: sending counters (messages and recipients) per key in
// fixed time windows, kept in the metadata store so that every submission
// node sharing it sees the same totals (R-OUT3). The key is the sender's
// account address; the caller picks the window (e.g. the start of the
// current hour, in unix seconds).
// Contract: thread-safe and blocking (call from the blocking pool). charge()
// checks and adds in one writer transaction, so two nodes charging at once
// can never both pass a limit that only one of them fits under.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace postino {

struct SendCounts {
  std::uint64_t messages = 0;
  std::uint64_t recipients = 0;
  bool operator==(const SendCounts&) const = default;
};

// 0 means unlimited.
struct SendLimits {
  std::uint64_t messages = 0;
  std::uint64_t recipients = 0;
};

struct ChargeOutcome {
  bool charged = false;  // false: the charge would pass a limit; nothing added
  SendCounts counts;     // the window's totals after the charge (or as found, when refused)
};

// True when counts + charge stays within limits (0 = unlimited).
bool within_send_limits(const SendCounts& counts, const SendCounts& charge, const SendLimits& limits);

class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;

  // The key's totals in the window starting at window_start (zero if none).
  virtual Result<SendCounts> counts(const std::string& key, std::int64_t window_start) = 0;

  // Atomically: if the window's totals plus `charge` stay within `limits`,
  // adds `charge`. Also forgets the key's windows older than window_start.
  virtual Result<ChargeOutcome> charge(const std::string& key, std::int64_t window_start, const SendCounts& charge,
                                       const SendLimits& limits) = 0;

  // Housekeeping: removes every window that started before `before`;
  // returns how many went.
  virtual Result<std::uint64_t> prune(std::int64_t before) = 0;
};

}  // namespace postino
