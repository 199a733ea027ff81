// IMAP date and date-time parsing and formatting (fixed grammar, no locale).
#include "imap_proto/imap_date.hpp"

#include <array>
#include <cstdio>

namespace postino::imap {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int parse_month(std::string_view text) {
  if (text.size() != 3) return 0;
  for (std::size_t m = 0; m < kMonths.size(); ++m) {
    bool same = true;
    for (std::size_t i = 0; i < 3; ++i) same = same && lower(text[i]) == lower(kMonths[m][i]);
    if (same) return static_cast<int>(m) + 1;
  }
  return 0;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view digits) {  // at most 4 digits by construction
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// date-day "-" date-month "-" date-year, the day already stripped of a leading space.
std::optional<std::chrono::year_month_day> parse_ymd(std::string_view day, std::string_view month,
                                                     std::string_view year) {
  if (day.empty() || day.size() > 2 || !all_digits(day)) return std::nullopt;
  if (year.size() != 4 || !all_digits(year)) return std::nullopt;
  int m = parse_month(month);
  if (m == 0) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{to_int(year)}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(to_int(day))}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

}  // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  std::size_t d1 = text.find('-');
  if (d1 == std::string_view::npos) return std::nullopt;
  std::size_t d2 = text.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  return parse_ymd(text.substr(0, d1), text.substr(d1 + 1, d2 - d1 - 1), text.substr(d2 + 1));
}

std::optional<DateTime> parse_date_time(std::string_view text) {
  // "dd-Mon-yyyy hh:mm:ss +zzzz": exactly 26 octets. Clients also send a
  // one-digit day without the padding space ("7-Feb-1994 ..."): accepted.
  std::string padded;
  if (text.size() == 25 && text.size() > 1 && text[1] == '-') {
    padded = " ";
    padded.append(text);
    text = padded;
  }
  if (text.size() != 26) return std::nullopt;
  std::string_view day = text.substr(0, 2);
  if (day[0] == ' ') day.remove_prefix(1);
  if (text[2] != '-' || text[6] != '-' || text[11] != ' ' || text[14] != ':' || text[17] != ':' || text[20] != ' ')
    return std::nullopt;
  auto ymd = parse_ymd(day, text.substr(3, 3), text.substr(7, 4));
  if (!ymd) return std::nullopt;
  std::string_view hh = text.substr(12, 2), mm = text.substr(15, 2), ss = text.substr(18, 2);
  std::string_view zone = text.substr(21, 5);
  if (!all_digits(hh) || !all_digits(mm) || !all_digits(ss)) return std::nullopt;
  if ((zone[0] != '+' && zone[0] != '-') || !all_digits(zone.substr(1))) return std::nullopt;
  int hour = to_int(hh), minute = to_int(mm), second = to_int(ss);
  int zone_h = to_int(zone.substr(1, 2)), zone_m = to_int(zone.substr(3, 2));
  if (hour > 23 || minute > 59 || second > 60 || zone_m > 59) return std::nullopt;
  int offset = zone_h * 60 + zone_m;
  if (zone[0] == '-') offset = -offset;
  DateTime out;
  out.zone_offset = std::chrono::minutes{offset};
  // The written local time minus the zone offset is the UTC instant.
  out.instant = std::chrono::sys_days{*ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                std::chrono::seconds{second} - out.zone_offset;
  return out;
}

std::string format_date_time(std::chrono::sys_seconds instant, std::chrono::minutes zone_offset) {
  auto local = instant + zone_offset;
  auto days = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss<std::chrono::seconds> tod{local - days};
  long offset = zone_offset.count();
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%02u-%s-%04d %02ld:%02ld:%02ld %c%02ld%02ld",
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1].data(),
                static_cast<int>(ymd.year()), static_cast<long>(tod.hours().count()),
                static_cast<long>(tod.minutes().count()), static_cast<long>(tod.seconds().count()), sign,
                offset / 60, offset % 60);
  return buffer;
}

std::string format_date(std::chrono::year_month_day date) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%u-%s-%04d", static_cast<unsigned>(date.day()),
                kMonths[static_cast<unsigned>(date.month()) - 1].data(), static_cast<int>(date.year()));
  return buffer;
}

}  // namespace postino::imap
