// Human sizes ("500M", "10G", "25MB") and durations ("30s", "5m", "4h", "5d")
// as used in postino.toml and on the command line. Binary multiples, as
// Dovecot's quota settings use them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino {

Result<std::uint64_t> parse_size_bytes(std::string_view text);
std::string format_size_bytes(std::uint64_t bytes);

Result<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace postino
