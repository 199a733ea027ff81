// BlobIndex: reference counts of blobs, kept in the metadata store so that
// they commit atomically with the records that reference them (a message
// row and its blob reference are one transaction). Garbage collection
// removes blobs whose count reached zero (see blob_gc.hpp).
// Contract: thread-safe, blocking.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.hpp"
#include "store/blob_store.hpp"

namespace postino {

class BlobIndex {
 public:
  virtual ~BlobIndex() = default;
  // Adds `count` references (creating the row with the given size).
  virtual Status add_refs(const BlobInfo& blob, std::uint32_t count) = 0;
  // Drops `count` references; the row stays with 0 until collected.
  virtual Status drop_refs(const BlobId& id, std::uint32_t count) = 0;
  virtual Result<std::uint64_t> ref_count(const BlobId& id) = 0;  // 0 if unknown
  // Rows whose count is zero and that are older than `min_age_seconds`.
  virtual Result<std::vector<BlobId>> unreferenced(std::int64_t min_age_seconds) = 0;
  // Deletes the row if its count is still zero; true if deleted.
  virtual Result<bool> forget_if_unreferenced(const BlobId& id) = 0;
  // Every id the index knows (to find files that no row references).
  virtual Result<std::vector<BlobId>> all_ids() = 0;
};

}  // namespace postino
