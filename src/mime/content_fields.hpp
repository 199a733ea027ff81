// Internal: parsers of the structured MIME header fields (RFC 2045 5.1
// Content-Type, 6.1 Content-Transfer-Encoding, RFC 2183 Content-Disposition,
// RFC 3282 Content-Language) and parameter lists with RFC 2231
// continuations. Lenient in the ways Dovecot 2.3 is, so BODYSTRUCTURE
// matches what clients already see from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message_structure.hpp"

namespace postino::mime::detail {

struct ContentType {
  std::string type;
  std::string subtype;
  std::vector<Param> params;
};

// nullopt when the type/subtype does not parse (RFC 2045 5.2: text/plain).
std::optional<ContentType> parse_content_type(std::string_view value);
std::optional<std::string> parse_transfer_encoding(std::string_view value);
struct Disposition {
  std::string value;
  std::vector<Param> params;
};
std::optional<Disposition> parse_disposition(std::string_view value);
std::vector<std::string> parse_language(std::string_view value);
// "; a=b; c*0=d ..." (the part after the main value), RFC 2231 merged.
std::vector<Param> parse_params(std::string_view text);

bool iequals(std::string_view a, std::string_view b);
std::string trim_wsp(std::string_view value);

}  // namespace postino::mime::detail
