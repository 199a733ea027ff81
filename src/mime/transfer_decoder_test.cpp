// Streaming base64 / quoted-printable decoding.
#include "mime/transfer_decoder.hpp"

#include <gtest/gtest.h>

namespace postino::mime {
namespace {

std::string decode(std::string_view in, TransferEncoding enc, size_t chunk, bool crlf = false) {
  TransferDecoder d(enc, crlf);
  std::string out;
  for (size_t i = 0; i < in.size(); i += chunk) d.feed(in.substr(i, chunk), out);
  d.finish(out);
  return out;
}

std::string all_chunkings_agree(std::string_view in, TransferEncoding enc, bool crlf = false) {
  std::string whole = decode(in, enc, in.size() + 1, crlf);
  for (size_t chunk = 1; chunk <= 9; ++chunk) EXPECT_EQ(decode(in, enc, chunk, crlf), whole) << chunk;
  return whole;
}

TEST(TransferDecoder, Names) {
  EXPECT_EQ(transfer_encoding_from_name(std::nullopt), TransferEncoding::identity);
  EXPECT_EQ(transfer_encoding_from_name(std::string("8BIT")), TransferEncoding::identity);
  EXPECT_EQ(transfer_encoding_from_name(std::string("Base64")), TransferEncoding::base64);
  EXPECT_EQ(transfer_encoding_from_name(std::string("quoted-printable")), TransferEncoding::quoted_printable);
  EXPECT_FALSE(transfer_encoding_from_name(std::string("x-uuencode")));
}

TEST(TransferDecoder, Base64) {
  EXPECT_EQ(all_chunkings_agree("aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n", TransferEncoding::base64), "hello world");
  EXPECT_EQ(all_chunkings_agree("aGk", TransferEncoding::base64), "hi");  // missing padding
  TransferDecoder d(TransferEncoding::base64);
  std::string out;
  d.feed("aG!k=", out);
  d.finish(out);
  EXPECT_EQ(out, "hi");
  EXPECT_TRUE(d.had_errors());
}

TEST(TransferDecoder, QuotedPrintable) {
  EXPECT_EQ(all_chunkings_agree("caf=C3=A9 soft=\r\nbreak  \r\n=3D end=\n", TransferEncoding::quoted_printable),
            "caf\xc3\xa9 softbreak\r\n= end");
  // Transport padding after a soft break and trailing whitespace go.
  EXPECT_EQ(all_chunkings_agree("a=  \r\nb \t\nc", TransferEncoding::quoted_printable), "ab\nc");
  // Bad escapes are kept as written.
  TransferDecoder d(TransferEncoding::quoted_printable);
  std::string out;
  d.feed("x=ZZy=4", out);
  d.finish(out);
  EXPECT_EQ(out, "x=ZZy=4");
  EXPECT_TRUE(d.had_errors());
}

TEST(TransferDecoder, CrlfInput) {
  EXPECT_EQ(all_chunkings_agree("a\nb\r\nc\n", TransferEncoding::identity, true), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(all_chunkings_agree("a=\nb  \nc", TransferEncoding::quoted_printable, true), "ab\r\nc");
  EXPECT_EQ(decoded_size("one\ntwo\n", TransferEncoding::identity, true), 10u);
  EXPECT_EQ(decoded_size("aGVs\nbG8=\n", TransferEncoding::base64, true), 5u);
}

TEST(TransferDecoder, LargeBodyInSmallState) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "QUJD\r\n";
  EXPECT_EQ(decoded_size(big, TransferEncoding::base64), 60000u);
}

}  // namespace
}  // namespace postino::mime
