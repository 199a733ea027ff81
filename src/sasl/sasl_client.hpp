// Client side of SASL for the outbound SMTP client's relayhost AUTH
// (RFC 4954): PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256 (RFC 5802, RFC 7677,
// without channel binding: gs2 header "n,,").
// Security: the SCRAM client authenticates the server too: complete() fails
// unless the server's signature was verified; the server's iteration count is
// bounded so a hostile relay cannot make us spin.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::sasl {

struct SaslClientCredentials {
  std::string authcid;   // the login name
  std::string password;
  std::string authzid;   // empty: act as authcid
};

// One exchange; a new object per AUTH command.
class SaslClientMechanism {
 public:
  virtual ~SaslClientMechanism() = default;
  virtual std::string_view name() const = 0;

  // The initial response to send with the AUTH command (raw bytes; base64 on
  // the wire, "=" when empty), or nullopt to wait for the first challenge.
  virtual std::optional<std::string> initial_response() = 0;

  // The answer to a decoded server challenge. invalid_argument when the
  // challenge is malformed or unexpected (then send "*" to cancel).
  virtual Result<std::string> respond(std::string_view challenge) = 0;

  // The server said success (235 / OK), with `additional_data` if it carried
  // any. SCRAM: permission_denied unless the server signature was verified
  // (in a challenge or in `additional_data`). PLAIN/LOGIN: always ok.
  virtual Status complete(std::optional<std::string_view> additional_data) = 0;
};

std::unique_ptr<SaslClientMechanism> make_plain_client(SaslClientCredentials credentials);
std::unique_ptr<SaslClientMechanism> make_login_client(SaslClientCredentials credentials);
// `client_nonce` for tests only; empty means a fresh random nonce.
std::unique_ptr<SaslClientMechanism> make_scram_sha256_client(SaslClientCredentials credentials,
                                                              std::string client_nonce = {});

}  // namespace postino::sasl
