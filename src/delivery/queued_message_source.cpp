// QueuedMessageSource. See queued_message_source.hpp.
#include "delivery/queued_message_source.hpp"

#include <algorithm>

#include "runtime/blocking_pool.hpp"

namespace postino {

namespace asio = boost::asio;

namespace {
struct ReadJob {
  BlobReader* reader;
  std::uint64_t offset;
  std::size_t length;
  Result<std::string> operator()() const { return reader->read(offset, length); }
};
}  // namespace

Result<std::unique_ptr<QueuedMessageSource>> QueuedMessageSource::open(BlobStore& blobs, const BlobId& blob,
                                                                       runtime::BlockingPool& blocking,
                                                                       std::string prefix) {
  auto reader = blobs.open(blob);
  if (!reader) return reader.take_error();
  return std::make_unique<QueuedMessageSource>(std::move(*reader), blocking, std::move(prefix));
}

QueuedMessageSource::QueuedMessageSource(std::unique_ptr<BlobReader> reader, runtime::BlockingPool& blocking,
                                         std::string prefix)
    : reader_(std::move(reader)), blocking_(&blocking), prefix_(std::move(prefix)) {}

QueuedMessageSource::QueuedMessageSource(std::shared_ptr<const std::string> content, std::string prefix)
    : content_(std::move(content)), prefix_(std::move(prefix)) {}

std::uint64_t QueuedMessageSource::size_bytes() const {
  return prefix_.size() + (content_ ? content_->size() : reader_->size_bytes());
}

asio::awaitable<Status> QueuedMessageSource::rewind() {
  offset_ = 0;
  co_return Status{};
}

asio::awaitable<Result<std::string>> QueuedMessageSource::read(std::size_t max_bytes) {
  if (max_bytes == 0 || offset_ >= size_bytes()) co_return std::string{};
  if (offset_ < prefix_.size()) {
    const std::size_t take = std::min<std::size_t>(max_bytes, prefix_.size() - offset_);
    std::string out = prefix_.substr(offset_, take);
    offset_ += take;
    co_return out;
  }
  const std::uint64_t blob_offset = offset_ - prefix_.size();
  if (content_) {
    const std::size_t take = std::min<std::size_t>(max_bytes, content_->size() - blob_offset);
    std::string out = content_->substr(static_cast<std::size_t>(blob_offset), take);
    offset_ += take;
    co_return out;
  }
  Result<std::string> chunk = co_await blocking_->run(ReadJob{reader_.get(), blob_offset, max_bytes});
  if (!chunk) co_return chunk;
  if (chunk->empty()) co_return make_error(Errc::corrupt_data, "queued message ends before its recorded size");
  offset_ += chunk->size();
  co_return chunk;
}

}  // namespace postino
