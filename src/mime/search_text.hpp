// The text IMAP SEARCH TEXT and BODY match (RFC 9051 6.4.4): decoded header
// text and body text, case-folded with i;unicode-casemap (RFC 5051: ICU
// simple... full case folding, no normalisation). One definition for the
// index (computed at delivery and APPEND) and for the scan that answers
// what the index cannot, so both give the same answer by construction.
// Security: untrusted message bytes; output bounded by TextExtractSettings
// (body) and by the header block's size.
#pragma once

#include <string>
#include <string_view>

#include "mime/message_structure.hpp"

namespace postino::mime {

// i;unicode-casemap: ICU full case folding of UTF-8 (invalid sequences
// become U+FFFD).
std::string casefold(std::string_view utf8);

// A header block (fields and the blank line) unfolded, RFC 2047/2231
// decoded and case-folded: what SEARCH TEXT compares with its header part.
std::string header_search_text(std::string_view header_block);

// The body text (extract_body_text with default settings) of `message`,
// case-folded: what SEARCH BODY and TEXT compare with.
std::string body_search_text(std::string_view message, const MessageStructure& structure);

// Both, for a message held in memory with its structure.
struct SearchText {
  std::string header;
  std::string body;
};
SearchText message_search_text(std::string_view message, const MessageStructure& structure);

}  // namespace postino::mime
