// Structured MIME header field parsers (see content_fields.hpp).
#include "mime/content_fields.hpp"

#include <algorithm>
#include <cstdint>

namespace postino::mime::detail {
namespace {

constexpr size_t kMaxParams = 256;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// RFC 2045 5.1 token: CHAR except SPACE, CTLs and tspecials. 8-bit bytes are
// accepted as token bytes (Dovecot does; raw UTF-8 names exist in the wild).
bool is_token_char(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return false;
    default:
      return true;
  }
}

// RFC 5322 3.2.3 atext (plus 8-bit).
bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void advance() { ++i_; }

  // Skips whitespace, line ends and (nested) comments. False at the end.
  bool skip_cfws() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i_;
      } else if (c == '(') {
        int depth = 0;
        while (i_ < s_.size()) {
          char d = s_[i_++];
          if (d == '\\') {
            if (i_ < s_.size()) ++i_;
          } else if (d == '(') {
            ++depth;
          } else if (d == ')') {
            if (--depth == 0) break;
          }
        }
      } else {
        return true;
      }
    }
    return false;
  }

  bool token(std::string& out) {
    size_t start = i_;
    while (i_ < s_.size() && is_token_char(static_cast<unsigned char>(s_[i_]))) ++i_;
    out.assign(s_.substr(start, i_ - start));
    skip_cfws();
    return i_ > start;
  }

  bool atom(std::string& out) {
    size_t start = i_;
    while (i_ < s_.size() && is_atext(static_cast<unsigned char>(s_[i_]))) ++i_;
    out.assign(s_.substr(start, i_ - start));
    skip_cfws();
    return i_ > start;
  }

  // At '"': the unescaped content; folds (CRLF before WSP) removed.
  bool quoted_string(std::string& out) {
    out.clear();
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') {
        skip_cfws();
        return true;
      }
      if (c == '\\' && i_ < s_.size()) {
        c = s_[i_++];
        if (c == '\r' || c == '\n') continue;
        out.push_back(c);
      } else if (c == '\r' || c == '\n') {
        continue;
      } else {
        out.push_back(c);
      }
    }
    return false;  // unterminated: keep what we have
  }

  // Dovecot's workaround for name==?utf-8?b?...?= : up to ';' or whitespace.
  void raw_until_separator(std::string& out) {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ';' && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\r' &&
           s_[i_] != '\n') {
      ++i_;
    }
    out.assign(s_.substr(start, i_ - start));
    skip_cfws();
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// One "; name=value"; false when the parameter is broken (the lexer is then
// somewhere inside it; the caller skips one byte and tries again).
enum class ParamResult { none, ok, broken };
ParamResult next_param(Lexer& lx, std::string& name, std::string& value) {
  name.clear();
  value.clear();
  if (lx.at_end()) return ParamResult::none;
  if (lx.peek() != ';') return ParamResult::broken;
  lx.advance();
  if (!lx.skip_cfws()) return ParamResult::broken;
  if (!lx.token(name)) return ParamResult::broken;
  if (lx.at_end() || lx.peek() != '=') return ParamResult::broken;
  lx.advance();
  if (!lx.skip_cfws()) return ParamResult::ok;  // "name=" at the end: empty value
  if (lx.peek() == '"') {
    if (!lx.quoted_string(value)) return ParamResult::broken;
  } else if (lx.peek() == '=') {
    lx.raw_until_separator(value);
  } else {
    lx.token(value);
  }
  return ParamResult::ok;
}

struct Continuation {
  std::string key;
  std::string value;
  uint32_t index;
  bool extended;
};

void escape_percent(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '%') {
      out += "%25";
    } else {
      out.push_back(c);
    }
  }
}

std::vector<Param> parse_params_lexer(Lexer& lx) {
  std::vector<Param> result;
  std::vector<Continuation> continuations;
  std::string name;
  std::string value;
  size_t seen = 0;
  for (;;) {
    ParamResult r = next_param(lx, name, value);
    if (r == ParamResult::none) break;
    if (++seen > kMaxParams) break;
    if (r == ParamResult::broken) {
      if (lx.at_end()) break;
      lx.advance();  // try to continue after the broken byte, as Dovecot does
      continue;
    }
    // RFC 2231 3-4: name*, name*N, name*N*.
    size_t star = name.find('*');
    if (star != std::string::npos) {
      std::string_view rest = std::string_view(name).substr(star + 1);
      uint32_t index = 0;
      size_t digits = 0;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9' && digits < 9) {
        index = index * 10 + static_cast<uint32_t>(rest[digits] - '0');
        ++digits;
      }
      rest.remove_prefix(digits);
      bool extended = false;
      if (digits == 0 && rest.empty()) {
        extended = true;  // "name*=charset'lang'value"
      } else if (!rest.empty() && rest.front() == '*') {
        extended = true;
        rest.remove_prefix(1);
      }
      // "name*" alone is an extended value without continuations.
      bool valid = rest.empty() && (digits > 0 || extended);
      if (valid) {
        continuations.push_back(Continuation{name.substr(0, star), value, index, extended});
        continue;
      }
    }
    result.push_back(Param{name, value});
  }
  if (continuations.empty()) return result;

  std::stable_sort(continuations.begin(), continuations.end(), [](const Continuation& a, const Continuation& b) {
    if (a.key != b.key) return a.key < b.key;
    return a.index < b.index;
  });
  for (size_t i = 0; i < continuations.size();) {
    size_t j = i;
    bool complete = true;
    bool any_extended = false;
    uint32_t expect = 0;
    while (j < continuations.size() && iequals(continuations[j].key, continuations[i].key)) {
      if (continuations[j].index != expect) complete = false;
      any_extended = any_extended || continuations[j].extended;
      ++expect;
      ++j;
    }
    if (!complete) {
      // Missing or repeated indexes: give the pieces back as written.
      for (size_t k = i; k < j; ++k) {
        const Continuation& c = continuations[k];
        std::string key = c.key + "*" + std::to_string(c.index) + (c.extended ? "*" : "");
        result.push_back(Param{std::move(key), c.value});
      }
    } else {
      std::string merged;
      // An extended value needs the charset'lang' prefix; a first piece that
      // is not extended gets an empty one, and its '%' are escaped.
      if (any_extended && !continuations[i].extended) merged += "''";
      for (size_t k = i; k < j; ++k) {
        if (any_extended && !continuations[k].extended) {
          escape_percent(merged, continuations[k].value);
        } else {
          merged += continuations[k].value;
        }
      }
      result.push_back(Param{continuations[i].key + (any_extended ? "*" : ""), std::move(merged)});
    }
    i = j;
  }
  return result;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string trim_wsp(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return std::string(value);
}

std::optional<ContentType> parse_content_type(std::string_view value) {
  Lexer lx(value);
  if (!lx.skip_cfws()) return std::nullopt;
  ContentType ct;
  if (!lx.token(ct.type)) return std::nullopt;
  if (lx.at_end() || lx.peek() != '/') return std::nullopt;
  lx.advance();
  if (!lx.skip_cfws()) return std::nullopt;
  if (!lx.token(ct.subtype)) return std::nullopt;
  if (!lx.at_end() && lx.peek() != ';') return std::nullopt;
  ct.params = parse_params_lexer(lx);
  return ct;
}

std::optional<std::string> parse_transfer_encoding(std::string_view value) {
  Lexer lx(value);
  if (!lx.skip_cfws()) return std::nullopt;
  std::string token;
  if (!lx.token(token) || !lx.at_end()) return std::nullopt;
  return token;
}

std::optional<Disposition> parse_disposition(std::string_view value) {
  Lexer lx(value);
  lx.skip_cfws();
  Disposition d;
  if (!lx.token(d.value)) return std::nullopt;
  d.params = parse_params_lexer(lx);
  return d;
}

std::vector<std::string> parse_language(std::string_view value) {
  std::vector<std::string> out;
  Lexer lx(value);
  lx.skip_cfws();
  std::string tag;
  while (out.size() < kMaxParams && lx.atom(tag)) {
    out.push_back(tag);
    if (lx.at_end() || lx.peek() != ',') break;
    lx.advance();
    lx.skip_cfws();
  }
  return out;
}

std::vector<Param> parse_params(std::string_view text) {
  Lexer lx(text);
  lx.skip_cfws();
  return parse_params_lexer(lx);
}

}  // namespace postino::mime::detail
