// Command-line parsing: split the verb, look it up in the table, then one
// small function per argument shape. Path and parameters have their own files.
#include "smtp_proto/smtp_command.hpp"

#include <arpa/inet.h>  // inet_pton: pure conversion, no I/O

#include <algorithm>
#include <array>

#include "common/address.hpp"

namespace postino::smtp {
namespace {

constexpr std::array<CommandInfo, 15> kCommands = {{
    // verb            name        ends group  smtp   lmtp
    {Verb::ehlo, "EHLO", true, true, false},
    {Verb::helo, "HELO", true, true, false},
    {Verb::lhlo, "LHLO", true, false, true},
    {Verb::mail, "MAIL", false, true, true},
    {Verb::rcpt, "RCPT", false, true, true},
    {Verb::data, "DATA", true, true, true},
    {Verb::bdat, "BDAT", false, true, true},  // ends a group only with LAST
    {Verb::rset, "RSET", false, true, true},
    {Verb::noop, "NOOP", true, true, true},
    {Verb::quit, "QUIT", true, true, true},
    {Verb::help, "HELP", false, true, true},
    {Verb::vrfy, "VRFY", true, true, true},
    {Verb::expn, "EXPN", true, true, true},
    {Verb::starttls, "STARTTLS", true, true, true},  // RFC 3207: last in a group
    {Verb::auth, "AUTH", true, true, true},
}};

template <class Args>
CommandResult<SmtpCommand> command(Verb verb, Args args) {
  return CommandResult<SmtpCommand>(std::in_place, verb, std::move(args));
}

CommandError error(CommandErrorKind kind, std::string_view text) { return make_command_error(kind, text); }
CommandError bad_args(std::string_view text) { return error(CommandErrorKind::bad_arguments, text); }

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view skip_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

std::string_view trim_trailing_spaces(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Splits "first rest": rest has leading spaces removed.
std::pair<std::string_view, std::string_view> split_word(std::string_view text) {
  std::size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return {text, {}};
  return {text.substr(0, sp), skip_spaces(text.substr(sp + 1))};
}

const CommandInfo* find_command(std::string_view name) {
  for (const auto& info : kCommands) {
    if (iequals(info.name, name)) return &info;
  }
  return nullptr;
}

std::optional<std::uint64_t> parse_chunk_size(std::string_view digits) {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  return value;
}

// RFC 5321 4.1.3 address-literal; General-address-literal falls to "other".
HeloForm classify_helo(std::string_view raw) {
  if (raw.size() >= 2 && raw.front() == '[' && raw.back() == ']') {
    std::string inner(raw.substr(1, raw.size() - 2));
    unsigned char buf[16];
    if (istarts_with(inner, "IPv6:")) {
      return inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1 ? HeloForm::ipv6_literal : HeloForm::other;
    }
    return inet_pton(AF_INET, inner.c_str(), buf) == 1 ? HeloForm::ipv4_literal : HeloForm::other;
  }
  if (raw.find(' ') != std::string_view::npos) return HeloForm::other;
  return parse_domain(raw, /*allow_utf8=*/false, /*allow_single_label=*/true).ok() ? HeloForm::domain
                                                                                    : HeloForm::other;
}

CommandResult<SmtpCommand> parse_hello(Verb verb, std::string_view rest) {
  if (rest.empty()) {
    return bad_args(verb == Verb::helo ? "Syntax: HELO hostname"
                                       : verb == Verb::ehlo ? "Syntax: EHLO hostname" : "Syntax: LHLO hostname");
  }
  return command(verb, HelloArgs{std::string(rest), classify_helo(rest)});
}

// "FROM:<path> params" / "TO:<path> params": returns the bracketed path and the params text.
struct PathAndParams {
  std::string_view path;
  std::string_view params;
};

std::optional<PathAndParams> split_path(std::string_view rest, std::string_view keyword) {
  if (!istarts_with(rest, keyword)) return std::nullopt;
  rest = skip_spaces(rest.substr(keyword.size()));  // "MAIL FROM: <a@b>": Postfix tolerates it
  std::size_t end = find_path_end(rest);
  if (end == std::string_view::npos) return PathAndParams{rest, {}};  // parse_path reports it
  std::string_view after = rest.substr(end);
  if (!after.empty() && after.front() != ' ') return PathAndParams{rest, {}};  // "<a@b>x"
  return PathAndParams{rest.substr(0, end), after};
}

CommandResult<SmtpCommand> parse_mail(std::string_view rest, const ParseOptions& options) {
  auto parts = split_path(rest, "FROM:");
  if (!parts) return bad_args("Syntax: MAIL FROM:<address>");
  if (find_path_end(parts->path) != parts->path.size()) {
    return error(CommandErrorKind::bad_sender_address, "Bad sender address syntax");
  }
  auto params = parse_mail_params(parts->params, options.extensions);
  if (!params) return params.error();
  auto path = parse_path(parts->path, PathRole::reverse, params->smtputf8);
  if (!path) return path.error();
  return command(Verb::mail, MailArgs{std::move(*path), std::move(*params)});
}

CommandResult<SmtpCommand> parse_rcpt(std::string_view rest, const ParseOptions& options) {
  auto parts = split_path(rest, "TO:");
  if (!parts) return bad_args("Syntax: RCPT TO:<address>");
  if (find_path_end(parts->path) != parts->path.size()) {
    return error(CommandErrorKind::bad_recipient_address, "Bad recipient address syntax");
  }
  auto params = parse_rcpt_params(parts->params, options.extensions, options.utf8_transaction);
  if (!params) return params.error();
  auto path = parse_path(parts->path, PathRole::forward, options.utf8_transaction);
  if (!path) return path.error();
  return command(Verb::rcpt, RcptArgs{std::move(*path), std::move(*params)});
}

// RFC 3030 2: "BDAT" SP chunk-size [ SP end-marker ].
CommandResult<SmtpCommand> parse_bdat(std::string_view rest) {
  auto [size_text, tail] = split_word(rest);
  auto size = parse_chunk_size(size_text);
  if (!size) return bad_args("Syntax: BDAT size [LAST]");
  bool last = false;
  if (!tail.empty()) {
    if (!iequals(tail, "LAST")) return bad_args("Syntax: BDAT size [LAST]");
    last = true;
  }
  return command(Verb::bdat, BdatArgs{*size, last});
}

bool valid_mechanism(std::string_view m) {
  if (m.empty() || m.size() > kMaxAuthMechanismBytes) return false;
  for (char c : m) {
    char u = upper(c);
    if (!((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_')) return false;
  }
  return true;
}

bool valid_base64(std::string_view text) {
  if (text == "=") return true;  // RFC 4954 4: empty initial response
  if (text.empty() || text.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (char c : text) {
    bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') ++pad;
    else if (!b64 || pad > 0) return false;
  }
  return pad <= 2;
}

// RFC 4954 4: "AUTH" SP sasl-mech [SP initial-response].
CommandResult<SmtpCommand> parse_auth(std::string_view rest) {
  auto [mechanism, response] = split_word(rest);
  if (!valid_mechanism(mechanism)) return bad_args("Syntax: AUTH mechanism [initial-response]");
  AuthArgs args;
  for (char c : mechanism) args.mechanism += upper(c);
  if (!response.empty()) {
    if (!valid_base64(response)) {
      return CommandError{CommandErrorKind::bad_arguments, 501, "5.5.2", "Invalid base64 in initial response"};
    }
    args.initial_response = std::string(response);
  }
  return command(Verb::auth, std::move(args));
}

CommandResult<SmtpCommand> parse_arguments(const CommandInfo& info, std::string_view rest, const ParseOptions& options) {
  switch (info.verb) {
    case Verb::ehlo:
    case Verb::helo:
    case Verb::lhlo:
      return parse_hello(info.verb, rest);
    case Verb::mail:
      return parse_mail(rest, options);
    case Verb::rcpt:
      return parse_rcpt(rest, options);
    case Verb::bdat:
      return parse_bdat(rest);
    case Verb::auth:
      return parse_auth(rest);
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
    case Verb::starttls:
      if (!rest.empty()) {
        switch (info.verb) {
          case Verb::data: return bad_args("Syntax: DATA");
          case Verb::rset: return bad_args("Syntax: RSET");
          case Verb::quit: return bad_args("Syntax: QUIT");
          default: return bad_args("Syntax: STARTTLS");
        }
      }
      return command(info.verb, NoArgs{});
    case Verb::noop:
    case Verb::help:
      return command(info.verb, TextArgs{std::string(rest)});
    case Verb::vrfy:
    case Verb::expn:
      if (rest.empty()) return bad_args(info.verb == Verb::vrfy ? "Syntax: VRFY address" : "Syntax: EXPN list");
      return command(info.verb, TextArgs{std::string(rest)});
  }
  assert(false && "verb missing from parse_arguments");
  return error(CommandErrorKind::unknown_command, "Command unrecognized");
}

}  // namespace

std::span<const CommandInfo> command_table() { return kCommands; }

const CommandInfo& command_info(Verb verb) {
  for (const auto& info : kCommands) {
    if (info.verb == verb) return info;
  }
  assert(false && "verb missing from command table");
  return kCommands[0];
}

bool ends_pipeline_group(const SmtpCommand& command) {
  if (command.verb == Verb::bdat) return command.args_as<BdatArgs>().last;
  return command_info(command.verb).ends_pipeline_group;
}

CommandError line_too_long_error() { return error(CommandErrorKind::line_too_long, "Line too long"); }

CommandResult<SmtpCommand> parse_command(std::string_view line, const ParseOptions& options) {
  std::size_t hard_limit = std::max(options.max_line_bytes, options.max_auth_line_bytes);
  if (line.size() > hard_limit) return line_too_long_error();
  for (unsigned char c : line) {
    // CR, LF and NUL have no place in a command line (RFC 5321 2.3.8); a
    // bare LF or CR here is a smuggling attempt or a broken client.
    if (c < 32 || c == 127) return error(CommandErrorKind::bad_syntax, "Invalid character in command");
  }
  std::size_t line_bytes = line.size();
  line = trim_trailing_spaces(line);
  if (line.empty()) return error(CommandErrorKind::bad_syntax, "Empty command");

  auto [name, rest] = split_word(line);
  const CommandInfo* info = find_command(name);
  if (info == nullptr || !(options.lmtp ? info->lmtp : info->smtp)) {
    return error(CommandErrorKind::unknown_command, "Command unrecognized");
  }
  if (info->verb != Verb::auth && line_bytes > options.max_line_bytes) return line_too_long_error();
  return parse_arguments(*info, rest, options);
}

}  // namespace postino::smtp
