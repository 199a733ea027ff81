// Server side of SASL (RFC 4422) as step machines that never block and never
// touch a socket or a password store: the session feeds each decoded client
// message to step(), and answers the two credential requests (a password to
// check, SCRAM secrets to look up) itself, typically on the blocking pool,
// then resumes the machine with the result.
// Security: every field is bounded (kMaxSaslMessageBytes, kMaxSaslFieldBytes,
// kMaxSaslPasswordBytes), NUL and control characters in identities are
// refused, and a failure never says whether the user exists. Passwords appear
// only inside SaslNeedPasswordCheck; never log that step.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sasl/channel_binding.hpp"
#include "sasl/scram_secrets.hpp"

namespace postino::sasl {

// Limits on what a client may send. A client message longer than
// kMaxSaslMessageBytes (after base64 decoding) fails as malformed.
inline constexpr std::size_t kMaxSaslMessageBytes = 4096;
inline constexpr std::size_t kMaxSaslFieldBytes = 255;       // authcid, authzid
inline constexpr std::size_t kMaxSaslPasswordBytes = 1024;   // = directory's kMaxPasswordBytes

// Send `data` to the client as a challenge (base64 on the wire; "334 " in
// SMTP, "+ " in IMAP) and call step() with its answer.
struct SaslChallenge {
  std::string data;
};

// Authenticated. `authzid` is the identity to act as: equal to authcid unless
// the mechanism's AuthzPolicy allowed another. `server_final` (SCRAM's
// "v=...") must reach the client: as SMTP "334 <b64>" followed by an empty
// client line then 235, or IMAP's "+ <b64>" (or the tagged OK's SASL data).
struct SaslSuccess {
  std::string authcid;
  std::string authzid;
  std::optional<std::string> server_final;
};

enum class SaslFailureKind {
  malformed,           // syntax, limits, wrong state, client cancelled ("*")
  bad_credentials,     // unknown user or wrong password: indistinguishable
  authz_not_allowed,   // authenticated, but may not act as the requested authzid
  channel_binding,     // channel binding missing, mismatched or downgraded
};

struct SaslFailure {
  SaslFailureKind kind = SaslFailureKind::malformed;
  std::string reason;  // for logs only: never contains a password
};

// PLAIN and LOGIN: check `password` for `authcid` (the directory's verify on
// the blocking pool), then call password_checked(result).
struct SaslNeedPasswordCheck {
  std::string authcid;
  std::string password;
};

// SCRAM: look up the stored secrets of `authcid`, then call
// scram_credentials_found(secrets or nullopt for an unknown user or one
// without SCRAM secrets).
struct SaslNeedScramCredentials {
  std::string authcid;
};

using SaslStep = std::variant<SaslChallenge, SaslSuccess, SaslFailure, SaslNeedPasswordCheck,
                              SaslNeedScramCredentials>;

const char* sasl_failure_kind_name(SaslFailureKind kind);

// May `authcid` act as `authzid` (a non-empty authzid different from authcid)?
// Called synchronously, after the credentials were verified; the default
// (empty function) allows nothing.
using AuthzPolicy = std::function<bool(std::string_view authcid, std::string_view authzid)>;

// One authentication exchange; create a new object per AUTH/AUTHENTICATE.
// Not thread-safe (one session drives it). After SaslSuccess or SaslFailure
// every further call fails as malformed.
class SaslServerMechanism {
 public:
  virtual ~SaslServerMechanism() = default;

  // The IANA name, upper case ("PLAIN", "SCRAM-SHA-256-PLUS").
  virtual std::string_view name() const = 0;

  // Begins the exchange. `initial_response` is the decoded SASL-IR (RFC 4959,
  // RFC 4954 "AUTH PLAIN <b64>"; "=" is the empty response), or nullopt when
  // the client sent none.
  virtual SaslStep start(std::optional<std::string_view> initial_response) = 0;

  // The client's decoded answer to the last SaslChallenge.
  virtual SaslStep step(std::string_view client_message) = 0;

  // Resumes after SaslNeedPasswordCheck. Calling it at any other time is a
  // programmer error (asserts).
  virtual SaslStep password_checked(bool password_ok);

  // Resumes after SaslNeedScramCredentials. Programmer error otherwise.
  virtual SaslStep scram_credentials_found(std::optional<ScramSecrets> secrets);

  // The client cancelled ("*" in SMTP and IMAP): always a malformed failure.
  SaslStep cancel();
};

// Settings for the SCRAM mechanisms.
struct ScramServerOptions {
  // Key for the deterministic fake salt answered for unknown users
  // (HMAC-SHA-256(secret, name)): the same name always gets the same salt, so
  // probing does not reveal which users exist. Must be a per-installation
  // secret of at least 16 bytes; kept in the server's key directory.
  std::string fake_salt_secret;
  // Iteration count announced for unknown users: make it the one real users have.
  std::uint32_t fake_iterations = kScramDefaultIterations;
  // Tests only (RFC 7677's example): the server nonce part; empty = random.
  std::string fixed_server_nonce;
};

// Factories. `authz` may be empty (only authzid == authcid or empty is allowed).
std::unique_ptr<SaslServerMechanism> make_plain_server(AuthzPolicy authz = {});
std::unique_ptr<SaslServerMechanism> make_login_server();
// SCRAM-SHA-256 (RFC 7677). `binding` describes the connection: when the
// server also offers -PLUS on it (binding.plus_offered), a client that says
// "y" (it could bind but thinks we cannot) is a downgrade and fails.
std::unique_ptr<SaslServerMechanism> make_scram_sha256_server(ScramServerOptions options,
                                                              ChannelBindingData binding,
                                                              AuthzPolicy authz = {});
// SCRAM-SHA-256-PLUS: the client must bind with a type present in `binding`.
std::unique_ptr<SaslServerMechanism> make_scram_sha256_plus_server(ScramServerOptions options,
                                                                   ChannelBindingData binding,
                                                                   AuthzPolicy authz = {});

}  // namespace postino::sasl
