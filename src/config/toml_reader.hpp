// TableReader: reads typed values out of one TOML table, records every key it
// was asked for, and reports the rest as unknown keys, each with file:line.
// Internal to the config module (it exposes toml++ types).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace postino::config_detail {

class Diagnostics {
 public:
  void add(const toml::source_region& where, std::string message);
  void add(const std::string& file, std::string message);
  bool empty() const { return items_.empty(); }
  std::vector<ConfigDiagnostic> take() { return std::move(items_); }

 private:
  std::vector<ConfigDiagnostic> items_;
};

class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics)
      : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {}

  void string(std::string_view key, std::string& out);
  void boolean(std::string_view key, bool& out);
  void string_list(std::string_view key, std::vector<std::string>& out);
  template <class Int>
  void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    std::int64_t value;
    if (read_integer(key, value, min, max)) out = static_cast<Int>(value);
  }
  void size_bytes(std::string_view key, std::uint64_t& out);
  void duration(std::string_view key, std::chrono::milliseconds& out);
  template <class Enum>
  void enumeration(std::string_view key, Enum& out, std::initializer_list<std::pair<const char*, Enum>> names) {
    std::string text;
    if (!read_string(key, text)) return;
    for (const auto& [name, value] : names) {
      if (text == name) {
        out = value;
        return;
      }
    }
    std::string allowed;
    for (const auto& [name, value] : names) allowed += std::string(allowed.empty() ? "" : ", ") + name;
    bad_value(key, "must be one of: " + allowed);
  }

  // True when the key is present (read it with an accessor afterwards).
  bool has(std::string_view key) const { return table_.contains(key); }
  // A sub-table, or nullopt if absent (an error if present but not a table).
  std::optional<TableReader> table(std::string_view key);
  // An array of tables ([[key]]), empty if absent.
  std::vector<TableReader> table_array(std::string_view key);
  // Keys of this table not yet read (for tables keyed by name, like listeners).
  std::vector<std::string> keys();

  // Reports every key that no accessor asked for.
  void finish();
  const std::string& path() const { return path_; }
  const toml::source_region& source() const { return table_.source(); }
  void bad_value(std::string_view key, const std::string& message);

 private:
  const toml::node* lookup(std::string_view key);
  bool read_string(std::string_view key, std::string& out);
  bool read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  std::string qualified(std::string_view key) const;

  const toml::table& table_;
  std::string path_;
  Diagnostics& diagnostics_;
  std::vector<std::string> seen_;
};

}  // namespace postino::config_detail
