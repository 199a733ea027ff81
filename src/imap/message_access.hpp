// Reading a stored message for FETCH, SEARCH and APPEND: its bytes are the
// per-recipient header prefix followed by the blob, read by range so a
// partial FETCH of a 25 MB message reads only what it returns; its MIME
// structure comes from the store (parsed once at delivery) or, for a
// message stored without one, is parsed here from the bytes.
// Contract: blocking (blob reads): call on the blocking pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "mime/message_structure.hpp"
#include "store/blob_store.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {

class MessageContent {
 public:
  static Result<MessageContent> open(BlobStore& blobs, const MessageRecord& record);
  std::uint64_t size_bytes() const { return prefix_.size() + blob_->size_bytes(); }
  // Up to `length` bytes at `offset`; fewer only at the end.
  Result<std::string> read(std::uint64_t offset, std::uint64_t length);
  Result<std::string> read_all() { return read(0, size_bytes()); }

 private:
  MessageContent(std::string prefix, std::unique_ptr<BlobReader> blob)
      : prefix_(std::move(prefix)), blob_(std::move(blob)) {}
  std::string prefix_;
  std::unique_ptr<BlobReader> blob_;
};

// The stored structure, or one parsed from the content (streamed in chunks).
Result<mime::MessageStructure> structure_of(BlobStore& blobs, const MessageRecord& record);

}  // namespace postino::imap
