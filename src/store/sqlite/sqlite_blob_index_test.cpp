// SqliteBlobIndex: counting, zero_since, forgetting, errors.
#include "store/sqlite/sqlite_blob_index.hpp"

#include <gtest/gtest.h>

#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

BlobId id_of(std::uint8_t first) {
  BlobId id;
  id.sha256.fill(0x11);
  id.sha256[0] = first;
  return id;
}

TEST(SqliteBlobIndex, CountsReferencesAndReportsUnreferenced) {
  postino::testing::TempDir dir;
  auto metadata = open_metadata_store(StoreSettings{.data_dir = dir.path()});
  ASSERT_TRUE(metadata.ok());
  BlobIndex& index = (*metadata)->blobs();
  BlobInfo a{id_of(0xaa), 100};
  BlobInfo b{id_of(0x0b), 200};

  EXPECT_EQ(*index.ref_count(a.id), 0u);
  ASSERT_TRUE(index.add_refs(a, 2).ok());
  ASSERT_TRUE(index.add_refs(a, 1).ok());
  ASSERT_TRUE(index.add_refs(b, 1).ok());
  EXPECT_EQ(*index.ref_count(a.id), 3u);
  EXPECT_EQ(index.add_refs(a, 0).error().code, Errc::invalid_argument);
  EXPECT_EQ(index.add_refs(BlobInfo{a.id, 101}, 1).error().code, Errc::corrupt_data);
  EXPECT_EQ(*index.ref_count(a.id), 3u);

  ASSERT_TRUE(index.drop_refs(a.id, 2).ok());
  EXPECT_EQ(index.drop_refs(a.id, 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(index.drop_refs(id_of(0x01), 1).error().code, Errc::not_found);
  EXPECT_TRUE(index.unreferenced(0)->empty());
  EXPECT_EQ(*index.forget_if_unreferenced(a.id), false);

  ASSERT_TRUE(index.drop_refs(a.id, 1).ok());
  EXPECT_EQ(*index.ref_count(a.id), 0u);
  EXPECT_EQ(*index.unreferenced(0), std::vector<BlobId>{a.id});
  EXPECT_TRUE(index.unreferenced(3600)->empty());  // still inside its grace period

  // Referenced again: no longer a candidate.
  ASSERT_TRUE(index.add_refs(a, 1).ok());
  EXPECT_TRUE(index.unreferenced(0)->empty());
  ASSERT_TRUE(index.drop_refs(a.id, 1).ok());

  EXPECT_EQ(*index.all_ids(), (std::vector<BlobId>{b.id, a.id}));  // sorted
  EXPECT_EQ(*index.forget_if_unreferenced(a.id), true);
  EXPECT_EQ(*index.forget_if_unreferenced(a.id), false);
  EXPECT_EQ(*index.all_ids(), std::vector<BlobId>{b.id});
}

}  // namespace
}  // namespace postino
