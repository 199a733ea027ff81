// RFC 5256 SORT, THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (the latter
// after Jamie Zawinski's algorithm as RFC 5256 section 4 states it).
#include "imap/sort_thread.hpp"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

namespace postino::imap {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ::strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

std::string collapse_whitespace(const std::string& in) {
  std::string out;
  bool space = false;
  for (char c : in) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// subj-blob: "[" *BLOBCHAR "]" *WSP; returns its length or 0.
std::size_t blob_length(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  auto close = s.find(']');
  if (close == std::string_view::npos) return 0;
  if (s.substr(1, close - 1).find('[') != std::string_view::npos) return 0;
  std::size_t n = close + 1;
  while (n < s.size() && s[n] == ' ') ++n;
  return n;
}

// subj-refwd: ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; length or 0.
std::size_t refwd_length(std::string_view s) {
  std::size_t n = 0;
  if (starts_with_ci(s, "re")) {
    n = 2;
  } else if (starts_with_ci(s, "fwd")) {
    n = 3;
  } else if (starts_with_ci(s, "fw")) {
    n = 2;
  } else {
    return 0;
  }
  while (n < s.size() && s[n] == ' ') ++n;
  n += blob_length(s.substr(n));
  if (n < s.size() && s[n] == ':') return n + 1;
  return 0;
}

// Steps 2-4 of RFC 5256 2.1 until nothing changes.
std::string strip_once_more(std::string s) {
  for (bool changed = true; changed;) {
    changed = false;
    // (2) trailers: "(fwd)" and whitespace.
    for (;;) {
      while (!s.empty() && s.back() == ' ') s.pop_back();
      if (s.size() >= 5 && ::strncasecmp(s.data() + s.size() - 5, "(fwd)", 5) == 0) {
        s.resize(s.size() - 5);
        changed = true;
        continue;
      }
      break;
    }
    // (3) leaders: *subj-blob subj-refwd, or leading whitespace.
    for (bool again = true; again;) {
      again = false;
      while (!s.empty() && s.front() == ' ') s.erase(0, 1);
      std::size_t n = 0;
      for (std::size_t b; (b = blob_length(std::string_view(s).substr(n))) > 0;) n += b;
      std::size_t r = refwd_length(std::string_view(s).substr(n));
      if (r > 0) {
        s.erase(0, n + r);
        again = changed = true;
      }
    }
    // (4) a leading blob, if something is left after it.
    std::size_t b = blob_length(s);
    if (b > 0 && b < s.size()) {
      s.erase(0, b);
      changed = true;
    }
  }
  return s;
}

int compare_text(const std::string& a, const std::string& b) { return a.compare(b); }

int compare_by(const SortFacts& a, const SortFacts& b, SortKey key) {
  switch (key) {
    case SortKey::arrival: return a.internal_date < b.internal_date ? -1 : a.internal_date > b.internal_date;
    case SortKey::date: return a.sent_date < b.sent_date ? -1 : a.sent_date > b.sent_date;
    case SortKey::size: return a.size < b.size ? -1 : a.size > b.size;
    case SortKey::subject: return compare_text(a.base_subject, b.base_subject);
    case SortKey::from: return compare_text(a.from, b.from);
    case SortKey::to: return compare_text(a.to, b.to);
    case SortKey::cc: return compare_text(a.cc, b.cc);
    case SortKey::displayfrom: return compare_text(a.display_from, b.display_from);
    case SortKey::displayto: return compare_text(a.display_to, b.display_to);
  }
  return 0;
}

bool earlier(const SortFacts* a, const SortFacts* b) {
  if (a->sent_date != b->sent_date) return a->sent_date < b->sent_date;
  return a->seq < b->seq;
}

struct Container {
  const SortFacts* message = nullptr;
  Container* parent = nullptr;
  std::vector<Container*> children;
};

bool is_ancestor(const Container* maybe_ancestor, const Container* node) {
  for (const Container* p = node; p != nullptr; p = p->parent) {
    if (p == maybe_ancestor) return true;
  }
  return false;
}

void unlink(Container* c) {
  if (c->parent == nullptr) return;
  auto& siblings = c->parent->children;
  siblings.erase(std::remove(siblings.begin(), siblings.end(), c), siblings.end());
  c->parent = nullptr;
}

void link(Container* parent, Container* child) {
  if (child->parent == parent || is_ancestor(child, parent)) return;
  unlink(child);
  child->parent = parent;
  parent->children.push_back(child);
}

// The date a (possibly empty) container sorts by: its message's, else its
// first child's (RFC 5256 4 step 5/6).
const SortFacts* sort_message(const Container* c) {
  if (c->message != nullptr) return c->message;
  const SortFacts* best = nullptr;
  for (const Container* child : c->children) {
    const SortFacts* m = sort_message(child);
    if (m != nullptr && (best == nullptr || earlier(m, best))) best = m;
  }
  return best;
}

void sort_children(Container* c) {
  for (Container* child : c->children) sort_children(child);
  std::stable_sort(c->children.begin(), c->children.end(), [](const Container* a, const Container* b) {
    const SortFacts* ma = sort_message(a);
    const SortFacts* mb = sort_message(b);
    if (ma == nullptr || mb == nullptr) return ma != nullptr;
    return earlier(ma, mb);
  });
}

// Removes empty containers without children and promotes the children of
// empty ones (RFC 5256 4 step 3), except for an empty root with several.
void prune(Container* c, bool is_root) {
  for (std::size_t i = 0; i < c->children.size();) {
    Container* child = c->children[i];
    prune(child, false);
    if (child->message == nullptr && child->children.empty()) {
      c->children.erase(c->children.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (child->message == nullptr) {
      std::vector<Container*> grand = child->children;
      c->children.erase(c->children.begin() + static_cast<std::ptrdiff_t>(i));
      for (std::size_t k = 0; k < grand.size(); ++k) {
        grand[k]->parent = c;
        c->children.insert(c->children.begin() + static_cast<std::ptrdiff_t>(i + k), grand[k]);
      }
      continue;
    }
    ++i;
  }
  (void)is_root;
}

std::string emit(const Container* c) {
  std::string out;
  if (c->message != nullptr) out = std::to_string(c->message->number);
  if (c->children.size() == 1) {
    if (!out.empty()) out += ' ';
    out += emit(c->children.front());
  } else if (c->children.size() > 1) {
    if (!out.empty()) out += ' ';
    for (const Container* child : c->children) out += "(" + emit(child) + ")";
  }
  return out;
}

std::string thread_references(const std::vector<SortFacts>& messages) {
  std::vector<std::unique_ptr<Container>> owned;
  std::map<std::string, Container*> by_id;
  auto container_for = [&](const std::string& id) -> Container* {
    auto it = by_id.find(id);
    if (it != by_id.end()) return it->second;
    owned.push_back(std::make_unique<Container>());
    by_id.emplace(id, owned.back().get());
    return owned.back().get();
  };
  for (const SortFacts& m : messages) {
    Container* self = nullptr;
    if (!m.message_id.empty()) {
      self = container_for(m.message_id);
      if (self->message != nullptr) self = nullptr;  // a duplicate id: its own thread
    }
    if (self == nullptr) {
      owned.push_back(std::make_unique<Container>());
      self = owned.back().get();
    }
    self->message = &m;
    // (1B) link the references in order, (1C) the last is our parent.
    Container* previous = nullptr;
    for (const auto& ref : m.references) {
      if (ref == m.message_id) continue;
      Container* c = container_for(ref);
      if (previous != nullptr && c->parent == nullptr) link(previous, c);
      previous = c;
    }
    if (previous != nullptr && !is_ancestor(self, previous)) {
      link(previous, self);
    } else if (previous == nullptr) {
      unlink(self);
    }
  }
  Container root;
  for (auto& c : owned) {
    if (c->parent == nullptr) {
      c->parent = &root;
      root.children.push_back(c.get());
    }
  }
  prune(&root, true);
  // (5) group root threads with the same base subject.
  std::map<std::string, Container*> by_subject;
  std::vector<Container*> roots;
  sort_children(&root);
  for (Container* c : root.children) {
    const SortFacts* m = sort_message(c);
    std::string subject = m != nullptr ? m->base_subject : std::string();
    if (subject.empty()) {
      roots.push_back(c);
      continue;
    }
    auto it = by_subject.find(subject);
    if (it == by_subject.end()) {
      by_subject.emplace(subject, c);
      roots.push_back(c);
      continue;
    }
    Container* first = it->second;
    // Both with messages: the later becomes a child of the earlier.
    first->children.push_back(c);
    c->parent = first;
  }
  root.children = roots;
  sort_children(&root);
  std::string out;
  for (const Container* c : root.children) out += "(" + emit(c) + ")";
  return out;
}

std::string thread_ordered_subject(const std::vector<SortFacts>& messages) {
  std::vector<const SortFacts*> sorted;
  for (const auto& m : messages) sorted.push_back(&m);
  std::stable_sort(sorted.begin(), sorted.end(), [](const SortFacts* a, const SortFacts* b) {
    if (a->base_subject != b->base_subject) return a->base_subject < b->base_subject;
    return earlier(a, b);
  });
  // Threads ordered by their first message's date.
  std::vector<std::vector<const SortFacts*>> threads;
  for (const SortFacts* m : sorted) {
    if (threads.empty() || threads.back().front()->base_subject != m->base_subject) threads.emplace_back();
    threads.back().push_back(m);
  }
  std::stable_sort(threads.begin(), threads.end(),
                   [](const auto& a, const auto& b) { return earlier(a.front(), b.front()); });
  std::string out;
  for (const auto& t : threads) {
    out += "(" + std::to_string(t.front()->number);
    if (t.size() == 2) out += " " + std::to_string(t[1]->number);
    if (t.size() > 2) {
      out += " ";
      for (std::size_t i = 1; i < t.size(); ++i) out += "(" + std::to_string(t[i]->number) + ")";
    }
    out += ")";
  }
  return out;
}

}  // namespace

std::string base_subject(const std::string& decoded_subject) {
  std::string s = collapse_whitespace(decoded_subject);
  for (;;) {
    s = strip_once_more(s);
    // (6) "[fwd:" ... "]" wrapper.
    if (s.size() >= 6 && starts_with_ci(s, "[fwd:") && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      continue;
    }
    return s;
  }
}

std::vector<std::uint32_t> sort_messages(std::vector<SortFacts> messages, const std::vector<SortCriterion>& criteria) {
  std::stable_sort(messages.begin(), messages.end(), [&criteria](const SortFacts& a, const SortFacts& b) {
    for (const SortCriterion& c : criteria) {
      int order = compare_by(a, b, c.key);
      if (order != 0) return c.reverse ? order > 0 : order < 0;
    }
    return a.seq < b.seq;
  });
  std::vector<std::uint32_t> out;
  out.reserve(messages.size());
  for (const auto& m : messages) out.push_back(m.number);
  return out;
}

std::string thread_messages(const std::vector<SortFacts>& messages, ThreadAlgorithm algorithm) {
  return algorithm == ThreadAlgorithm::orderedsubject ? thread_ordered_subject(messages)
                                                      : thread_references(messages);
}

bool parse_rfc5322_date(const std::string& value, std::int64_t& unix_seconds) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string v = value;
  if (auto comma = v.find(','); comma != std::string::npos) v = v.substr(comma + 1);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char month[4] = {0};
  char zone[16] = {0};
  int fields = std::sscanf(v.c_str(), " %d %3s %d %d:%d:%d %15s", &day, month, &year, &hour, &minute, &second, zone);
  if (fields < 6) {
    second = 0;
    fields = std::sscanf(v.c_str(), " %d %3s %d %d:%d %15s", &day, month, &year, &hour, &minute, zone);
    if (fields < 5) return false;
  }
  int m = -1;
  for (int i = 0; i < 12; ++i) {
    if (::strcasecmp(month, kMonths[i]) == 0) m = i;
  }
  if (m < 0 || hour > 23 || minute > 59 || second > 60) return false;
  if (year < 100) year += year < 50 ? 2000 : 1900;
  std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(m + 1)),
                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return false;
  std::int64_t offset_minutes = 0;
  if ((zone[0] == '+' || zone[0] == '-') && std::isdigit(static_cast<unsigned char>(zone[1]))) {
    int hhmm = std::atoi(zone + 1);
    offset_minutes = (hhmm / 100) * 60 + hhmm % 100;
    if (zone[0] == '-') offset_minutes = -offset_minutes;
  } else {
    static const std::pair<const char*, int> kZones[] = {{"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                                         {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (const auto& [name, hours] : kZones) {
      if (::strcasecmp(zone, name) == 0) offset_minutes = hours * 60;
    }
  }
  auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  unix_seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return true;
}

}  // namespace postino::imap
