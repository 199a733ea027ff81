// collect_garbage: removes unreferenced blobs and old orphans, nothing else.
#include "store/blob_gc.hpp"

#include <gtest/gtest.h>

#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

TEST(BlobGc, RemovesOnlyUnreferencedBlobsAndOrphans) {
  postino::testing::TempDir dir;
  StoreSettings settings{.data_dir = dir.path()};
  auto metadata = open_metadata_store(settings);
  auto blobs = open_blob_store(settings);
  ASSERT_TRUE(metadata.ok() && blobs.ok());
  BlobIndex& index = (*metadata)->blobs();

  auto kept = (*blobs)->put("referenced");
  auto dropped = (*blobs)->put("dropped to zero");
  auto orphan = (*blobs)->put("no row: crash before the metadata commit");
  ASSERT_TRUE(kept.ok() && dropped.ok() && orphan.ok());
  ASSERT_TRUE(index.add_refs(*kept, 1).ok());
  ASSERT_TRUE(index.add_refs(*dropped, 2).ok());
  ASSERT_TRUE(index.drop_refs(dropped->id, 2).ok());
  // A zero row whose file is already gone (crash after unlink, before forget).
  auto gone = (*blobs)->put("gone");
  ASSERT_TRUE(index.add_refs(*gone, 1).ok());
  ASSERT_TRUE(index.drop_refs(gone->id, 1).ok());
  ASSERT_TRUE((*blobs)->remove(gone->id).ok());

  // Everything is younger than an hour: nothing goes.
  auto report = collect_garbage(**metadata, **blobs, std::chrono::hours(1));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 0u);
  EXPECT_EQ(report->orphans_removed, 0u);
  EXPECT_EQ(report->kept_recent, 1u);  // the orphan
  EXPECT_EQ((*blobs)->list()->size(), 3u);

  report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 2u);  // dropped, gone
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_EQ(*(*blobs)->list(), std::vector<BlobId>{kept->id});
  EXPECT_EQ(*index.all_ids(), std::vector<BlobId>{kept->id});
  EXPECT_EQ(*index.ref_count(kept->id), 1u);

  // A second pass finds nothing.
  report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->unreferenced_removed + report->orphans_removed, 0u);
}

}  // namespace
}  // namespace postino
