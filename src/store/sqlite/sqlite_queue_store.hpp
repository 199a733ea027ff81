// SqliteQueueStore: QueueStore in its own SQLite database (schema in
// queue_migrations.cpp), with the same group-commit Writer and ReaderPool as
// the metadata engine: WAL, synchronous=FULL, so enqueue() is durable (one
// fsync per group) before the SMTP 250 is sent.
#pragma once

#include <memory>
#include <string>

#include "store/queue_store.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

class SqliteQueueStore final : public QueueStore {
 public:
  static constexpr int kBusyTimeoutMs = 5000;
  // Queue ids: 1 to 32 characters of [0-9A-Z] (invalid_argument otherwise).
  static constexpr std::size_t kMaxIdLength = 32;

  // `path` is the database file; its directory must exist.
  static Result<std::unique_ptr<SqliteQueueStore>> open(const std::string& path, std::uint32_t readers);

  SqliteQueueStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer);

  Status enqueue(const QueueMessage& message) override;
  Result<std::vector<QueueMessage>> due(std::int64_t now, std::size_t limit) override;
  Result<std::optional<std::int64_t>> next_due() override;
  Status mark_delivered(RecipientRowId recipient, const std::string& reply) override;
  Status mark_failed(RecipientRowId recipient, const std::string& reply) override;
  Status defer(RecipientRowId recipient, std::int64_t next_attempt_at, const std::string& reply) override;
  Result<std::optional<BlobInfo>> remove_if_done(const std::string& id) override;
  Result<std::vector<std::string>> remove_all_done() override;
  using QueueStore::record;
  Result<QueueBatchResult> record(const QueueBatch& batch) override;
  Result<std::vector<QueueMessage>> list() override;
  Result<QueueMessage> find(const std::string& id) override;
  Status set_held(const std::string& id, bool held) override;
  Result<BlobInfo> remove(const std::string& id) override;
  Result<std::uint64_t> flush() override;
  Result<std::vector<BlobId>> referenced_blobs() override;

  int schema_version();  // -1 if the database cannot be read
  WriterStats writer_stats() { return writer_->stats(); }

 private:
  // Destroyed bottom-up: the writer finishes its queue before the readers go.
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace postino::sqlite
