// SqliteBlobIndex: BlobIndex on the `blobs` table. The row-level functions
// take a Connection so later stores (messages) can change a reference count
// inside their own Writer job, atomically with the row that holds it.
#pragma once

#include "store/blob_index.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

// For use inside a Writer job.
Status add_blob_refs(Connection& db, const BlobInfo& blob, std::uint32_t count);
Status drop_blob_refs(Connection& db, const BlobId& id, std::uint32_t count);

class SqliteBlobIndex final : public BlobIndex {
 public:
  SqliteBlobIndex(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Status add_refs(const BlobInfo& blob, std::uint32_t count) override;
  Status drop_refs(const BlobId& id, std::uint32_t count) override;
  Result<std::uint64_t> ref_count(const BlobId& id) override;
  Result<std::vector<BlobId>> unreferenced(std::int64_t min_age_seconds) override;
  Result<bool> forget_if_unreferenced(const BlobId& id) override;
  Result<std::vector<BlobId>> all_ids() override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace postino::sqlite
