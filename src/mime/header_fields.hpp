// Header block utilities: splitting a header block into fields, unfolding
// (RFC 5322 2.2.3), and BODY[HEADER.FIELDS (...)] / HEADER.FIELDS.NOT
// filtering (RFC 9051 6.4.5). Byte-exact: folded lines are kept as written.
// Security: works on untrusted bytes of any content; no allocation beyond
// the size of the input.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace postino::mime {

struct HeaderField {
  std::string_view name;   // before the colon, trailing WSP removed
  std::string_view value;  // after the colon, folds included, line end excluded
  std::string_view raw;    // the whole field with its line end(s)
};

// Splits a header block (which may end with the blank line or not) into
// fields. A line without a colon is a field whose name is the whole line and
// whose value is empty (Dovecot does the same). The blank line ends the block.
std::vector<HeaderField> split_header_fields(std::string_view header_block);

// RFC 5322 2.2.3: removes each CRLF (or bare LF/CR) that is followed by WSP;
// a line end not followed by WSP becomes one space; trailing line ends go.
std::string unfold(std::string_view value);

// The fields whose names are (exclude: are not) in names, compared without
// case, in message order, byte-exact, followed by one blank line ("\r\n")
// when the block has one: RFC 9051 6.4.5 includes it "in all header
// fetches, except in the case of a message which has no body and no blank
// line" (Dovecot agrees).
std::string filter_header_fields(std::string_view header_block, std::span<const std::string> names,
                                 bool exclude);

// Value of the first field named name (case-insensitive), unfolded; empty
// optional-like: returns false when absent.
bool find_header_value(std::string_view header_block, std::string_view name, std::string& value_out);

}  // namespace postino::mime
