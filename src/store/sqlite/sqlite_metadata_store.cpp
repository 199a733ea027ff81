// SqliteMetadataStore: opening (database.cpp) and assembly of the table stores.
#include "store/sqlite/sqlite_metadata_store.hpp"

#include "store/sqlite/database.hpp"
#include "store/sqlite/migrations.hpp"

namespace postino::sqlite {

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(const std::string& path,
                                                                       std::uint32_t readers) {
  auto db = open_database(path, builtin_migrations(), readers, kBusyTimeoutMs);
  if (!db) return db.take_error();
  return std::make_unique<SqliteMetadataStore>(std::move(db->readers), std::move(db->writer));
}

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer)
    : readers_(std::move(readers)),
      writer_(std::move(writer)),
      directory_(*writer_, *readers_),
      blobs_(*writer_, *readers_),
      mailboxes_(*writer_, *readers_),
      rate_limits_(*writer_, *readers_) {}

int SqliteMetadataStore::schema_version() {
  auto version = readers_->with([](Connection& db) { return read_schema_version(db); });
  return version ? *version : -1;
}

}  // namespace postino::sqlite
