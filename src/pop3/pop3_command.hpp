// POP3 command lines (RFC 1939 3, RFC 2449 3) as a pure parse: keyword,
// arguments, and the command table saying in which states each command is
// allowed. No I/O.
// Security: parses untrusted input; message numbers are bounded decimal
// (no sign, no overflow); the argument count is checked against the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::pop3 {

enum class Pop3State { authorization, transaction };

enum class CommandKind { capa, stls, auth, user, pass, quit, stat, list, uidl, retr, top, dele, rset, noop };

// Bits of CommandInfo::states.
inline constexpr unsigned kInAuthorization = 1u << 0;
inline constexpr unsigned kInTransaction = 1u << 1;

struct CommandInfo {
  const char* name;  // upper case, as in CAPA and logs
  CommandKind kind;
  unsigned states;   // kInAuthorization | kInTransaction
  std::uint8_t min_args;
  std::uint8_t max_args;
};

struct Command {
  const CommandInfo* info = nullptr;
  // Arguments split on spaces; PASS keeps the rest of the line as one
  // argument (RFC 1939 7: a password may contain spaces).
  std::vector<std::string> args;
};

enum class ParseError { empty, unknown_command, bad_arguments };

struct ParseResult {
  std::optional<Command> command;
  ParseError error = ParseError::empty;  // when !command
  std::string keyword;                   // upper-cased, for logs (at most 16 bytes)
};

// Parses one command line (without CRLF).
ParseResult parse_command(std::string_view line);
bool allowed_in(const CommandInfo& info, Pop3State state);
const CommandInfo* find_command(std::string_view keyword);

// A message number (RFC 1939 msg): 1-9 digits of decimal, no leading '+'
// or '-', at least 1.
std::optional<std::uint32_t> parse_message_number(std::string_view text);
// TOP's line count: a non-negative decimal (0 allowed), capped at UINT32_MAX.
std::optional<std::uint32_t> parse_line_count(std::string_view text);

}  // namespace postino::pop3
