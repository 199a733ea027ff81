#include "mime/header_prefix.hpp"

#include <algorithm>

namespace postino::mime {
namespace {

void shift(Part& part, std::uint64_t bytes) {
  part.header_offset += bytes;
  part.body_offset += bytes;
  part.body_end += bytes;
  for (Part& child : part.children) shift(child, bytes);
}

}  // namespace

MessageStructure with_header_prefix(MessageStructure structure, std::string_view prefix) {
  const auto lines = static_cast<std::uint32_t>(std::count(prefix.begin(), prefix.end(), '\n'));
  shift(structure.root, prefix.size());
  // The prefix joins the root part's header, which still starts at 0.
  structure.root.header_offset = 0;
  structure.root.header_lines += lines;
  structure.size += prefix.size();
  return structure;
}

}  // namespace postino::mime
