// Versioned schema migrations for our SQLite databases (metadata, queue).
// Each step runs in its own BEGIN IMMEDIATE transaction together with its
// row in schema_version, so a crash leaves the schema at a whole step, and
// two processes opening one database at once apply each step exactly once.
#pragma once

#include <span>

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

namespace postino::sqlite {

struct Migration {
  int version;              // 1, 2, 3... without gaps
  const char* description;  // recorded in schema_version
  const char* sql;          // one or more statements
};

// The metadata database's schema of this build, oldest step first.
std::span<const Migration> builtin_migrations();
// The queue database's (queue_migrations.cpp).
std::span<const Migration> queue_migrations();

// Applies the steps newer than the database's version, in order; returns
// the resulting version. Fails with unsupported if the database is newer
// than the newest step (a downgrade), and leaves it unchanged on any error.
Result<int> apply_migrations(Connection& db, std::span<const Migration> steps);

// The highest applied version; 0 for a fresh database.
Result<int> read_schema_version(Connection& db);

}  // namespace postino::sqlite
