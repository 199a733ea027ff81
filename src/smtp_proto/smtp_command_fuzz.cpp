// libFuzzer target for the SMTP grammar: the command parser (with options
// taken from the input), the DATA decoder (differential: one chunk against a
// split at every fuzzer-chosen point), xtext and reply sanitising.
// Security: this is where untrusted-input invariants are checked; abort() on violation.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp_proto/dot_stuffing.hpp"
#include "smtp_proto/received_header.hpp"
#include "smtp_proto/smtp_command.hpp"
#include "smtp_proto/smtp_reply.hpp"
#include "smtp_proto/xtext.hpp"

using namespace postino::smtp;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// A reply's bytes: CRLF only as line ends, each line within 512 octets.
void check_wire(const std::string& wire) {
  std::size_t start = 0;
  while (start < wire.size()) {
    std::size_t end = wire.find("\r\n", start);
    check(end != std::string::npos);
    std::string_view line(wire.data() + start, end - start);
    check(line.find_first_of("\r\n") == std::string_view::npos);
    check(line.size() + 2 <= kMaxReplyLineBytes);
    start = end + 2;
  }
}

void fuzz_command(std::uint8_t flags, std::string_view line) {
  ParseOptions options;
  options.lmtp = flags & 1;
  options.utf8_transaction = flags & 2;
  options.extensions.dsn = flags & 4;
  options.extensions.smtputf8 = flags & 8;
  options.extensions.binary_mime = flags & 16;
  if (flags & 32) options.max_line_bytes = 512;
  auto result = parse_command(line, options);
  if (!result) {
    check_wire(reply_for(result.error()).wire());
    return;
  }
  const SmtpCommand& command = *result;
  (void)ends_pipeline_group(command);
  if (command.verb == Verb::mail) {
    const auto& mail = command.args_as<MailArgs>();
    check(!mail.reverse_path.utf8 || mail.params.smtputf8);
    check_wire(SmtpReply(250, "2.1.0", "Sender " + mail.reverse_path.str() + " ok").wire());
  } else if (command.verb == Verb::rcpt) {
    const auto& rcpt = command.args_as<RcptArgs>();
    check(!rcpt.forward_path.utf8 || options.utf8_transaction);
    check(rcpt.forward_path.kind != PathKind::null_path);
  } else if (command.verb == Verb::ehlo || command.verb == Verb::helo || command.verb == Verb::lhlo) {
    ReceivedInfo info;
    info.helo = command.args_as<HelloArgs>().raw;
    info.client_ip = "192.0.2.1";
    info.by_host = "mx.example.test";
    info.queue_id = "Q";
    std::string header = format_received_header(info);
    // Only folding CRLFs, each followed by a tab, and the final one.
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == '\n') check(i > 0 && header[i - 1] == '\r' && (i + 1 == header.size() || header[i + 1] == '\t'));
      if (header[i] == '\r') check(i + 1 < header.size() && header[i + 1] == '\n');
    }
  }
}

void fuzz_data(std::uint8_t split_seed, std::string_view wire) {
  const std::uint64_t limit = 64 + split_seed * 16;
  DotDecoder whole(limit);
  std::string whole_out;
  std::size_t whole_used = whole.feed(wire, whole_out);

  DotDecoder split(limit);
  std::string split_out;
  std::size_t cut = wire.empty() ? 0 : (split_seed * 7919u) % (wire.size() + 1);
  std::size_t split_used = split.feed(wire.substr(0, cut), split_out);
  if (!split.done()) split_used += split.feed(wire.substr(cut), split_out);

  check(whole_out == split_out);
  check(whole_used == split_used);
  check(whole.done() == split.done());
  check(whole.over_limit() == split.over_limit());
  check(whole_out.size() <= limit);
  auto a = whole.stats();
  auto b = split.stats();
  check(a.message_bytes == b.message_bytes && a.bare_lf == b.bare_lf && a.bare_cr == b.bare_cr && a.nul == b.nul &&
        a.received_headers == b.received_headers);
  // Only CRLF "." CRLF terminates: the consumed bytes end with it, preceded by
  // CRLF unless the body is empty.
  if (whole.done()) {
    std::string_view used = wire.substr(0, whole_used);
    check(used.size() >= 3 && used.substr(used.size() - 3) == ".\r\n");
    check(used.size() == 3 || (used.size() >= 5 && used.substr(used.size() - 5, 2) == "\r\n"));
  } else {
    check(whole_used == wire.size());
  }
}

void fuzz_xtext(std::string_view text) {
  auto decoded = decode_xtext(text);
  if (decoded) check(*decode_xtext(encode_xtext(*decoded)) == *decoded);
  check_wire(SmtpReply(550, "5.1.1", text).wire());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (data[0] % 3) {
    case 0: fuzz_command(data[1], input); break;
    case 1: fuzz_data(data[1], input); break;
    default: fuzz_xtext(input); break;
  }
  return 0;
}
