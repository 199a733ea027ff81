// MetadataStore: the one handle to an engine's metadata (SQLite embedded by
// default; PostgreSQL later behind the same interfaces). Opening runs the
// engine's versioned migrations. Nothing outside store/<engine>/ sees SQL.
// Contract: thread-safe; methods block; the store outlives every session.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "store/blob_index.hpp"
#include "store/directory_store.hpp"
#include "store/mailbox_store.hpp"
#include "store/queue_store.hpp"
#include "store/rate_limit_store.hpp"
#include "store/store_settings.hpp"

namespace postino {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  virtual DirectoryStore& directory() = 0;
  virtual BlobIndex& blobs() = 0;
  virtual MailboxStore& mailboxes() = 0;
  virtual RateLimitStore& rate_limits() = 0;
  virtual int schema_version() = 0;
};

// Opens (creating if needed, migrating if older) the configured engine.
Result<std::unique_ptr<MetadataStore>> open_metadata_store(const StoreSettings& settings);
// Opens this node's queue: its own database under settings.data_dir/queue/,
// on local disk whatever the metadata engine is (R-MX1).
Result<std::unique_ptr<QueueStore>> open_queue_store(const StoreSettings& settings);
// Opens the configured blob store under settings.data_dir.
Result<std::unique_ptr<BlobStore>> open_blob_store(const StoreSettings& settings);

}  // namespace postino
