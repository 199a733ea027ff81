// Garbage collection of blobs: deletes blobs whose reference count is zero
// (file and row), and orphan files that no row references (a crash between
// BlobWriter::commit and the metadata commit leaves those).
// Safety: only blobs older than `min_age` are touched, both by the row's
// zero_since and by the file's mtime, which a dedup commit refreshes; so
// min_age must exceed the time between a blob's commit and the metadata
// transaction that references it (milliseconds in practice; use hours).
// Blobs referenced outside the BlobIndex (the queue's, which lives in another
// database and holds no count) are passed as `also_live` and never removed:
// take that list before calling, so a message queued afterwards is covered
// by min_age (its blob is new, or refreshed by the dedup commit).
// Blocking; run it from the blocking pool or the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/result.hpp"
#include "store/blob_store.hpp"
#include "store/metadata_store.hpp"

namespace postino {

struct GcReport {
  std::uint64_t unreferenced_removed = 0;  // rows with count 0 forgotten (file removed if present)
  std::uint64_t orphans_removed = 0;       // files without a row, removed
  std::uint64_t kept_recent = 0;           // files spared because written within min_age
  std::uint64_t kept_live = 0;             // rows with count 0 or orphan files spared by `also_live`
};

// `also_live`: e.g. QueueStore::referenced_blobs(); any order.
Result<GcReport> collect_garbage(MetadataStore& metadata, BlobStore& blobs, std::chrono::seconds min_age,
                                 const std::vector<BlobId>& also_live);

}  // namespace postino
