// Strong ids for stored records (STYLE.md habit 1).
#pragma once

#include <cstdint>

namespace postino {

enum class DomainId : std::int64_t {};
enum class AccountId : std::int64_t {};
enum class MailboxId : std::int64_t {};
enum class Uid : std::uint32_t {};           // IMAP UID within one mailbox (RFC 9051 2.3.1.1)
enum class RecipientRowId : std::int64_t {};  // one recipient of one queued message

}  // namespace postino
