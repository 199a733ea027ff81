// Names of outcome kinds and TLS policies; NextHop text form.
#include "smtp_client/outbound_types.hpp"

#include "common/address.hpp"
#include "smtp_client/smtp_client_settings.hpp"

namespace postino::smtp_client {

const char* outcome_kind_name(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::delivered: return "sent";
    case OutcomeKind::deferred: return "deferred";
    case OutcomeKind::failed: return "bounced";
  }
  return "deferred";
}

const char* tls_policy_name(TlsPolicy policy) {
  switch (policy) {
    case TlsPolicy::none: return "none";
    case TlsPolicy::may: return "may";
    case TlsPolicy::encrypt: return "encrypt";
    case TlsPolicy::verify: return "verify";
  }
  return "may";
}

bool parse_tls_policy(std::string_view text, TlsPolicy& out) {
  const std::string lower = ascii_lower(text);
  for (TlsPolicy p : {TlsPolicy::none, TlsPolicy::may, TlsPolicy::encrypt, TlsPolicy::verify}) {
    if (lower == tls_policy_name(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

std::string NextHop::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = mx_lookup && !v6 ? host : "[" + host + "]";
  if (port != 25) out += ":" + std::to_string(port);
  return out;
}

}  // namespace postino::smtp_client
