// Reply assembly and EHLO keyword parsing. See server_reply.hpp.
#include "smtp_client/server_reply.hpp"

#include <cctype>

#include "common/address.hpp"

namespace postino::smtp_client {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3463 2 / RFC 2034: "class.subject.detail" at the start of the text,
// class equal to the reply's first digit, subject and detail 1-3 digits.
std::string leading_enhanced(std::uint16_t code, std::string_view text) {
  const char klass = static_cast<char>('0' + code / 100);
  if (text.size() < 5 || text[0] != klass || text[1] != '.') return {};
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < 4) ++i;
    if (i == start || i - start > 3) return {};
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return {};
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return {};
  return std::string(text.substr(0, i));
}

std::uint64_t parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return 0;
    const std::uint64_t next = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != value) return 0;  // overflow: treat as "no limit announced"
    value = next;
  }
  return value;
}

}  // namespace

std::string ServerReply::text() const {
  std::string out = std::to_string(code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += ' ';
    out += lines[i];
  }
  return out;
}

Result<bool> ReplyAssembler::feed(std::string_view line) {
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
    return make_error(Errc::corrupt_data, "malformed reply line");
  }
  const auto code = static_cast<std::uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  if (code < 200 || code > 599) return make_error(Errc::corrupt_data, "reply code out of range");
  bool last = true;
  if (line.size() > 3) {
    if (line[3] == '-') {
      last = false;
    } else if (line[3] != ' ') {
      return make_error(Errc::corrupt_data, "malformed reply line");
    }
  }
  if (reply_.code != 0 && reply_.code != code) return make_error(Errc::corrupt_data, "reply code changed between lines");
  if (reply_.lines.size() >= max_lines_) return make_error(Errc::corrupt_data, "too many reply lines");
  reply_.code = code;
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
  if (reply_.lines.empty()) reply_.enhanced = leading_enhanced(code, text);
  reply_.lines.emplace_back(text);
  return last;
}

ServerReply ReplyAssembler::take() {
  ServerReply out = std::move(reply_);
  reply_ = ServerReply{};
  return out;
}

EhloCapabilities parse_ehlo(const ServerReply& reply) {
  EhloCapabilities caps;
  caps.esmtp = true;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    const std::size_t space = line.find(' ');
    const std::string keyword = ascii_lower(line.substr(0, space));
    std::string_view params = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (keyword == "pipelining") caps.pipelining = true;
    else if (keyword == "8bitmime") caps.eight_bit_mime = true;
    else if (keyword == "smtputf8") caps.smtputf8 = true;
    else if (keyword == "starttls") caps.starttls = true;
    else if (keyword == "chunking") caps.chunking = true;
    else if (keyword == "binarymime") caps.binary_mime = true;
    else if (keyword == "dsn") caps.dsn = true;
    else if (keyword == "enhancedstatuscodes") caps.enhanced_status_codes = true;
    else if (keyword == "size") {
      caps.size = true;
      caps.size_limit_bytes = parse_u64(params.substr(0, params.find(' ')));
    } else if (keyword == "auth") {
      while (!params.empty()) {
        const std::size_t next = params.find(' ');
        std::string mech = ascii_lower(params.substr(0, next));
        for (char& c : mech) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!mech.empty()) caps.auth.insert(mech);
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
      }
    }
  }
  return caps;
}

}  // namespace postino::smtp_client
