// SqliteMetadataStore: connection setup, migration, and assembly.
#include "store/sqlite/sqlite_metadata_store.hpp"

#include "store/sqlite/migrations.hpp"

namespace postino::sqlite {
namespace {

// journal_mode=WAL persists in the file and lets readers run during writes;
// synchronous=FULL fsyncs the WAL on every commit, so a write is durable when
// its call returns (group commit makes that one fsync per batch).
Status configure_writer(Connection& db) {
  auto mode = db.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return mode.take_error();
  auto row = mode->step();
  if (!row) return row.take_error();
  if (!*row || mode->column_text(0) != "wal") {
    return make_error(Errc::unsupported, "the metadata database cannot use WAL mode");
  }
  return db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
}

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(const std::string& path,
                                                                       std::uint32_t readers) {
  auto db = Connection::open(path, OpenMode::read_write_create, kBusyTimeoutMs);
  if (!db) return db.take_error();
  if (auto s = configure_writer(*db); !s) return s.take_error();
  if (auto v = apply_migrations(*db, builtin_migrations()); !v) return v.take_error();
  auto pool = ReaderPool::open(path, readers, kBusyTimeoutMs);
  if (!pool) return pool.take_error();
  return std::make_unique<SqliteMetadataStore>(std::move(*pool), std::make_unique<Writer>(std::move(*db)));
}

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer)
    : readers_(std::move(readers)),
      writer_(std::move(writer)),
      directory_(*writer_, *readers_),
      blobs_(*writer_, *readers_) {}

int SqliteMetadataStore::schema_version() {
  auto version = readers_->with([](Connection& db) { return read_schema_version(db); });
  return version ? *version : -1;
}

}  // namespace postino::sqlite
