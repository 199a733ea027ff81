// Settings of the submission listeners (RFC 6409 on 587 with STARTTLS,
// RFC 8314 on 465 with implicit TLS): per-user sending rate limits (R-OUT3)
// and the limits on authentication attempts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace postino {

// A domain's own defaults; an unset value falls back to the global one.
struct DomainSendLimits {
  std::optional<std::uint64_t> messages_per_hour;
  std::optional<std::uint64_t> recipients_per_hour;
};

struct SubmissionSettings {
  // Defaults for every account, overridden per domain by domain_limits and
  // per account by `postino user set-limits` (the account's value wins).
  // Counted in fixed one-hour windows shared by every node. 0 = unlimited.
  std::uint64_t messages_per_hour = 200;
  std::uint64_t recipients_per_hour = 1000;
  std::map<std::string, DomainSendLimits> domain_limits;  // key: lower-case domain
  // Failed AUTH exchanges on one connection before 421 and disconnect
  // (across connections, runtime::AuthThrottle counts per client and user).
  std::uint32_t max_auth_failures = 3;
  // The header section is held in memory to check From: and add Message-ID
  // and Date: a larger header section is refused (552 5.3.4).
  std::uint32_t max_header_bytes = 256u << 10;
  // Postfix's always_add_missing_headers for submission: Message-ID and
  // Date are added when the client left them out.
  bool add_missing_headers = true;
};

}  // namespace postino
