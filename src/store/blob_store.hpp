// BlobStore: content-addressed message bytes (SHA-256 of the uncompressed
// content). A blob is durable (data and directory entry fsynced) when
// commit() returns: only then may a protocol answer 250/OK.
// Contract: thread-safe; blocking (call from the blocking pool). Readers
// support ranged reads so IMAP partial FETCH never loads a whole message.
// Reference counts are not kept here but in the metadata store (BlobIndex);
// this interface only stores, reads, lists and removes bytes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino {

struct BlobId {
  std::array<std::uint8_t, 32> sha256{};
  std::string hex() const;
  static Result<BlobId> from_hex(std::string_view hex);
  auto operator<=>(const BlobId&) const = default;
};

struct BlobInfo {
  BlobId id;
  std::uint64_t size_bytes = 0;  // uncompressed
};

// Streams bytes into a new blob. Destroying it without commit() discards.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status write(std::string_view bytes) = 0;
  // Hashes, compresses if configured, fsyncs, renames into place. If a blob
  // with the same content exists, the new copy is dropped and the id shared.
  virtual Result<BlobInfo> commit() = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size_bytes() const = 0;
  // Reads up to `length` bytes of uncompressed content at `offset`; returns
  // fewer only at the end.
  virtual Result<std::string> read(std::uint64_t offset, std::size_t length) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Result<std::unique_ptr<BlobWriter>> create() = 0;
  Result<BlobInfo> put(std::string_view bytes);  // create + write + commit
  virtual Result<std::unique_ptr<BlobReader>> open(const BlobId& id) = 0;
  virtual bool exists(const BlobId& id) = 0;
  virtual Status remove(const BlobId& id) = 0;
  // Removes the blob unless it was written (or deduplicated against) less
  // than `min_age` ago; true if removed, false if kept, not_found if absent.
  // Atomic with commit() of the same content in this process, so garbage
  // collection never deletes a blob a writer has just been handed.
  virtual Result<bool> remove_if_older(const BlobId& id, std::chrono::seconds min_age) = 0;
  virtual Result<std::vector<BlobId>> list() = 0;
};

}  // namespace postino
