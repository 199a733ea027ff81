// The queue runner's set of recipients that remote jobs are delivering, so
// that a pass over the due recipients does not start them a second time.
// A pass reads the queue on the blocking pool: a read that began before a
// job recorded its outcome can still list that job's recipients as pending
// after the job has left this set. Recipients removed while a read is open
// are therefore handed to the reader to skip as well (R-MX1: never a silent
// duplicate delivery). Not thread-safe: the runner's executor only.
#pragma once

#include <cstddef>
#include <set>

#include "store/queue_store.hpp"

namespace postino {

class InFlightRecipients {
 public:
  void add(RecipientRowId id) { running_.insert(id); }
  // The job's outcome for `id` is recorded in the queue.
  void remove(RecipientRowId id);
  bool contains(RecipientRowId id) const { return running_.count(id) != 0; }
  bool empty() const { return running_.empty(); }

  // Brackets a read of due recipients; end_read() returns the recipients
  // removed since the oldest open read began: skip them along with those
  // contains() reports.
  void begin_read() { ++open_reads_; }
  std::set<RecipientRowId> end_read();

 private:
  std::set<RecipientRowId> running_;
  std::set<RecipientRowId> removed_during_read_;
  std::size_t open_reads_ = 0;
};

}  // namespace postino
