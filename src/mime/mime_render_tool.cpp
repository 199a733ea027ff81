// mime_render_tool: parses one message file with StructureParser (fed in
// small chunks, to exercise the streaming path) and prints what an IMAP
// server derives from the stored structure, for the Dovecot differential
// test (tests/integration/test_mime_vs_dovecot.py). Values are base64 so
// literals and 8-bit bytes survive; ranges are "offset length".
//   ENVELOPE <b64>          BODY <b64>          BODYSTRUCTURE <b64>
//   HEADER <off> <len>      TEXT <off> <len>
//   PART <path> <mime off> <mime len> <body off> <body len> <binary size|->
// Usage: mime_render_tool FILE [CHUNK_BYTES]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "mime/imap_render.hpp"
#include "mime/section.hpp"
#include "mime/structure_parser.hpp"
#include "mime/transfer_decoder.hpp"

namespace {

using namespace postino::mime;

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string path_string(const std::vector<uint32_t>& path) {
  std::string s;
  for (uint32_t n : path) {
    if (!s.empty()) s.push_back('.');
    s += std::to_string(n);
  }
  return s;
}

void print_part(const std::string& message, const MessageStructure& s, const std::vector<uint32_t>& path) {
  auto mime = resolve_section(s, path, SectionText::mime);
  auto body = resolve_section(s, path, SectionText::none);
  if (!mime || !body) return;
  const Part& part = *body->part;
  std::string binary = "-";
  if (part.kind == PartKind::single) {
    if (auto enc = transfer_encoding_from_name(part.encoding)) {
      // BINARY decodes the body as IMAP shows it: bare LF read as CRLF.
      binary = std::to_string(
          decoded_size(std::string_view(message).substr(body->offset, body->length), *enc, body->bare_lf > 0));
    } else {
      binary = "UNKNOWN-CTE";
    }
  }
  std::cout << "PART " << path_string(path) << ' ' << mime->offset << ' ' << mime->length << ' ' << body->offset
            << ' ' << body->length << ' ' << binary << '\n';
}

void walk(const std::string& message, const MessageStructure& s, const Part& part, std::vector<uint32_t>& path) {
  print_part(message, s, path);
  const Part* container = &part;
  if (part.kind == PartKind::message) {
    container = &part.children.front();
    if (container->kind != PartKind::multipart) {
      path.push_back(1);
      walk(message, s, *container, path);
      path.pop_back();
      return;
    }
  }
  if (container->kind != PartKind::multipart) return;
  for (size_t i = 0; i < container->children.size(); ++i) {
    path.push_back(static_cast<uint32_t>(i + 1));
    walk(message, s, container->children[i], path);
    path.pop_back();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mime_render_tool FILE [CHUNK_BYTES]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << '\n';
    return 1;
  }
  std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t chunk = argc > 2 ? std::stoul(argv[2]) : 7;
  if (chunk == 0) chunk = 1;

  StructureParser parser;
  for (size_t i = 0; i < message.size(); i += chunk) parser.feed(std::string_view(message).substr(i, chunk));
  MessageStructure s = parser.finish();
  // What FETCH uses is the stored form: go through it.
  auto stored = MessageStructure::deserialize(s.serialize());
  if (!stored || !(*stored == s)) {
    std::cerr << "serialisation round trip failed\n";
    return 1;
  }

  std::cout << "ENVELOPE " << base64(render_envelope(s.envelope())) << '\n';
  std::cout << "BODY " << base64(render_body_structure(s, false)) << '\n';
  std::cout << "BODYSTRUCTURE " << base64(render_body_structure(s, true)) << '\n';
  auto header = resolve_section(s, {}, SectionText::header);
  auto text = resolve_section(s, {}, SectionText::text);
  std::cout << "HEADER " << header->offset << ' ' << header->length << '\n';
  std::cout << "TEXT " << text->offset << ' ' << text->length << '\n';
  std::vector<uint32_t> path;
  if (s.root.kind == PartKind::multipart) {
    for (size_t i = 0; i < s.root.children.size(); ++i) {
      path.push_back(static_cast<uint32_t>(i + 1));
      walk(message, s, s.root.children[i], path);
      path.pop_back();
    }
  } else {
    path.push_back(1);
    walk(message, s, s.root, path);
  }
  return 0;
}
