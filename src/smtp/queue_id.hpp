// Queue ids in Postfix's spirit: short upper-case hex, unique on one node,
// roughly time-ordered so `queue list` reads in arrival order.
#pragma once

#include <string>

namespace postino {

// 16 hex digits: 11 of microseconds since the epoch (wraps every ~557
// years), 5 of a process-wide counter seeded randomly.
std::string new_queue_id();

}  // namespace postino
