// open_database: the common opening sequence of every SQLite database we own
// (metadata, queue): one write connection configured for durable WAL commits
// and foreign keys, the given migrations applied, then a reader pool on the
// migrated file. The caller assembles its stores on the result.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

struct Database {
  std::unique_ptr<ReaderPool> readers;
  std::unique_ptr<Writer> writer;
};

// `path` is the database file; its directory must exist.
Result<Database> open_database(const std::string& path, std::span<const Migration> migrations, std::uint32_t readers,
                               int busy_timeout_ms);

}  // namespace postino::sqlite
