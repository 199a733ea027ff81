// See in_flight_recipients.hpp.
#include "delivery/in_flight_recipients.hpp"

#include <cassert>
#include <utility>

namespace postino {

void InFlightRecipients::remove(RecipientRowId id) {
  running_.erase(id);
  if (open_reads_ > 0) removed_during_read_.insert(id);
}

std::set<RecipientRowId> InFlightRecipients::end_read() {
  assert(open_reads_ > 0);
  --open_reads_;
  if (open_reads_ > 0) return removed_during_read_;
  return std::exchange(removed_during_read_, {});
}

}  // namespace postino
