// Received: formatting: sanitise each client-supplied part, build clauses,
// fold at spaces.
#include "smtp_proto/received_header.hpp"

#include <cassert>
#include <cstdio>
#include <vector>

namespace postino::smtp {
namespace {

constexpr std::size_t kMaxNameBytes = 255;     // RFC 1035 2.3.4
constexpr std::size_t kMaxIpBytes = 64;
constexpr std::size_t kMaxQueueIdBytes = 64;
constexpr std::size_t kMaxTlsDetailsBytes = 512;
constexpr std::size_t kMaxRecipientBytes = 64 + 1 + 255 + 2 + 64;  // quoted local part's escapes
constexpr std::size_t kTabColumns = 8;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Keeps host-name and address-literal characters; everything else (spaces,
// parentheses, controls, 8-bit) becomes '?', so a HELO like "x) by evil (" stays one word.
std::string sanitize_name(std::string_view text, std::size_t max_bytes) {
  std::string out(text.substr(0, max_bytes));
  for (auto& c : out) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_' && c != ':' && c != '[' && c != ']') c = '?';
  }
  return out;
}

// Free text of our own (TLS details) or a parsed address: no controls.
std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
  std::string out(text.substr(0, max_bytes));
  for (auto& ch : out) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 32 || c == 127) ch = '?';
  }
  return out;
}

// A login name: an address, kept as one word (spaces and parentheses, which
// would end the comment early, become '?').
std::string sanitize_name_or_address(std::string_view text) {
  std::string out = sanitize_text(text, kMaxRecipientBytes);
  for (auto& c : out) {
    if (c == ' ' || c == '(' || c == ')' || c == '\\') c = '?';
  }
  return out;
}

std::string sanitize_queue_id(std::string_view text) {
  std::string out(text.substr(0, kMaxQueueIdBytes));
  for (auto& c : out) {
    if (!is_alnum(c)) c = '?';
  }
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    if (end > i) words.emplace_back(text.substr(i, end - i));
    i = end + 1;
  }
  return words;
}

// Appends clauses, each on a fresh line (except the first), wrapping its
// words at the spaces between them. A word is never split: a quoted local
// part with a space stays whole.
class Folder {
 public:
  explicit Folder(std::string start) : out_(std::move(start)), column_(out_.size()) {}

  void clause(const std::vector<std::string>& words, bool new_line) {
    bool first_word = true;
    for (const auto& word : words) {
      bool fits = column_ + 1 + word.size() < kFoldColumns;
      if ((first_word && new_line) || !fits) {
        out_ += "\r\n\t";
        column_ = kTabColumns;
      } else {
        out_ += ' ';
        ++column_;
      }
      out_ += word;
      column_ += word.size();
      first_word = false;
    }
  }

  std::string finish() { return std::move(out_) + "\r\n"; }

 private:
  std::string out_;
  std::size_t column_;
};

}  // namespace

std::string received_protocol_keyword(const ReceivedProtocol& p) {
  std::string keyword;
  if (p.utf8) keyword = p.lmtp ? "UTF8LMTP" : "UTF8SMTP";
  else if (p.lmtp) keyword = "LMTP";
  else keyword = (p.extended || p.tls || p.authenticated) ? "ESMTP" : "SMTP";
  if (p.tls) keyword += 'S';
  if (p.authenticated) keyword += 'A';
  return keyword;
}

std::string format_rfc5322_date(std::chrono::system_clock::time_point time, std::chrono::minutes utc_offset) {
  using namespace std::chrono;
  assert(utc_offset > -hours(24) && utc_offset < hours(24));
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto local = floor<seconds>(time) + utc_offset;
  auto day = floor<days>(local);
  year_month_day ymd{day};
  weekday wd{day};
  hh_mm_ss hms{local - day};
  long offset = utc_offset.count();
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %u %s %d %02ld:%02ld:%02lld %c%02ld%02ld", kDays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long long>(hms.seconds().count()), sign,
                offset / 60, offset % 60);
  return buf;
}

std::string format_received_header(const ReceivedInfo& info) {
  std::string ip = sanitize_name(info.client_ip, kMaxIpBytes);
  std::string literal = (ip.find(':') != std::string::npos ? "[IPv6:" : "[") + ip + "]";
  std::string rdns = info.client_rdns.empty() ? "unknown" : sanitize_name(info.client_rdns, kMaxNameBytes);
  std::string helo = info.helo.empty() ? rdns : sanitize_name(info.helo, kMaxNameBytes);

  Folder folder("Received:");
  folder.clause({"from", helo, "(" + rdns, literal + ")"}, false);
  if (!info.tls_details.empty()) {
    folder.clause(split_words("(" + sanitize_text(info.tls_details, kMaxTlsDetailsBytes) + ")"), true);
  }
  if (!info.authenticated_sender.empty()) {
    folder.clause({"(Authenticated", "sender:", sanitize_name_or_address(info.authenticated_sender) + ")"}, true);
  }
  assert(!info.by_host.empty());
  std::vector<std::string> by = {"by", sanitize_name(info.by_host, kMaxNameBytes), "(Postino)", "with",
                                 received_protocol_keyword(info.protocol)};
  if (!info.queue_id.empty()) {
    by.emplace_back("id");
    by.push_back(sanitize_queue_id(info.queue_id));
  }
  // The date is one unit: folding inside it is legal but hard to read.
  std::vector<std::string> date = {format_rfc5322_date(info.time, info.utc_offset)};
  if (info.for_recipient.empty()) {
    by.back() += ';';
    folder.clause(by, true);
    folder.clause(date, true);
  } else {
    folder.clause(by, true);
    std::vector<std::string> tail = {"for", "<" + sanitize_text(info.for_recipient, kMaxRecipientBytes) + ">;"};
    tail.insert(tail.end(), date.begin(), date.end());
    folder.clause(tail, true);
  }
  return folder.finish();
}

}  // namespace postino::smtp
