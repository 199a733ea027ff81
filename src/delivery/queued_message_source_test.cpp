// QueuedMessageSource: the signing prefix, then the queued blob's bytes,
// read in chunks of any size (across the prefix/blob boundary), again after
// rewind; the DKIM-Signature computed over the blob verifies against what
// the source yields (the signer run twice over the same bytes agrees); a
// source over the message already in memory yields the same bytes.
#include "delivery/queued_message_source.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "dkim/dkim_key.hpp"
#include "dkim/dkim_signer.hpp"
#include "runtime/blocking_pool.hpp"
#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino {
namespace {

namespace asio = boost::asio;

asio::awaitable<std::string> read_all(smtp_client::MessageSource& source, std::size_t chunk) {
  std::string out;
  for (;;) {
    auto piece = co_await source.read(chunk);
    if (!piece) throw std::runtime_error(piece.error().message);
    if (piece->empty()) co_return out;
    EXPECT_LE(piece->size(), chunk);
    out += *piece;
  }
}

asio::awaitable<std::vector<std::string>> read_with_chunks(smtp_client::MessageSource& source,
                                                           std::vector<std::size_t> chunks) {
  std::vector<std::string> out;
  for (std::size_t chunk : chunks) {
    co_await source.rewind();
    out.push_back(co_await read_all(source, chunk));
  }
  co_return out;
}

TEST(QueuedMessageSource, PrefixThenBlobInAnyChunkSize) {
  postino::testing::TempDir dir;
  StoreSettings settings;
  settings.data_dir = dir.path();
  auto blobs = open_blob_store(settings);
  ASSERT_TRUE(blobs.ok()) << blobs.error().message;
  std::string body = "From: a@example.test\r\nSubject: s\r\n\r\n";
  for (int i = 0; i < 5000; ++i) body += "line " + std::to_string(i) + "\r\n";
  auto blob = (*blobs)->put(body);
  ASSERT_TRUE(blob.ok());

  auto key = dkim::generate_dkim_key(dkim::DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(key.ok());
  auto private_key = dkim::DkimPrivateKey::from_pem(key->private_key_pem);
  ASSERT_TRUE(private_key.ok());
  auto signer = dkim::DkimSigner::create(std::move(*private_key), "example.test", "s");
  ASSERT_TRUE(signer.ok());
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  // Streaming in uneven pieces gives the same signature as the whole message.
  dkim::DkimMessageSigner streaming(*signer);
  for (std::size_t at = 0; at < body.size(); at += 777) ASSERT_TRUE(streaming.update(body.substr(at, 777)).ok());
  auto header = streaming.finish(when);
  ASSERT_TRUE(header.ok()) << header.error().message;
  auto whole = signer->sign_message(body, when);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*header, *whole);

  runtime::BlockingPool pool(2);
  auto source = QueuedMessageSource::open(**blobs, blob->id, pool, *header);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ((*source)->size_bytes(), header->size() + body.size());
  asio::io_context io;
  auto done = asio::co_spawn(io, read_with_chunks(**source, {1, 7, header->size(), 4096, 1 << 20}), asio::use_future);
  io.run();
  for (const auto& read : done.get()) EXPECT_EQ(read, *header + body);

  // The same message held in memory (the signing pass's copy) yields the
  // same bytes without reading the blob.
  auto content = std::make_shared<const std::string>(body);
  QueuedMessageSource held(content, *header);
  EXPECT_EQ(held.size_bytes(), header->size() + body.size());
  auto held_done = asio::co_spawn(io, read_with_chunks(held, {1, 7, header->size(), 4096, 1 << 20}), asio::use_future);
  io.restart();
  io.run();
  for (const auto& read : held_done.get()) EXPECT_EQ(read, *header + body);
}

}  // namespace
}  // namespace postino
