// IMAP dates: the date argument of SEARCH (BEFORE, ON, SINCE, SENT*, SAVED*),
// the date-time of APPEND and INTERNALDATE/SAVEDATE responses.
// RFC 9051 9 (date, date-time, zone), 6.4.4, 7.5.2.
// Security: parsing accepts only the grammar's fixed shapes; no locale use.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace postino::imap {

// A date-time with the zone the client wrote (kept for the INTERNALDATE the
// server may echo back); `instant` is the UTC point in time it denotes.
struct DateTime {
  std::chrono::sys_seconds instant{};
  std::chrono::minutes zone_offset{0};  // "+0100" -> 60, "-0330" -> -210
  friend bool operator==(const DateTime&, const DateTime&) = default;
};

// date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-"
// date-month "-" date-year ("1-Feb-1994", "01-Feb-1994"). Month names are
// case-insensitive. The quotes, if any, are the grammar's: pass the inner text.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

// date-time without its quotes: date-day-fixed "-" date-month "-" date-year
// SP time SP zone ("25-Nov-2026 14:03:00 +0000"; the day is " 5" or "05",
// and, leniently, "5").
// Invalid calendar dates, hours > 23, minutes/seconds > 59 (60 allowed for a
// leap second), zones beyond +-2359 are rejected.
std::optional<DateTime> parse_date_time(std::string_view text);

// INTERNALDATE form without quotes: "25-Nov-2026 14:03:00 +0000" (day
// zero-padded as Dovecot and Cyrus do; both forms are valid date-day-fixed).
std::string format_date_time(std::chrono::sys_seconds instant, std::chrono::minutes zone_offset = std::chrono::minutes{0});
inline std::string format_date_time(const DateTime& dt) { return format_date_time(dt.instant, dt.zone_offset); }

// "1-Feb-1994" form (e.g. for tests and the CLI).
std::string format_date(std::chrono::year_month_day date);

}  // namespace postino::imap
