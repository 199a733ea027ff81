// The data of one "* n FETCH (...)" response (RFC 9051 7.5.2), rendered from
// the stored record, its MIME structure and ranged reads of its bytes.
// Bodies above kStreamThresholdBytes are not rendered but described (range
// of the message) so the session streams them in chunks: a 25 MB BODY[]
// never sits in memory. BINARY decodes in memory, bounded by the message size.
// Contract: blocking (blob reads): call on the blocking pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "imap/selected_mailbox.hpp"
#include "imap_proto/fetch_attribute.hpp"
#include "store/blob_store.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {

inline constexpr std::uint64_t kStreamThresholdBytes = 1u << 20;

// Text to send, then (if stream_length > 0) that many message bytes from
// stream_offset, read in chunks by the session.
struct FetchPiece {
  std::string text;
  std::uint64_t stream_offset = 0;
  std::uint64_t stream_length = 0;
};

struct FetchFacts {
  std::uint32_t seq = 0;
  std::vector<std::string> flags;  // including \Recent if the session reports it
  std::uint64_t modseq = 0;
  bool include_modseq = false;
  bool include_uid = false;
  bool utf8 = false;
  AccountId account{};  // the session's (EMAILID, RFC 8474 5.1)
};

enum class FetchFailure { unknown_cte };

// Errors: the store's (blob unreadable), or invalid_argument with message
// "UNKNOWN-CTE" for BINARY on a part whose encoding we cannot decode.
Result<std::vector<FetchPiece>> render_fetch(BlobStore& blobs, const MessageRecord& record, const FetchFacts& facts,
                                             const std::vector<FetchAttribute>& attributes);

// RFC 9051 4.3: a literal (not a literal8) never carries NUL. Message bytes
// sent in BODY[...] have each NUL replaced by 0x80, as Dovecot does; BINARY
// sends exact bytes in a literal8. NUL reaches the store only through a
// BINARY APPEND (SMTP and plain literals refuse it).
void replace_nul_for_literal(std::string& bytes);

// Whether any attribute needs the MIME structure or the message bytes.
bool needs_structure(const std::vector<FetchAttribute>& attributes);
bool needs_record(const std::vector<FetchAttribute>& attributes);
// Whether the selected mailbox's view alone answers this item (UID, FLAGS,
// MODSEQ, THREADID): no store read.
bool view_only(FetchItem item);

// Appends "* seq FETCH (...)\r\n" for attributes that are all view_only,
// from the view's message: what render_fetch would send, without a record,
// pieces or copies (FETCH 1:* (FLAGS) on 100,000 messages). Non-blocking.
void append_view_fetch(std::string& out, std::uint32_t seq, const ViewMessage& message, bool recent,
                       const FetchFacts& options, const std::vector<FetchAttribute>& attributes);

}  // namespace postino::imap
