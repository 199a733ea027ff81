#include "imap/mailbox_names.hpp"

#include "imap_proto/mailbox_name.hpp"

namespace postino::imap {

Result<std::string> name_to_create(const std::string& requested) {
  std::string name = requested;
  if (name.size() > 1 && name.back() == kHierarchySeparator) name.pop_back();
  if (auto s = validate_mailbox_name(name); !s) return s.take_error();
  return normalize_inbox(name);
}

std::vector<std::string> parents_of(const std::string& name) {
  std::vector<std::string> parents;
  for (std::size_t pos = name.find(kHierarchySeparator); pos != std::string::npos;
       pos = name.find(kHierarchySeparator, pos + 1)) {
    parents.push_back(name.substr(0, pos));
  }
  return parents;
}

bool is_special_use(const std::string& attribute) {
  for (const char* use : {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"}) {
    if (attribute == use) return true;
  }
  return false;
}

}  // namespace postino::imap
