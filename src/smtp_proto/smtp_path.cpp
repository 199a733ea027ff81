// Path parsing: bracket, source-route and Postmaster handling here; the
// mailbox itself goes to common/address.hpp's parse_address.
#include "smtp_proto/smtp_path.hpp"

namespace postino::smtp {
namespace {

CommandError path_error(PathRole role, std::string_view text) {
  return make_command_error(
      role == PathRole::reverse ? CommandErrorKind::bad_sender_address : CommandErrorKind::bad_recipient_address, text);
}

bool has_8bit(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return true;
  }
  return false;
}

// RFC 5321 4.1.2 A-d-l = At-domain *( "," At-domain ), At-domain = "@" Domain.
bool valid_source_route(std::string_view route) {
  if (route.empty()) return false;
  std::size_t start = 0;
  while (start <= route.size()) {
    std::size_t end = route.find(',', start);
    if (end == std::string_view::npos) end = route.size();
    std::string_view hop = route.substr(start, end - start);
    if (hop.size() < 2 || hop.front() != '@') return false;
    if (!parse_domain(hop.substr(1), /*allow_utf8=*/true, /*allow_single_label=*/true).ok()) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string Path::str() const {
  switch (kind) {
    case PathKind::null_path: return "<>";
    case PathKind::postmaster: return "<" + address.local + ">";
    case PathKind::mailbox: return "<" + address.str() + ">";
  }
  return "<>";
}

std::size_t find_path_end(std::string_view text) {
  if (text.empty() || text.front() != '<') return std::string_view::npos;
  bool quoted = false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\') ++i;  // quoted-pairSMTP: the next octet is literal
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

CommandResult<Path> parse_path(std::string_view bracketed, PathRole role, bool utf8_allowed) {
  if (find_path_end(bracketed) != bracketed.size()) return path_error(role, "path must be enclosed in <>");
  std::string_view inner = bracketed.substr(1, bracketed.size() - 2);

  // RFC 6531: without SMTPUTF8 a non-ASCII address is refused with 5.6.7.
  bool utf8 = has_8bit(inner);
  if (utf8 && !utf8_allowed) {
    return make_command_error(CommandErrorKind::utf8_not_permitted, "Non-ASCII address requires SMTPUTF8");
  }

  Path path;
  path.utf8 = utf8;
  if (inner.empty()) {
    if (role == PathRole::forward) return path_error(role, "Null recipient address not allowed");
    path.kind = PathKind::null_path;
    return path;
  }
  // RFC 5321 4.1.1.3: "Postmaster" without a domain, case-insensitive.
  if (role == PathRole::forward && ascii_lower(inner) == "postmaster") {
    path.kind = PathKind::postmaster;
    path.address.local = std::string(inner);
    return path;
  }
  // RFC 5321 4.1.2 and C.: a source route is syntax to accept and ignore.
  if (inner.front() == '@') {
    std::size_t colon = inner.find(':');
    if (colon == std::string_view::npos || !valid_source_route(inner.substr(0, colon))) {
      return path_error(role, role == PathRole::reverse ? "Bad sender address syntax" : "Bad recipient address syntax");
    }
    inner.remove_prefix(colon + 1);
  }
  auto address = parse_address(inner, AddressOptions{.allow_utf8 = utf8_allowed});
  if (!address) {
    return path_error(role, role == PathRole::reverse ? "Bad sender address syntax" : "Bad recipient address syntax");
  }
  path.address = std::move(*address);
  return path;
}

}  // namespace postino::smtp
