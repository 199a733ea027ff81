// libFuzzer target for the IMAP grammar: command framing as a session does
// it (lines, literal announcements, literal bytes) into parse_command, plus
// the modified UTF-7 codec (decode/encode must round-trip exactly since only
// canonical encodings are accepted), date-time, sequence sets, LIST patterns
// and response quoting.
// Security: this is where untrusted-input invariants are checked; abort() on violation.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imap_proto/command_text.hpp"
#include "imap_proto/imap_command.hpp"
#include "imap_proto/imap_date.hpp"
#include "imap_proto/list_pattern.hpp"
#include "imap_proto/mailbox_name.hpp"
#include "imap_proto/response_writer.hpp"
#include "imap_proto/sequence_set.hpp"

using namespace postino::imap;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_sequence_set(const SequenceSet& set) {
  if (set.is_saved_result()) return;
  auto again = SequenceSet::parse(set.str(), 1u << 20);
  check(again.ok() && *again == set);
  std::uint32_t previous = 0;
  for (const auto& interval : set.resolve(1000)) {
    check(interval.first >= 1 && interval.first <= interval.last && interval.last <= 1000);
    check(previous == 0 || interval.first > previous + 1);
    previous = interval.last;
  }
}

void check_mailbox(const std::string& name, const ParseContext& context) {
  check(is_valid_utf8(name));
  if (!context.utf8_mailboxes) {
    auto wire = encode_mutf7(name);
    check(wire.ok());
    auto back = decode_mutf7(*wire);
    check(back.ok() && *back == name);
  }
}

void check_command(const CommandText& text, const Command& command, const ParseContext& context) {
  check(!command.tag.empty());
  check(peek_tag(text.segments().front().bytes) == std::string_view(command.tag));
  check(!command.uid || command_info(command.kind).uid_form);
  if (const auto* fetch = std::get_if<FetchArgs>(&command.args)) {
    check(!fetch->attributes.empty());
    check_sequence_set(fetch->set);
    for (const FetchAttribute& attribute : fetch->attributes) check(!fetch_response_name(attribute).empty());
    check(!fetch->vanished || (command.uid && fetch->changedsince && context.qresync_enabled));
  } else if (const auto* append = std::get_if<AppendArgs>(&command.args)) {
    check(!append->messages.empty());
    check_mailbox(append->mailbox, context);
    for (const AppendMessage& message : append->messages) {
      const auto& segment = text.segments().at(message.literal_index);
      check(segment.kind == CommandText::SegmentKind::literal);
      check(message.data.data() == segment.bytes.data() && message.data.size() == segment.bytes.size());
      check(message.binary || message.data.find('\0') == std::string_view::npos);
    }
  } else if (const auto* select = std::get_if<SelectArgs>(&command.args)) {
    check_mailbox(select->mailbox, context);
    check(!select->qresync || context.qresync_enabled);
  } else if (const auto* store = std::get_if<StoreArgs>(&command.args)) {
    check_sequence_set(store->set);
    for (const std::string& flag : store->flags) check(flag != "\\Recent" && !flag.empty());
  } else if (const auto* copy = std::get_if<CopyArgs>(&command.args)) {
    check_sequence_set(copy->set);
    check_mailbox(copy->mailbox, context);
  } else if (const auto* list = std::get_if<ListArgs>(&command.args)) {
    check(!list->patterns.empty());
    for (const std::string& pattern : list->patterns) (void)list_pattern_matches(pattern, "INBOX/a");
  } else if (const auto* search = std::get_if<SearchArgs>(&command.args)) {
    check(search->key.kind == SearchKeyKind::and_ && !search->key.children.empty());
    check(search->charset.empty() || search->charset == "UTF-8" || search->charset == "US-ASCII");
  }
}

// Splits the input like a session: lines end at LF (CR before it dropped);
// a line ending in a literal announcement is followed by that many raw bytes.
void fuzz_command(std::uint8_t flags, std::string_view input) {
  ParseContext context;
  context.utf8_mailboxes = flags & 1;
  context.qresync_enabled = flags & 2;
  ParseLimits limits;
  if (flags & 4) {
    limits.max_nesting = 4;
    limits.max_search_keys = 16;
    limits.max_sequence_ranges = 8;
    limits.max_string_bytes = 64;
    limits.max_command_bytes = 512;
    limits.max_list_items = 8;
  }
  CommandText text;
  while (true) {
    std::size_t lf = input.find('\n');
    std::string_view line = input.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    text.add_line(std::string(line));
    if (lf == std::string_view::npos) break;
    input.remove_prefix(lf + 1);
    auto literal = literal_at_end(line);
    if (!literal) break;  // one command per input
    if (literal->size_bytes > input.size()) break;
    text.add_literal(std::string(input.substr(0, literal->size_bytes)));
    input.remove_prefix(literal->size_bytes);
  }
  auto result = parse_command(text, limits, context);
  if (!result) {
    const ParseError& error = result.error();
    check(!error.message.empty());
    check(error.tag.empty() || peek_tag(text.segments().front().bytes) == std::string_view(error.tag));
    check(error.limit == ExceededLimit::none || error.bad);
    std::string line = tagged_status(error.tag.empty() ? "*" : error.tag, error.bad ? "BAD" : "NO", error.code,
                                     error.message);
    check(line.find_first_of("\r\n") == line.size() - 2);
    return;
  }
  check_command(text, *result, context);
}

void fuzz_strings(std::string_view input) {
  auto decoded = decode_mutf7(input);
  if (decoded) {
    auto encoded = encode_mutf7(*decoded);
    check(encoded.ok() && *encoded == input);
  }
  if (is_valid_utf8(input)) {
    auto encoded = encode_mutf7(input);
    check(encoded.ok());
    auto back = decode_mutf7(*encoded);
    check(back.ok() && *back == input);
  }
  if (auto dt = parse_date_time(input)) {
    auto again = parse_date_time(format_date_time(*dt));
    check(again && *again == *dt);
  }
  if (auto date = parse_date(input)) check(parse_date(format_date(*date)) == date);
  if (auto set = SequenceSet::parse(input, 64)) check_sequence_set(*set);
  if (input.find_first_of("*%") == std::string_view::npos) check(list_pattern_matches(input, input));
  std::string out;
  append_string(out, input, input.size() % 2 == 0);
  if (!out.empty() && out.front() == '"') check(out.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  if (data[0] % 4 == 3) {
    fuzz_strings(input);
  } else {
    fuzz_command(data[1], input);
  }
  return 0;
}
