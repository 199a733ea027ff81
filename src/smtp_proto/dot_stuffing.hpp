// Incremental DATA decoder (RFC 5321 4.5.2, 4.1.1.4): un-dot-stuffs, finds CRLF.CRLF,
// counts size, bare CR/LF, NUL and Received: fields (6.3), returns what follows.
// Security: untrusted input. ONLY CRLF.CRLF ends the body, never LF.LF, LF.CRLF or
// CR.CRLF (SMTP smuggling). Constant state; output goes straight to the sink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "smtp_proto/hop_counter.hpp"

namespace postino::smtp {

// The sink receives output in pieces of at most this many octets.
inline constexpr std::size_t kMaxSinkPieceBytes = 64 * 1024;

struct DataStats {
  std::uint64_t message_bytes = 0;  // un-stuffed octets, counted past the limit too (saturating)
  std::uint64_t bare_lf = 0;        // LF not preceded by CR
  std::uint64_t bare_cr = 0;        // CR not followed by LF
  std::uint64_t nul = 0;            // NUL octets
  std::uint32_t received_headers = 0;
};

using BodySink = std::function<void(std::string_view)>;

class DotDecoder {
 public:
  // Once message_bytes exceeds max_message_bytes, over_limit() is true and
  // nothing more reaches the sink, but decoding goes on to the terminator so
  // the server can answer 552 5.3.4 in step with the client.
  explicit DotDecoder(std::uint64_t max_message_bytes);

  // Decodes chunk (any split of the stream, even inside CRLF.CRLF). Returns
  // how many octets of chunk belong to the body, terminator included: when
  // done(), chunk.substr(result) is what the client sent next (pipelining).
  // After done() it consumes nothing. The message excludes the final ".CRLF"
  // and keeps the CRLF before it, so it ends with CRLF unless empty.
  std::size_t feed(std::string_view chunk, std::string& out);
  std::size_t feed(std::string_view chunk, const BodySink& sink);

  bool done() const { return state_ == State::done; }
  bool over_limit() const { return over_limit_; }
  DataStats stats() const;

 private:
  enum class State : std::uint8_t {
    line_start,  // after CRLF (initially: after the DATA command's CRLF)
    dot,         // a '.' at line start, withheld
    dot_cr,      // ".\r" at line start, withheld
    middle,
    cr,          // after a CR in content (already emitted)
    done,
  };

  template <class Emit>
  std::size_t feed_with(std::string_view chunk, Emit& emit);
  template <class Emit>
  void output(std::string_view bytes, Emit& emit);

  std::uint64_t max_message_bytes_;
  State state_ = State::line_start;
  bool over_limit_ = false;
  DataStats stats_;
  HopCounter hops_;
};

}  // namespace postino::smtp
