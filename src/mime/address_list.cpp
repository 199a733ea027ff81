// RFC 5322 3.4 address-list parsing for ENVELOPE (see address_list.hpp).
// Hand-written: the IMAP shape (groups as markers, route kept, placeholders
// for missing parts) is specific to ENVELOPE and must never fail.
#include "mime/address_list.hpp"

namespace postino::mime {
namespace {

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

class AddressParser {
 public:
  explicit AddressParser(std::string_view s) : s_(s) {}

  std::vector<ImapAddress> run() {
    while (out_.size() < kMaxAddresses) {
      skip_cfws();
      if (at_end()) break;
      if (peek() == ',') {
        ++i_;
        continue;
      }
      size_t start = i_;
      if (!group()) {
        i_ = start;
        mailbox();
      }
      skip_junk_to_comma();
    }
    return std::move(out_);
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }

  // Skips whitespace and comments; remembers the last comment's text.
  void skip_cfws() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i_;
      } else if (c == '(') {
        std::string text;
        int depth = 0;
        while (i_ < s_.size()) {
          char d = s_[i_++];
          if (d == '\\' && i_ < s_.size()) {
            text.push_back(s_[i_++]);
            continue;
          }
          if (d == '(') {
            if (depth++ == 0) continue;
          } else if (d == ')') {
            if (--depth == 0) break;
          }
          if (d != '\r' && d != '\n') text.push_back(d);
        }
        last_comment_ = std::move(text);
      } else {
        return;
      }
    }
  }

  bool atom(std::string& out) {
    size_t start = i_;
    while (i_ < s_.size() && is_atext(static_cast<unsigned char>(s_[i_]))) ++i_;
    out.append(s_.substr(start, i_ - start));
    return i_ > start;
  }

  bool quoted(std::string& out) {
    ++i_;  // the opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\\' && i_ < s_.size()) {
        out.push_back(s_[i_++]);
      } else if (c != '\r' && c != '\n') {
        out.push_back(c);
      }
    }
    return true;  // unterminated: take what is there
  }

  // RFC 5322 3.2.5 phrase (with obs-phrase dots): words joined by a space.
  bool phrase(std::string& out) {
    bool any = false;
    for (;;) {
      skip_cfws();
      if (at_end()) break;
      std::string word;
      if (peek() == '"') {
        quoted(word);
      } else if (peek() == '.') {
        ++i_;
        word = ".";
      } else if (!atom(word)) {
        break;
      }
      if (any && word != "." && !(out.size() > 0 && out.back() == '.')) out.push_back(' ');
      out += word;
      any = true;
    }
    return any;
  }

  // local-part: dot-atom, quoted-string or obs-local-part (lenient dots).
  bool local_part(std::string& out) {
    skip_cfws();
    bool any = false;
    while (!at_end()) {
      if (peek() == '"') {
        quoted(out);
      } else if (peek() == '.') {
        out.push_back('.');
        ++i_;
      } else if (!atom(out)) {
        break;
      }
      any = true;
      skip_cfws();
      if (at_end() || (peek() != '.' && peek() != '"' && !is_atext(static_cast<unsigned char>(peek())))) break;
      if (peek() != '.' && out.size() > 0 && out.back() != '.') break;
    }
    return any;
  }

  bool domain(std::string& out) {
    skip_cfws();
    if (at_end()) return false;
    if (peek() == '[') {
      size_t start = i_;
      while (i_ < s_.size() && s_[i_] != ']') ++i_;
      if (i_ < s_.size()) ++i_;
      for (char c : s_.substr(start, i_ - start)) {
        if (c != '\r' && c != '\n') out.push_back(c);
      }
      skip_cfws();
      return true;
    }
    bool any = false;
    while (!at_end()) {
      if (!atom(out)) break;
      any = true;
      skip_cfws();
      if (at_end() || peek() != '.') break;
      out.push_back('.');
      ++i_;
      skip_cfws();
    }
    return any;
  }

  void add(ImapAddress a) {
    if (out_.size() < kMaxAddresses) out_.push_back(std::move(a));
  }

  void add_mailbox(std::optional<std::string> name, std::optional<std::string> adl, std::string mailbox,
                   std::string host) {
    ImapAddress a;
    a.name = std::move(name);
    a.adl = std::move(adl);
    a.mailbox = mailbox.empty() ? std::string("MISSING_MAILBOX") : std::move(mailbox);
    a.host = host.empty() ? std::string("MISSING_DOMAIN") : std::move(host);
    add(std::move(a));
  }

  // "<" [route ":"] [local-part ["@" domain]] ">"
  void angle_addr(std::optional<std::string> name) {
    ++i_;
    skip_cfws();
    std::optional<std::string> route;
    if (!at_end() && peek() == '@') {
      std::string r;
      while (!at_end() && peek() == '@') {
        if (!r.empty()) r.push_back(',');
        r.push_back('@');
        ++i_;
        domain(r);
        while (!at_end() && (peek() == ',' || peek() == ' ' || peek() == '\t')) ++i_;
        skip_cfws();
      }
      if (!at_end() && peek() == ':') ++i_;
      route = std::move(r);
    }
    std::string local;
    std::string host;
    if (!at_end() && peek() != '>') {
      local_part(local);
      if (!at_end() && peek() == '@') {
        ++i_;
        domain(host);
      }
    }
    while (!at_end() && peek() != '>' && peek() != ',') ++i_;
    if (!at_end() && peek() == '>') ++i_;
    add_mailbox(std::move(name), std::move(route), std::move(local), std::move(host));
  }

  void mailbox() {
    size_t start = i_;
    last_comment_.reset();
    std::string display;
    phrase(display);
    skip_cfws();
    if (!at_end() && peek() == '<') {
      angle_addr(display.empty() ? std::nullopt : std::optional<std::string>(display));
      return;
    }
    // addr-spec, the display name possibly in a trailing comment.
    i_ = start;
    last_comment_.reset();
    std::string local;
    bool had_local = local_part(local);
    std::string host;
    bool had_at = false;
    if (!at_end() && peek() == '@') {
      had_at = true;
      ++i_;
      domain(host);
    }
    skip_cfws();
    if (!had_at) {
      // "word word" without an address: a display name alone.
      size_t after = i_;
      std::string more;
      if (phrase(more)) {
        add_mailbox(local + " " + more, std::nullopt, "", "");
        return;
      }
      i_ = after;
      if (!had_local) {
        ++i_;  // not even a word: skip one byte
        return;
      }
    }
    std::optional<std::string> name;
    if (last_comment_) name = last_comment_;
    add_mailbox(std::move(name), std::nullopt, std::move(local), std::move(host));
  }

  // display-name ":" [mailbox-list] ";"
  bool group() {
    std::string name;
    if (!phrase(name)) return false;
    skip_cfws();
    if (at_end() || peek() != ':') return false;
    ++i_;
    ImapAddress start;
    start.mailbox = name;
    add(std::move(start));
    for (;;) {
      skip_cfws();
      if (at_end()) break;
      if (peek() == ';') {
        ++i_;
        break;
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      size_t before = i_;
      mailbox();
      skip_cfws();
      if (i_ == before) ++i_;
      if (!at_end() && peek() != ',' && peek() != ';') skip_junk_to_comma();
    }
    add(ImapAddress{});  // end of group
    return true;
  }

  void skip_junk_to_comma() {
    bool in_quotes = false;
    while (!at_end()) {
      char c = peek();
      if (c == '"') in_quotes = !in_quotes;
      if (c == '\\' && in_quotes) ++i_;
      else if (!in_quotes && (c == ',' || c == ';')) break;
      ++i_;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::optional<std::string> last_comment_;
  std::vector<ImapAddress> out_;
};

}  // namespace

std::vector<ImapAddress> parse_address_list(std::string_view value) { return AddressParser(value).run(); }

}  // namespace postino::mime
