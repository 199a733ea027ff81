// Engine selection: builds the configured metadata engine, the queue and the
// blob store under settings.data_dir (<data_dir>/metadata/postino.sqlite,
// <data_dir>/queue/queue.sqlite, <data_dir>/blobs).
#include "store/fs/fs_blob_store.hpp"
#include "store/fs/posix_file.hpp"
#include "store/metadata_store.hpp"
#include "store/sqlite/sqlite_metadata_store.hpp"
#include "store/sqlite/sqlite_queue_store.hpp"

namespace postino {
namespace {

Status check_data_dir(const StoreSettings& settings) {
  if (settings.data_dir.empty()) return make_error(Errc::invalid_argument, "store data_dir is not set");
  return posix::make_dirs(settings.data_dir);
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> open_metadata_store(const StoreSettings& settings) {
  if (auto s = check_data_dir(settings); !s) return s.take_error();
  std::string dir = settings.data_dir + "/metadata";
  if (auto made = posix::make_dir(dir); !made) return made.take_error();
  switch (settings.metadata) {
    case MetadataEngine::sqlite: {
      auto store = sqlite::SqliteMetadataStore::open(dir + "/postino.sqlite", settings.sqlite_readers);
      if (!store) return store.take_error();
      return std::unique_ptr<MetadataStore>(std::move(*store));
    }
  }
  return make_error(Errc::unsupported, "unknown metadata engine");
}

// Always SQLite on local disk: the queue is this node's, whatever engine
// holds the shared metadata.
Result<std::unique_ptr<QueueStore>> open_queue_store(const StoreSettings& settings) {
  if (auto s = check_data_dir(settings); !s) return s.take_error();
  std::string dir = settings.data_dir + "/queue";
  if (auto made = posix::make_dir(dir); !made) return made.take_error();
  auto store = sqlite::SqliteQueueStore::open(dir + "/queue.sqlite", settings.sqlite_readers);
  if (!store) return store.take_error();
  return std::unique_ptr<QueueStore>(std::move(*store));
}

Result<std::unique_ptr<BlobStore>> open_blob_store(const StoreSettings& settings) {
  if (auto s = check_data_dir(settings); !s) return s.take_error();
  auto store = FsBlobStore::open_root(settings.data_dir + "/blobs", settings.blob_compression, settings.zstd_level);
  if (!store) return store.take_error();
  return std::unique_ptr<BlobStore>(std::move(*store));
}

}  // namespace postino
