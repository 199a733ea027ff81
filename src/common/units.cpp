// Size and duration parsing for configuration and CLI.
#include "common/units.hpp"

#include <charconv>
#include <limits>

namespace postino {
namespace {

struct Number {
  std::uint64_t value;
  std::string_view suffix;
};

Result<Number> split_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return make_error(Errc::invalid_argument, "number too large");
  if (ec != std::errc() || ptr == text.data()) return make_error(Errc::invalid_argument, "expected a number");
  std::string_view suffix = text.substr(static_cast<std::size_t>(ptr - text.data()));
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  return Number{value, suffix};
}

bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

}  // namespace

Result<std::uint64_t> parse_size_bytes(std::string_view text) {
  auto number = split_number(text);
  if (!number) return make_error(Errc::invalid_argument, "invalid size '" + std::string(text) + "': " + number.error().message);
  std::string suffix;
  for (char c : number->suffix) suffix += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (suffix.size() == 2 && suffix[1] == 'B') suffix.pop_back();       // "MB" == "M"
  if (suffix.size() == 3 && suffix.substr(1) == "IB") suffix.resize(1);  // "MiB" == "M"
  std::uint64_t multiplier = 1;
  if (suffix.empty() || suffix == "B") multiplier = 1;
  else if (suffix == "K") multiplier = 1ull << 10;
  else if (suffix == "M") multiplier = 1ull << 20;
  else if (suffix == "G") multiplier = 1ull << 30;
  else if (suffix == "T") multiplier = 1ull << 40;
  else return make_error(Errc::invalid_argument, "invalid size '" + std::string(text) + "': unknown unit (use K, M, G or T)");
  std::uint64_t bytes;
  if (!checked_multiply(number->value, multiplier, bytes)) return make_error(Errc::invalid_argument, "size '" + std::string(text) + "' is too large");
  return bytes;
}

std::string format_size_bytes(std::uint64_t bytes) {
  static const char* units[] = {"", "K", "M", "G", "T"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + units[unit];
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto number = split_number(text);
  if (!number) return make_error(Errc::invalid_argument, "invalid duration '" + std::string(text) + "': " + number.error().message);
  std::string_view s = number->suffix;
  std::uint64_t ms_per_unit;
  if (s == "ms") ms_per_unit = 1;
  else if (s.empty() || s == "s") ms_per_unit = 1000;
  else if (s == "m" || s == "min") ms_per_unit = 60'000;
  else if (s == "h") ms_per_unit = 3'600'000;
  else if (s == "d") ms_per_unit = 86'400'000;
  else return make_error(Errc::invalid_argument, "invalid duration '" + std::string(text) + "': unknown unit (use ms, s, m, h or d)");
  std::uint64_t ms;
  if (!checked_multiply(number->value, ms_per_unit, ms) || ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return make_error(Errc::invalid_argument, "duration '" + std::string(text) + "' is too large");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::string format_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 86'400'000 == 0 && ms != 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace postino
