// QueuedMessageSource: the outbound agent's view of a queued message: an
// optional prefix (the DKIM-Signature field computed for this message) then
// the blob's bytes, read in chunks on the blocking pool, so a 25 MB message
// never sits in memory. A small message already read whole (by the DKIM
// signing pass) is served from that copy instead, shared by the sources of
// all its destinations, so the blob is read once per delivery attempt.
// Each concurrent delivery of one message (one per destination) has its own
// source.
// Threads: one coroutine at a time; blob reads run on the blocking pool.
#pragma once

#include <memory>
#include <string>

#include "smtp_client/message_source.hpp"
#include "store/blob_store.hpp"

namespace postino {

namespace runtime {
class BlockingPool;
}

class QueuedMessageSource final : public smtp_client::MessageSource {
 public:
  // Opens the blob (blocking: call on the blocking pool).
  static Result<std::unique_ptr<QueuedMessageSource>> open(BlobStore& blobs, const BlobId& blob,
                                                           runtime::BlockingPool& blocking, std::string prefix);

  QueuedMessageSource(std::unique_ptr<BlobReader> reader, runtime::BlockingPool& blocking, std::string prefix);
  // The blob's content already in memory (immutable, shared): no reads.
  QueuedMessageSource(std::shared_ptr<const std::string> content, std::string prefix);

  std::uint64_t size_bytes() const override;
  boost::asio::awaitable<Status> rewind() override;
  boost::asio::awaitable<Result<std::string>> read(std::size_t max_bytes) override;

 private:
  std::unique_ptr<BlobReader> reader_;          // null when content_ is set
  std::shared_ptr<const std::string> content_;  // null when reader_ is set
  runtime::BlockingPool* blocking_ = nullptr;
  std::string prefix_;
  std::uint64_t offset_ = 0;  // over prefix + blob
};

}  // namespace postino
