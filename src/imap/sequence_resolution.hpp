// The messages a command's sequence set names in the selected mailbox:
// sequence numbers or UIDs, or "$", the saved SEARCH result (RFC 5182).
#pragma once

#include <cstdint>
#include <vector>

#include "imap_proto/sequence_set.hpp"

namespace postino::imap {

class ImapSession;

// Ascending sequence numbers of existing messages.
std::vector<std::uint32_t> resolve_set(ImapSession& session, const SequenceSet& set, bool uid_mode);

}  // namespace postino::imap
