// Test support: tricky messages shared by the mime unit tests, and file
// reading for src/mime/testdata.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace postino::mime::test {

inline std::string read_testdata(const std::string& name) {
  std::ifstream in(std::string(MIME_TESTDATA_DIR) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// (name, message) pairs covering each robustness case of the parser.
inline std::vector<std::pair<std::string, std::string>> tricky_messages() {
  return {
      {"simple", "From: a@b.c\r\nSubject: hi\r\n\r\nbody\r\n"},
      {"multipart",
       "Content-Type: multipart/mixed; boundary=X\r\n\r\npre\r\n--X\r\nContent-Type: text/plain\r\n\r\none\r\n"
       "--X\r\n\r\ntwo\r\n--X--\r\nepi\r\n"},
      {"missing_close",
       "Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nfirst\r\n--X\r\n\r\nsecond\r\n"},
      {"never_found", "Content-Type: multipart/mixed; boundary=NOPE\r\n\r\ntext\r\n--OTHER\r\n"},
      {"bare_lf", "Content-Type: multipart/mixed; boundary=Y\n\n--Y\n\nl1\nl2\n--Y--\n"},
      {"no_blank_line", "From: a@b.c\r\nSubject: x"},
      {"eight_bit", "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\nFrom: J\xfcrgen <j@x.de>\r\n\r\nx\r\n"},
      {"duplicate_type",
       "MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=D\r\n\r\n"
       "--D\r\n\r\nx\r\n--D--\r\n"},
      {"rfc2231",
       "MIME-Version: 1.0\r\nContent-Type: application/pdf; name*1=\"b.pdf\"; name*0=\"a-\";\r\n"
       " title*=us-ascii'en'a%20b\r\n\r\nx"},
      {"quoted_boundary",
       "Content-Type: multipart/mixed; boundary=\"a b=c\"\r\n\r\n--a b=c\r\n\r\nx\r\n--a b=c--\r\n"},
      {"rfc822",
       "Content-Type: multipart/mixed; boundary=O\r\n\r\n--O\r\nContent-Type: message/rfc822\r\n\r\n"
       "From: in@x.y\r\nSubject: inner\r\n\r\ninner body\r\n--O--\r\n"},
      {"global", "MIME-Version: 1.0\r\nContent-Type: message/global\r\n\r\nSubject: g\r\n\r\nbody\r\n"},
      {"digest",
       "Content-Type: multipart/digest; boundary=G\r\n\r\n--G\r\n\r\nSubject: one\r\n\r\n1\r\n--G\r\n"
       "Content-Type: text/plain\r\n\r\n2\r\n--G--\r\n"},
      {"empty", ""},
      {"nested_same_prefix",
       "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=o-i\r\n\r\n"
       "--o-i\r\n\r\na\r\n--o-i--\r\n--o\r\n\r\nb\r\n--o--\r\n"},
      {"part_header_cut",
       "Content-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\nContent-Type: text/plain\r\n--Q\r\n\r\nx\r\n--Q--\r\n"},
      {"nul", std::string("Subject: a\0b\r\n\r\nc\0d\r\n", 18)},
  };
}

}  // namespace postino::mime::test
