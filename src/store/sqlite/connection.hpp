// Connection: one sqlite3* handle, wrapped at birth, with a per-connection
// cache of prepared statements (prepared once, reused by every call).
// Thread model: SQLITE_OPEN_NOMUTEX; a connection is used by one thread at a
// time (the writer thread, or whoever leased it from the ReaderPool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.hpp"
#include "store/sqlite/statement.hpp"

namespace postino::sqlite {

enum class OpenMode { read_write_create, read_only };

class Connection {
 public:
  // Opens the database with extended result codes and the given busy timeout.
  static Result<Connection> open(const std::string& path, OpenMode mode, int busy_timeout_ms);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection() = default;  // cache_ finalizes its statements before db_ closes

  // Runs one or more statements that return no rows (DDL, pragmas).
  Status exec(std::string_view sql);
  // A reset, unbound statement from the cache (prepared on first use). The
  // same SQL text may not be prepared again while the first is alive.
  Result<Statement> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  std::int64_t changes() const;
  // False outside BEGIN..COMMIT, including after the engine rolled back.
  bool in_transaction() const;

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const noexcept;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  explicit Connection(sqlite3* db) : db_(db) {}

  std::unique_ptr<sqlite3, DbCloser> db_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> cache_;
};

}  // namespace postino::sqlite
