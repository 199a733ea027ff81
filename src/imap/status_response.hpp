// The untagged STATUS response (RFC 9051 7.3.4) for STATUS and LIST-STATUS
// (RFC 5819): one place that maps each item to the store's counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap_proto/imap_command.hpp"
#include "imap_proto/response_writer.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {

void write_status(ResponseWriter& out, const std::string& mailbox, const MailboxStatus& status,
                  const std::vector<StatusItem>& items, std::uint64_t append_limit_bytes);

}  // namespace postino::imap
