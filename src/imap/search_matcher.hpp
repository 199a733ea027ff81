// Evaluation of a SEARCH program (RFC 9051 6.4.4) over the selected
// mailbox: flags, sizes, dates and modseqs from the view and the record;
// header keys against the decoded header (RFC 2047 words, charsets);
// BODY and TEXT against the decoded header and body text (mime/search_text),
// answered by the store's text index (MailboxStore::search_text, one query
// per key) for the messages it has text for, by reading the message for the
// others; all string matching is substring under i;unicode-casemap
// (RFC 5051; ICU case folding). Message bytes are read only when a key
// needs them.
// Contract: blocking (reads blobs): call on the blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "imap/selected_mailbox.hpp"
#include "imap/sort_thread.hpp"
#include "imap_proto/search_key.hpp"
#include "store/blob_store.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {

struct SearchInput {
  // The view's messages to consider (sequence number, uid, flags, modseq, recent).
  struct Message {
    std::uint32_t seq = 0;
    ViewMessage view;
    bool recent = false;
  };
  std::vector<Message> messages;
  std::uint32_t exists = 0;
  Uid last_uid{};
  std::vector<Uid> saved;  // "$"
  std::chrono::sys_seconds now{};
  AccountId account{};  // the session's: EMAILID (RFC 8474 6)
};

// The sequence numbers of matching messages, ascending. Messages missing
// from the store (expunged meanwhile) never match.
Result<std::vector<std::uint32_t>> run_search(MailboxStore& store, BlobStore& blobs, MailboxId mailbox,
                                              const SearchKey& program, const SearchInput& input);

// What SORT and THREAD compare (RFC 5256) for the given messages, read
// from their headers; `numbers` are what the response reports (sequence
// numbers or UIDs), parallel to `messages`.
Result<std::vector<SortFacts>> read_sort_facts(MailboxStore& store, BlobStore& blobs, MailboxId mailbox,
                                               const std::vector<SearchInput::Message>& messages,
                                               const std::vector<std::uint32_t>& numbers);

// i;unicode-casemap substring test (both UTF-8).
bool contains_casemapped(const std::string& haystack, const std::string& needle);
std::string casemap(const std::string& utf8);

}  // namespace postino::imap
