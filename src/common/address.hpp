// Mail addresses (RFC 5321 4.1.2 Mailbox, RFC 6531 UTF-8 local parts) and
// domain names: parsing, validation and the canonical form used as a
// directory key (lower-case; Postfix and Dovecot fold case the same way).
// Security: parses untrusted input; every length is bounded (RFC 5321 4.5.3.1).
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino {

inline constexpr std::size_t kMaxLocalPartBytes = 64;
inline constexpr std::size_t kMaxDomainBytes = 255;
inline constexpr std::size_t kMaxLabelBytes = 63;

struct Address {
  std::string local;   // as given (quotes removed), case preserved
  std::string domain;  // lower-case

  // "local@domain" with the local part lower-cased: the directory key.
  std::string canonical() const;
  std::string str() const;  // local@domain as given, quoted if needed
  bool operator==(const Address&) const = default;
};

struct AddressOptions {
  bool allow_utf8 = true;  // RFC 6531 local parts and U-label domains
};

// Parses "local@domain" (no angle brackets). Clear messages for each fault.
Result<Address> parse_address(std::string_view text, AddressOptions options = {});

// Validates a domain name (LDH labels, or UTF-8 labels when allowed) and
// returns it lower-cased. A single label is accepted only if allow_single_label.
Result<std::string> parse_domain(std::string_view text, bool allow_utf8 = true, bool allow_single_label = false);

// True when every byte is printable US-ASCII.
bool is_ascii(std::string_view text);
// True when text is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);
std::string ascii_lower(std::string_view text);

}  // namespace postino
