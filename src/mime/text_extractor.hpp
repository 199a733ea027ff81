// Body text for the search index: the UTF-8 text of the text/* parts of a
// message (transfer encoding and charset decoded, HTML tags stripped
// crudely), located through the stored MessageStructure; bounded output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/message_structure.hpp"

namespace postino::mime {

struct TextExtractSettings {
  size_t max_output_bytes = 1024 * 1024;
  bool include_html = true;  // text/html parts, tags stripped
  bool include_attachments = false;  // text parts with Content-Disposition: attachment
};

// message: the whole message bytes the structure was parsed from. Parts are
// separated by "\n". Nested message/rfc822 parts are included.
std::string extract_body_text(std::string_view message, const MessageStructure& structure,
                              const TextExtractSettings& settings = {});

// Crude HTML to text: drops tags, <script>/<style> content and comments,
// decodes a few common entities and numeric references.
std::string strip_html(std::string_view html);

}  // namespace postino::mime
