// open_database: connection setup shared by the metadata and queue databases.
#include "store/sqlite/database.hpp"

namespace postino::sqlite {
namespace {

// journal_mode=WAL persists in the file and lets readers run during writes;
// synchronous=FULL fsyncs the WAL on every commit, so a write is durable when
// its call returns (group commit makes that one fsync per batch).
Status configure_writer(Connection& db, const std::string& path) {
  auto mode = db.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return mode.take_error();
  auto row = mode->step();
  if (!row) return row.take_error();
  if (!*row || mode->column_text(0) != "wal") {
    return make_error(Errc::unsupported, "the database " + path + " cannot use WAL mode");
  }
  return db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
}

}  // namespace

Result<Database> open_database(const std::string& path, std::span<const Migration> migrations, std::uint32_t readers,
                               int busy_timeout_ms) {
  auto db = Connection::open(path, OpenMode::read_write_create, busy_timeout_ms);
  if (!db) return db.take_error();
  if (auto s = configure_writer(*db, path); !s) return s.take_error();
  if (auto v = apply_migrations(*db, migrations); !v) return v.take_error();
  auto pool = ReaderPool::open(path, readers, busy_timeout_ms);
  if (!pool) return pool.take_error();
  return Database{std::move(*pool), std::make_unique<Writer>(std::move(*db))};
}

}  // namespace postino::sqlite
