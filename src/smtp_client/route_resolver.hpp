// Route resolution for outbound SMTP: transport map and relayhost (R-MX8,
// Postfix transport(5) conventions), MX lookup ordered by preference with
// equal preferences shuffled (RFC 5321 5.1), implicit MX from A/AAAA when a
// domain has no MX, null MX (RFC 7505 3.2: fail at once, 5.1.10), and each
// host's IPv6 and IPv4 addresses.
// Security: MX targets come from DNS and are untrusted: checked as host names
// (dns::check_query_name) before any lookup; the host list is bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "dns/resolver.hpp"
#include "smtp_client/outbound_types.hpp"
#include "smtp_client/smtp_client_settings.hpp"

namespace postino::smtp_client {

inline constexpr std::size_t kMaxMxHosts = 10;  // Postfix smtp_mx_address_limit-like bound

// Parses "[host]:port", "[host]", "host:port", "host" (see NextHop). An IPv6
// literal needs brackets ("[2001:db8::1]:2525", "[ipv6:2001:db8::1]").
// invalid_argument on a bad host or port.
Result<NextHop> parse_next_hop(std::string_view text);

// Where the recipient's mail goes: the transport map entry for the address,
// its domain, or a parent ".domain"; else the relayhost; else nullopt (the
// recipient domain's own MX). Lookups are case-insensitive.
std::optional<NextHop> route_override(const SmtpClientSettings& settings, std::string_view recipient);

// The destination key recipients are grouped by (one SMTP transaction, one
// connection cache entry, one concurrency counter): the next hop text when
// overridden, otherwise the lower-case recipient domain.
std::string destination_key(const SmtpClientSettings& settings, std::string_view recipient);

// Sorts by preference and shuffles each run of equal preferences with rng
// (RFC 5321 5.1). Exposed for tests.
void order_mx(std::vector<dns::MxRecord>& records, std::mt19937& rng);

// A failed resolution: Error::code is temporary_failure (retry later) or
// not_found (permanent: bounce); Error::message starts with the enhanced
// status code and a space, e.g. "5.1.10 Domain example.org does not accept
// mail (nullMX)". split_status() takes them apart.
struct RouteFailure {
  bool permanent = false;
  std::string enhanced;  // "5.1.2"
  std::string text;
};
RouteFailure split_status(const Error& error);

// The hosts to try for `domain` (lower-case A-label), or for next_hop when
// given (its port; else smtp_port). seed drives the shuffle. MX lookup (or the bracketed host alone), then A and AAAA of each
// host; hosts without any address are dropped (unless every host fails
// temporarily: then the result is temporary). Order: MX preference,
// shuffled within a preference; per host IPv6 then IPv4.
// Errors: NXDOMAIN -> permanent 5.1.2; null MX -> permanent 5.1.10 (RFC 7505);
// no MX and no address -> permanent 5.1.2 (hosts of an MX set without
// addresses -> temporary 4.4.4 if any lookup failed temporarily, else
// permanent 5.4.4); SERVFAIL / timeout -> temporary 4.4.3.
boost::asio::awaitable<Result<std::vector<MxHost>>> resolve_destination(dns::Resolver& resolver, std::string domain,
                                                                        std::optional<NextHop> next_hop,
                                                                        std::uint16_t smtp_port, std::uint32_t seed);

}  // namespace postino::smtp_client
