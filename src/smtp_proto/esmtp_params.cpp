// MAIL/RCPT parameter parsing (RFC 5321 4.1.2 esmtp-param): one tokenizer,
// one function per verb; untrusted input, counts and lengths bounded.
#include "smtp_proto/esmtp_params.hpp"

#include <array>

#include "common/address.hpp"
#include "smtp_proto/xtext.hpp"

namespace postino::smtp {
namespace {

constexpr std::size_t kMaxSizeDigits = 20;  // uint64 holds 19 full digits; overflow checked below

struct Param {
  std::string keyword;  // upper-cased
  std::optional<std::string_view> value;
};

CommandError bad(std::string_view text) { return make_command_error(CommandErrorKind::bad_arguments, text); }
CommandError unrecognized() {
  return make_command_error(CommandErrorKind::unrecognized_parameter, "Unsupported option");
}

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return ascii_lower(a) == ascii_lower(b); }

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5321 4.1.2 esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
bool valid_keyword(std::string_view k) {
  if (k.empty() || k.size() > 32 || !is_alnum(static_cast<unsigned char>(k.front()))) return false;
  for (unsigned char c : k) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 under SMTPUTF8 (RFC 6531 3.3).
bool valid_value(std::string_view v, bool utf8_allowed) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c >= 0x80 && utf8_allowed) continue;
    if (c < 33 || c > 126 || c == '=') return false;
  }
  return !utf8_allowed || is_valid_utf8(v);
}

struct ParamList {
  std::array<Param, kMaxEsmtpParameters> items;
  std::size_t count = 0;
};

CommandResult<ParamList> split_params(std::string_view text, bool utf8_allowed) {
  ParamList list;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') { ++i; continue; }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(i, end - i);
    i = end;
    if (list.count == kMaxEsmtpParameters) return bad("Too many parameters");
    std::size_t eq = token.find('=');
    std::string_view keyword = token.substr(0, eq);
    if (!valid_keyword(keyword)) return bad("Bad parameter syntax");
    Param param{ascii_upper(keyword), std::nullopt};
    if (eq != std::string_view::npos) {
      std::string_view value = token.substr(eq + 1);
      if (!valid_value(value, utf8_allowed)) return bad("Bad parameter value syntax");
      param.value = value;
    }
    for (std::size_t k = 0; k < list.count; ++k) {
      if (list.items[k].keyword == param.keyword) return bad("Duplicate parameter");
    }
    list.items[list.count++] = std::move(param);
  }
  return list;
}

// RFC 1870 size-value = 1*20DIGIT, within uint64.
std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxSizeDigits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  return value;
}

std::optional<CommandError> apply_mail_param(const Param& p, const SmtpExtensions& ext, MailParams& out) {
  const auto& k = p.keyword;
  if (k == "SIZE") {
    if (!ext.size) return unrecognized();
    auto size = p.value ? parse_decimal(*p.value) : std::nullopt;
    if (!size) return bad("Bad SIZE parameter");
    out.size_bytes = size;
  } else if (k == "BODY") {
    if (!ext.eight_bit_mime && !ext.binary_mime) return unrecognized();
    if (!p.value) return bad("Bad BODY parameter");
    if (ext.eight_bit_mime && iequals(*p.value, "7BIT")) out.body = BodyType::seven_bit;
    else if (ext.eight_bit_mime && iequals(*p.value, "8BITMIME")) out.body = BodyType::eight_bit_mime;
    else if (ext.binary_mime && iequals(*p.value, "BINARYMIME")) out.body = BodyType::binary_mime;
    else return bad("Bad BODY parameter");
  } else if (k == "SMTPUTF8") {
    if (!ext.smtputf8) return unrecognized();
    if (p.value) return bad("SMTPUTF8 takes no value");
    out.smtputf8 = true;
  } else if (k == "RET") {
    if (!ext.dsn) return unrecognized();
    if (!p.value) return bad("Bad RET parameter");
    if (iequals(*p.value, "FULL")) out.ret = DsnReturn::full;
    else if (iequals(*p.value, "HDRS")) out.ret = DsnReturn::headers;
    else return bad("Bad RET parameter");
  } else if (k == "ENVID") {
    if (!ext.dsn) return unrecognized();
    if (!p.value || p.value->size() > kMaxEnvidBytes) return bad("Bad ENVID parameter");
    auto envid = decode_xtext(*p.value);
    if (!envid) return bad("Bad ENVID parameter");
    out.envid = std::move(*envid);
  } else if (k == "AUTH") {
    if (!ext.auth) return unrecognized();
    if (!p.value) return bad("Bad AUTH parameter");
    if (*p.value == "<>") {
      out.auth = "<>";  // RFC 4954 5: identity unknown or not to be trusted
    } else {
      auto mailbox = decode_xtext(*p.value);
      if (!mailbox) return bad("Bad AUTH parameter");
      out.auth = std::move(*mailbox);
    }
  } else {
    return unrecognized();
  }
  return std::nullopt;
}

std::optional<DsnNotify> parse_notify(std::string_view list) {
  DsnNotify notify;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    if (iequals(item, "NEVER")) notify.never = true;
    else if (iequals(item, "SUCCESS")) notify.success = true;
    else if (iequals(item, "FAILURE")) notify.failure = true;
    else if (iequals(item, "DELAY")) notify.delay = true;
    else return std::nullopt;
    start = end + 1;
  }
  // RFC 3461 4.1: NEVER must not be combined with the others.
  if (notify.never && (notify.success || notify.failure || notify.delay)) return std::nullopt;
  return notify;
}

// RFC 3461 4.2 orcpt-parameter = "ORCPT=" addr-type ";" xtext; addr-type is an atom.
std::optional<OriginalRecipient> parse_orcpt(std::string_view value, bool utf8_allowed) {
  if (value.size() > kMaxOrcptBytes) return std::nullopt;
  std::size_t semi = value.find(';');
  if (semi == std::string_view::npos || semi == 0 || semi + 1 == value.size()) return std::nullopt;
  std::string_view type = value.substr(0, semi);
  if (!valid_keyword(type)) return std::nullopt;
  OriginalRecipient orcpt{ascii_lower(type), {}};
  auto address = decode_xtext(value.substr(semi + 1), utf8_allowed && orcpt.addr_type == "utf-8");
  if (!address) return std::nullopt;
  orcpt.address = std::move(*address);
  return orcpt;
}

std::optional<CommandError> apply_rcpt_param(const Param& p, const SmtpExtensions& ext, bool utf8_allowed, RcptParams& out) {
  if (p.keyword == "NOTIFY") {
    if (!ext.dsn) return unrecognized();
    auto notify = p.value ? parse_notify(*p.value) : std::nullopt;
    if (!notify) return bad("Bad NOTIFY parameter");
    out.notify = notify;
  } else if (p.keyword == "ORCPT") {
    if (!ext.dsn) return unrecognized();
    auto orcpt = p.value ? parse_orcpt(*p.value, utf8_allowed) : std::nullopt;
    if (!orcpt) return bad("Bad ORCPT parameter");
    out.orcpt = std::move(orcpt);
  } else {
    return unrecognized();
  }
  return std::nullopt;
}

}  // namespace

CommandResult<MailParams> parse_mail_params(std::string_view text, const SmtpExtensions& extensions) {
  auto list = split_params(text, /*utf8_allowed=*/false);
  if (!list) return list.error();
  MailParams params;
  for (std::size_t i = 0; i < list->count; ++i) {
    if (auto error = apply_mail_param(list->items[i], extensions, params)) return *error;
  }
  return params;
}

CommandResult<RcptParams> parse_rcpt_params(std::string_view text, const SmtpExtensions& extensions, bool utf8_allowed) {
  auto list = split_params(text, utf8_allowed);
  if (!list) return list.error();
  RcptParams params;
  for (std::size_t i = 0; i < list->count; ++i) {
    if (auto error = apply_rcpt_param(list->items[i], extensions, utf8_allowed, params)) return *error;
  }
  return params;
}

}  // namespace postino::smtp
