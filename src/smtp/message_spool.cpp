// Message spooling between the SMTP session and the blob store.
#include "smtp/message_spool.hpp"

#include "runtime/blocking_pool.hpp"
#include "store/queue_store.hpp"

namespace postino {
namespace {

// Named functions rather than lambdas for the blocking jobs: they run while
// the session's coroutine is suspended and only touch what it owns.
struct CreateWriter {
  BlobStore* blobs;
  Result<std::unique_ptr<BlobWriter>> operator()() const { return blobs->create(); }
};

struct WriteChunk {
  BlobWriter* writer;
  const std::string* bytes;
  Status operator()() const { return writer->write(*bytes); }
};

struct CommitWriter {
  BlobWriter* writer;
  Result<BlobInfo> operator()() const { return writer->commit(); }
};

struct PutWhole {
  BlobStore* blobs;
  const std::string* bytes;
  Result<BlobInfo> operator()() const { return blobs->put(*bytes); }
};

// The blob (whole from memory, or the spilled writer's rest), then the queue
// entry that references it.
struct CommitAndEnqueue {
  BlobStore* blobs;
  const std::string* bytes;  // with no writer: the whole message
  BlobWriter* writer;        // null: put `bytes`
  QueueStore* queue;
  QueueMessage* message;
  SpoolEnqueueResult operator()() const {
    SpoolEnqueueResult out;
    Result<BlobInfo> info = writer == nullptr ? blobs->put(*bytes) : writer->commit();
    if (!info) {
      out.blob = info.take_error();
      return out;
    }
    message->blob = *info;
    out.enqueued = queue->enqueue(*message);
    return out;
  }
};

}  // namespace

MessageSpool::MessageSpool(BlobStore& blobs, runtime::BlockingPool& blocking, std::size_t memory_bytes)
    : blobs_(blobs), blocking_(blocking), memory_bytes_(memory_bytes) {}

MessageSpool::~MessageSpool() = default;

boost::asio::awaitable<Status> MessageSpool::flush_to_writer() {
  if (!writer_) {
    auto writer = co_await blocking_.run(CreateWriter{&blobs_});
    if (!writer) co_return writer.take_error();
    writer_ = std::move(*writer);
  }
  auto status = co_await blocking_.run(WriteChunk{writer_.get(), &buffer_});
  if (!status) co_return status;
  flushed_bytes_ += buffer_.size();
  buffer_.clear();
  co_return Status{};
}

boost::asio::awaitable<Status> MessageSpool::spill_if_large() {
  if (buffer_.size() < memory_bytes_) co_return Status{};
  co_return co_await flush_to_writer();
}

boost::asio::awaitable<Result<BlobInfo>> MessageSpool::commit() {
  if (!writer_) {
    auto info = co_await blocking_.run(PutWhole{&blobs_, &buffer_});
    discard();
    co_return info;
  }
  if (!buffer_.empty()) {
    auto status = co_await flush_to_writer();
    if (!status) {
      discard();
      co_return status.take_error();
    }
  }
  auto info = co_await blocking_.run(CommitWriter{writer_.get()});
  discard();
  co_return info;
}

boost::asio::awaitable<SpoolEnqueueResult> MessageSpool::commit_and_enqueue(QueueStore& queue, QueueMessage& message) {
  if (writer_ && !buffer_.empty()) {
    auto status = co_await flush_to_writer();
    if (!status) {
      discard();
      co_return SpoolEnqueueResult{status.take_error(), {}};
    }
  }
  auto result = co_await blocking_.run(CommitAndEnqueue{&blobs_, &buffer_, writer_.get(), &queue, &message});
  discard();
  co_return result;
}

void MessageSpool::discard() {
  buffer_.clear();
  flushed_bytes_ = 0;
  writer_.reset();  // an uncommitted writer removes its temp file
}

}  // namespace postino
