// CLI output: human text by default, JSON with `-f json` for scripts.
// Every command builds records and tables; this class renders them.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace postino::cli {

enum class OutputFormat { human, json };

using Value = std::variant<std::string, std::int64_t, bool, std::vector<std::string>>;
using Record = std::vector<std::pair<std::string, Value>>;

class Output {
 public:
  explicit Output(OutputFormat format);
  // One object: "key: value" lines, or a JSON object.
  void record(const Record& record);
  // Many objects with the same keys: aligned columns, or a JSON array.
  void table(const std::vector<std::string>& columns, const std::vector<Record>& rows);
  // A confirmation such as "user demo@example.test added".
  void done(const std::string& message);
  // Prints an error (stderr for humans, a JSON object on stdout) and returns
  // the process exit code for it.
  int fail(const Error& error);

 private:
  OutputFormat format_;
};

// "2026-11-25 11:44:48 UTC"
std::string format_unix_time(std::int64_t seconds);

}  // namespace postino::cli
