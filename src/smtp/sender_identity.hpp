// Sender identity on submission (R-OUT2): which envelope senders and From:
// addresses an authenticated account may use, and the RFC 5322 3.4 parsing
// of the From: field that the check needs. Pure functions, no I/O.
// Security: the From: value is untrusted; parsing is bounded (kMaxFromAddresses,
// the field length the caller already bounded) and never asserts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "directory/directory.hpp"

namespace postino {

inline constexpr std::size_t kMaxFromAddresses = 100;

// True when `address` (any case) is the account's own address, an alias
// whose targets include the account, or granted explicitly (as an address or
// as "@domain"). A catch-all alias ("@domain") targeting the account does
// not make the whole domain the account's: only an explicit grant does.
bool sender_owned(const SendingPolicy& policy, std::string_view address);

// The addr-specs of a From: field body (after "From:", unfolded or not):
// mailbox-list or group syntax, display names, quoted strings, comments and
// angle addresses (RFC 5322 3.4, obsolete route syntax ignored). Returns the
// addresses as written ("local@domain", quotes kept off); invalid_argument
// for a field without any address, unbalanced quotes, comments or angle
// brackets, or more than kMaxFromAddresses addresses.
Result<std::vector<std::string>> parse_from_addresses(std::string_view field_body);

}  // namespace postino
