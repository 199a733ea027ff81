// MessageSpool: collects one message's bytes during DATA/BDAT. Small
// messages stay in memory and are written in one go; past a threshold the
// bytes stream into a BlobWriter on the blocking pool, so a 25 MB message
// never sits whole in memory. commit() makes the blob durable (fsync);
// commit_and_enqueue() also inserts the queue entry in the same blocking job
// (one hand-off to the pool per message instead of two).
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
class QueueStore;
struct QueueMessage;

// The outcome of MessageSpool::commit_and_enqueue, step by step.
struct SpoolEnqueueResult {
  Status blob;      // committing the blob (durable when ok)
  Status enqueued;  // the queue insert; not attempted when the blob failed
};

class MessageSpool {
 public:
  MessageSpool(BlobStore& blobs, runtime::BlockingPool& blocking, std::size_t memory_bytes);
  ~MessageSpool();

  void append(std::string_view bytes) { buffer_.append(bytes); }
  std::uint64_t size_bytes() const { return flushed_bytes_ + buffer_.size(); }
  // Streams the buffer to the blob writer once it outgrows memory_bytes.
  boost::asio::awaitable<Status> spill_if_large();
  boost::asio::awaitable<Result<BlobInfo>> commit();
  // Commits the blob, stores its id in `message.blob` and enqueues `message`
  // (durable when both steps are ok). Both must outlive the call.
  boost::asio::awaitable<SpoolEnqueueResult> commit_and_enqueue(QueueStore& queue, QueueMessage& message);
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
