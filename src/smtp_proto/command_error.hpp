// CommandError: why a command line was refused, with the reply the server
// should send (RFC 5321 4.2.3 codes, RFC 3463/5248 enhanced codes).
// Security: texts are fixed strings and never echo client bytes.
#pragma once

#include <cassert>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace postino::smtp {

enum class CommandErrorKind : std::uint8_t {
  unknown_command,         // 500 5.5.1
  line_too_long,           // 500 5.5.2
  bad_syntax,              // 500 5.5.2: empty line, control characters
  bad_arguments,           // 501 5.5.4 (AUTH initial response: 501 5.5.2)
  bad_recipient_address,   // 501 5.1.3
  bad_sender_address,      // 501 5.1.7
  unrecognized_parameter,  // 555 5.5.4
  utf8_not_permitted,      // 553 5.6.7 (RFC 6531, code X.6.7 registered by RFC 5248)
};

struct CommandError {
  CommandErrorKind kind;
  std::uint16_t code;
  std::string_view enhanced;  // static storage
  std::string_view text;      // static storage, no client bytes
};

// The default reply for a kind; text is a short fixed description.
CommandError make_command_error(CommandErrorKind kind, std::string_view text);
const char* command_error_kind_name(CommandErrorKind kind);

// Shaped like common/result.hpp's Result<T>, with a CommandError instead of
// an Errc: the parser's failures are replies, not store/directory failures.
template <class T>
class [[nodiscard]] CommandResult {
 public:
  CommandResult(T value) : state_(std::move(value)) {}
  CommandResult(CommandError error) : state_(error) {}
  // Builds the value in place (no temporary T to move and destroy).
  template <class... Args>
  explicit CommandResult(std::in_place_t, Args&&... args) : state_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const CommandError& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, CommandError> state_;
};

}  // namespace postino::smtp
