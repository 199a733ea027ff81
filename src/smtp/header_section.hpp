// HeaderSection: holds the header section (RFC 5322 2.1) of a message being
// received, so submission can check From: and add Message-ID and Date before
// any byte reaches the spool; once the blank line that ends it has passed,
// the rest streams through untouched.
// Security: bounded by max_bytes; header names are matched case-insensitively
// and field bodies unfolded only on demand.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino {

class HeaderSection {
 public:
  explicit HeaderSection(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Feeds message bytes in order. While the header section is incomplete
  // they are held; from the blank line on, they are appended to `body_out`
  // (the header section itself is never appended: take it with headers()).
  void feed(std::string_view bytes, std::string& body_out);
  // The message ended (no blank line: it is all header).
  void finish();

  bool complete() const { return complete_; }
  bool over_limit() const { return over_limit_; }
  // The held header section, up to and without its terminating blank line.
  const std::string& headers() const { return headers_; }
  // Whether the blank line was seen (else the message has no body).
  bool has_separator() const { return separator_; }

  // Unfolded bodies of every field named `name` (case-insensitive), leading
  // white space removed, in order.
  std::vector<std::string> fields(std::string_view name) const;
  bool has_field(std::string_view name) const;

 private:
  std::size_t max_bytes_;
  std::string headers_;
  bool complete_ = false;
  bool separator_ = false;
  bool over_limit_ = false;
};

}  // namespace postino
