// Connection: open/close, exec, and the prepared-statement cache
// (SQLITE_PREPARE_PERSISTENT: these statements live as long as the handle).
#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

#include "store/sqlite/sqlite_error.hpp"

namespace postino::sqlite {

void Connection::DbCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
void Connection::StmtFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Result<Connection> Connection::open(const std::string& path, OpenMode mode, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == OpenMode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection connection(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    return make_sqlite_error(rc, "open " + path, raw != nullptr ? sqlite3_errmsg(raw) : "");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return connection;
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  Error error = make_sqlite_error(rc, text, message != nullptr ? message : "");
  sqlite3_free(message);
  return error;
}

Result<Statement> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                                nullptr);
    if (rc != SQLITE_OK) return make_sqlite_error(rc, "prepare " + key, sqlite3_errmsg(db_.get()));
    it = cache_.emplace(std::move(key), std::unique_ptr<sqlite3_stmt, StmtFinalizer>(raw)).first;
  }
  // Two live Statements on one cached handle would corrupt each other: a
  // programmer error, stopped in release builds too.
  if (sqlite3_stmt_busy(it->second.get())) {
    std::fprintf(stderr, "sqlite statement prepared twice while in use: %s\n", it->first.c_str());
    std::abort();
  }
  return Statement(it->second.get(), db_.get());
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
std::int64_t Connection::changes() const { return sqlite3_changes64(db_.get()); }
bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace postino::sqlite
