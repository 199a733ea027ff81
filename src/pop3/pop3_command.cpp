// The POP3 command table and line parser. Keywords are case-insensitive
// (RFC 1939 3); arguments are separated by spaces (runs of spaces and a
// trailing space are tolerated, as clients send them).
#include "pop3/pop3_command.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace postino::pop3 {
namespace {

constexpr unsigned kBoth = kInAuthorization | kInTransaction;
constexpr std::size_t kMaxArgs = 2;

// RFC 1939 4-6, RFC 2449 5 (CAPA), RFC 2595 4 (STLS), RFC 5034 4 (AUTH).
constexpr std::array<CommandInfo, 14> kCommands{{
    {"CAPA", CommandKind::capa, kBoth, 0, 0},
    {"STLS", CommandKind::stls, kInAuthorization, 0, 0},
    {"AUTH", CommandKind::auth, kInAuthorization, 0, 2},
    {"USER", CommandKind::user, kInAuthorization, 1, 1},
    {"PASS", CommandKind::pass, kInAuthorization, 1, 1},
    {"QUIT", CommandKind::quit, kBoth, 0, 0},
    {"STAT", CommandKind::stat, kInTransaction, 0, 0},
    {"LIST", CommandKind::list, kInTransaction, 0, 1},
    {"UIDL", CommandKind::uidl, kInTransaction, 0, 1},
    {"RETR", CommandKind::retr, kInTransaction, 1, 1},
    {"TOP", CommandKind::top, kInTransaction, 2, 2},
    {"DELE", CommandKind::dele, kInTransaction, 1, 1},
    {"RSET", CommandKind::rset, kInTransaction, 0, 0},
    {"NOOP", CommandKind::noop, kInTransaction, 0, 0},
}};

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

const CommandInfo* find_command(std::string_view keyword) {
  for (const auto& info : kCommands) {
    std::string_view name(info.name);
    if (name.size() != keyword.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) same = upper(keyword[i]) == name[i];
    if (same) return &info;
  }
  return nullptr;
}

bool allowed_in(const CommandInfo& info, Pop3State state) {
  return (info.states & (state == Pop3State::authorization ? kInAuthorization : kInTransaction)) != 0;
}

ParseResult parse_command(std::string_view line) {
  ParseResult result;
  std::size_t space = line.find(' ');
  std::string_view keyword = line.substr(0, space);
  for (std::size_t i = 0; i < keyword.size() && i < 16; ++i) result.keyword.push_back(upper(keyword[i]));
  if (keyword.empty()) {
    result.error = line.empty() ? ParseError::empty : ParseError::unknown_command;
    return result;
  }
  const CommandInfo* info = find_command(keyword);
  if (info == nullptr) {
    result.error = ParseError::unknown_command;
    return result;
  }
  Command command;
  command.info = info;
  std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  if (info->kind == CommandKind::pass) {
    // RFC 1939 7: the password is the rest of the line, spaces included.
    if (!rest.empty()) command.args.emplace_back(rest);
  } else {
    while (!rest.empty()) {
      std::size_t start = rest.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      std::size_t end = rest.find(' ');
      if (command.args.size() == kMaxArgs) {
        result.error = ParseError::bad_arguments;
        return result;
      }
      command.args.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    }
  }
  if (command.args.size() < info->min_args || command.args.size() > info->max_args) {
    result.error = ParseError::bad_arguments;
    return result;
  }
  result.command = std::move(command);
  return result;
}

std::optional<std::uint32_t> parse_message_number(std::string_view text) {
  auto value = parse_decimal(text, 9);
  if (!value || *value == 0) return std::nullopt;
  return static_cast<std::uint32_t>(*value);
}

std::optional<std::uint32_t> parse_line_count(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::size_t first = text.find_first_not_of('0');
  if (first == std::string_view::npos) return 0;  // "0", "00"
  text.remove_prefix(first);
  // More lines than a message can have: TOP sends the whole body.
  if (text.size() > 10) return std::numeric_limits<std::uint32_t>::max();
  std::uint64_t value = *parse_decimal(text, 10);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace postino::pop3
