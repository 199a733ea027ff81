// ParseError and ParseResult<T>: why a command was refused, shaped for the
// IMAP reply the session sends ("tag BAD ...", "tag NO [BADCHARSET ...] ...",
// "* BAD ..." when no tag could be read).
// RFC 9051 7.1 (BAD/NO, response codes); RFC 5530 (CLIENTBUG, TOOBIG, LIMIT).
// Security: messages are fixed texts plus at most the name of a keyword
// the parser recognised; raw client bytes are never echoed.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace postino::imap {

// Which ParseLimits field was exceeded (none for ordinary syntax errors).
enum class ExceededLimit : std::uint8_t {
  none, nesting, search_keys, sequence_ranges, string_bytes, command_bytes, list_items,
};
const char* exceeded_limit_name(ExceededLimit limit);

struct ParseError {
  std::string tag;       // empty when the command had no valid tag: reply "* BAD"
  bool bad = true;       // true: tagged BAD (syntax); false: tagged NO
  std::string code;      // response code without brackets, e.g. "BADCHARSET (US-ASCII UTF-8)",
                         // "LIMIT", "CANNOT", "CLIENTBUG"; empty for none
  std::string message;   // human text for after the code
  ExceededLimit limit = ExceededLimit::none;
};

// Shaped like common/result.hpp's Result<T> (and std::expected), with a
// ParseError: an IMAP parse failure is a reply, not an Errc.
template <class T>
class [[nodiscard]] ParseResult {
 public:
  ParseResult(T value) : state_(std::move(value)) {}
  ParseResult(ParseError error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ParseError& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, ParseError> state_;
};

}  // namespace postino::imap
