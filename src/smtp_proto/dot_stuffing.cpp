// The decoder is a six-state machine over octets. Output is emitted as runs
// of the caller's chunk (no copy inside the decoder); only a withheld "." or
// ".\r" is carried between chunks, as state, never as buffered bytes.
#include "smtp_proto/dot_stuffing.hpp"

#include <limits>

namespace postino::smtp {
namespace {

void saturating_add(std::uint64_t& total, std::uint64_t n) {
  total = (total > std::numeric_limits<std::uint64_t>::max() - n) ? std::numeric_limits<std::uint64_t>::max()
                                                                  : total + n;
}

}  // namespace

DotDecoder::DotDecoder(std::uint64_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

DataStats DotDecoder::stats() const {
  DataStats s = stats_;
  s.received_headers = hops_.received_count();
  return s;
}

template <class Emit>
void DotDecoder::output(std::string_view bytes, Emit& emit) {
  if (bytes.empty()) return;
  std::uint64_t before = stats_.message_bytes;
  saturating_add(stats_.message_bytes, bytes.size());
  if (hops_.in_headers()) hops_.feed(bytes);
  if (over_limit_) return;
  if (stats_.message_bytes > max_message_bytes_) {
    over_limit_ = true;
    bytes = bytes.substr(0, static_cast<std::size_t>(max_message_bytes_ - before));
  }
  while (!bytes.empty()) {
    std::size_t n = bytes.size() < kMaxSinkPieceBytes ? bytes.size() : kMaxSinkPieceBytes;
    emit(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
}

template <class Emit>
std::size_t DotDecoder::feed_with(std::string_view chunk, Emit& emit) {
  if (state_ == State::done) return 0;
  std::size_t run = 0;  // start of the pending output run within chunk
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          output(chunk.substr(run, i - run), emit);
          run = i + 1;
          state_ = State::dot;
          continue;
        }
        break;
      case State::dot:
        if (c == '\r') {
          run = i + 1;
          state_ = State::dot_cr;
          continue;
        }
        break;  // RFC 5321 4.5.2: the leading dot is deleted; c is content
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::done;  // CRLF "." CRLF: run is empty here
          return i + 1;
        }
        // "." CR then not LF: the dot is deleted, the CR is bare content.
        output("\r", emit);
        ++stats_.bare_cr;
        break;
      case State::cr:
        if (c == '\n') {
          state_ = State::line_start;
          continue;
        }
        ++stats_.bare_cr;
        break;
      case State::middle:
        break;
      case State::done:
        return i;  // unreachable: done returns above
    }
    // c is ordinary content in the middle of a line. A bare LF does not
    // start a line: that is what keeps "\n.\n" and "\n.\r\n" from ending DATA.
    if (c == '\r') {
      state_ = State::cr;
    } else {
      if (c == '\n') ++stats_.bare_lf;
      else if (c == '\0') ++stats_.nul;
      state_ = State::middle;
    }
  }
  output(chunk.substr(run), emit);
  return chunk.size();
}

std::size_t DotDecoder::feed(std::string_view chunk, std::string& out) {
  auto emit = [&out](std::string_view piece) { out.append(piece); };
  return feed_with(chunk, emit);
}

std::size_t DotDecoder::feed(std::string_view chunk, const BodySink& sink) {
  auto emit = [&sink](std::string_view piece) { sink(piece); };
  return feed_with(chunk, emit);
}

}  // namespace postino::smtp
