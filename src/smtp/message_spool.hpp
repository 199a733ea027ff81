// MessageSpool: collects one message's bytes during DATA/BDAT. Small
// messages stay in memory and are written in one go; past a threshold the
// bytes stream into a BlobWriter on the blocking pool, so a 25 MB message
// never sits whole in memory. commit() makes the blob durable (fsync).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/blob_store.hpp"

namespace postino {
namespace runtime {
class BlockingPool;
}

class MessageSpool {
 public:
  MessageSpool(BlobStore& blobs, runtime::BlockingPool& blocking, std::size_t memory_bytes);
  ~MessageSpool();

  void append(std::string_view bytes) { buffer_.append(bytes); }
  std::uint64_t size_bytes() const { return flushed_bytes_ + buffer_.size(); }
  // Streams the buffer to the blob writer once it outgrows memory_bytes.
  boost::asio::awaitable<Status> spill_if_large();
  boost::asio::awaitable<Result<BlobInfo>> commit();
  // Forgets everything (RSET, rejected message).
  void discard();

 private:
  boost::asio::awaitable<Status> flush_to_writer();

  BlobStore& blobs_;
  runtime::BlockingPool& blocking_;
  std::size_t memory_bytes_;
  std::string buffer_;
  std::uint64_t flushed_bytes_ = 0;
  std::unique_ptr<BlobWriter> writer_;
};

}  // namespace postino
