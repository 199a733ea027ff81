// SearchKey: the parsed search program of SEARCH, SORT and THREAD, a tree of
// keys (the top level is an implicit AND). The store evaluates it.
// RFC 9051 6.4.4; RFC 7162 3.1.5 (MODSEQ); RFC 5032 (OLDER/YOUNGER);
// RFC 8514 (SAVEDBEFORE/SAVEDON/SAVEDSINCE/SAVEDATESUPPORTED); RFC 8474
// (EMAILID/THREADID); RFC 5182 ($).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "imap_proto/sequence_set.hpp"

namespace postino::imap {

enum class SearchKeyKind : std::uint8_t {
  // Composition.
  and_,  // parenthesised list and the top level: all children
  or_,   // exactly two children
  not_,  // exactly one child
  // Sets: `set` (may be "$" when SEARCHRES saved a result).
  sequence_set,  // message sequence numbers
  uid,           // UID set
  // No argument.
  all, answered, deleted, draft, flagged, seen, recent, new_, old,
  unanswered, undeleted, undraft, unflagged, unseen,
  savedatesupported,  // RFC 8514: true for every message when the mailbox supports SAVEDATE
  // `text` argument (substring, case-insensitive per the server's comparator).
  bcc, body, cc, from, subject, text, to,
  header,   // `header_name` and `text` ("" matches every message with the field)
  keyword,  // `text` = flag keyword as sent (atom)
  unkeyword,
  emailid, threadid,  // RFC 8474: `text` = objectid
  // `date` argument (the date only; the server compares in its time zone rule).
  before, on, since,                  // internal date
  sentbefore, senton, sentsince,      // Date: header
  savedbefore, savedon, savedsince,   // RFC 8514 save date
  // `number` argument.
  larger, smaller,  // RFC822.SIZE in octets
  older, younger,   // RFC 5032: seconds
  modseq,           // RFC 7162: modseq >= number; optional entry in modseq_entry
};

// RFC 7162 3.1.5: MODSEQ may name a metadata entry ("/flags/\\draft") and
// its type; the server may ignore both (we keep them for completeness).
enum class ModseqEntryType : std::uint8_t { none, priv, shared, all };

struct SearchKey {
  SearchKeyKind kind = SearchKeyKind::all;
  std::vector<SearchKey> children;         // and_, or_, not_
  SequenceSet set;                         // sequence_set, uid
  std::string text;                        // text-like keys; UTF-8 (or US-ASCII)
  std::string header_name;                 // header: field name as sent
  std::chrono::year_month_day date{};      // date keys
  std::uint64_t number = 0;                // larger/smaller/older/younger/modseq
  std::string modseq_entry;                // modseq: entry name ("" if absent)
  ModseqEntryType modseq_entry_type = ModseqEntryType::none;

  friend bool operator==(const SearchKey&, const SearchKey&) = default;
};

// Whether the tree uses a MODSEQ key anywhere (RFC 7162 3.1.5: then the
// untagged SEARCH/ESEARCH response carries (MODSEQ n) and CONDSTORE is enabled).
bool uses_modseq(const SearchKey& key);

// Upper-case key name for logs and tests ("OR", "HEADER", "UID", ...).
const char* search_key_name(SearchKeyKind kind);

}  // namespace postino::imap
