// Search text (see search_text.hpp).
#include "mime/search_text.hpp"

#include <algorithm>

#include <unicode/unistr.h>

#include "mime/charset.hpp"
#include "mime/header_fields.hpp"
#include "mime/text_extractor.hpp"

namespace postino::mime {

std::string casefold(std::string_view utf8) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  text.foldCase();
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string header_search_text(std::string_view header_block) {
  return casefold(decode_header_value(unfold(header_block)));
}

std::string body_search_text(std::string_view message, const MessageStructure& structure) {
  return casefold(extract_body_text(message, structure));
}

SearchText message_search_text(std::string_view message, const MessageStructure& structure) {
  const auto header_end = static_cast<std::size_t>(std::min<std::uint64_t>(structure.root.body_offset, message.size()));
  return SearchText{header_search_text(message.substr(0, header_end)), body_search_text(message, structure)};
}

}  // namespace postino::mime
