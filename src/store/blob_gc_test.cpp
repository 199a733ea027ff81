// collect_garbage: removes unreferenced blobs and old orphans, nothing else;
// blobs the queue references are live although the index counts none.
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
  auto report = collect_garbage(**metadata, **blobs, std::chrono::hours(1), {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 0u);
  EXPECT_EQ(report->orphans_removed, 0u);
  EXPECT_EQ(report->kept_recent, 1u);  // the orphan
  EXPECT_EQ((*blobs)->list()->size(), 3u);

  report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0), {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 2u);  // dropped, gone
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_EQ(*(*blobs)->list(), std::vector<BlobId>{kept->id});
  EXPECT_EQ(*index.all_ids(), std::vector<BlobId>{kept->id});
  EXPECT_EQ(*index.ref_count(kept->id), 1u);

  // A second pass finds nothing.
  report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0), {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->unreferenced_removed + report->orphans_removed, 0u);
}

TEST(BlobGc, KeepsBlobsTheQueueReferences) {
  postino::testing::TempDir dir;
  StoreSettings settings{.data_dir = dir.path()};
  auto metadata = open_metadata_store(settings);
  auto blobs = open_blob_store(settings);
  auto queue = open_queue_store(settings);
  ASSERT_TRUE(metadata.ok() && blobs.ok() && queue.ok());
  BlobIndex& index = (*metadata)->blobs();

  // Queued only: a file without a row (the queue holds no count).
  auto queued = (*blobs)->put("queued for a remote recipient");
  // Queued and delivered locally, then expunged: a zero row, still queued.
  auto dropped = (*blobs)->put("delivered, expunged, still queued");
  auto orphan = (*blobs)->put("orphan");
  ASSERT_TRUE(queued.ok() && dropped.ok() && orphan.ok());
  ASSERT_TRUE(index.add_refs(*dropped, 1).ok());
  ASSERT_TRUE(index.drop_refs(dropped->id, 1).ok());
  for (const auto& [id, blob] : {std::pair{"Q1", *queued}, std::pair{"Q2", *dropped}}) {
    QueueMessage message{.id = id, .sender = "a@example.test", .blob = blob};
    message.recipients.push_back(QueueRecipient{.address = "b@example.test"});
    ASSERT_TRUE((*queue)->enqueue(message).ok());
  }

  auto live = (*queue)->referenced_blobs();
  ASSERT_TRUE(live.ok());
  auto report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0), *live);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 0u);
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_EQ(report->kept_live, 2u);
  EXPECT_TRUE((*blobs)->exists(queued->id));
  EXPECT_TRUE((*blobs)->exists(dropped->id));
  EXPECT_FALSE((*blobs)->exists(orphan->id));
  EXPECT_EQ(*index.all_ids(), std::vector<BlobId>{dropped->id});  // its zero row is kept too

  // Once the queue lets go, both are garbage.
  ASSERT_TRUE((*queue)->remove("Q1").ok());
  ASSERT_TRUE((*queue)->remove("Q2").ok());
  live = (*queue)->referenced_blobs();
  ASSERT_TRUE(live.ok() && live->empty());
  report = collect_garbage(**metadata, **blobs, std::chrono::seconds(0), *live);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->unreferenced_removed, 1u);
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_TRUE((*blobs)->list()->empty());
}

}  // namespace
}  // namespace postino
