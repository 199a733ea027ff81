// Statement: a prepared SQLite statement borrowed from its Connection's cache.
// Binding is by 1-based index; destruction resets it for the next user.
// Lifetime: must not outlive the Connection; used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace postino::sqlite {

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_int64(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // True when a row is ready; false when done (the statement is then reset,
  // keeping its bindings, so it can run again).
  Result<bool> step();
  // Steps to completion, ignoring rows (for INSERT/UPDATE/DELETE/DDL).
  Status run();

  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  // Valid until the next step().
  std::span<const std::uint8_t> column_blob(int column) const;
  bool column_is_null(int column) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

}  // namespace postino::sqlite
