// Mailbox name rules shared by CREATE, RENAME and APPEND's TRYCREATE:
// validation (imap_proto's rules) and the parents a new name needs
// (RFC 9051 6.3.4: superior names are created as needed).
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

namespace postino::imap {

// The name to create: a trailing '/' (RFC 9051 6.3.4: a hint that children
// will follow) is dropped, then validated.
Result<std::string> name_to_create(const std::string& requested);
// "a/b/c" -> {"a", "a/b"}.
std::vector<std::string> parents_of(const std::string& name);
// RFC 6154 attributes a client may give to CREATE ... USE.
bool is_special_use(const std::string& attribute);

}  // namespace postino::imap
