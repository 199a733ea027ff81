// DKIM signer (RFC 6376 5, RFC 8463): builds the DKIM-Signature header field
// to prepend to an outgoing message. The body is streamed through a
// DkimBodyHasher; the header block is kept (it is small and bounded).
// Header selection (RFC 6376 5.4): each name of the configured list is signed
// as many times as it occurs, bottom-up; names in the oversigned list get one
// more (empty) entry so a header field added later breaks the signature.
// Security: the header block is bounded (kDkimMaxHeaderBlockBytes); a message
// without From: is refused (RFC 6376 5.4: From MUST be signed).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dkim/dkim_canonicalization.hpp"
#include "dkim/dkim_key.hpp"

namespace postino::dkim {

inline constexpr std::size_t kDkimMaxHeaderBlockBytes = 1024 * 1024;

// From, To, Cc, Subject, Date, Message-ID, Reply-To, In-Reply-To, References,
// MIME-Version, Content-*, Resent-*, List-*, Sender.
std::vector<std::string> default_signed_headers();

struct DkimSignerSettings {
  DkimCanonicalization header_canonicalization = DkimCanonicalization::relaxed;
  DkimCanonicalization body_canonicalization = DkimCanonicalization::relaxed;
  std::vector<std::string> signed_headers = default_signed_headers();
  std::vector<std::string> oversigned_headers = {"From"};
  bool add_timestamp = true;                    // t=
  std::optional<std::chrono::seconds> expiry;   // x= = t + expiry
  std::string identity;                         // i= (empty: omitted, means @d)
};

// Immutable; thread-safe. One per signing domain and selector.
class DkimSigner {
 public:
  // domain: the d= domain (ASCII or A-label); selector: the s= label(s).
  static Result<DkimSigner> create(DkimPrivateKey key, std::string domain, std::string selector,
                                   DkimSignerSettings settings = {});

  const std::string& domain() const { return domain_; }
  const std::string& selector() const { return selector_; }
  const DkimSignerSettings& settings() const { return settings_; }

  // A body hasher with this signer's body canonicalisation.
  DkimBodyHasher body_hasher() const { return DkimBodyHasher(settings_.body_canonicalization); }

  // The folded "DKIM-Signature: ...\r\n" field for a message whose header
  // block is `header_block` (fields with CRLF or LF line ends, the blank
  // separator line optional) and whose body hash is `body_hash` (bh=, from
  // body_hasher().finish_base64()). invalid_argument when there is no From:
  // or the block is too big or not a header block.
  Result<std::string> signature_header(std::string_view header_block, std::string_view body_hash,
                                       std::chrono::system_clock::time_point now =
                                           std::chrono::system_clock::now()) const;

  // Whole message at once: signature_header() of its header block and body.
  Result<std::string> sign_message(std::string_view message,
                                   std::chrono::system_clock::time_point now =
                                       std::chrono::system_clock::now()) const;

 private:
  DkimSigner(DkimPrivateKey key, std::string domain, std::string selector, DkimSignerSettings settings)
      : key_(std::move(key)), domain_(std::move(domain)), selector_(std::move(selector)),
        settings_(std::move(settings)) {}

  DkimPrivateKey key_;
  std::string domain_;
  std::string selector_;
  DkimSignerSettings settings_;
};

// A message streamed in chunks (from the queue's blob): collects the header
// block up to the blank line, hashes the rest, then signs. Not thread-safe.
class DkimMessageSigner {
 public:
  explicit DkimMessageSigner(const DkimSigner& signer);

  // invalid_argument once the header block exceeds kDkimMaxHeaderBlockBytes.
  Status update(std::string_view chunk);

  // The DKIM-Signature field to prepend.
  Result<std::string> finish(std::chrono::system_clock::time_point now =
                                 std::chrono::system_clock::now());

 private:
  const DkimSigner& signer_;
  DkimBodyHasher body_;
  std::string header_block_;
  bool in_body_ = false;
};

}  // namespace postino::dkim
