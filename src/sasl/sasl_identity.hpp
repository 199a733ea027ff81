// Module-internal: what an authentication or authorization identity may be.
#pragma once

#include <string_view>

namespace postino::sasl::detail {

// Non-empty, at most kMaxSaslFieldBytes, well-formed UTF-8, no control
// characters (C0, DEL): such names reach logs and directory queries.
bool valid_identity(std::string_view name);

}  // namespace postino::sasl::detail
