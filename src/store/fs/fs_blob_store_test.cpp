// FsBlobStore: round trips (plain and zstd), ranged reads across frame
// boundaries, dedup, empty blobs, format detection, removal and listing,
// the one-level fan-out and the two-level layout it replaced.
#include "store/fs/fs_blob_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/fs/blob_file_format.hpp"
#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// ~1 MB of mail-like text: compressible, and not a multiple of the frame size.
std::string sample_content() {
  std::string out;
  for (int i = 0; out.size() < 1'000'000 + 12'345; ++i) {
    out += "Line " + std::to_string(i) + ": The quick brown fox jumps over the lazy dog " +
           std::to_string(i * 7919 % 10007) + "\r\n";
  }
  return out.substr(0, 1'000'000 + 12'345);
}

std::uintmax_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class FsBlobStoreTest : public ::testing::TestWithParam<BlobCompression> {
 protected:
  std::unique_ptr<BlobStore> open_store(BlobCompression compression) {
    auto store = open_blob_store(StoreSettings{.data_dir = dir_.path(), .blob_compression = compression});
    EXPECT_TRUE(store.ok());
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string blobs() const { return dir_.path() + "/blobs"; }

  postino::testing::TempDir dir_;
};

TEST(BlobId, HexRoundTrip) {
  auto id = BlobId::from_hex(kAbcSha256);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->sha256[0], 0xba);
  EXPECT_EQ(id->hex(), kAbcSha256);
  EXPECT_EQ(BlobId::from_hex(std::string(kAbcSha256).substr(1)).error().code, Errc::invalid_argument);
  EXPECT_EQ(BlobId::from_hex(std::string(64, 'g')).error().code, Errc::invalid_argument);
  EXPECT_TRUE(BlobId::from_hex(std::string(64, 'F')).ok());
}

TEST_P(FsBlobStoreTest, RoundTripWithRangedReads) {
  auto store = open_store(GetParam());
  const std::string content = sample_content();
  auto writer = store->create();
  ASSERT_TRUE(writer.ok());
  for (std::size_t at = 0; at < content.size(); at += 7777) {
    ASSERT_TRUE((*writer)->write(std::string_view(content).substr(at, 7777)).ok());
  }
  auto info = (*writer)->commit();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size_bytes, content.size());

  std::string hex = info->id.hex();
  std::string path = blobs() + "/" + hex.substr(0, 2) + "/" + hex;
  ASSERT_TRUE(std::filesystem::exists(path));
  if (GetParam() == BlobCompression::zstd) {
    EXPECT_LT(file_size(path), content.size() / 2);
  } else {
    EXPECT_EQ(file_size(path), content.size() + blob_format::kHeaderBytes);
  }

  auto reader = store->open(info->id);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->size_bytes(), content.size());
  EXPECT_EQ(*(*reader)->read(0, content.size()), content);
  const std::uint64_t frame = blob_format::kFrameBytes;
  struct Range {
    std::uint64_t offset;
    std::size_t length;
  };
  for (Range r : {Range{0, 1}, Range{frame - 10, 20}, Range{frame, 1}, Range{frame - 1, 1},
                  Range{frame - 5, 2 * frame + 10}, Range{3 * frame + 3, 1000}, Range{content.size() - 7, 7},
                  Range{12345, 100}, Range{2 * frame - 1, 2}}) {
    auto got = (*reader)->read(r.offset, r.length);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, content.substr(r.offset, r.length)) << r.offset << "+" << r.length;
  }
  EXPECT_EQ(*(*reader)->read(content.size() - 3, 100), content.substr(content.size() - 3));  // short at the end
  EXPECT_EQ(*(*reader)->read(content.size(), 10), "");
  EXPECT_EQ(*(*reader)->read(content.size() + 100, 10), "");
  EXPECT_EQ(files_in(blobs() + "/tmp"), 0u);
}

TEST_P(FsBlobStoreTest, IdIsTheSha256OfTheContent) {
  auto store = open_store(GetParam());
  auto abc = store->put("abc");
  ASSERT_TRUE(abc.ok());
  EXPECT_EQ(abc->id.hex(), kAbcSha256);
  EXPECT_EQ(abc->size_bytes, 3u);
  EXPECT_EQ(*(*store->open(abc->id))->read(1, 5), "bc");
}

TEST_P(FsBlobStoreTest, EmptyBlob) {
  auto store = open_store(GetParam());
  auto empty = store->put("");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->id.hex(), kEmptySha256);
  EXPECT_EQ(empty->size_bytes, 0u);
  auto reader = store->open(empty->id);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->size_bytes(), 0u);
  EXPECT_EQ(*(*reader)->read(0, 10), "");
}

TEST_P(FsBlobStoreTest, IdenticalContentIsStoredOnce) {
  auto store = open_store(GetParam());
  const std::string content = sample_content().substr(0, 300'000);
  auto first = store->put(content);
  auto second = store->put(content);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(*store->list(), std::vector<BlobId>{first->id});
  EXPECT_EQ(files_in(blobs() + "/tmp"), 0u);
  EXPECT_EQ(*(*store->open(first->id))->read(0, content.size()), content);
}

TEST_P(FsBlobStoreTest, UncommittedWriterLeavesNothing) {
  auto store = open_store(GetParam());
  {
    auto writer = store->create();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write("never committed").ok());
    EXPECT_EQ(files_in(blobs() + "/tmp"), 1u);
  }
  EXPECT_EQ(files_in(blobs() + "/tmp"), 0u);
  EXPECT_TRUE(store->list()->empty());
}

TEST_P(FsBlobStoreTest, ExistsListRemove) {
  auto store = open_store(GetParam());
  auto a = store->put("a");
  auto b = store->put("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(store->exists(a->id));
  auto listed = store->list();
  ASSERT_TRUE(listed.ok());
  std::vector<BlobId> expected{a->id, b->id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*listed, expected);

  EXPECT_FALSE(*store->remove_if_older(a->id, std::chrono::hours(1)));  // just written
  EXPECT_TRUE(store->exists(a->id));
  EXPECT_TRUE(*store->remove_if_older(a->id, std::chrono::seconds(0)));
  EXPECT_FALSE(store->exists(a->id));
  EXPECT_EQ(store->remove_if_older(a->id, std::chrono::seconds(0)).error().code, Errc::not_found);
  EXPECT_TRUE(store->remove(b->id).ok());
  EXPECT_EQ(store->remove(b->id).error().code, Errc::not_found);
  EXPECT_EQ(store->open(b->id).error().code, Errc::not_found);
  EXPECT_TRUE(store->list()->empty());
}

INSTANTIATE_TEST_SUITE_P(Compression, FsBlobStoreTest, ::testing::Values(BlobCompression::none, BlobCompression::zstd),
                         [](const auto& info) { return info.param == BlobCompression::zstd ? "zstd" : "plain"; });

TEST_F(FsBlobStoreTest, EitherSettingReadsBothFormats) {
  const std::string content = sample_content().substr(0, 600'000);
  // Plain content that begins like a compressed file's header is still plain.
  const std::string tricky = blob_format::encode_header(blob_format::Format::zstd) + "not zstd";
  BlobInfo plain, tricky_info;
  {
    auto store = open_store(BlobCompression::none);
    plain = *store->put(content);
    tricky_info = *store->put(tricky);
  }
  auto store = open_store(BlobCompression::zstd);
  auto packed = store->put(content.substr(1));
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(*(*store->open(plain.id))->read(300'000, 10), content.substr(300'000, 10));
  EXPECT_EQ(*(*store->open(tricky_info.id))->read(0, 100), tricky);
  auto plain_store = open_store(BlobCompression::none);
  EXPECT_EQ(*(*plain_store->open(packed->id))->read(299'999, 10), content.substr(300'000, 10));
}

TEST_F(FsBlobStoreTest, TruncatedCompressedFileIsCorrupt) {
  auto store = open_store(BlobCompression::zstd);
  auto info = store->put(sample_content());
  ASSERT_TRUE(info.ok());
  std::string hex = info->id.hex();
  std::string path = blobs() + "/" + hex.substr(0, 2) + "/" + hex;
  std::filesystem::resize_file(path, file_size(path) - 1);
  auto reader = store->open(info->id);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, Errc::corrupt_data);
}

// Blobs live in ab/<hex> under 256 directories made at open: writing a blob
// never creates a directory.
TEST_F(FsBlobStoreTest, OneFanOutLevelMadeAtOpen) {
  auto store = open_store(BlobCompression::none);
  std::size_t dirs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(blobs())) {
    if (entry.is_directory() && entry.path().filename() != "tmp") ++dirs;
  }
  EXPECT_EQ(dirs, 256u);
  auto info = store->put("abc");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->id.hex(), kAbcSha256);
  EXPECT_TRUE(std::filesystem::is_regular_file(blobs() + "/ba/" + kAbcSha256));
  for (const auto& entry : std::filesystem::directory_iterator(blobs() + "/ba")) {
    EXPECT_FALSE(entry.is_directory()) << entry.path();
  }
}

// A store written with the earlier two-level layout (ab/cd/<hex>) keeps
// working: reads, dedup, listing, GC removal.
TEST_P(FsBlobStoreTest, ReadsTheTwoLevelLayout) {
  auto store = open_store(GetParam());
  const std::string content = sample_content().substr(0, 70'000);
  auto old_blob = store->put(content);
  auto other = store->put("other");
  ASSERT_TRUE(old_blob.ok() && other.ok());
  const std::string hex = old_blob->id.hex();
  const std::string leaf = blobs() + "/" + hex.substr(0, 2) + "/" + hex.substr(2, 2);
  std::filesystem::create_directory(leaf);
  std::filesystem::rename(blobs() + "/" + hex.substr(0, 2) + "/" + hex, leaf + "/" + hex);

  store = open_store(GetParam());
  EXPECT_TRUE(store->exists(old_blob->id));
  EXPECT_EQ(*(*store->open(old_blob->id))->read(65'000, 100), content.substr(65'000, 100));
  std::vector<BlobId> expected{old_blob->id, other->id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*store->list(), expected);
  // The same content again is deduplicated against the old file.
  auto again = store->put(content);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, old_blob->id);
  EXPECT_FALSE(std::filesystem::exists(blobs() + "/" + hex.substr(0, 2) + "/" + hex));
  EXPECT_FALSE(*store->remove_if_older(old_blob->id, std::chrono::hours(1)));  // just touched
  EXPECT_TRUE(*store->remove_if_older(old_blob->id, std::chrono::seconds(0)));
  EXPECT_FALSE(std::filesystem::exists(leaf + "/" + hex));
  EXPECT_FALSE(store->exists(old_blob->id));
  EXPECT_EQ(store->open(old_blob->id).error().code, Errc::not_found);
  EXPECT_EQ(*store->list(), std::vector<BlobId>{other->id});
}

TEST(OpenBlobStore, CreatesMissingParentsOfTheDataDir) {
  postino::testing::TempDir dir;
  auto store = open_blob_store(StoreSettings{.data_dir = dir.path() + "/a/b/"});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/a/b/blobs/tmp"));
  EXPECT_FALSE(open_blob_store(StoreSettings{}).ok());
}

}  // namespace
}  // namespace postino
