// LIST pattern matching as a small NFA over pattern positions: O(pattern x
// name) time whatever the wildcards, unlike recursive backtracking.
#include "imap_proto/list_pattern.hpp"

#include <vector>

#include "imap_proto/mailbox_name.hpp"

namespace postino::imap {
namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Length of the name prefix compared case-insensitively: 5 when the first
// level is INBOX in any case, else 0.
std::size_t inbox_prefix(std::string_view name) {
  if (name.size() < 5 || (name.size() > 5 && name[5] != kHierarchySeparator)) return 0;
  static constexpr char kInbox[] = "INBOX";
  for (std::size_t i = 0; i < 5; ++i) {
    if (upper(name[i]) != kInbox[i]) return 0;
  }
  return 5;
}

// States reachable after feeding `input` (which starts at name offset 0).
class PatternNfa {
 public:
  explicit PatternNfa(std::string_view pattern) : pattern_(pattern), states_(pattern.size() + 1, 0) {
    states_[0] = 1;
    close();
  }

  void feed(std::string_view input, std::size_t insensitive_prefix) {
    std::vector<char> next(states_.size(), 0);
    for (std::size_t pos = 0; pos < input.size(); ++pos) {
      char c = input[pos];
      bool fold = pos < insensitive_prefix;
      std::fill(next.begin(), next.end(), 0);
      bool any = false;
      for (std::size_t p = 0; p < pattern_.size(); ++p) {
        if (!states_[p]) continue;
        char q = pattern_[p];
        if (q == '*' || (q == '%' && c != kHierarchySeparator)) {
          next[p] = 1;
          any = true;
        } else if (q != '*' && q != '%' && (q == c || (fold && upper(q) == upper(c)))) {
          next[p + 1] = 1;
          any = true;
        }
      }
      states_.swap(next);
      if (!any) return;
      close();
    }
  }

  bool accepts() const { return states_.back() != 0; }
  bool alive() const {
    for (char s : states_) {
      if (s) return true;
    }
    return false;
  }

 private:
  // Wildcards match the empty string: follow them forward.
  void close() {
    for (std::size_t p = 0; p < pattern_.size(); ++p) {
      if (states_[p] && (pattern_[p] == '*' || pattern_[p] == '%')) states_[p + 1] = 1;
    }
  }

  std::string_view pattern_;
  std::vector<char> states_;
};

}  // namespace

std::string list_join_reference(std::string_view reference, std::string_view pattern) {
  std::string out(reference);
  if (!out.empty() && out.back() == kHierarchySeparator && !pattern.empty() && pattern.front() == kHierarchySeparator) {
    pattern.remove_prefix(1);
  }
  out.append(pattern);
  return out;
}

bool list_pattern_matches(std::string_view pattern, std::string_view name) {
  PatternNfa nfa(pattern);
  nfa.feed(name, inbox_prefix(name));
  return nfa.accepts();
}

bool list_pattern_may_match_children(std::string_view pattern, std::string_view name) {
  PatternNfa nfa(pattern);
  std::string prefix(name);
  prefix += kHierarchySeparator;
  nfa.feed(prefix, inbox_prefix(name));
  return nfa.alive();
}

}  // namespace postino::imap
