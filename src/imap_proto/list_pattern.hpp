// LIST/LSUB pattern matching: "*" matches anything, "%" anything but the
// hierarchy separator '/'; INBOX matches case-insensitively.
// RFC 9051 6.3.9 (reference + mailbox name), RFC 5258 3 (multiple patterns).
// Security: matching costs O(pattern x name) time (a bitset/DP walk), never
// exponential, whatever the number of wildcards.
#pragma once

#include <string>
#include <string_view>

namespace postino::imap {

// Joins the LIST reference and pattern into one pattern (RFC 9051 6.3.9
// leaves the rule to the server; this is plain concatenation without a
// doubled separator): "" + "*" -> "*", "Archive/" + "%" -> "Archive/%",
// "Archive" + "/%" -> "Archive/%", "Archive/" + "/%" -> "Archive/%",
// "Arch" + "ive*" -> "Archive*".
std::string list_join_reference(std::string_view reference, std::string_view pattern);

// Whether the UTF-8 mailbox `name` matches `pattern` (both UTF-8, after
// mUTF-7 decoding). When the name's first level is INBOX (in any case), the
// pattern matches those five characters case-insensitively ("inbox",
// "Inb*", "inbox/%" all match "INBOX" or its children).
bool list_pattern_matches(std::string_view pattern, std::string_view name);

// Whether some descendant of `name` ("name/...") could match `pattern`:
// lets the server skip a subtree, and decide \HasChildren-style
// CHILDINFO for LIST-EXTENDED RECURSIVEMATCH.
bool list_pattern_may_match_children(std::string_view pattern, std::string_view name);

}  // namespace postino::imap
