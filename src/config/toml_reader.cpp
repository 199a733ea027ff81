// Typed access to TOML tables with unknown-key detection.
#include "config/toml_reader.hpp"

#include <algorithm>

#include "common/units.hpp"

namespace postino::config_detail {

void Diagnostics::add(const toml::source_region& where, std::string message) {
  items_.push_back({where.path ? *where.path : std::string("<config>"), where.begin.line, std::move(message)});
}

void Diagnostics::add(const std::string& file, std::string message) {
  items_.push_back({file, 0, std::move(message)});
}

std::string TableReader::qualified(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* TableReader::lookup(std::string_view key) {
  seen_.emplace_back(key);
  return table_.get(key);
}

void TableReader::bad_value(std::string_view key, const std::string& message) {
  const toml::node* node = table_.get(key);
  diagnostics_.add(node ? node->source() : table_.source(), "'" + qualified(key) + "' " + message);
}

bool TableReader::read_string(std::string_view key, std::string& out) {
  const toml::node* node = lookup(key);
  if (!node) return false;
  if (auto value = node->value<std::string>(); value && node->is_string()) {
    out = *value;
    return true;
  }
  bad_value(key, "must be a string");
  return false;
}

bool TableReader::read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
  const toml::node* node = lookup(key);
  if (!node) return false;
  if (!node->is_integer()) {
    bad_value(key, "must be an integer");
    return false;
  }
  std::int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    bad_value(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  out = value;
  return true;
}

void TableReader::string(std::string_view key, std::string& out) { read_string(key, out); }

void TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = lookup(key);
  if (!node) return;
  if (!node->is_boolean()) {
    bad_value(key, "must be true or false");
    return;
  }
  out = node->as_boolean()->get();
}

void TableReader::string_list(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = lookup(key);
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array) {
    bad_value(key, "must be an array of strings");
    return;
  }
  std::vector<std::string> values;
  for (const auto& element : *array) {
    if (!element.is_string()) {
      diagnostics_.add(element.source(), "'" + qualified(key) + "' must contain only strings");
      return;
    }
    values.push_back(element.as_string()->get());
  }
  out = std::move(values);
}

void TableReader::size_bytes(std::string_view key, std::uint64_t& out) {
  const toml::node* node = lookup(key);
  if (!node) return;
  if (node->is_integer() && node->as_integer()->get() >= 0) {
    out = static_cast<std::uint64_t>(node->as_integer()->get());
    return;
  }
  if (!node->is_string()) {
    bad_value(key, "must be a size such as \"500M\"");
    return;
  }
  auto parsed = parse_size_bytes(node->as_string()->get());
  if (!parsed) {
    bad_value(key, parsed.error().message);
    return;
  }
  out = *parsed;
}

void TableReader::duration(std::string_view key, std::chrono::milliseconds& out) {
  const toml::node* node = lookup(key);
  if (!node) return;
  if (!node->is_string()) {
    bad_value(key, "must be a duration such as \"30s\" or \"5m\"");
    return;
  }
  auto parsed = parse_duration(node->as_string()->get());
  if (!parsed) {
    bad_value(key, parsed.error().message);
    return;
  }
  out = *parsed;
}

std::optional<TableReader> TableReader::table(std::string_view key) {
  const toml::node* node = lookup(key);
  if (!node) return std::nullopt;
  if (!node->is_table()) {
    bad_value(key, "must be a table");
    return std::nullopt;
  }
  return TableReader(*node->as_table(), qualified(key), diagnostics_);
}

std::vector<TableReader> TableReader::table_array(std::string_view key) {
  std::vector<TableReader> out;
  const toml::node* node = lookup(key);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    bad_value(key, "must be an array of tables ([[" + qualified(key) + "]])");
    return out;
  }
  for (const auto& element : *array) {
    out.emplace_back(*element.as_table(), qualified(key), diagnostics_);
  }
  return out;
}

std::vector<std::string> TableReader::keys() {
  std::vector<std::string> out;
  for (const auto& [key, node] : table_) out.emplace_back(key.str());
  return out;
}

void TableReader::finish() {
  for (const auto& [key, node] : table_) {
    if (std::find(seen_.begin(), seen_.end(), key.str()) == seen_.end()) {
      diagnostics_.add(node.source(), "unknown setting '" + qualified(key.str()) + "'");
    }
  }
}

}  // namespace postino::config_detail
