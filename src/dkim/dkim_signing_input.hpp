// Module-internal: the data a DKIM signature covers (RFC 6376 3.7, 5.4.2):
// the selected header fields, canonicalised, in h= order, each name taken
// from the bottom up; then the DKIM-Signature field itself with an empty b=
// value and without its final CRLF. Shared by the signer and its tests (the
// RFC 8463 example is reproduced through it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dkim/dkim_canonicalization.hpp"
#include "dkim/dkim_header_fields.hpp"

namespace postino::dkim::detail {

// `signature_field` is the whole "DKIM-Signature: ..." field whose b= value
// is already empty (or is removed here: everything between "b=" and the next
// ';' or the end).
std::string signing_input(const std::vector<HeaderField>& fields, const std::vector<std::string>& h_names,
                          std::string_view signature_field, DkimCanonicalization header_canon);

// Removes the value of the b= tag (RFC 6376 3.7: "with the value of the b=
// tag (including all surrounding whitespace) deleted").
std::string strip_b_value(std::string_view signature_field);

}  // namespace postino::dkim::detail
