// Statement: thin checked wrapper over sqlite3_bind_*/step/column_*.
// Bind failures are programmer errors (wrong index, binding a statement that
// is mid-step) and abort, in release builds too.
#include "store/sqlite/statement.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

#include "store/sqlite/sqlite_error.hpp"

namespace postino::sqlite {
namespace {

void check_bind(int rc, sqlite3_stmt* stmt, int index) {
  if (rc == SQLITE_OK) return;
  std::fprintf(stderr, "sqlite bind of parameter %d failed (%s): %s\n", index, sqlite3_errstr(rc), sqlite3_sql(stmt));
  std::abort();
}

}  // namespace

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement::Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) { other.stmt_ = nullptr; }

Statement& Statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), stmt_, index);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  check_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), stmt_, index);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  // A zero-length blob needs a non-null pointer or SQLite binds NULL.
  static const std::uint8_t kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), stmt_, index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);  // ready to run again with new bindings
    return false;
  }
  Error error = make_sqlite_error(rc, sqlite3_sql(stmt_), sqlite3_errmsg(db_));
  sqlite3_reset(stmt_);  // so the cached statement is usable again
  return error;
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.take_error();
    if (!*row) return {};
  }
}

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::span<const std::uint8_t> Statement::column_blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(size)};
}

bool Statement::column_is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace postino::sqlite
