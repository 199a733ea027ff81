#include "imap/message_access.hpp"

#include <algorithm>

#include "mime/structure_parser.hpp"

namespace postino::imap {

namespace {
constexpr std::uint64_t kChunkBytes = 256 * 1024;
}

Result<MessageContent> MessageContent::open(BlobStore& blobs, const MessageRecord& record) {
  auto reader = blobs.open(record.blob);
  if (!reader) return reader.take_error();
  return MessageContent(record.header_prefix, std::move(*reader));
}

Result<std::string> MessageContent::read(std::uint64_t offset, std::uint64_t length) {
  std::string out;
  const std::uint64_t size = size_bytes();
  if (offset >= size) return out;
  length = std::min(length, size - offset);
  out.reserve(static_cast<std::size_t>(length));
  if (offset < prefix_.size()) {
    std::uint64_t n = std::min<std::uint64_t>(length, prefix_.size() - offset);
    out.append(prefix_, static_cast<std::size_t>(offset), static_cast<std::size_t>(n));
    offset += n;
    length -= n;
  }
  if (length > 0) {
    auto bytes = blob_->read(offset - prefix_.size(), static_cast<std::size_t>(length));
    if (!bytes) return bytes.take_error();
    out += *bytes;
  }
  return out;
}

Result<mime::MessageStructure> structure_of(BlobStore& blobs, const MessageRecord& record) {
  if (!record.mime_structure.empty()) {
    auto stored = mime::MessageStructure::deserialize(record.mime_structure);
    if (stored) return stored;
  }
  auto content = MessageContent::open(blobs, record);
  if (!content) return content.take_error();
  mime::StructureParser parser;
  for (std::uint64_t offset = 0; offset < content->size_bytes(); offset += kChunkBytes) {
    auto chunk = content->read(offset, kChunkBytes);
    if (!chunk) return chunk.take_error();
    parser.feed(*chunk);
  }
  return parser.finish();
}

}  // namespace postino::imap
