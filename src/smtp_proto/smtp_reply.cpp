// Reply formatting (RFC 5321 4.2, RFC 2034): sanitise, wrap, prefix.
// Nothing here touches the network; text is treated as untrusted.
#include "smtp_proto/smtp_reply.hpp"

#include <cassert>

namespace postino::smtp {
namespace {

constexpr std::size_t kCrlfBytes = 2;
constexpr std::size_t kCodeBytes = 4;  // "250-" or "250 "

bool valid_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool is_valid_enhanced_status(std::uint16_t code, std::string_view enhanced) {
  if (code < 200 || code > 599 || enhanced.size() < 5) return false;
  char cls = enhanced[0];
  if (cls != static_cast<char>('0' + code / 100) || (cls != '2' && cls != '4' && cls != '5')) return false;
  if (enhanced[1] != '.') return false;
  std::string_view rest = enhanced.substr(2);
  std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return false;
  return valid_number(rest.substr(0, dot)) && valid_number(rest.substr(dot + 1));
}

std::string sanitize_reply_text(std::string_view text) {
  std::string out(text);
  for (auto& ch : out) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\r' || c == '\n') ch = ' ';
    else if (c == '\t') continue;
    else if (c < 32 || c >= 127) ch = '?';
  }
  return out;
}

SmtpReply::SmtpReply(std::uint16_t code, std::string_view enhanced, std::string_view text)
    : code_(code), enhanced_(enhanced) {
  assert(code >= 200 && code <= 599);
  assert(enhanced.empty() || is_valid_enhanced_status(code, enhanced));
  if (!text.empty()) add_line(text);
}

std::size_t SmtpReply::text_budget() const {
  std::size_t prefix = kCodeBytes + (enhanced_.empty() ? 0 : enhanced_.size() + 1);
  return kMaxReplyLineBytes - kCrlfBytes - prefix;
}

SmtpReply& SmtpReply::add_line(std::string_view text) {
  std::string clean = sanitize_reply_text(text);
  std::string_view rest = clean;
  const std::size_t budget = text_budget();
  while (lines_.size() < kMaxReplyLines) {
    if (rest.size() <= budget) {
      lines_.emplace_back(rest);
      break;
    }
    // Wrap at the last space that fits; a word longer than a line is cut.
    std::size_t cut = rest.rfind(' ', budget);
    if (cut == std::string_view::npos || cut == 0) {
      lines_.emplace_back(rest.substr(0, budget));
      rest.remove_prefix(budget);
    } else {
      lines_.emplace_back(rest.substr(0, cut));
      rest.remove_prefix(cut + 1);
      if (rest.empty()) break;
    }
  }
  return *this;
}

std::string SmtpReply::wire() const {
  const std::string code = std::to_string(code_);
  auto append = [&](std::string& out, std::string_view line, bool last) {
    out += code;
    out += last ? ' ' : '-';
    out += enhanced_;
    if (!line.empty()) {
      if (!enhanced_.empty()) out += ' ';
      out += line;
    }
    if (enhanced_.empty() && line.empty() && last) out.pop_back();  // bare "250"
    out += "\r\n";
  };
  std::string out;
  if (lines_.empty()) {
    append(out, {}, true);
    return out;
  }
  for (std::size_t i = 0; i < lines_.size(); ++i) append(out, lines_[i], i + 1 == lines_.size());
  return out;
}

SmtpReply reply_for(const CommandError& error) { return SmtpReply(error.code, error.enhanced, error.text); }

SmtpReply ehlo_reply(std::string_view domain, std::string_view greeting, std::span<const std::string> keywords) {
  std::string first(domain);
  if (!greeting.empty()) {
    first += ' ';
    first += greeting;
  }
  SmtpReply reply(250, {}, first);
  for (const auto& keyword : keywords) reply.add_line(keyword);
  return reply;
}

}  // namespace postino::smtp
