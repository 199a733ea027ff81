// SORT and THREAD (RFC 5256) over the facts they need of each message:
// base subject (2.1), sent date (2.2), first address of From/To/Cc, display
// names (RFC 5957), Message-ID/References/In-Reply-To. Pure: the command
// handlers read these facts from the headers and format the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap_proto/imap_command.hpp"

namespace postino::imap {

struct SortFacts {
  std::uint32_t number = 0;       // sequence number or UID, as reported
  std::uint32_t seq = 0;          // arrival order tie-breaker
  std::int64_t internal_date = 0;
  std::int64_t sent_date = 0;     // Date: header (UTC), or internal_date when unusable
  std::uint64_t size = 0;
  std::string base_subject;       // RFC 5256 2.1, case-mapped
  std::string from, to, cc;       // first address's mailbox, case-mapped
  std::string display_from, display_to;  // RFC 5957: display name, else the address
  std::string message_id;         // without <>; may be empty
  std::vector<std::string> references;  // References, else In-Reply-To's first id
};

// RFC 5256 2.1: removes "Re:", "Fwd:", "[blob]" prefixes, "(fwd)" trailers
// and "[fwd: ...]" wrappers, collapses whitespace; the input is already
// decoded to UTF-8.
std::string base_subject(const std::string& decoded_subject);

// The numbers in SORT order; ties broken by sequence number (RFC 5256 3).
std::vector<std::uint32_t> sort_messages(std::vector<SortFacts> messages, const std::vector<SortCriterion>& criteria);

// The THREAD response's thread list, e.g. "(2)(3 6 (4 23)(44 7 96))".
std::string thread_messages(const std::vector<SortFacts>& messages, ThreadAlgorithm algorithm);

// RFC 5322 date to unix seconds (UTC); false if it does not parse.
bool parse_rfc5322_date(const std::string& value, std::int64_t& unix_seconds);

}  // namespace postino::imap
