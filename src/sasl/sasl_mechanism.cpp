// Defaults shared by the server mechanisms, and the identity rules.
#include "sasl/sasl_mechanism.hpp"

#include <cassert>

#include "common/address.hpp"
#include "sasl/sasl_identity.hpp"

namespace postino::sasl {

const char* sasl_failure_kind_name(SaslFailureKind kind) {
  switch (kind) {
    case SaslFailureKind::malformed: return "malformed";
    case SaslFailureKind::bad_credentials: return "bad_credentials";
    case SaslFailureKind::authz_not_allowed: return "authz_not_allowed";
    case SaslFailureKind::channel_binding: return "channel_binding";
  }
  return "unknown";
}

SaslStep SaslServerMechanism::password_checked(bool) {
  assert(false && "password_checked() without SaslNeedPasswordCheck");
  return SaslFailure{SaslFailureKind::malformed, "unexpected password result"};
}

SaslStep SaslServerMechanism::scram_credentials_found(std::optional<ScramSecrets>) {
  assert(false && "scram_credentials_found() without SaslNeedScramCredentials");
  return SaslFailure{SaslFailureKind::malformed, "unexpected credentials"};
}

SaslStep SaslServerMechanism::cancel() { return SaslFailure{SaslFailureKind::malformed, "cancelled by client"}; }

namespace detail {

bool valid_identity(std::string_view name) {
  if (name.empty() || name.size() > kMaxSaslFieldBytes) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return is_valid_utf8(name);
}

}  // namespace detail
}  // namespace postino::sasl
