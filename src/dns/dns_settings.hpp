// DnsSettings: how Postino's resolver reaches DNS (forwarders or the system's
// /etc/resolv.conf), how long one lookup may take, and whether answers are
// DNSSEC-validated (needed for DANE, RFC 7672). Parsed once by config.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace postino::dns {

struct DnsSettings {
  // Resolvers to forward every query to, "ip" or "ip@port" ("127.0.0.1@5353",
  // "::1@53"). Empty: the nameservers of /etc/resolv.conf, plus /etc/hosts.
  std::vector<std::string> forwarders;
  // Upper bound for one lookup, retries included; then temporary failure.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // Validate answers (DnsResult::secure / bogus). Requires trust_anchor_file.
  bool dnssec = false;
  // Zone-file format DS or DNSKEY records, e.g. /usr/share/dns/root.key
  // (Debian dns-root-data). Read when the first lookup starts.
  std::string trust_anchor_file;
};

}  // namespace postino::dns
