// SequenceSet parsing, membership, resolution and shortest formatting.
#include "imap_proto/sequence_set.hpp"

#include <algorithm>

namespace postino::imap {
namespace {

constexpr std::uint32_t kMaxNumber = 4294967295u;  // RFC 9051 9: nz-number < 2^32

// Parses nz-number or "*" at the front of `text`; advances it.
bool parse_number(std::string_view& text, std::uint32_t& out) {
  if (!text.empty() && text.front() == '*') {
    out = SequenceSet::kStar;
    text.remove_prefix(1);
    return true;
  }
  if (text.empty() || text.front() < '1' || text.front() > '9') return false;  // no 0, no leading zero
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (value > kMaxNumber) return false;
    ++i;
  }
  out = static_cast<std::uint32_t>(value);
  text.remove_prefix(i);
  return true;
}

std::uint32_t resolve_star(std::uint32_t n, std::uint32_t max) { return n == SequenceSet::kStar ? max : n; }

void append_range(std::string& out, std::uint32_t first, std::uint32_t last) {
  if (!out.empty()) out += ',';
  out += first == SequenceSet::kStar ? "*" : std::to_string(first);
  if (first != last) {
    out += ':';
    out += last == SequenceSet::kStar ? "*" : std::to_string(last);
  }
}

}  // namespace

SequenceSet SequenceSet::single(std::uint32_t n) {
  SequenceSet set;
  set.ranges_.push_back({n, n});
  return set;
}

SequenceSet SequenceSet::range(std::uint32_t first, std::uint32_t last) {
  SequenceSet set;
  set.ranges_.push_back({first, last});
  return set;
}

SequenceSet SequenceSet::saved_result() {
  SequenceSet set;
  set.saved_ = true;
  return set;
}

SequenceSet SequenceSet::from_sorted(std::span<const std::uint32_t> sorted) {
  SequenceSet set;
  for (std::uint32_t n : sorted) {
    if (n == 0) continue;
    if (!set.ranges_.empty() && (set.ranges_.back().last == n || set.ranges_.back().last + 1 == n)) {
      set.ranges_.back().last = n;
    } else {
      set.ranges_.push_back({n, n});
    }
  }
  return set;
}

Result<SequenceSet> SequenceSet::parse(std::string_view text, std::size_t max_ranges, bool allow_saved) {
  if (text == "$") {
    if (!allow_saved) return make_error(Errc::invalid_argument, "$ is not allowed here");
    return saved_result();
  }
  SequenceSet set;
  if (text.empty()) return make_error(Errc::invalid_argument, "empty sequence set");
  while (true) {
    if (set.ranges_.size() >= max_ranges) return make_error(Errc::invalid_argument, "too many ranges in sequence set");
    Range r;
    if (!parse_number(text, r.first)) return make_error(Errc::invalid_argument, "invalid sequence set");
    r.last = r.first;
    if (!text.empty() && text.front() == ':') {
      text.remove_prefix(1);
      if (!parse_number(text, r.last)) return make_error(Errc::invalid_argument, "invalid sequence set");
    }
    set.ranges_.push_back(r);
    if (text.empty()) break;
    if (text.front() != ',') return make_error(Errc::invalid_argument, "invalid sequence set");
    text.remove_prefix(1);
  }
  return set;
}

bool SequenceSet::uses_star() const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [](const Range& r) { return r.first == kStar || r.last == kStar; });
}

bool SequenceSet::contains(std::uint32_t n, std::uint32_t max) const {
  if (n == 0) return false;
  for (const Range& r : ranges_) {
    std::uint32_t a = resolve_star(r.first, max);
    std::uint32_t b = resolve_star(r.last, max);
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

std::vector<SequenceSet::Interval> SequenceSet::resolve(std::uint32_t max) const {
  std::vector<Interval> out;
  if (max == 0 || saved_) return out;
  out.reserve(ranges_.size());
  for (const Range& r : ranges_) {
    std::uint32_t a = resolve_star(r.first, max);
    std::uint32_t b = resolve_star(r.last, max);
    if (a > b) std::swap(a, b);
    if (a == 0) a = 1;
    if (a > max) continue;
    out.push_back({a, std::min(b, max)});
  }
  std::sort(out.begin(), out.end(), [](const Interval& x, const Interval& y) { return x.first < y.first; });
  std::vector<Interval> merged;
  for (const Interval& i : out) {
    if (!merged.empty() && i.first <= merged.back().last + static_cast<std::uint64_t>(1)) {
      merged.back().last = std::max(merged.back().last, i.last);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

void SequenceSet::for_each(std::uint32_t max, const std::function<void(std::uint32_t)>& f) const {
  for (const Interval& i : resolve(max)) {
    for (std::uint64_t n = i.first; n <= i.last; ++n) f(static_cast<std::uint32_t>(n));
  }
}

std::string SequenceSet::str() const {
  if (saved_) return "$";
  std::string out;
  for (const Range& r : ranges_) append_range(out, r.first, r.last);
  return out;
}

std::string SequenceSet::format(std::span<const std::uint32_t> sorted) { return from_sorted(sorted).str(); }

}  // namespace postino::imap
