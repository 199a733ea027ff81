// SqliteMetadataStore: the embedded metadata engine. Owns the write
// connection (inside the Writer thread), the reader pool and the table
// stores built on them. Opening configures the connection (WAL,
// synchronous=FULL, foreign keys, busy timeout) and runs the migrations.
#pragma once

#include <memory>
#include <string>

#include "store/metadata_store.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/sqlite_blob_index.hpp"
#include "store/sqlite/sqlite_directory_store.hpp"
#include "store/sqlite/sqlite_mailbox_store.hpp"
#include "store/sqlite/sqlite_rate_limit_store.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // How long a connection waits for another process's lock before the call
  // fails with temporary_failure.
  static constexpr int kBusyTimeoutMs = 5000;

  // `path` is the database file; its directory must exist.
  static Result<std::unique_ptr<SqliteMetadataStore>> open(const std::string& path, std::uint32_t readers);

  SqliteMetadataStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer);

  DirectoryStore& directory() override { return directory_; }
  BlobIndex& blobs() override { return blobs_; }
  MailboxStore& mailboxes() override { return mailboxes_; }
  RateLimitStore& rate_limits() override { return rate_limits_; }
  int schema_version() override;  // -1 if the database cannot be read
  WriterStats writer_stats() { return writer_->stats(); }

 private:
  // Destroyed bottom-up: the table stores, then the writer (which finishes
  // its queue), then the readers.
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<Writer> writer_;
  SqliteDirectoryStore directory_;
  SqliteBlobIndex blobs_;
  SqliteMailboxStore mailboxes_;
  SqliteRateLimitStore rate_limits_;
};

}  // namespace postino::sqlite
