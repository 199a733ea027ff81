// The one table from a parse failure to its SMTP reply (STYLE.md habit 5);
// RFC 5321 4.2.3 reply codes with RFC 3463 enhanced codes.
#include "smtp_proto/command_error.hpp"

namespace postino::smtp {

CommandError make_command_error(CommandErrorKind kind, std::string_view text) {
  switch (kind) {
    case CommandErrorKind::unknown_command: return {kind, 500, "5.5.1", text};
    case CommandErrorKind::line_too_long: return {kind, 500, "5.5.2", text};
    case CommandErrorKind::bad_syntax: return {kind, 500, "5.5.2", text};
    case CommandErrorKind::bad_arguments: return {kind, 501, "5.5.4", text};
    case CommandErrorKind::bad_recipient_address: return {kind, 501, "5.1.3", text};
    case CommandErrorKind::bad_sender_address: return {kind, 501, "5.1.7", text};
    case CommandErrorKind::unrecognized_parameter: return {kind, 555, "5.5.4", text};
    case CommandErrorKind::utf8_not_permitted: return {kind, 553, "5.6.7", text};
  }
  assert(false && "unhandled CommandErrorKind");
  return {kind, 500, "5.5.2", text};
}

const char* command_error_kind_name(CommandErrorKind kind) {
  switch (kind) {
    case CommandErrorKind::unknown_command: return "unknown_command";
    case CommandErrorKind::line_too_long: return "line_too_long";
    case CommandErrorKind::bad_syntax: return "bad_syntax";
    case CommandErrorKind::bad_arguments: return "bad_arguments";
    case CommandErrorKind::bad_recipient_address: return "bad_recipient_address";
    case CommandErrorKind::bad_sender_address: return "bad_sender_address";
    case CommandErrorKind::unrecognized_parameter: return "unrecognized_parameter";
    case CommandErrorKind::utf8_not_permitted: return "utf8_not_permitted";
  }
  return "unknown";
}

}  // namespace postino::smtp
