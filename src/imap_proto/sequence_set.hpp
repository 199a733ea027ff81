// SequenceSet: an IMAP sequence-set ("1:3,5,7:*", or "$" for the saved
// SEARCHRES result) over message sequence numbers or UIDs, its membership
// and iteration given the mailbox's current maximum, and the shortest
// formatting of a UID list (COPYUID, ESEARCH ALL, VANISHED).
// RFC 9051 9 (sequence-set, seq-range, "*"), 6.4.9; RFC 5182 ($).
// Security: parsing is bounded by a caller-given range count; no allocation
// proportional to the numbers a client writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino::imap {

class SequenceSet {
 public:
  // "*" is stored as 0 (never a valid nz-number): it means the largest number
  // in use (the last message's sequence number or UID) when resolved.
  static constexpr std::uint32_t kStar = 0;

  // One seq-range as written; first may be greater than last ("5:2" = "2:5").
  struct Range {
    std::uint32_t first = 1;
    std::uint32_t last = 1;
    friend bool operator==(const Range&, const Range&) = default;
  };
  // A resolved, inclusive interval with first <= last.
  struct Interval {
    std::uint32_t first = 1;
    std::uint32_t last = 1;
    friend bool operator==(const Interval&, const Interval&) = default;
  };

  SequenceSet() = default;
  static SequenceSet single(std::uint32_t n);
  static SequenceSet range(std::uint32_t first, std::uint32_t last);
  static SequenceSet saved_result();  // "$"
  // All members from a sorted (ascending) list, merged into ranges.
  static SequenceSet from_sorted(std::span<const std::uint32_t> sorted);

  // Parses a sequence-set or "$" (when allow_saved). Errors (Errc::invalid_argument):
  // syntax, 0, numbers above 4294967295, more than max_ranges ranges.
  static Result<SequenceSet> parse(std::string_view text, std::size_t max_ranges, bool allow_saved = true);

  bool is_saved_result() const { return saved_; }
  bool empty() const { return !saved_ && ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  bool uses_star() const;
  void add(Range r) { ranges_.push_back(r); }

  // Membership with "*" resolved to `max`. A range "n:*" covers max..n when
  // n > max (RFC 9051 9: "559:*" includes the last UID even if 559 is higher).
  // For "$" the caller resolves the saved set first; here it contains nothing.
  bool contains(std::uint32_t n, std::uint32_t max) const;

  // Sorted, merged, non-overlapping intervals with "*" resolved to `max` and
  // members above max dropped (they name no message: for sequence numbers
  // max is EXISTS, for UIDs the last UID). Empty when max == 0 or for "$".
  std::vector<Interval> resolve(std::uint32_t max) const;

  // Calls f(n) for each member 1..max in ascending order, once each.
  void for_each(std::uint32_t max, const std::function<void(std::uint32_t)>& f) const;

  // Wire form of the ranges as stored ("1:3,5,7:*"; "$").
  std::string str() const;

  // The shortest sequence-set for a sorted ascending list (duplicates
  // allowed): "1:3,5,7:9". Empty list -> "".
  static std::string format(std::span<const std::uint32_t> sorted);

  friend bool operator==(const SequenceSet&, const SequenceSet&) = default;

 private:
  std::vector<Range> ranges_;
  bool saved_ = false;
};

}  // namespace postino::imap
