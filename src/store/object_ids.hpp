// Object identifiers of RFC 8474 (IMAP OBJECTID): MAILBOXID and EMAILID,
// derived from what the store already keeps, so no table holds them and
// every engine gives the same answers.
// - MAILBOXID from the mailbox's row id and UIDVALIDITY: both survive a
//   RENAME (the row is renamed in place) and neither is ever given to
//   another mailbox (row ids are never reused, UIDVALIDITY is distinct per
//   mailbox), so the id is stable and unique forever (RFC 8474 4). RENAME
//   INBOX creates a new mailbox for the messages: a new id, INBOX keeps its.
// - EMAILID from the account, the content blob and the per-recipient header
//   prefix, i.e. from the immutable message bytes: a COPY or MOVE (same blob,
//   same prefix) keeps it (RFC 8474 5.1 "MUST"), an identical APPEND to the
//   same account gets it too (5.1 allows this), a different message never does.
// Both are SHA-256 digests (truncated to 128 bits) behind a letter that
// names the kind, in base64url: [A-Za-z0-9_-], 23 characters, never a
// leading '-' (RFC 8474 7: safe as file names). The account is in the
// EMAILID digest so that one user's ids say nothing about another user's
// messages (RFC 8474 7: no covert channel through content digests).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/blob_store.hpp"
#include "store/ids.hpp"

namespace postino {

std::string mailbox_object_id(MailboxId mailbox, std::uint32_t uid_validity);  // "F..."
std::string email_object_id(AccountId account, const BlobId& blob, std::string_view header_prefix);  // "M..."

// RFC 8474 9: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
bool is_object_id(std::string_view text);

}  // namespace postino
