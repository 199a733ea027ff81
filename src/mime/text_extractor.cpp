// Body text for the search index (see text_extractor.hpp).
#include "mime/text_extractor.hpp"

#include <algorithm>

#include "mime/charset.hpp"
#include "mime/content_fields.hpp"
#include "mime/transfer_decoder.hpp"

namespace postino::mime {
namespace {

using detail::iequals;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool starts_with_icase(std::string_view s, size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (lower(s[i + k]) != word[k]) return false;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// "&name;" or "&#NN;" at html[i]; returns bytes consumed (0: not an entity).
size_t decode_entity(std::string_view html, size_t i, std::string& out) {
  size_t semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = html.substr(i + 1, semi - i - 1);
  if (!name.empty() && name[0] == '#') {
    uint32_t cp = 0;
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      if (cp > 0x10ffff) cp = 0xfffd;
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
  };
  for (const auto& [n, v] : kEntities) {
    if (name == n) {
      out += v;
      return semi - i + 1;
    }
  }
  return 0;
}

void collect(const Part& part, std::vector<const Part*>& leaves) {
  if (part.kind == PartKind::single) {
    leaves.push_back(&part);
    return;
  }
  for (const Part& child : part.children) collect(child, leaves);
}

}  // namespace

std::string strip_html(std::string_view html) {
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      for (std::string_view block : {std::string_view("script"), std::string_view("style")}) {
        if (starts_with_icase(html, i + 1, block)) {
          // Skip to the closing tag.
          size_t j = i + 1;
          while (j < html.size()) {
            j = html.find("</", j);
            if (j == std::string_view::npos) {
              j = html.size();
              break;
            }
            if (starts_with_icase(html, j + 2, block)) break;
            j += 2;
          }
          i = j;
          break;
        }
      }
      size_t end = html.find('>', i);
      i = end == std::string_view::npos ? html.size() : end + 1;
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out.push_back(' ');
      continue;
    }
    if (c == '&') {
      size_t used = decode_entity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

std::string extract_body_text(std::string_view message, const MessageStructure& structure,
                              const TextExtractSettings& settings) {
  std::vector<const Part*> leaves;
  collect(structure.root, leaves);
  std::string out;
  for (const Part* part : leaves) {
    if (out.size() >= settings.max_output_bytes) break;
    if (!part->is_text()) continue;
    bool html = part->has_content_type && iequals(part->subtype, "html");
    if (html && !settings.include_html) continue;
    if (!settings.include_attachments && part->disposition && iequals(*part->disposition, "attachment")) continue;
    auto encoding = transfer_encoding_from_name(part->encoding);
    if (!encoding) continue;  // unknown Content-Transfer-Encoding: not text we can read
    if (part->body_end > message.size()) continue;
    // Decoded text is at most as long as its encoding; read only what can
    // still fit (a little more for charset expansion and markup).
    uint64_t room = settings.max_output_bytes - out.size();
    uint64_t budget = std::min<uint64_t>(part->body_bytes(), room * (html ? 8 : 4) + 16);
    std::string_view body = message.substr(part->body_offset, budget);
    TransferDecoder decoder(*encoding);
    std::string decoded;
    decoder.feed(body, decoded);
    decoder.finish(decoded);
    const std::string* charset = part->param("charset");
    std::string text = to_utf8_lenient(decoded, charset ? std::string_view(*charset) : std::string_view());
    if (html) text = strip_html(text);
    if (!out.empty()) out.push_back('\n');
    out += text;
  }
  if (out.size() > settings.max_output_bytes) {
    // Cut at a UTF-8 character boundary.
    size_t cut = settings.max_output_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

}  // namespace postino::mime
