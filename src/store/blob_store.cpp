// BlobStore::put: the one-call form for content already in memory.
#include "store/blob_store.hpp"

namespace postino {

Result<BlobInfo> BlobStore::put(std::string_view bytes) {
  auto writer = create();
  if (!writer) return writer.take_error();
  if (auto s = (*writer)->write(bytes); !s) return s.take_error();
  return (*writer)->commit();
}

}  // namespace postino
