// A byte-at-a-time matcher for "Received" *WSP ":" at the start of a header
// line (RFC 5321 6.3 hop counting); no buffering, so chunk splits do not matter.
#include "smtp_proto/hop_counter.hpp"

#include <limits>

namespace postino::smtp {
namespace {

constexpr std::string_view kFieldName = "received";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

void HopCounter::end_or_skip(char c) { state_ = (c == '\n') ? State::line_start : State::skip_line; }

void HopCounter::feed(std::string_view bytes) {
  for (char c : bytes) {
    switch (state_) {
      case State::body:
        return;
      case State::line_start:
        if (c == '\n') {
          state_ = State::body;  // empty line: end of the header section (RFC 5322 2.1)
        } else if (c == '\r') {
          state_ = State::line_start_cr;
        } else if (lower(c) == kFieldName[0]) {
          matched_ = 1;
          state_ = State::name;
        } else {
          state_ = State::skip_line;  // another field, or a folded continuation
        }
        break;
      case State::line_start_cr:
        if (c == '\n') state_ = State::body;
        else end_or_skip(c);
        break;
      case State::name:
        if (lower(c) == kFieldName[matched_]) {
          if (++matched_ == kFieldName.size()) state_ = State::before_colon;
        } else {
          end_or_skip(c);
        }
        break;
      case State::before_colon:
        // RFC 5322 4.5 obsolete syntax: WSP may precede the colon.
        if (c == ':') {
          if (count_ < std::numeric_limits<std::uint32_t>::max()) ++count_;
          state_ = State::skip_line;
        } else if (c != ' ' && c != '\t') {
          end_or_skip(c);
        }
        break;
      case State::skip_line:
        if (c == '\n') state_ = State::line_start;
        break;
    }
  }
}

}  // namespace postino::smtp
