// Rendering of CLI results; Boost.JSON serialises the machine form.
#include "cli/output.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>

namespace postino::cli {
namespace {

std::string human_value(const Value& value) {
  if (auto s = std::get_if<std::string>(&value)) return *s;
  if (auto i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&value)) return *b ? "yes" : "no";
  std::string out;
  for (const auto& item : std::get<std::vector<std::string>>(value)) out += (out.empty() ? "" : ", ") + item;
  return out;
}

boost::json::value json_value(const Value& value) {
  if (auto s = std::get_if<std::string>(&value)) return boost::json::value(*s);
  if (auto i = std::get_if<std::int64_t>(&value)) return boost::json::value(*i);
  if (auto b = std::get_if<bool>(&value)) return boost::json::value(*b);
  boost::json::array array;
  for (const auto& item : std::get<std::vector<std::string>>(value)) array.emplace_back(item);
  return array;
}

boost::json::object json_object(const Record& record) {
  boost::json::object object;
  for (const auto& [key, value] : record) object[key] = json_value(value);
  return object;
}

}  // namespace

Output::Output(OutputFormat format) : format_(format) {}

void Output::record(const Record& record) {
  if (format_ == OutputFormat::json) {
    std::cout << boost::json::serialize(json_object(record)) << "\n";
    return;
  }
  std::size_t width = 0;
  for (const auto& [key, value] : record) width = std::max(width, key.size());
  for (const auto& [key, value] : record) {
    std::cout << key << ":" << std::string(width - key.size() + 1, ' ') << human_value(value) << "\n";
  }
}

void Output::table(const std::vector<std::string>& columns, const std::vector<Record>& rows) {
  if (format_ == OutputFormat::json) {
    boost::json::array array;
    for (const auto& row : rows) array.push_back(json_object(row));
    std::cout << boost::json::serialize(array) << "\n";
    return;
  }
  std::vector<std::size_t> widths;
  for (const auto& column : columns) widths.push_back(column.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string text;
      for (const auto& [key, value] : row) {
        if (key == columns[i]) text = human_value(value);
      }
      widths[i] = std::max(widths[i], text.size());
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& line) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  print(columns);
  for (const auto& line : cells) print(line);
}

void Output::done(const std::string& message) {
  if (format_ == OutputFormat::json) {
    std::cout << boost::json::serialize(boost::json::object{{"ok", true}, {"message", message}}) << "\n";
  } else {
    std::cout << message << "\n";
  }
}

int Output::fail(const Error& error) {
  if (format_ == OutputFormat::json) {
    boost::json::object object{{"ok", false}, {"error", errc_name(error.code)}, {"message", error.message}};
    std::cout << boost::json::serialize(object) << "\n";
  } else {
    std::cerr << "postino: " << error.message << "\n";
  }
  return error.code == Errc::temporary_failure ? 75 : 1;  // 75: EX_TEMPFAIL
}

std::string format_unix_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

}  // namespace postino::cli
